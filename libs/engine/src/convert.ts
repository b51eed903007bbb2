import { open, rm, stat } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { ConvertInput, ConvertResult, CsvOptions, DatasetFieldSchema, DatasetSchema, SchemaFieldType } from './engine.types.js';
import { assertLocalPath, quoteIdentifier, quoteString, type Engine } from './duckdb.js';
import { duckdbTypeSql, fieldFromDuckDBType, isCanonicalDuckDBType, validateSchema } from './schema.js';

/** Parquet compression of imported files. */
export type ParquetCompression = 'zstd' | 'snappy';

/** Options of {@link convertToParquet}. */
export interface ConvertOptions {
  /**
   * Defaults to `zstd`: on this engine it writes as fast as snappy (the COPY is bound by CSV
   * parsing, not by compression) and gives noticeably smaller files.
   */
  compression?: ParquetCompression;
}

/** How many bytes the encoding sniff looks at. */
const SNIFF_BYTES = 64 * 1024;

type Encoding = NonNullable<CsvOptions['encoding']>;

/**
 * Detects a CSV file's encoding from its first bytes: a UTF-16 little-endian BOM → `utf-16`,
 * a UTF-8 BOM or bytes that are valid UTF-8 → `utf-8`, anything else → `latin-1` (every byte
 * sequence is valid latin-1, so it is the fallback that never rejects). A UTF-16 big-endian BOM is
 * refused: DuckDB reads only little-endian UTF-16.
 */
