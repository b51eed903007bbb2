import { DuckDBTypeId, type DuckDBType, type DuckDBDecimalType, type DuckDBListType, type DuckDBArrayType, type DuckDBStructType, type DuckDBMapType } from '@duckdb/node-api';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { DatasetFieldSchema, DatasetSchema, SchemaFieldType } from './engine.types.js';
import { quoteIdentifier } from './duckdb.js';

/** Largest DECIMAL precision DuckDB (and Parquet's fixed-length decimals here) can hold. */
export const MAX_DECIMAL_PRECISION = 38;

const SCALAR_SQL: Partial<Record<SchemaFieldType, string>> = {
  BOOLEAN: 'BOOLEAN',
  BYTE: 'TINYINT',
  SHORT: 'SMALLINT',
  INTEGER: 'INTEGER',
  LONG: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  STRING: 'VARCHAR',
  DATE: 'DATE',
  // Foundry timestamps are instants; TIMESTAMPTZ is written to Parquet as isAdjustedToUTC=true,
  // which is how Spark and other readers expect an instant.
  TIMESTAMP: 'TIMESTAMP WITH TIME ZONE',
  BINARY: 'BLOB',
};

/**
 * The DuckDB SQL type a Foundry field is stored as (its canonical type). Dataset files always
 * hold canonical types, so reads never need to cast.
 */
export function duckdbTypeSql(field: DatasetFieldSchema): string {
  const scalar = SCALAR_SQL[field.type];
  if (scalar) return scalar;
  switch (field.type) {
    case 'DECIMAL':
      return `DECIMAL(${field.precision ?? MAX_DECIMAL_PRECISION},${field.scale ?? 0})`;
    case 'ARRAY':
      return `${duckdbTypeSql(required(field.arraySubtype, field, 'arraySubtype'))}[]`;
    case 'MAP':
      return `MAP(${duckdbTypeSql(required(field.mapKeyType, field, 'mapKeyType'))}, ${duckdbTypeSql(required(field.mapValueType, field, 'mapValueType'))})`;
    case 'STRUCT':
      return `STRUCT(${(field.subSchemas ?? []).map((f) => `${quoteIdentifier(f.name ?? '')} ${duckdbTypeSql(f)}`).join(', ')})`;
    default:
      throw new InvalidArgumentError('InvalidSchema', { field: field.name, problem: `unknown field type ${String(field.type)}` });
  }
}

function required<T>(value: T | undefined, field: DatasetFieldSchema, what: string): T {
  if (value === undefined) throw new InvalidArgumentError('InvalidSchema', { field: field.name, problem: `${field.type} field without ${what}` });
  return value;
}

/** Thrown for a column whose DuckDB type has no Foundry counterpart worth storing. */
export class UnsupportedColumnTypeError extends InvalidArgumentError {
  constructor(column: string | undefined, duckdbType: string) {
    super('UnsupportedColumnType', { column, duckdbType }, `column \`${column ?? '?'}\` has type ${duckdbType}, which datasets cannot store`);
  }
}

/**
 * Maps a DuckDB type to a Foundry field. Types Foundry lacks are widened to one that holds every
 * value (unsigned → next signed size or DECIMAL, HUGEINT → DECIMAL(38,0), UUID/ENUM/TIME/INTERVAL/
 * BIT → STRING, other timestamp units → TIMESTAMP); an import then casts the column to
 * {@link duckdbTypeSql} of the result. UNION, VARIANT, GEOMETRY and BIGNUM are refused with
 * {@link UnsupportedColumnTypeError}. Fields are nullable: DuckDB's Parquet files always are.
 */
export function fieldFromDuckDBType(type: DuckDBType, name?: string): DatasetFieldSchema {
  const base = (t: SchemaFieldType): DatasetFieldSchema => (name === undefined ? { type: t, nullable: true } : { type: t, name, nullable: true });
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return base('BOOLEAN');
    case DuckDBTypeId.TINYINT:
      return base('BYTE');
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return base('SHORT');
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return base('INTEGER');
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return base('LONG');
    case DuckDBTypeId.UBIGINT:
      return { ...base('DECIMAL'), precision: 20, scale: 0 };
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { ...base('DECIMAL'), precision: MAX_DECIMAL_PRECISION, scale: 0 };
    case DuckDBTypeId.FLOAT:
      return base('FLOAT');
    case DuckDBTypeId.DOUBLE:
      return base('DOUBLE');
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return { ...base('DECIMAL'), precision: d.width, scale: d.scale };
    }
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.BIT:
    // A column that is NULL in every sampled row (JSON) has no type to keep; STRING loses nothing.
    case DuckDBTypeId.SQLNULL:
      return base('STRING');
    case DuckDBTypeId.BLOB:
      return base('BINARY');
    case DuckDBTypeId.DATE:
      return base('DATE');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return base('TIMESTAMP');
    case DuckDBTypeId.LIST:
      return { ...base('ARRAY'), arraySubtype: fieldFromDuckDBType((type as DuckDBListType).valueType) };
    case DuckDBTypeId.ARRAY:
      return { ...base('ARRAY'), arraySubtype: fieldFromDuckDBType((type as DuckDBArrayType).valueType) };
    case DuckDBTypeId.STRUCT: {
      const s = type as DuckDBStructType;
      return { ...base('STRUCT'), subSchemas: s.entryNames.map((n, i) => fieldFromDuckDBType(s.entryTypes[i]!, n)) };
    }
    case DuckDBTypeId.MAP: {
      const m = type as DuckDBMapType;
      return { ...base('MAP'), mapKeyType: fieldFromDuckDBType(m.keyType), mapValueType: fieldFromDuckDBType(m.valueType) };
    }
    default:
      throw new UnsupportedColumnTypeError(name, type.toString());
  }
}

