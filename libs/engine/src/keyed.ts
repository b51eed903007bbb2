import { DuckDBTypeId, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { TableSource } from './engine.types.js';
import { assertLocalPath, quoteIdentifier, quoteString, type Engine } from './duckdb.js';
import { jsonSafeValue } from './read.js';

/**
 * Keyed reads: the rows of a table as records identified by a key column, for indexers that load
 * them into another store (the ontology's object tables). Rows that cannot become a record — a
 * null or repeated key, a value the target cannot hold — are counted and described, never
 * dropped silently or coerced.
 */

/** One output field, read from a column. */
export interface KeyedField {
  column: string;
  /** `geopoint`: the column holds `"lat,lon"` text; the output is PostgreSQL `point` text `(lon,lat)`. */
  as?: 'value' | 'geopoint' | undefined;
  /** A null value makes the row invalid. */
  required?: boolean | undefined;
}

export interface KeyedReadOptions {
  /** The key column: a null value makes the row invalid, and so does a repeated one unless `unique` is false. */
  key: string;
  unique?: boolean | undefined;
  /** How reasons name the key column (`primary key` by default). */
  keyLabel?: string | undefined;
  /** Output fields, named `c0`, `c1`, … in this order. */
  fields: KeyedField[];
  /** How many invalid rows to describe (all are counted). */
  maxInvalidExamples: number;
  /** Rows per batch of {@link KeyedRead.batches}. */
  batchRows?: number | undefined;
  /** What a batch holds (`json` by default): see {@link KeyedRead.batches}. */
  format?: 'json' | 'csv' | undefined;
}

export interface InvalidKeyedRow {
  /** The key as text, or null. */
  key: string | null;
  reason: string;
  /** The row's fields by column name, as JSON. */
  values: Record<string, unknown>;
}

export interface KeyedRead {
  validCount: number;
  invalidCount: number;
  invalidExamples: InvalidKeyedRow[];
  /**
   * The valid rows, `batchRows` at a time. As `json`: an array of `{ c0, c1, … }` objects —
   * numbers exact as JSON numbers, dates and timestamps as text PostgreSQL reads, non-finite
   * floats as `"nan"`/`"inf"` strings, arrays and structs as JSON. As `csv`: lines of the same
   * values in PostgreSQL's CSV for COPY (every value quoted, with the text PostgreSQL reads from
   * the JSON value: a string's contents, a number's digits, an array's JSON; null unquoted empty).
   */
  batches(): AsyncIterable<{ data: string; rows: number }>;
}

const GEOPOINT_RE = `^\\s*[-+]?[0-9]+(\\.[0-9]+)?\\s*,\\s*[-+]?[0-9]+(\\.[0-9]+)?\\s*$`;

function isFloat(t: DuckDBType): boolean {
  return t.typeId === DuckDBTypeId.FLOAT || t.typeId === DuckDBTypeId.DOUBLE;
}

/** Reasons a field's value is unusable, as a SQL CASE arm list (each `WHEN … THEN reason`). */
function fieldChecks(field: KeyedField, type: DuckDBType): string[] {
  const c = quoteIdentifier(field.column);
  const label = quoteString(`column \`${field.column}\`: `);
  const checks: string[] = field.required ? [`WHEN ${c} IS NULL THEN ${label} || 'is null'`] : [];
  if (field.as === 'geopoint') {
    checks.push(
      `WHEN ${c} IS NOT NULL AND NOT regexp_matches(${c}, ${quoteString(GEOPOINT_RE)}) THEN ${label} || '''' || left(${c}, 100) || ''' is not a geopoint ("lat,lon")'`,
      `WHEN ${c} IS NOT NULL AND (abs(trim(split_part(${c}, ',', 1))::DOUBLE) > 90 OR abs(trim(split_part(${c}, ',', 2))::DOUBLE) > 180) THEN ${label} || '''' || left(${c}, 100) || ''' is out of range (latitude within ±90, longitude within ±180)'`,
    );
  } else if (type.typeId === DuckDBTypeId.VARCHAR) {
    // PostgreSQL text cannot hold NUL.
    checks.push(`WHEN contains(${c}, chr(0)) THEN ${label} || 'contains a NUL character'`);
  }
  return checks;
}

function fieldValue(field: KeyedField, type: DuckDBType): string {
  const c = quoteIdentifier(field.column);
  if (field.as === 'geopoint') {
    return `to_json('(' || trim(split_part(${c}, ',', 2))::DOUBLE || ',' || trim(split_part(${c}, ',', 1))::DOUBLE || ')')`;
  }
  if (isFloat(type)) return `CASE WHEN ${c} IS NULL OR isfinite(${c}) THEN to_json(${c}) ELSE to_json(${c}::VARCHAR) END`;
  return `to_json(${c})`;
}

/**
 * A field as a value of a CSV line for PostgreSQL's COPY: the text PostgreSQL would read from its
 * JSON value (`fieldValue`) — a JSON string's contents, any other JSON as written — quoted; null
 * as nothing.
 */
function csvField(field: KeyedField, type: DuckDBType): string {
  const c = quoteIdentifier(field.column);
  const json = fieldValue(field, type);
  // Text, whole numbers and booleans are written as they are (the same text, without JSON's detour).
  const text =
    field.as !== 'geopoint' && type.typeId === DuckDBTypeId.VARCHAR
      ? c
      : field.as !== 'geopoint' && AS_TEXT.has(type.typeId)
        ? `${c}::VARCHAR`
        : `CASE json_type(${json}) WHEN 'VARCHAR' THEN json_extract_string(${json}, '$') ELSE ${json}::VARCHAR END`;
  return `CASE WHEN ${c} IS NULL THEN '' ELSE '"' || replace(${text}, '"', '""') || '"' END`;
}

/** Types whose VARCHAR cast is the text of their JSON value. */
const AS_TEXT = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
]);