export function detectEncoding(head: Uint8Array): Encoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16';
  if (head[0] === 0xfe && head[1] === 0xff) {
    throw new InvalidArgumentError('UnsupportedEncoding', { encoding: 'utf-16be', problem: 'UTF-16 big-endian files are not supported; convert the file to UTF-8' });
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  try {
    // `stream: true` tolerates a multi-byte character cut off by the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'latin-1';
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function checkCsvChar(name: string, value: string | undefined, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\0') || value.includes('\n') || value.includes('\r')) {
    throw new InvalidArgumentError('InvalidCsvOption', { option: name, value }, `CSV option ${name} must be 1 to ${max} characters, not a line break or NUL`);
  }
}

interface Reader {
  /** A table-function call, with `$name` parameters. */
  sql: string;
  params: Record<string, DuckDBValue>;
  /** Context for error messages. */
  header?: boolean;
}

function columnsStruct(columns: ReadonlyArray<readonly [string, string]>): string {
  // Option structs cannot be bound as parameters ("requires a struct as input"), so they are
  // quoted; quoteString refuses NUL and the types come from duckdbTypeSql.
  return `{${columns.map(([name, type]) => `${quoteString(name)}: ${quoteString(type)}`).join(', ')}}`;
}

// The only types DuckDB's CSV sniffer may choose for an import: each is the canonical storage
// type of its Foundry type, so the COPY needs no cast and no second pass over the data. TIME is
// left out (read as the text it was); naive timestamps are read as UTC instants.
const CSV_TYPE_CANDIDATES = "['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR']";

function checkCsvOptions(csv: CsvOptions): void {
  checkCsvChar('delimiter', csv.delimiter, 4);
  checkCsvChar('quote', csv.quote, 1);
  checkCsvChar('escape', csv.escape, 1);
  if (csv.header !== undefined && typeof csv.header !== 'boolean') throw new InvalidArgumentError('InvalidCsvOption', { option: 'header', value: csv.header });
  if (csv.encoding !== undefined && !['utf-8', 'utf-16', 'latin-1'].includes(csv.encoding)) throw new InvalidArgumentError('UnsupportedEncoding', { encoding: csv.encoding });
}

/**
 * Builds the CSV reader call: the user's options as parameters, the rest left to DuckDB's
 * sniffer, which then runs once, inside the COPY itself. That keeps an import at the speed of a
 * bare DuckDB COPY.
 */
async function csvReader(input: ConvertInput): Promise<Reader> {
  const csv = input.csv ?? {};
  checkCsvOptions(csv);
  const encoding = csv.encoding ?? detectEncoding(await readHead(input.path));
  const params: Record<string, DuckDBValue> = { path: input.path, encoding };
  // Strict mode makes a ragged row an error naming its line instead of a silently shifted row.
  const args = ['$path', 'encoding = $encoding', 'strict_mode = true'];
  const delimiter = csv.delimiter ?? (input.format === 'tsv' ? '\t' : undefined);
  const given: Array<[string, string, DuckDBValue | undefined]> = [
    ['delim', 'delim', delimiter],
    ['header', 'header', csv.header],
    ['quote', 'quote', csv.quote],
    ['escape', 'escape', csv.escape],
  ];
  for (const [option, param, value] of given) {
    if (value === undefined) continue;
    args.push(`${option} = $${param}`);
    params[param] = value;
  }
  if (input.schema) args.push(`columns = ${columnsStruct(input.schema.fieldSchemaList.map((f) => [f.name!, duckdbTypeSql(f)]))}`);
  else args.push(`auto_type_candidates = ${CSV_TYPE_CANDIDATES}`);
  return { sql: `read_csv(${args.join(', ')})`, params, ...(csv.header !== undefined ? { header: csv.header } : {}) };
}

/**
 * The sniffer's last resort for a file whose rows disagree is one column holding whole lines; a
 * header like `id,amount` betrays it (only when the user gave no delimiter).
 */
function snifferGaveUp(csv: CsvOptions | undefined, columnNames: string[]): boolean {
  return csv?.delimiter === undefined && columnNames.length === 1 && /[,;\t|]/.test(columnNames[0]!);
}

const SNIFF_FAILED = 'could not detect the CSV layout: rows have differing numbers of columns or unbalanced quotes; check the file or give delimiter, quote and header explicitly';

function jsonReader(input: ConvertInput): Reader {
  const args = ['$path', `format = ${input.format === 'jsonl' ? "'newline_delimited'" : "'array'"}`];
  if (input.schema) args.push(`columns = ${columnsStruct(input.schema.fieldSchemaList.map((f) => [f.name!, duckdbTypeSql(f)]))}`);
  return { sql: `read_json(${args.join(', ')})`, params: { path: input.path } };
}

interface Column {
  name: string;
  field: DatasetFieldSchema;
  /** The select-list expression producing the column in its canonical type. */
  expr: string;
}

// With a user schema the projection casts; a field declared non-nullable fails the import on its
// first NULL, since Parquet files written by DuckDB cannot carry a NOT NULL constraint.
function enforceNotNull(expr: string, field: DatasetFieldSchema): string {
  if (field.nullable) return expr;
  const message = `NULL in non-nullable column ${field.name!}`;
  return `CASE WHEN ${expr} IS NULL THEN error(${quoteString(message)}) ELSE ${expr} END`;
}

async function plan(conn: DuckDBConnection, input: ConvertInput, reader: Reader): Promise<Column[]> {
  if (input.schema && input.format !== 'parquet') {
    // The reader already parses the columns as the schema's types.
    return input.schema.fieldSchemaList.map((field) => ({ name: field.name!, field, expr: enforceNotNull(quoteIdentifier(field.name!), field) }));
  }
  // A prepared statement cannot report the types of a table function whose arguments are
  // still unbound parameters, so run it bound with LIMIT 0: DuckDB sniffs and binds, reads nothing.
  const probe = await conn.run(`SELECT * FROM ${reader.sql} LIMIT 0`, reader.params);
  const names = probe.columnNames();
  const types = probe.columnTypes();
  if (input.schema && input.format === 'parquet') {
    const available = new Map(names.map((n, i) => [n.toLowerCase(), i]));
    return input.schema.fieldSchemaList.map((field) => {
      const index = available.get(field.name!.toLowerCase());
      if (index === undefined) throw new InvalidArgumentError('ColumnNotFound', { column: field.name }, `column \`${field.name!}\` of the schema is not in the Parquet file`);
      const source = quoteIdentifier(names[index]!);
      return { name: field.name!, field, expr: enforceNotNull(`CAST(${source} AS ${duckdbTypeSql(field)})`, field) };
    });
  }
  return names.map((name, i) => {
    const type = types[i]!;
    const field = fieldFromDuckDBType(type, name);
    const id = quoteIdentifier(name);
    return { name, field, expr: isCanonicalDuckDBType(type) ? id : `CAST(${id} AS ${duckdbTypeSql(field)})` };
  });
}

async function writeEmpty(conn: DuckDBConnection, schema: DatasetSchema, outputPath: string, compression: ParquetCompression): Promise<void> {
  const select = schema.fieldSchemaList.map((f) => `CAST(NULL AS ${duckdbTypeSql(f)}) AS ${quoteIdentifier(f.name!)}`).join(', ');
  await conn.run(`COPY (SELECT ${select} LIMIT 0) TO $out (FORMAT parquet, COMPRESSION ${compression})`, { out: outputPath });
}

/**
 * Converts an uploaded CSV/TSV, JSON Lines, JSON array or Parquet file into ONE Parquet file at
 * `outputPath`, streaming: the work is a single DuckDB `COPY (SELECT … FROM read_…) TO … (FORMAT
 * parquet)`, so the file never passes through JavaScript memory. Columns are stored in their
 * canonical types ({@link duckdbTypeSql}); types Foundry lacks are cast (see
 * {@link fieldFromDuckDBType}). With `input.schema`, columns are read as those types instead of
 * inferred ones: positionally for CSV (a header row is skipped, not matched), by name for JSON
 * and Parquet.
 *
 * CSV options not given are detected by DuckDB's sniffer; the encoding from the first 64 KiB
 * ({@link detectEncoding}).
 *
 * Bad content throws InvalidArgumentError `InvalidFileContent` whose parameters name what DuckDB
 * reported: `row` (1-based data row, header excluded) and `line`, `column`, `value`,
 * `expectedType` (a Foundry type) and always a readable `problem`. An empty file throws
 * `InvalidFileContent` unless a schema is given, in which case an empty Parquet file is written.
 */
export async function convertToParquet(engine: Engine, input: ConvertInput, outputPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const compression = options.compression ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'snappy') throw new InvalidArgumentError('InvalidCompression', { compression });
  assertLocalPath(input.path);
  assertLocalPath(outputPath);
  const schema = input.schema ? validateSchema(input.schema) : undefined;
  const normalized: ConvertInput = { ...input, ...(schema ? { schema } : {}) };
  const size = (await stat(input.path)).size;
  return engine.withConnection(async (conn) => {
    if (size === 0) {
      if (!schema) throw new InvalidArgumentError('InvalidFileContent', { problem: 'the file is empty' }, 'the file is empty');
      await writeEmpty(conn, schema, outputPath, compression);
      return { rowCount: 0, schema, sizeBytes: (await stat(outputPath)).size };
    }
    let reader: Reader | undefined;
    try {
      reader = await readerFor(normalized);
      if ((input.format === 'csv' || input.format === 'tsv') && !schema) {
        // Types are known only after DuckDB sniffed; the candidates make them canonical already.
        const result = await conn.run(`COPY (SELECT * FROM ${reader.sql}) TO $out (FORMAT parquet, COMPRESSION ${compression})`, { ...reader.params, out: outputPath });
        const written = await writtenSchema(conn, outputPath);
        // Importing the sniffer's last resort would hide the real problem.
        if (snifferGaveUp(input.csv, written.fieldSchemaList.map((f) => f.name!))) {
          await rm(outputPath, { force: true });
          throw new InvalidArgumentError('InvalidFileContent', { problem: SNIFF_FAILED }, SNIFF_FAILED);
        }
        return { rowCount: result.rowsChanged, schema: written, sizeBytes: (await stat(outputPath)).size };
      }
      const columns = await plan(conn, normalized, reader);
      const select = columns.every((c) => c.expr === quoteIdentifier(c.name)) ? '*' : columns.map((c) => `${c.expr} AS ${quoteIdentifier(c.name)}`).join(', ');
      const result = await conn.run(`COPY (SELECT ${select} FROM ${reader.sql}) TO $out (FORMAT parquet, COMPRESSION ${compression})`, { ...reader.params, out: outputPath });
      return { rowCount: result.rowsChanged, schema: schema ?? { fieldSchemaList: columns.map((c) => c.field) }, sizeBytes: (await stat(outputPath)).size };
    } catch (e) {
      // A COPY that failed midway leaves a partial file; the caller must not find it.
      await rm(outputPath, { force: true });
      // DuckDB's error text states the header it used. An auto-detected "false" is also what it
      // says when the sniffer gave up, so only a detected header is taken as known.
      const stated = e instanceof Error && /header = true/.test(e.message) ? true : undefined;
      throw translateImportError(e, input, reader?.header ?? stated);
    }
  });
}

