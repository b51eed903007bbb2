/**
 * The contract of libs/engine: DuckDB behind a small interface, so services never build engine
 * SQL themselves. Types follow Foundry's dataset schema (`@osdk/foundry.core` DatasetSchema).
 */

/** Foundry's dataset field types. */
export type SchemaFieldType =
  | 'ARRAY'
  | 'BINARY'
  | 'BOOLEAN'
  | 'BYTE'
  | 'DATE'
  | 'DECIMAL'
  | 'DOUBLE'
  | 'FLOAT'
  | 'INTEGER'
  | 'LONG'
  | 'MAP'
  | 'SHORT'
  | 'STRING'
  | 'STRUCT'
  | 'TIMESTAMP';

/** One field of a dataset schema, exactly Foundry's `DatasetFieldSchema` shape. */
export interface DatasetFieldSchema {
  type: SchemaFieldType;
  /** Absent only for nested element types (array items, map keys/values). */
  name?: string;
  nullable: boolean;
  /** DECIMAL only. */
  precision?: number;
  scale?: number;
  /** ARRAY only. */
  arraySubtype?: DatasetFieldSchema;
  /** MAP only. */
  mapKeyType?: DatasetFieldSchema;
  mapValueType?: DatasetFieldSchema;
  /** STRUCT only: the named fields. */
  subSchemas?: DatasetFieldSchema[];
  userDefinedTypeClass?: string;
  customMetadata?: Record<string, unknown>;
}

/** Foundry's `DatasetSchema`. */
export interface DatasetSchema {
  fieldSchemaList: DatasetFieldSchema[];
}

/** Tabular formats an upload can be imported from. */
export type ImportFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';

/** CSV/TSV parsing options; anything absent is detected. */
export interface CsvOptions {
  delimiter?: string;
  header?: boolean;
  quote?: string;
  escape?: string;
  /** `utf-8`, `utf-16` or `latin-1`; detected (BOM, UTF-8 validity) when absent. */
  encoding?: 'utf-8' | 'utf-16' | 'latin-1';
}

export interface ConvertInput {
  /** Local path of the uploaded file. */
  path: string;
  format: ImportFormat;
  csv?: CsvOptions;
  /** The user's schema: columns are read as these types instead of inferred ones. */
  schema?: DatasetSchema;
}

export interface ConvertResult {
  rowCount: number;
  schema: DatasetSchema;
  /** Size of the written Parquet file. */
  sizeBytes: number;
}

/** A readable table: the Parquet files of one dataset view. */
export interface TableSource {
  files: string[];
}

export interface PreviewResult {
  schema: DatasetSchema;
  /** JSON-safe values (LONG and DECIMAL as strings, DATE `YYYY-MM-DD`, TIMESTAMP ISO-8601, BINARY base64). */
  rows: unknown[][];
}

export interface ColumnStats {
  name: string;
  type: SchemaFieldType;
  nullCount: number;
  /** An estimate (HyperLogLog). */
  distinctCount: number;
  /** JSON-safe as in previews; absent for types without an order. */
  min?: unknown;
  max?: unknown;
}