/**
 * Reads `source` as keyed records: counts and describes the invalid rows, then streams the valid
 * ones. A repeated key makes every row that has it invalid (no row can be preferred over another).
 * Throws InvalidArgumentError `ColumnNotFound` when the key or a field names no column.
 */
export async function readKeyed(engine: Engine, source: TableSource, options: KeyedReadOptions): Promise<KeyedRead> {
  for (const f of source.files) assertLocalPath(f);
  const batchRows = options.batchRows ?? 5000;
  const params = { values: { files: listValue(source.files) }, types: { files: LIST(VARCHAR) } };
  const empty: KeyedRead = { validCount: 0, invalidCount: 0, invalidExamples: [], batches: async function* () {} };
  if (source.files.length === 0) return empty;

  const columns = await engine.withConnection(async (conn) => {
    const probe = await conn.run('SELECT * FROM read_parquet($files) LIMIT 0', params.values, params.types);
    return new Map(probe.columnNames().map((n, i) => [n, probe.columnTypes()[i]!]));
  });
  const typeOf = (column: string) => {
    const t = columns.get(column);
    if (!t) throw new InvalidArgumentError('ColumnNotFound', { column });
    return t;
  };
  typeOf(options.key);
  const types = options.fields.map((f) => typeOf(f.column));
  const key = quoteIdentifier(options.key);
  const reasons = [
    `WHEN ${key} IS NULL THEN ${quoteString(`${options.keyLabel ?? 'primary key'} \`${options.key}\` is null`)}`,
    `WHEN __dup.n IS NOT NULL THEN ${quoteString(`${options.keyLabel ?? 'primary key'} \`${options.key}\``)} || ' value ''' || left(${key}::VARCHAR, 100) || ''' appears in ' || __dup.n || ' rows'`,
    ...options.fields.flatMap((f, i) => fieldChecks(f, types[i]!)),
  ];
  const distinct = [...new Set([options.key, ...options.fields.map((f) => f.column)])];
  const checked = `WITH __src AS (SELECT ${distinct.map(quoteIdentifier).join(', ')} FROM read_parquet($files)),
    __dups AS (SELECT ${key} AS k, count(*) AS n FROM __src WHERE ${options.unique === false ? 'false' : `${key} IS NOT NULL`} GROUP BY 1 HAVING count(*) > 1),
    __checked AS (SELECT __src.*, CASE ${reasons.join(' ')} END AS __reason FROM __src LEFT JOIN __dups __dup ON __src.${key} = __dup.k)`;
  const valueObject =
    options.format === 'csv'
      ? options.fields.map((f, i) => csvField(f, types[i]!)).join(` || ',' || `) || `''`
      : `json_object(${options.fields.map((f, i) => `'c${i}', ${fieldValue(f, types[i]!)}`).join(', ')})::VARCHAR`;
  const batch = options.format === 'csv' ? (rows: string[]) => `${rows.join('\n')}\n` : (rows: string[]) => `[${rows.join(',')}]`;

  const summary = await engine.withConnection(async (conn: DuckDBConnection) => {
    const counts = await conn.runAndReadAll(
      `${checked} SELECT count(*) FILTER (WHERE __reason IS NULL)::BIGINT, count(*) FILTER (WHERE __reason IS NOT NULL)::BIGINT FROM __checked`,
      params.values,
      params.types,
    );
    const [valid, invalid] = counts.getRows()[0]!.map(Number) as [number, number];
    const examples: InvalidKeyedRow[] = [];
    if (invalid) {
      const reader = await conn.runAndReadAll(
        `${checked} SELECT ${key}::VARCHAR, __reason, ${distinct.map(quoteIdentifier).join(', ')} FROM __checked WHERE __reason IS NOT NULL LIMIT ${Math.max(0, Math.floor(options.maxInvalidExamples))}`,
        params.values,
        params.types,
      );
      const valueTypes = reader.columnTypes().slice(2);
      for (const r of reader.getRows()) {
        const values = Object.fromEntries(distinct.map((c, i) => [c, jsonSafeValue(r[i + 2] ?? null, valueTypes[i]!)]));
        examples.push({ key: r[0] === null ? null : String(r[0]), reason: String(r[1]), values });
      }
    }
    return { valid, invalid, examples };
  });

  return {
    validCount: summary.valid,
    invalidCount: summary.invalid,
    invalidExamples: summary.examples,
    batches: () => readAhead(validBatches()),
  };

  async function* validBatches() {
    if (!summary.valid) return;
    const conn = await engine.connect();
    try {
      const result = await conn.stream(`${checked} SELECT ${valueObject} FROM __checked WHERE __reason IS NULL`, params.values, params.types);
      let rows: string[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const vector = chunk.getColumnVector(0);
        for (let r = 0; r < chunk.rowCount; r++) {
          rows.push(vector.getItem(r) as string);
          if (rows.length === batchRows) {
            yield { data: batch(rows), rows: rows.length };
            rows = [];
          }
        }
      }
      if (rows.length) yield { data: batch(rows), rows: rows.length };
    } finally {
      conn.closeSync();
    }
  }
}

/**
 * `source`, one item ahead: the next item is produced (DuckDB working in its own threads) while
 * the caller consumes this one (its insert into the object table). A caller that stops early
 * waits for the item in flight, then closes the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let done = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        done = true;
        return;
      }
      next = it.next();
      yield r.value;
    }
  } finally {
    if (!done) {
      await next.catch(() => undefined);
      await it.return?.();
    }
  }
}
