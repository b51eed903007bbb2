import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  FLOAT,
  INTEGER,
  LIST,
  MAP,
  SMALLINT,
  STRUCT,
  TIMESTAMP,
  TIMESTAMP_MS,
  TIMESTAMP_NS,
  TIMESTAMP_S,
  TIMESTAMPTZ,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  listValue,
  mapValue,
  structValue,
  type DuckDBArrayType,
  type DuckDBConnection,
  type DuckDBListType,
  type DuckDBListValue,
  type DuckDBMapType,
  type DuckDBMapValue,
  type DuckDBStructType,
  type DuckDBStructValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { Precision, TimeUnit, Type as ArrowType, tableFromIPC, type Data, type DataType, type Decimal, type Float, type Int, type List, type Map_, type Struct, type Timestamp } from 'apache-arrow';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { ColumnStats, DatasetSchema, PreviewResult, TableSource } from './engine.types.js';
import { arrowIpcStream, type ChunkSource } from './arrow.js';
import { assertLocalPath, quoteIdentifier, type Engine } from './duckdb.js';
import { fieldFromDuckDBType } from './schema.js';

// An empty file list is a table with no columns and no rows: a dataset view before its first
// transaction. DuckDB's read_parquet refuses an empty list, so every reader answers it itself.

function filesParam(source: TableSource): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  for (const f of source.files) assertLocalPath(f);
  return { values: { files: listValue(source.files) }, types: { files: LIST(VARCHAR) } };
}

interface Columns {
  names: string[];
  types: DuckDBType[];
}

async function columnsOf(conn: DuckDBConnection, source: TableSource): Promise<Columns> {
  const { values, types } = filesParam(source);
  const probe = await conn.run('SELECT * FROM read_parquet($files) LIMIT 0', values, types);
  return { names: probe.columnNames(), types: probe.columnTypes() };
}

/**
 * Resolves requested column names against the table's (exact, case-sensitive match first, then
 * case-insensitive as DuckDB would) and returns them in the requested order. Throws
 * InvalidArgumentError `ColumnNotFound` naming the first unknown column.
 */
function selectColumns(all: Columns, requested: readonly string[] | undefined): Columns {
  if (requested === undefined) return all;
  if (!Array.isArray(requested)) throw new InvalidArgumentError('InvalidArgument', { parameter: 'columns', problem: 'must be a list of column names' });
  const names: string[] = [];
  const types: DuckDBType[] = [];
  for (const name of requested) {
    let i = typeof name === 'string' ? all.names.indexOf(name) : -1;
    if (i < 0 && typeof name === 'string') i = all.names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new InvalidArgumentError('ColumnNotFound', { column: name }, `column \`${String(name)}\` does not exist`);
    names.push(all.names[i]!);
    types.push(all.types[i]!);
  }
  return { names, types };
}

function selectList(columns: Columns): string {
  return columns.names.length === 0 ? '*' : columns.names.map(quoteIdentifier).join(', ');
}

function schemaOf(columns: Columns): DatasetSchema {
  return { fieldSchemaList: columns.names.map((n, i) => fieldFromDuckDBType(columns.types[i]!, n)) };
}

function nonNegativeInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError('InvalidArgument', { parameter: name, value, problem: `must be an integer between 0 and ${max}` });
  }
  return value;
}

/** Schema and row count of a set of Parquet files; the row count comes from their footers. */
export async function describeParquet(engine: Engine, files: string[]): Promise<{ schema: DatasetSchema; rowCount: number }> {
  if (files.length === 0) return { schema: { fieldSchemaList: [] }, rowCount: 0 };
  return engine.withConnection(async (conn) => {
    const columns = await columnsOf(conn, { files });
    const { values, types } = filesParam({ files });
    const counted = await conn.runAndReadAll('SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata($files)', values, types);
    return { schema: schemaOf(columns), rowCount: Number(counted.getRows()[0]?.[0] ?? 0) };
  });
}

// --- JSON-safe values ---------------------------------------------------------------------

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