/**
 * Whether a DuckDB type is exactly the canonical storage type of the field it maps to, i.e.
 * whether an import may copy the column as it is instead of casting it.
 */
export function isCanonicalDuckDBType(type: DuckDBType): boolean {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.BLOB:
      return true;
    // The JSON alias is a VARCHAR underneath; Parquet would tag it as JSON, which Foundry lacks.
    case DuckDBTypeId.VARCHAR:
      return type.alias === undefined;
    case DuckDBTypeId.LIST:
      return isCanonicalDuckDBType((type as DuckDBListType).valueType);
    case DuckDBTypeId.STRUCT:
      return (type as DuckDBStructType).entryTypes.every(isCanonicalDuckDBType);
    case DuckDBTypeId.MAP:
      return isCanonicalDuckDBType((type as DuckDBMapType).keyType) && isCanonicalDuckDBType((type as DuckDBMapType).valueType);
    default:
      return false;
  }
}

/** A Foundry schema from the column names and types of a DuckDB result or prepared statement. */
export function schemaFromDuckDB(names: readonly string[], types: readonly DuckDBType[]): DatasetSchema {
  return { fieldSchemaList: names.map((n, i) => fieldFromDuckDBType(types[i]!, n)) };
}

/** The outcome of {@link schemasCompatible}: `difference` describes the first mismatch. */
export type SchemaCompatibility = { compatible: true } | { compatible: false; difference: string };

function typeLabel(f: DatasetFieldSchema): string {
  switch (f.type) {
    case 'DECIMAL':
      return `DECIMAL(${f.precision ?? '?'},${f.scale ?? '?'})`;
    case 'ARRAY':
      return `ARRAY<${f.arraySubtype ? typeLabel(f.arraySubtype) : '?'}>`;
    case 'MAP':
      return `MAP<${f.mapKeyType ? typeLabel(f.mapKeyType) : '?'}, ${f.mapValueType ? typeLabel(f.mapValueType) : '?'}>`;
    case 'STRUCT':
      return `STRUCT<${(f.subSchemas ?? []).map((s) => `${s.name ?? '?'}: ${typeLabel(s)}`).join(', ')}>`;
    default:
      return f.type;
  }
}

function fieldDifference(path: string, a: DatasetFieldSchema, b: DatasetFieldSchema): string | undefined {
  if (a.type !== b.type || (a.type === 'DECIMAL' && (a.precision !== b.precision || a.scale !== b.scale))) {
    return `field \`${path}\` is ${typeLabel(a)} in one schema and ${typeLabel(b)} in the other`;
  }
  if (a.type === 'ARRAY') return fieldDifference(`${path}[]`, a.arraySubtype!, b.arraySubtype!);
  if (a.type === 'MAP') return fieldDifference(`${path}.key`, a.mapKeyType!, b.mapKeyType!) ?? fieldDifference(`${path}.value`, a.mapValueType!, b.mapValueType!);
  if (a.type === 'STRUCT') return listDifference(`${path}.`, a.subSchemas ?? [], b.subSchemas ?? []);
  return undefined;
}

function listDifference(prefix: string, a: DatasetFieldSchema[], b: DatasetFieldSchema[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const fa = a[i];
    const fb = b[i];
    if (!fa) return `field \`${prefix}${fb!.name ?? i}\` (position ${i + 1}) exists only in the second schema`;
    if (!fb) return `field \`${prefix}${fa.name ?? i}\` (position ${i + 1}) exists only in the first schema`;
    if (fa.name !== fb.name) return `field at position ${i + 1} is \`${prefix}${fa.name ?? ''}\` in one schema and \`${prefix}${fb.name ?? ''}\` in the other`;
    const d = fieldDifference(`${prefix}${fa.name ?? i}`, fa, fb);
    if (d) return d;
  }
  return undefined;
}

/**
 * Whether data of schema `b` may be appended to a dataset of schema `a`: the same field names,
 * types (DECIMAL precision and scale included, nested types recursively) and order. Nullability
 * and metadata are not compared: every stored column is nullable.
 */