/**
 * The schema of a freshly written file, from its footer. The CSV type candidates make every
 * column canonical; should a future DuckDB sniffer pick another type anyway, the import fails
 * loudly (a 500) rather than store a type Foundry does not have.
 */
async function writtenSchema(conn: DuckDBConnection, path: string): Promise<DatasetSchema> {
  const probe = await conn.run('SELECT * FROM read_parquet($path) LIMIT 0', { path });
  const types = probe.columnTypes();
  const names = probe.columnNames();
  const odd = types.findIndex((t) => !isCanonicalDuckDBType(t));
  if (odd >= 0) throw new Error(`CSV import produced column ${JSON.stringify(names[odd])} of type ${types[odd]!.toString()}, outside the type candidates`);
  return { fieldSchemaList: names.map((n, i) => fieldFromDuckDBType(types[i]!, n)) };
}

function readerFor(input: ConvertInput): Promise<Reader> | Reader {
  switch (input.format) {
    case 'csv':
    case 'tsv':
      return csvReader(input);
    case 'jsonl':
    case 'json':
      return jsonReader(input);
    case 'parquet':
      return { sql: 'read_parquet($path)', params: { path: input.path } };
    default:
      throw new InvalidArgumentError('UnsupportedImportFormat', { format: input.format });
  }
}