// Days since 1970-01-01 → `YYYY-MM-DD` (proleptic Gregorian; H. Hinnant's civil_from_days).
// Pure integer arithmetic: several times faster than Date objects, which matters for exports.
function isoDate(days: number): string | undefined {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  // Four-digit years only; DuckDB's own text spells the others.
  if (y < 0 || y > 9999) return undefined;
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

const MICROS_PER_DAY = 86_400_000_000;

function isoFromMicros(micros: bigint): string | undefined {
  let days: number;
  let rest: number;
  if (micros >= -9_007_199_254_740_991n && micros <= 9_007_199_254_740_991n) {
    const n = Number(micros);
    days = Math.floor(n / MICROS_PER_DAY);
    rest = n - days * MICROS_PER_DAY;
  } else {
    const d = floorDiv(micros, 86_400_000_000n);
    days = Number(d);
    rest = Number(micros - d * 86_400_000_000n);
  }
  const date = isoDate(days);
  if (date === undefined) return undefined;
  const secs = Math.floor(rest / 1_000_000);
  const frac = rest - secs * 1_000_000;
  const time = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
  // Milliseconds always (as Date.toISOString), microseconds when there are any.
  const fraction = frac % 1000 === 0 ? String(frac / 1000).padStart(3, '0') : String(frac).padStart(6, '0');
  return `${date}T${time}.${fraction}Z`;
}

// DuckDB's infinite dates and timestamps print as `infinity`/`-infinity` in SQL; node-api's text
// for them is a sentinel date. They are recognized by their sentinel values: node-api's
// `isFinite` is a native call that costs more than formatting the value.
const DATE_POS_INF = DuckDBDateValue.PosInf.days;
const DATE_NEG_INF = DuckDBDateValue.NegInf.days;
const TS_POS_INF = DuckDBTimestampValue.PosInf.micros;
const TS_NEG_INF = DuckDBTimestampValue.NegInf.micros;

function timestampJson(raw: bigint, toMicros: (raw: bigint) => bigint, fallback: { toString(): string }): string {
  if (raw === TS_POS_INF) return 'infinity';
  if (raw === TS_NEG_INF) return '-infinity';
  return isoFromMicros(toMicros(raw)) ?? fallback.toString();
}

function dateJson(value: DuckDBDateValue): string {
  if (value.days === DATE_POS_INF) return 'infinity';
  if (value.days === DATE_NEG_INF) return '-infinity';
  return isoDate(value.days) ?? value.toString();
}

function numberJson(n: number): number | string {
  // JSON has no NaN or infinities; their names are what Foundry's JSON shows.
  return Number.isFinite(n) ? n : String(n);
}

/**
 * A DuckDB value as JSON-safe data (see {@link PreviewResult}): LONG, HUGEINT and DECIMAL as
 * strings (exact beyond 2^53), DATE `YYYY-MM-DD`, TIMESTAMP ISO-8601 in UTC with up to
 * microseconds, BINARY base64, NaN/±Infinity as strings, ARRAY as arrays, STRUCT as objects,
 * MAP as `[{ key, value }]` (keys need not be strings), anything else as DuckDB's text.
 */
export function jsonSafeValue(value: DuckDBValue | null, type: DuckDBType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return value;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return numberJson(value as number);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return String(value);
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.DATE:
      return dateJson(value as DuckDBDateValue);
    case DuckDBTypeId.TIMESTAMP:
      return timestampJson((value as DuckDBTimestampValue).micros, (m) => m, value);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampJson((value as DuckDBTimestampTZValue).micros, (m) => m, value);
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampJson((value as DuckDBTimestampSecondsValue).seconds, (x) => x * 1_000_000n, value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampJson((value as DuckDBTimestampMillisecondsValue).millis, (x) => x * 1000n, value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampJson((value as DuckDBTimestampNanosecondsValue).nanos, (x) => floorDiv(x, 1000n), value);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = (type as DuckDBListType | DuckDBArrayType).valueType;
      return (value as DuckDBListValue).items.map((v) => jsonSafeValue(v, item));
    }
    case DuckDBTypeId.STRUCT: {
      const s = type as DuckDBStructType;
      const entries = (value as DuckDBStructValue).entries;
      return Object.fromEntries(s.entryNames.map((n, i) => [n, jsonSafeValue(entries[n] ?? null, s.entryTypes[i]!)]));
    }
    case DuckDBTypeId.MAP: {
      const m = type as DuckDBMapType;
      return (value as DuckDBMapValue).entries.map((e) => ({ key: jsonSafeValue(e.key, m.keyType), value: jsonSafeValue(e.value, m.valueType) }));
    }
    default:
      // VARCHAR, DECIMAL (exact text), DATE (YYYY-MM-DD), UUID, TIME, INTERVAL...
      return String(value);
  }
}

// --- preview -------------------------------------------------------------------------------

/** Options of {@link preview}. */
export interface PreviewOptions {
  /** Rows to skip (file order). */
  offset?: number;
  /** Rows to return, at most {@link MAX_PREVIEW_ROWS}; default 100. */
  limit?: number;
  /** Columns to return, in this order; all by default. */
  columns?: string[];
}

/** Upper bound of {@link PreviewOptions.limit}: previews are for eyes, exports use readTable. */
export const MAX_PREVIEW_ROWS = 10_000;

/**
 * A page of rows in file order with JSON-safe values ({@link jsonSafeValue}). Unknown columns
 * throw InvalidArgumentError `ColumnNotFound`.
 */
export async function preview(engine: Engine, source: TableSource, options: PreviewOptions = {}): Promise<PreviewResult> {
  const offset = nonNegativeInteger('offset', options.offset ?? 0);
  const limit = nonNegativeInteger('limit', options.limit ?? 100, MAX_PREVIEW_ROWS);
  if (source.files.length === 0) {
    selectColumns({ names: [], types: [] }, options.columns);
    return { schema: { fieldSchemaList: [] }, rows: [] };
  }
  return engine.withConnection(async (conn) => {
    const columns = selectColumns(await columnsOf(conn, source), options.columns);
    const { values, types } = filesParam(source);
    const reader = await conn.runAndReadAll(`SELECT ${selectList(columns)} FROM read_parquet($files) LIMIT $limit OFFSET $offset`, { ...values, limit, offset }, types);
    const rows = reader.getRows().map((row) => row.map((v, i) => jsonSafeValue(v, columns.types[i]!)));
    return { schema: schemaOf(columns), rows };
  });
}

// --- column statistics ----------------------------------------------------------------------

function isOrderable(type: DuckDBType): boolean {
  return ![DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.UNION].includes(type.typeId);
}

/**
 * Per-column statistics over all rows, computed in ONE scan: null count, an approximate distinct
 * count (HyperLogLog) and, for ordered (non-nested) types, min and max as JSON-safe values.
 */
export async function columnStats(engine: Engine, source: TableSource): Promise<ColumnStats[]> {
  if (source.files.length === 0) return [];
  return engine.withConnection(async (conn) => {
    const columns = await columnsOf(conn, source);
    if (columns.names.length === 0) return [];
    const select: string[] = [];
    columns.names.forEach((name, i) => {
      const id = quoteIdentifier(name);
      select.push(`count(*) - count(${id})`, `approx_count_distinct(${id})`);
      if (isOrderable(columns.types[i]!)) select.push(`min(${id})`, `max(${id})`);
    });
    const { values, types } = filesParam(source);
    const reader = await conn.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet($files)`, values, types);
    const row = reader.getRows()[0] ?? [];
    let k = 0;
    return columns.names.map((name, i) => {
      const type = columns.types[i]!;
      const stats: ColumnStats = { name, type: fieldFromDuckDBType(type, name).type, nullCount: Number(row[k++]), distinctCount: Number(row[k++]) };
      if (isOrderable(type)) {
        const min = row[k++] ?? null;
        const max = row[k++] ?? null;
        // An all-NULL column has no min or max; leave them absent rather than null.
        if (min !== null) stats.min = jsonSafeValue(min, type);
        if (max !== null) stats.max = jsonSafeValue(max, type);
      }
      return stats;
    });
  });
}

// --- readTable ------------------------------------------------------------------------------

/** Options of {@link readTable}. */
export interface ReadTableOptions {
  format: 'ARROW' | 'CSV';
  /** Columns to return, in this order; all by default. */
  columns?: string[];
  /** At most this many rows (file order). */
  rowLimit?: number;
}

/** One CSV field: RFC 4180 quoting when the text holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

type CsvCell = (value: DuckDBValue | null) => string;

/**
 * The CSV text of one column's values, chosen once per column: numbers, dates, timestamps and
 * base64 never need quoting, so only text and JSON pay for the quoting check.
 */
function csvCell(type: DuckDBType): CsvCell {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return (v) => (v === null ? '' : String(v));
    case DuckDBTypeId.VARCHAR:
      return (v) => (v === null ? '' : csvField(v as string));
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return (v) => (v === null ? '' : (jsonSafeValue(v, type) as string));
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return (v) => (v === null ? '' : csvField(JSON.stringify(jsonSafeValue(v, type))));
    default:
      return (v) => (v === null ? '' : csvField(String(jsonSafeValue(v, type))));
  }
}

const encoder = new TextEncoder();

const EMPTY_RESULT: ChunkSource = { columnNames: () => [], columnTypes: () => [], fetchChunk: async () => null };

/**
 * Streams a table as Arrow IPC (stream format, one record batch per DuckDB chunk of ≤ 2048 rows)
 * or CSV (header row, RFC 4180 quoting, CRLF line ends, NULL as an empty field, values as in
 * previews, nested values as JSON). Only one chunk is in memory at a time.
 *
 * Returns after validating the request, so a bad column name throws InvalidArgumentError
 * `ColumnNotFound` before the first byte is sent; the DuckDB connection is opened when iteration
 * starts and closed when it ends or is abandoned (`break`/`return()`).
 *
 * An empty source gives an Arrow stream with an empty schema, or an empty CSV body.
 */
export async function readTable(engine: Engine, source: TableSource, options: ReadTableOptions): Promise<AsyncIterable<Uint8Array>> {
  if (options.format !== 'ARROW' && options.format !== 'CSV') throw new InvalidArgumentError('InvalidArgument', { parameter: 'format', value: options.format, problem: 'must be ARROW or CSV' });
  const rowLimit = options.rowLimit === undefined ? undefined : nonNegativeInteger('rowLimit', options.rowLimit);
  const columns = source.files.length === 0 ? selectColumns({ names: [], types: [] }, options.columns) : selectColumns(await engine.withConnection((conn) => columnsOf(conn, source)), options.columns);
  const format = options.format;
  return {
    async *[Symbol.asyncIterator]() {
      if (source.files.length === 0) {
        if (format === 'ARROW') yield* arrowIpcStream(EMPTY_RESULT);
        return;
      }
      const conn = await engine.connect();
      try {
        const { values, types } = filesParam(source);
        const limit = rowLimit === undefined ? '' : ' LIMIT $limit';
        const params = rowLimit === undefined ? values : { ...values, limit: rowLimit };
        const result = await conn.stream(`SELECT ${selectList(columns)} FROM read_parquet($files)${limit}`, params, types);
        if (format === 'ARROW') {
          yield* arrowIpcStream(result);
          return;
        }
        yield encoder.encode(columns.names.map(csvField).join(',') + '\r\n');
        const cells = columns.types.map(csvCell);
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const rows = chunk.rowCount;
          // Column by column (one formatter per column), then joined row by row.
          const texts = cells.map((cell, c) => {
            const vector = chunk.getColumnVector(c);
            const out = new Array<string>(rows);
            for (let r = 0; r < rows; r++) out[r] = cell(vector.getItem(r));
            return out;
          });
          let body = '';
          for (let r = 0; r < rows; r++) {
            let line = texts[0]![r]!;
            for (let c = 1; c < texts.length; c++) line += ',' + texts[c]![r]!;
            body += line + '\r\n';
          }
          yield encoder.encode(body);
        }
      } finally {
        conn.closeSync();
      }
    },
  };
}

// --- Arrow IPC back to rows ------------------------------------------------------------------

type ArrowColumn = { type: DataType; data: Data };

/** The DuckDB type an Arrow column of {@link arrowIpcStream} came from, as far as JSON can tell. */
function duckTypeOfArrow(type: DataType): DuckDBType {
  switch (type.typeId) {
    case ArrowType.Bool:
      return BOOLEAN;
    case ArrowType.Int: {
      const t = type as Int;
      const signed = { 8: TINYINT, 16: SMALLINT, 32: INTEGER, 64: BIGINT } as const;
      const unsigned = { 8: UTINYINT, 16: USMALLINT, 32: UINTEGER, 64: UBIGINT } as const;
      return (t.isSigned ? signed : unsigned)[t.bitWidth];
    }
    case ArrowType.Float:
      return (type as Float).precision === Precision.SINGLE ? FLOAT : DOUBLE;
    case ArrowType.Decimal:
      return DECIMAL((type as Decimal).precision, (type as Decimal).scale);
    case ArrowType.Date:
      return DATE;
    case ArrowType.Timestamp: {
      const t = type as Timestamp;
      if (t.unit === TimeUnit.SECOND) return TIMESTAMP_S;
      if (t.unit === TimeUnit.MILLISECOND) return TIMESTAMP_MS;
      if (t.unit === TimeUnit.NANOSECOND) return TIMESTAMP_NS;
      return t.timezone ? TIMESTAMPTZ : TIMESTAMP;
    }
    case ArrowType.Binary:
      return BLOB;
    case ArrowType.List:
      return LIST(duckTypeOfArrow((type as List).children[0]!.type));
    case ArrowType.Struct:
      return STRUCT(Object.fromEntries((type as Struct).children.map((f) => [f.name, duckTypeOfArrow(f.type)])));
    case ArrowType.Map: {
      const [key, value] = ((type as Map_).children[0]!.type as Struct).children;
      return MAP(duckTypeOfArrow(key!.type), duckTypeOfArrow(value!.type));
    }
    default:
      return VARCHAR;
  }
}

const utf8 = new TextDecoder();

/** Row `i` of an Arrow column as the DuckDB value it was written from (see arrow.ts `buildData`). */
function duckValueOfArrow(column: ArrowColumn, i: number): DuckDBValue | null {
  const { type, data } = column;
  // Data read from IPC is never sliced; the index arithmetic below relies on that.
  if (data.offset !== 0) throw new Error('sliced Arrow data is not supported');
  if (data.nullCount > 0 && data.nullBitmap && (data.nullBitmap[i >> 3]! & (1 << (i & 7))) === 0) return null;
  const values = data.values as ArrayLike<number | bigint> & { subarray(a: number, b: number): Uint8Array };
  switch (type.typeId) {
    case ArrowType.Bool:
      return ((values[i >> 3] as number) & (1 << (i & 7))) !== 0;
    case ArrowType.Int:
    case ArrowType.Float:
      return values[i]!;
    case ArrowType.Decimal: {
      let unscaled = 0n;
      for (let w = 3; w >= 0; w--) unscaled = (unscaled << 32n) | BigInt(values[i * 4 + w] as number);
      const t = type as Decimal;
      return new DuckDBDecimalValue(BigInt.asIntN(128, unscaled), t.precision, t.scale);
    }
    case ArrowType.Date:
      return new DuckDBDateValue(values[i] as number);
    case ArrowType.Timestamp: {
      const raw = values[i] as bigint;
      const t = type as Timestamp;
      if (t.unit === TimeUnit.SECOND) return new DuckDBTimestampSecondsValue(raw);
      if (t.unit === TimeUnit.MILLISECOND) return new DuckDBTimestampMillisecondsValue(raw);
      if (t.unit === TimeUnit.NANOSECOND) return new DuckDBTimestampNanosecondsValue(raw);
      return t.timezone ? new DuckDBTimestampTZValue(raw) : new DuckDBTimestampValue(raw);
    }
    case ArrowType.Utf8:
    case ArrowType.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = values.subarray(offsets[i]!, offsets[i + 1]!);
      return type.typeId === ArrowType.Utf8 ? utf8.decode(bytes) : new DuckDBBlobValue(bytes);
    }
    case ArrowType.List: {
      const offsets = data.valueOffsets as Int32Array;
      const child = { type: (type as List).children[0]!.type, data: data.children[0]! };
      const items: (DuckDBValue | null)[] = [];
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) items.push(duckValueOfArrow(child, k));
      return listValue(items);
    }
    case ArrowType.Struct: {
      const fields = (type as Struct).children;
      return structValue(Object.fromEntries(fields.map((f, c) => [f.name, duckValueOfArrow({ type: f.type, data: data.children[c]! }, i)])));
    }
    case ArrowType.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      const [keyField, valueField] = ((type as Map_).children[0]!.type as Struct).children;
      const key = { type: keyField!.type, data: entries.children[0]! };
      const value = { type: valueField!.type, data: entries.children[1]! };
      const out: { key: DuckDBValue | null; value: DuckDBValue | null }[] = [];
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) out.push({ key: duckValueOfArrow(key, k), value: duckValueOfArrow(value, k) });
      return mapValue(out as never);
    }
    default:
      throw new Error(`unexpected Arrow type ${String(type)}`);
  }
}

/**
 * A page of the rows of an Arrow IPC stream written by {@link arrowIpcStream}, as {@link preview}
 * gives a page of a Parquet table: the schema in Foundry types and JSON-safe values
 * ({@link jsonSafeValue}), by way of the DuckDB types the Arrow columns were written from.
 */
export function previewArrowIpc(ipc: Uint8Array, options: Pick<PreviewOptions, 'offset' | 'limit'> = {}): PreviewResult {
  const offset = nonNegativeInteger('offset', options.offset ?? 0);
  const limit = nonNegativeInteger('limit', options.limit ?? 100, MAX_PREVIEW_ROWS);
  const table = tableFromIPC(ipc);
  const fields = table.schema.fields;
  const duckTypes = fields.map((f) => duckTypeOfArrow(f.type));
  const rows: unknown[][] = [];
  let skip = offset;
  for (const batch of table.batches) {
    if (rows.length >= limit) break;
    if (skip >= batch.numRows) {
      skip -= batch.numRows;
      continue;
    }
    const columns = fields.map((f, c) => ({ type: f.type, data: batch.data.children[c]! }));
    for (let r = skip; r < batch.numRows && rows.length < limit; r++) rows.push(columns.map((col, c) => jsonSafeValue(duckValueOfArrow(col, r), duckTypes[c]!)));
    skip = 0;
  }
  return { schema: { fieldSchemaList: fields.map((f, c) => fieldFromDuckDBType(duckTypes[c]!, f.name)) }, rows };
}