export function schemasCompatible(a: DatasetSchema, b: DatasetSchema): SchemaCompatibility {
  const difference = listDifference('', a.fieldSchemaList, b.fieldSchemaList);
  return difference === undefined ? { compatible: true } : { compatible: false, difference };
}

const FIELD_TYPES = new Set<string>(['ARRAY', 'BINARY', 'BOOLEAN', 'BYTE', 'DATE', 'DECIMAL', 'DOUBLE', 'FLOAT', 'INTEGER', 'LONG', 'MAP', 'SHORT', 'STRING', 'STRUCT', 'TIMESTAMP']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(field: string, problem: string): never {
  throw new InvalidArgumentError('InvalidSchema', { field, problem }, `schema field \`${field}\`: ${problem}`);
}

// `path` locates the field before its name is known (`fieldSchemaList[2]`); errors after that
// name it by its dotted name (`address.street`), which is what the user wrote.
function validateField(v: unknown, path: string, named: boolean, parent?: string): DatasetFieldSchema {
  if (!isRecord(v)) invalid(path, 'must be an object');
  let label = path;
  if (named) {
    if (typeof v.name !== 'string' || v.name.length === 0) invalid(path, 'needs a non-empty name');
    if (v.name.includes('\0')) invalid(path, 'name contains a NUL character');
    label = parent === undefined ? v.name : `${parent}.${v.name}`;
  } else if (v.name !== undefined && typeof v.name !== 'string') {
    invalid(path, 'name must be a string');
  }
  if (typeof v.type !== 'string' || !FIELD_TYPES.has(v.type)) invalid(label, `unknown type ${JSON.stringify(v.type)}`);
  if (v.nullable !== undefined && typeof v.nullable !== 'boolean') invalid(label, 'nullable must be a boolean');
  const field: DatasetFieldSchema = { type: v.type as SchemaFieldType, nullable: v.nullable === undefined ? true : v.nullable };
  if (typeof v.name === 'string') field.name = v.name;
  if (v.userDefinedTypeClass !== undefined) {
    if (typeof v.userDefinedTypeClass !== 'string') invalid(label, 'userDefinedTypeClass must be a string');
    field.userDefinedTypeClass = v.userDefinedTypeClass;
  }
  if (v.customMetadata !== undefined) {
    if (!isRecord(v.customMetadata)) invalid(label, 'customMetadata must be an object');
    field.customMetadata = v.customMetadata;
  }
  switch (field.type) {
    case 'DECIMAL': {
      const { precision, scale } = v;
      if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
        invalid(label, `DECIMAL needs an integer precision between 1 and ${MAX_DECIMAL_PRECISION}`);
      }
      if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) invalid(label, 'DECIMAL needs an integer scale between 0 and the precision');
      field.precision = precision;
      field.scale = scale;
      break;
    }
    case 'ARRAY':
      field.arraySubtype = validateField(v.arraySubtype, `${label}.arraySubtype`, false);
      break;
    case 'MAP':
      field.mapKeyType = validateField(v.mapKeyType, `${label}.mapKeyType`, false);
      field.mapValueType = validateField(v.mapValueType, `${label}.mapValueType`, false);
      break;
    case 'STRUCT': {
      if (!Array.isArray(v.subSchemas) || v.subSchemas.length === 0) invalid(label, 'STRUCT needs a non-empty subSchemas list');
      field.subSchemas = v.subSchemas.map((s, i) => validateField(s, `${label}.subSchemas[${i}]`, true, label));
      assertUniqueNames(field.subSchemas, `${label}.`);
      break;
    }
    default:
      break;
  }
  return field;
}

function assertUniqueNames(fields: DatasetFieldSchema[], prefix: string): void {
  const seen = new Set<string>();
  for (const f of fields) {
    // DuckDB resolves names case-insensitively, so `a` and `A` would be one column there.
    const key = f.name!.toLowerCase();
    if (seen.has(key)) invalid(`${prefix}${f.name!}`, 'duplicate field name (names are compared case-insensitively)');
    seen.add(key);
  }
}

/**
 * Checks a user-supplied schema (from a request body or an import option) and returns it in
 * normalized form (nullable defaults to true, unknown properties dropped). Throws
 * InvalidArgumentError `InvalidSchema` with parameters `{ field, problem }` naming the first bad
 * field, by name for top-level fields and by path (`address.subSchemas[1]`) below.
 */
export function validateSchema(schema: unknown): DatasetSchema {
  if (!isRecord(schema) || !Array.isArray(schema.fieldSchemaList)) invalid('fieldSchemaList', 'the schema needs a fieldSchemaList array');
  if (schema.fieldSchemaList.length === 0) invalid('fieldSchemaList', 'the schema needs at least one field');
  const fields = schema.fieldSchemaList.map((f, i) => validateField(f, `fieldSchemaList[${i}]`, true));
  assertUniqueNames(fields, '');
  return { fieldSchemaList: fields };
}