// --- CSV read in parts ------------------------------------------------------------------------

/**
 * How every part of a CSV upload that arrives in parts is read: the dialect, header and column
 * types DuckDB's sniffer found in the first part (or the user gave), fixed for all parts, so the
 * parts make one table.
 */
export interface CsvDialect {
  encoding: Encoding;
  delimiter: string;
  /** One byte, or empty for no quoting. */
  quote: string;
  escape: string;
  newLine: string;
  /** Whether the first part starts with a header row (later parts never do). */
  header: boolean;
  /** Lines the first part starts with before its header or data. */
  skip: number;
  /** `[name, DuckDB type]`, in file order. */
  columns: Array<[string, string]>;
  dateFormat: string | undefined;
  timestampFormat: string | undefined;
  /** The user's schema, when given (its non-nullable fields are enforced). */
  schema: DatasetSchema | undefined;
}

const sniffed = (v: unknown): string => (v === null || v === undefined || v === '(empty)' ? '' : String(v));

/**
 * Runs DuckDB's sniffer over the first part of a CSV upload (`input.path`), with the user's
 * options, and returns the dialect to read every part with. Undefined when the upload cannot be
 * cut at record boundaries by counting quotes (UTF-16, an escape character other than the quote,
 * comment lines) or the sniffer fails or gives up: such uploads are converted whole, and that
 * conversion reports what is wrong.
 */
export async function sniffCsvDialect(engine: Engine, input: ConvertInput): Promise<CsvDialect | undefined> {
  if (input.format !== 'csv' && input.format !== 'tsv') return undefined;
  const csv = input.csv ?? {};
  const schema = input.schema ? validateSchema(input.schema) : undefined;
  const reader = await csvReader({ ...input, schema: undefined });
  if (reader.params.encoding === 'utf-16') return undefined;
  return engine.withConnection(async (conn) => {
    let row: Record<string, unknown>;
    try {
      const result = await conn.runAndReadAll(`SELECT * FROM sniff_csv(${reader.sql.replace(/^read_csv\(/, '').replace(/\)$/, '')})`, reader.params);
      row = Object.fromEntries(result.columnNames().map((n, i) => [n, result.getRows()[0]?.[i]]));
    } catch {
      return undefined;
    }
    const quote = sniffed(row.Quote);
    const escape = sniffed(row.Escape);
    if (quote.length > 1 || !(escape === '' || escape === quote) || sniffed(row.Comment) !== '') return undefined;
    const found = ((row.Columns as { items?: Array<{ entries: { name: unknown; type: unknown } }> } | null)?.items ?? []).map((c): [string, string] => [String(c.entries.name), String(c.entries.type)]);
    // The sniffer's last resort (one column of whole lines): the whole-file conversion reports it.
    if (snifferGaveUp(csv, found.map(([name]) => name))) return undefined;
    const columns = schema ? schema.fieldSchemaList.map((f): [string, string] => [f.name!, duckdbTypeSql(f)]) : found;
    return {
      encoding: reader.params.encoding as Encoding,
      delimiter: sniffed(row.Delimiter),
      quote,
      escape,
      newLine: sniffed(row.NewLineDelimiter),
      header: csv.header ?? Boolean(row.HasHeader),
      skip: Number(row.SkipRows ?? 0),
      columns,
      dateFormat: sniffed(row.DateFormat) || undefined,
      timestampFormat: sniffed(row.TimestampFormat) || undefined,
      schema,
    };
  });
}

/**
 * Converts one part of a CSV upload with the dialect of {@link sniffCsvDialect}: the first part
 * with its header and skipped lines, later ones as bare rows. Errors name the row in the whole
 * upload: `rowsBefore`, the rows of the parts before this one, is awaited only then.
 */
export async function convertCsvPart(
  engine: Engine,
  path: string,
  dialect: CsvDialect,
  rowsBefore: number | Promise<number>,
  first: boolean,
  outputPath: string,
  options: ConvertOptions = {},
): Promise<{ rowCount: number; sizeBytes: number }> {
  const compression = options.compression ?? 'zstd';
  assertLocalPath(path);
  assertLocalPath(outputPath);
  const params: Record<string, DuckDBValue> = { path, encoding: dialect.encoding, delim: dialect.delimiter, quote: dialect.quote, escape: dialect.escape, newLine: dialect.newLine };
  const args = ['$path', 'auto_detect = false', 'strict_mode = true', 'encoding = $encoding', 'delim = $delim', 'quote = $quote', 'escape = $escape', 'new_line = $newLine'];
  args.push(`header = ${first && dialect.header}`, `skip = ${first ? dialect.skip : 0}`, `columns = ${columnsStruct(dialect.columns)}`);
  if (dialect.dateFormat) {
    args.push('dateformat = $dateFormat');
    params.dateFormat = dialect.dateFormat;
  }
  if (dialect.timestampFormat) {
    args.push('timestampformat = $timestampFormat');
    params.timestampFormat = dialect.timestampFormat;
  }
  const fields = dialect.schema?.fieldSchemaList;
  const select = fields && fields.some((f) => !f.nullable) ? fields.map((f) => `${enforceNotNull(quoteIdentifier(f.name!), f)} AS ${quoteIdentifier(f.name!)}`).join(', ') : '*';
  return engine.withConnection(async (conn) => {
    try {
      const result = await conn.run(`COPY (SELECT ${select} FROM read_csv(${args.join(', ')})) TO $out (FORMAT parquet, COMPRESSION ${compression})`, { ...params, out: outputPath });
      return { rowCount: result.rowsChanged, sizeBytes: (await stat(outputPath)).size };
    } catch (e) {
      await rm(outputPath, { force: true });
      throw translateImportError(e, { path, format: 'csv' }, first && dialect.header, await rowsBefore);
    }
  });
}

const DUCKDB_TO_FOUNDRY: Record<string, SchemaFieldType> = {
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'BYTE',
  INT8: 'BYTE',
  SMALLINT: 'SHORT',
  INT16: 'SHORT',
  INTEGER: 'INTEGER',
  INT32: 'INTEGER',
  BIGINT: 'LONG',
  INT64: 'LONG',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
  VARCHAR: 'STRING',
  BLOB: 'BINARY',
};

const NOUN: Partial<Record<SchemaFieldType, string>> = {
  BOOLEAN: 'a boolean',
  BYTE: 'an integer',
  SHORT: 'an integer',
  INTEGER: 'an integer',
  LONG: 'an integer',
  FLOAT: 'a number',
  DOUBLE: 'a number',
  DECIMAL: 'a decimal',
  DATE: 'a date',
  TIMESTAMP: 'a timestamp',
};

function foundryTypeOf(duckdbName: string): string {
  const base = duckdbName.replace(/\(.*$/, '').trim().toUpperCase();
  return DUCKDB_TO_FOUNDRY[base] ?? base;
}

function invalidContent(parameters: Record<string, unknown> & { problem: string }): InvalidArgumentError {
  return new InvalidArgumentError('InvalidFileContent', parameters, parameters.problem);
}

/**
 * Turns a DuckDB error raised while reading an upload into InvalidArgumentError
 * `InvalidFileContent` with the row, column and value DuckDB named. Errors that are not about the
 * file's content (out of memory, disk full) are returned unchanged and end as a 500.
 */
export function translateImportError(error: unknown, input: Pick<ConvertInput, 'path' | 'format'>, header?: boolean, rowsBefore = 0): unknown {
  if (error instanceof InvalidArgumentError || !(error instanceof Error)) return error;
  const raw = error.message;
  // DuckDB quotes the server-side path; the user knows the file by what they uploaded.
  const text = raw.split(input.path).join('the file');
  const firstLine = (text.split('\n')[0] ?? '').replace(/^[A-Za-z ]+ Error: /, '').trim();

  const lineMatch = /CSV Error on Line: (\d+)/.exec(text);
  if (lineMatch) {
    const line = Number(lineMatch[1]);
    // DuckDB counts file lines (1-based, header included); users count data rows. Whether there
    // is a header is unknown when the sniffer itself failed; then only the line is reported.
    // In a later part of an upload read in parts, lines count from the part's start.
    const inPart = header === undefined ? undefined : header ? Math.max(1, line - 1) : line;
    const row = inPart === undefined ? undefined : rowsBefore + inPart;
    const at = row === undefined ? { line } : rowsBefore > 0 ? { row } : { row, line };
    const where = row === undefined ? `line ${line}` : `row ${row}`;
    const conversion = /Error when converting column "((?:[^"]|"")*)"\. Could not convert string "((?:[^"]|"")*)" to '([^']+)'/.exec(text);
    if (conversion) {
      const column = conversion[1]!;
      const value = conversion[2]!;
      const expectedType = foundryTypeOf(conversion[3]!);
      const noun = NOUN[expectedType as SchemaFieldType] ?? `of type ${expectedType}`;
      return invalidContent({ ...at, column, value, expectedType, problem: `${where}, column \`${column}\`: '${value}' is not ${noun}` });
    }
    const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
    if (ragged) {
      return invalidContent({ ...at, expectedColumns: Number(ragged[1]), foundColumns: Number(ragged[2]), problem: `${where} has ${ragged[2]} columns, expected ${ragged[1]}` });
    }
    if (/Invalid unicode/i.test(text)) {
      return invalidContent({ ...at, problem: `${where} is not valid UTF-8; declare the file's encoding (latin-1, utf-16) or convert it to UTF-8` });
    }
    if (/unterminated quote/i.test(text)) {
      return invalidContent({ ...at, problem: `${where} has a quoted value that is never closed` });
    }
    return invalidContent({ ...at, problem: `${where}: ${firstLine}` });
  }
  if (/Error when sniffing file/.test(text)) {
    return invalidContent({ problem: SNIFF_FAILED });
  }
  const json = /Malformed JSON in file "?the file"?, at byte (\d+) in (line|record\/value) (\d+): (.*)/.exec(text);
  if (json) {
    // DuckDB 1.5 reports newline-delimited lines one past the bad one (checked: a bad first line
    // is reported as line 2, at any position in the file).
    const row = Math.max(1, Number(json[3]) - (json[2] === 'line' ? 1 : 0));
    return invalidContent({ row, problem: `malformed JSON in row ${row} at byte ${json[1]}: ${json[4]!.trim().replace(/\.$/, '')}` });
  }
  if (input.format === 'parquet' && /(too small to be a Parquet file|No magic bytes found|not a parquet file)/i.test(text)) {
    return invalidContent({ problem: 'the file is not a Parquet file' });
  }
  const cast = /Could not convert string '((?:[^']|'')*)' to (\w+)(?: when casting from source column (.+))?/.exec(text);
  if (cast) {
    const value = cast[1]!;
    const expectedType = foundryTypeOf(cast[2]!);
    const column = cast[3]?.trim();
    const noun = NOUN[expectedType as SchemaFieldType] ?? `of type ${expectedType}`;
    return invalidContent({ ...(column ? { column } : {}), value, expectedType, problem: `${column ? `column \`${column}\`: ` : ''}'${value}' is not ${noun}` });
  }
  const notNull = /NULL in non-nullable column (.+)$/m.exec(text);
  if (notNull) {
    const column = notNull[1]!.trim();
    return invalidContent({ column, problem: `column \`${column}\` is declared non-nullable but has an empty value` });
  }
  if (/^(Invalid Input|Conversion|Binder) Error/.test(raw)) return invalidContent({ problem: firstLine });
  return error;
}
