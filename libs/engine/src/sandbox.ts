/**
 * The SQL sandbox: user SQL runs in a DuckDB instance of its own that sees only the datasets the
 * caller may read, with file access, configuration changes, extensions and every statement but a
 * single query disabled. See docs/architecture/engine.md ("SQL sandbox") for the threat model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk, type DuckDBMaterializedResult, type DuckDBType } from '@duckdb/node-api';
import { FailedPreconditionError, FoundryError, InvalidArgumentError } from '@openfoundry/kernel';
import { assertLocalPath, quoteIdentifier, quoteString } from './duckdb.js';

/** A column of a table that has no files, so its shape cannot be read from Parquet. */
export interface SandboxColumn {
  name: string;
  /**
   * A DuckDB type as written in SQL (`BIGINT`, `DECIMAL(18,2)`, `VARCHAR[]`, `STRUCT("a b" INT)`),
   * e.g. from `duckdbTypeSql`. Refused (`SandboxInvalidColumn`) unless it is names, numbers,
   * balanced brackets and double-quoted identifiers.
   */
  type: string;
}

/** One table the sandbox exposes: a view named `name` over exactly `files`. */
export interface SandboxTable {
  /**
   * What users write in SQL, double-quoted: a dataset path (`/Acme/Project/sales`) or a RID.
   * DuckDB resolves names case-insensitively, so two names differing only in case are refused.
   */
  name: string;
  /** Absolute local paths of the Parquet files; no glob characters, no URLs. */
  files: string[];
  /**
   * Required when `files` is empty (a dataset without data yet): the table is then empty with
   * these columns. Ignored otherwise — the Parquet files carry the schema.
   */
  columns?: SandboxColumn[];
  /**
   * Every file has the same columns: the view then takes them from the first file instead of
   * reading every file's schema when the view is created and again for each query (`union_by_name`,
   * which makes a file without a column read as NULLs there). About 3 ms less per query over 17 files.
   */
  sameColumns?: boolean;
}

export interface SandboxOptions {
  tables: SandboxTable[];
  /** DuckDB memory limit of the whole sandbox, e.g. `512MB` (the default) or `2GiB`. */
  memoryLimit?: string;
  /** Worker threads; default 2. */
  threads?: number;
  /**
   * A directory the server owns, for spilling large sorts, joins and aggregates. The sandbox
   * makes a private subdirectory in it and deletes it on close. Without it nothing spills and
   * such queries fail once they reach `memoryLimit`.
   */
  tempDirectory?: string;
  /** Cap on the spill files when `tempDirectory` is set; default `1GiB`. */
  maxTempDirectorySize?: string;
  /** Longest SQL text accepted, in characters; default 100 000. */
  maxSqlLength?: number;
}

export interface SandboxQueryOptions {
  /** Rows returned at most; more make `truncated` true. */
  rowLimit: number;
  /** Wall-clock cap of the query; past it the query is interrupted (`QueryTimedOut`). */
  timeoutMs: number;
  /** Aborting interrupts the query (`QueryCanceled`). */
  signal?: AbortSignal;
}

/**
 * The answer of {@link Sandbox.query}. It is a chunk source like a DuckDB result
 * (`columnNames()`, `columnTypes()`, `fetchChunk()`), so `arrowIpcStream(result)` converts it.
 */
export interface SandboxResult {
  columnNames(): string[];
  columnTypes(): DuckDBType[];
  /** The next chunk of `chunks`, then null. */
  fetchChunk(): Promise<DuckDBDataChunk | null>;
  /** The rows, in order: exactly `rowCount` of them (the probe row past the limit is cut off). */
  chunks: DuckDBDataChunk[];
  /** At most the query's `rowLimit`. */
  rowCount: number;
  /** The query had more rows than `rowLimit`. */
  truncated: boolean;
  /**
   * DuckDB's result, for column metadata. It can hold one row more than `rowCount` (the row that
   * tells truncation), so read rows through `chunks`, not through this.
   */
  result: DuckDBMaterializedResult;
}

/** A query engine over a fixed set of tables; one per request (or per user session), never shared. */
export interface Sandbox {
  /** The table names, as given. */
  readonly tableNames: readonly string[];
  /**
   * Runs one query (SELECT, WITH, VALUES, FROM-first, DESCRIBE, SHOW, SUMMARIZE). Queries of one
   * sandbox run one at a time. Throws `SqlSyntaxError`, `SqlStatementNotAllowed`,
   * `SqlFunctionNotAllowed`, `SqlError` (400), `QueryTimedOut` (504) or `QueryCanceled`.
   */
  query(sql: string, options: SandboxQueryOptions): Promise<SandboxResult>;
  /** Interrupts a running query and frees the engine; further queries fail with `SandboxClosed`. */
  close(): Promise<void>;
}

/** Where DuckDB located an error in the user's SQL: `position` counts characters from 0, `line` and `column` from 1. */
export interface SqlErrorLocation {
  position?: number;
  line?: number;
  column?: number;
}

const DEFAULT_MEMORY_LIMIT = '512MB';
const DEFAULT_THREADS = 2;
const DEFAULT_MAX_TEMP_SIZE = '1GiB';
const DEFAULT_MAX_SQL_LENGTH = 100_000;
const MAX_ROW_LIMIT = 100_000_000;

// The only table functions a query may call. Everything else is refused, in particular
// functions that change engine state in spite of lock_configuration (enable_logging with file
// storage aborts the whole process, enable_profiling writes files), that run SQL hidden in a
// string (query, query_table, json_execute_serialized_sql), that read files (read_*, glob,
// parquet_*, sniff_csv; the views already expose the readable data), take raw pointers
// (arrow_scan) or describe the engine and host (duckdb_settings, pragma_*).
const TABLE_FUNCTIONS_ALLOWED: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree', 'repeat', 'repeat_row']);

// Scalar functions refused wherever they appear. current_setting would show the server's paths
// (temp directory, the data files, the home directory); the rest change or reveal engine state.
const FUNCTIONS_REFUSED: ReadonlySet<string> = new Set([
  'current_setting',
  'getvariable',
  'write_log',
  'json_execute_serialized_sql',
  'enable_profiling',
  'disable_profiling',
  'enable_logging',
  'disable_logging',
  'query',
  'query_table',
]);

// What SHOW may name besides a query: the sandbox's own catalog.
const SHOW_TARGETS_ALLOWED: ReadonlySet<string> = new Set(['', '"tables"', '__show_tables_expanded', '"databases"']);

// The user's query becomes a subquery so the row limit reaches DuckDB's optimizer (a top-N instead
// of a full sort). The newlines keep a trailing line comment from swallowing the parenthesis.
const WRAP_PREFIX = 'SELECT * FROM (\n';
const WRAP_PREFIX_LENGTH = WRAP_PREFIX.length;

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$/i;
/**
 * A conservative check of a DuckDB type written in SQL: names, numbers, balanced brackets and
 * double-quoted identifiers (STRUCT field names, as `quoteIdentifier` writes them). Nothing can
 * close the `CAST(NULL AS …)` it is put in or start another clause; the view is created with
 * external access already off anyway.
 */
function isPlainType(type: string): boolean {
  if (!/^[A-Za-z]/.test(type)) return false;
  let depth = 0;
  for (let i = 0; i < type.length; i++) {
    const ch = type[i]!;
    if (ch === '"') {
      // A quoted identifier: `""` is a quote inside it; NUL never.
      for (i++; i < type.length; i++) {
        if (type[i] === '\u0000') return false;
        if (type[i] === '"') {
          if (type[i + 1] !== '"') break;
          i++;
        }
      }
      if (i >= type.length) return false;
    } else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') {
      if (--depth < 0) return false;
    } else if (!/[A-Za-z0-9_ ,]/.test(ch)) return false;
  }
  return depth === 0;
}

function checkOptions(options: SandboxOptions): void {
  const seen = new Map<string, string>();
  for (const table of options.tables) {
    if (typeof table.name !== 'string' || table.name.length === 0 || table.name.includes('\u0000')) {
      throw new InvalidArgumentError('SandboxInvalidTableName', { name: table.name });
    }
    const key = table.name.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) throw new InvalidArgumentError('SandboxTableNameConflict', { name: table.name, other });
    seen.set(key, table.name);
    // Relative paths would depend on the working directory, glob characters would make DuckDB
    // list directories instead of opening the one file that was authorized; the paths come from
    // the platform, so a bad one is a bug (a 500).
    for (const file of table.files) assertLocalPath(file);
    if (table.files.length === 0) {
      if (!table.columns || table.columns.length === 0) throw new InvalidArgumentError('SandboxEmptyTableNeedsColumns', { name: table.name });
      for (const column of table.columns) {
        if (column.name.length === 0 || column.name.includes('\u0000') || !isPlainType(column.type)) {
          throw new InvalidArgumentError('SandboxInvalidColumn', { name: table.name, column: column.name, type: column.type });
        }
      }
    }
  }
  if (options.memoryLimit !== undefined && !SIZE.test(options.memoryLimit)) {
    throw new InvalidArgumentError('SandboxInvalidOption', { option: 'memoryLimit', value: options.memoryLimit });
  }
  if (options.maxTempDirectorySize !== undefined && !SIZE.test(options.maxTempDirectorySize)) {
    throw new InvalidArgumentError('SandboxInvalidOption', { option: 'maxTempDirectorySize', value: options.maxTempDirectorySize });
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 256)) {
    throw new InvalidArgumentError('SandboxInvalidOption', { option: 'threads', value: options.threads });
  }
  if (options.tempDirectory !== undefined && !options.tempDirectory.startsWith('/')) {
    throw new InvalidArgumentError('SandboxInvalidOption', { option: 'tempDirectory' });
  }
}

function viewSql(table: SandboxTable): string {
  if (table.files.length === 0) {
    const columns = (table.columns ?? []).map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`).join(', ');
    return `CREATE VIEW ${quoteIdentifier(table.name)} AS SELECT ${columns} LIMIT 0`;
  }
  // read_parquet with a list reads exactly these files; union_by_name tolerates files of one
  // dataset written with other columns (added, removed or reordered ones).
  const files = table.files.map(quoteString).join(', ');
  return `CREATE VIEW ${quoteIdentifier(table.name)} AS SELECT * FROM read_parquet([${files}]${table.sameColumns ? '' : ', union_by_name = true'})`;
}

/**
 * The error of a failed setup: a view whose files DuckDB cannot read is `SandboxTableUnreadable`
 * naming the table (DuckDB's message names server paths: the caller learns which table, the log,
 * through the cause, the rest). Each table's files are read once more to tell which one failed.
 */
async function unreadableTable(connection: DuckDBConnection, tables: readonly SandboxTable[], cause: unknown): Promise<unknown> {
  for (const table of tables) {
    if (table.files.length === 0) continue;
    try {
      await connection.run(`SELECT * FROM read_parquet([${table.files.map(quoteString).join(', ')}], union_by_name = true) LIMIT 0`);
    } catch {
      const error = new FailedPreconditionError('SandboxTableUnreadable', { name: table.name });
      error.cause = cause;
      return error;
    }
  }
  return cause;
}

/** A fresh, never-used instance with the start-up settings, and its private spill directory. */
interface FreshInstance {
  instance: DuckDBInstance;
  spillDirectory: string | undefined;
}

async function createFreshInstance(options: SandboxOptions): Promise<FreshInstance> {
  let spillDirectory: string | undefined;
  if (options.tempDirectory !== undefined) spillDirectory = await mkdtemp(join(options.tempDirectory, 'sql-sandbox-'));
  try {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      allow_unsigned_extensions: 'false',
      // Secrets would otherwise be read from and written to ~/.duckdb/stored_secrets.
      allow_persistent_secrets: 'false',
      // Structured errors: the error type and the position in the SQL, without parsing prose.
      errors_as_json: 'true',
      // A sandbox may serve several queries of one user (the SQL service keeps them a while):
      // file contents are not cached for the next query, so memory stays small (footers are,
      // see the setup batch).
      enable_external_file_cache: 'false',
      memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      threads: String(options.threads ?? DEFAULT_THREADS),
      // The default is `.tmp` in the working directory, which DuckDB then also lets queries read
      // and COPY into: with no directory given nothing spills at all. A configured one stays
      // readable to queries that know its (random) name, whatever allowed_directories says.
      temp_directory: spillDirectory ?? '',
      max_temp_directory_size: options.maxTempDirectorySize ?? DEFAULT_MAX_TEMP_SIZE,
    });
    return { instance, spillDirectory };
  } catch (e) {
    if (spillDirectory !== undefined) await rm(spillDirectory, { recursive: true, force: true });
    throw e;
  }
}

/**
 * One spare instance per set of start-up settings, created ahead of the next query: starting a
 * DuckDB instance is most of a sandbox's fixed cost (10–15 ms). A spare has never run anything
 * and is handed out once, so nothing is shared between sandboxes. The next spare is started when
 * a sandbox closes, not when one opens, so that starting it does not take CPU from the query.
 */
const spares = new Map<string, Promise<FreshInstance>>();

function spareKey(options: SandboxOptions): string {
  return JSON.stringify([options.memoryLimit, options.threads, options.tempDirectory, options.maxTempDirectorySize]);
}

function prepareSpare(options: SandboxOptions): void {
  const key = spareKey(options);
  if (spares.has(key)) return;
  const next = createFreshInstance(options);
  // A failed spare is dropped quietly; the next take creates its own and reports the error.
  next.catch(() => spares.delete(key));
  spares.set(key, next);
}

async function takeFreshInstance(options: SandboxOptions): Promise<FreshInstance> {
  const key = spareKey(options);
  const spare = spares.get(key);
  spares.delete(key);
  if (spare) {
    try {
      return await spare;
    } catch {
      /* fall through: create one now */
    }
  }
  return createFreshInstance(options);
}

/** Closes the spare instances (server shutdown) and removes their spill directories. */
export async function closeSandboxSpares(): Promise<void> {
  const pending = [...spares.values()];
  spares.clear();
  for (const p of pending) {
    try {
      const { instance, spillDirectory } = await p;
      instance.closeSync();
      if (spillDirectory !== undefined) await rm(spillDirectory, { recursive: true, force: true });
    } catch {
      /* a spare that never started has nothing to close */
    }
  }
}

/** DuckDB's internal views, the same in every instance of this DuckDB build: read once. */
let internalViewNames: Promise<Set<string>> | undefined;

/**
 * Opens a sandbox over `tables`. Everything that decides what user SQL can reach is fixed here,
 * before the first query, and then locked:
 *
 * - a fresh in-memory DuckDB instance, so no catalog, cache or temp file is shared with another
 *   sandbox;
 * - extension autoload/autoinstall and community/unsigned extensions off at start-up;
 * - `allowed_directories` empty, `allowed_paths` exactly the tables' files, then
 *   `enable_external_access=false`: every other file (and every URL) is refused by DuckDB itself;
 * - the views are created only after that, so even their definitions run under the restriction;
 * - spilling only into a private directory (or not at all), memory and thread limits;
 * - `lock_configuration=true`: no `SET`/`RESET`/`PRAGMA` can undo any of it.
 *
 * Throws `SandboxTableUnreadable` (412) when a file cannot be read as Parquet.
 */
export async function openSandbox(options: SandboxOptions): Promise<Sandbox> {
  checkOptions(options);
  let spillDirectory: string | undefined;
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    ({ instance, spillDirectory } = await takeFreshInstance(options));
    connection = await instance.connect();
    const files = options.tables.flatMap((t) => t.files);
    // One batch, run in order (one round trip to the engine instead of one per statement).
    // allowed_directories can only be changed while external access is still on; it must be
    // emptied first because DuckDB pre-fills it with the temp directory.
    const setup = [
      'SET allowed_directories = []',
      `SET allowed_paths = [${files.map(quoteString).join(', ')}]`,
      'SET enable_external_access = false',
      // Parquet footers are kept for the sandbox's next query (a setting of the parquet extension,
      // which exists only once it is loaded, hence not a start-up option).
      'SET parquet_metadata_cache = true',
      ...options.tables.map(viewSql),
      'SET lock_configuration = true',
    ];
    try {
      await connection.run(setup.join(';\n'));
    } catch (e) {
      throw await unreadableTable(connection, options.tables, e);
    }
    const conn = connection;
    internalViewNames ??= conn
      .runAndReadAll('SELECT lower(view_name) FROM duckdb_views() WHERE internal')
      .then((r) => new Set(r.getRows().map((row) => String(row[0]))))
      .catch((e: unknown) => {
        internalViewNames = undefined;
        throw e;
      });
    const internalViews = await internalViewNames;
    return new DuckDBSandbox(instance, connection, options, internalViews, spillDirectory);
  } catch (e) {
    connection?.closeSync();
    instance?.closeSync();
    if (spillDirectory !== undefined) await rm(spillDirectory, { recursive: true, force: true });
    throw e;
  }
}

/** DuckDB's error, decoded from `errors_as_json`. */
interface EngineError {
  type: string;
  message: string;
  /** Byte offset in the SQL that was run. */
  position?: number;
}

function decodeEngineError(e: unknown): EngineError {
  const text = e instanceof Error ? e.message : String(e);
  const start = text.indexOf('{');
  if (start >= 0) {
    try {
      const parsed = JSON.parse(text.slice(start)) as Record<string, unknown>;
      const type = typeof parsed.exception_type === 'string' ? parsed.exception_type : 'Unknown';
      const message = typeof parsed.exception_message === 'string' ? parsed.exception_message : text;
      const position = typeof parsed.position === 'string' ? Number(parsed.position) : undefined;
      return { type, message, ...(position !== undefined && Number.isFinite(position) ? { position } : {}) };
    } catch {
      // Not JSON after all: fall through to the raw text.
    }
  }
  return { type: 'Unknown', message: text };
}

/**
 * Turns DuckDB's offset into `sql` into a character position, line and column. DuckDB counts
 * UTF-8 bytes in binder and run-time errors but code points in parser errors.
 */
export function sqlErrorLocation(sql: string, offset: number | undefined, unit: 'byte' | 'codePoint' = 'byte'): SqlErrorLocation {
  if (offset === undefined || !Number.isInteger(offset) || offset < 0) return {};
  let position: number;
  if (unit === 'byte') {
    const bytes = Buffer.from(sql, 'utf8');
    if (offset > bytes.length) return {};
    position = bytes.subarray(0, offset).toString('utf8').length;
  } else {
    const codePoints = Array.from(sql);
    if (offset > codePoints.length) return {};
    position = codePoints.slice(0, offset).join('').length;
  }
  const before = sql.slice(0, position);
  const line = before.split('\n').length;
  const column = position - (before.lastIndexOf('\n') + 1) + 1;
  return { position, line, column };
}

/**
 * The end of the last meaningful character of `sql`: trailing semicolons, whitespace and
 * comments are cut so the statement can be wrapped in a subquery. Quoted text and comments are
 * skipped while scanning; a statement this gets wrong fails the check of the wrapped text.
 */
function meaningfulEnd(sql: string): number {
  let end = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'" || ch === '"') {
      const close = sql.indexOf(ch, i + 1);
      i = close < 0 ? sql.length : close + 1;
      end = i;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
      } else i++;
      end = i;
    } else {
      i++;
      if (ch !== ';' && !/\s/.test(ch)) end = i;
    }
  }
  return end;
}

function timedOut(timeoutMs: number): FoundryError {
  return new FoundryError('TIMEOUT', 'QueryTimedOut', { timeoutMs });
}

function canceled(): FoundryError {
  return new FailedPreconditionError('QueryCanceled', {});
}

class DuckDBSandbox implements Sandbox {
  readonly tableNames: readonly string[];
  private readonly tableKeys: ReadonlySet<string>;
  private readonly maxSqlLength: number;
  private readonly redactions: readonly [string, string][];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Stops the query that is running, if any. */
  private stopCurrent: (() => void) | undefined;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: SandboxOptions,
    private readonly internalViews: ReadonlySet<string>,
    private readonly spillDirectory: string | undefined,
  ) {
    this.tableNames = options.tables.map((t) => t.name);
    this.tableKeys = new Set(this.tableNames.map((n) => n.toLowerCase()));
    this.maxSqlLength = options.maxSqlLength ?? DEFAULT_MAX_SQL_LENGTH;
    const redactions: [string, string][] = options.tables.flatMap((t) => t.files.map((f): [string, string] => [f, `<a file of ${t.name}>`]));
    if (spillDirectory !== undefined) redactions.push([spillDirectory, '<temp directory>']);
    // Longest first, so a path is not half-replaced through a shorter one it starts with.
    this.redactions = redactions.sort((a, b) => b[0].length - a[0].length);
  }

  query(sql: string, options: SandboxQueryOptions): Promise<SandboxResult> {
    // One connection per sandbox and interrupt() hits whatever runs on it: queries take turns.
    const run = this.queue.then(() => this.runQuery(sql, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCurrent?.();
    await this.queue;
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.spillDirectory !== undefined) await rm(this.spillDirectory, { recursive: true, force: true });
    prepareSpare(this.options);
  }

  private async runQuery(sql: string, options: SandboxQueryOptions): Promise<SandboxResult> {
    if (this.closed) throw new FailedPreconditionError('SandboxClosed', {});
    const { rowLimit, timeoutMs, signal } = options;
    if (!Number.isInteger(rowLimit) || rowLimit < 0 || rowLimit > MAX_ROW_LIMIT) {
      throw new InvalidArgumentError('SandboxInvalidOption', { option: 'rowLimit', value: rowLimit });
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InvalidArgumentError('SandboxInvalidOption', { option: 'timeoutMs', value: timeoutMs });
    if (signal?.aborted) throw canceled();
    if (typeof sql !== 'string' || sql.length > this.maxSqlLength) {
      throw new InvalidArgumentError('SqlTooLong', { maxLength: this.maxSqlLength, length: typeof sql === 'string' ? sql.length : 0 });
    }

    let stopped: 'timeout' | 'cancel' | undefined;
    const stop = (why: 'timeout' | 'cancel') => {
      if (stopped) return;
      stopped = why;
      this.connection.interrupt();
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('cancel');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.stopCurrent = onAbort;
    try {
      const wrapped = await this.check(sql, rowLimit);
      if (stopped) throw new Error('stopped');
      const result = await this.connection.run(wrapped);
      if (stopped) throw new Error('stopped');
      return collect(result, rowLimit);
    } catch (e) {
      if (stopped === 'timeout') throw timedOut(timeoutMs);
      if (stopped === 'cancel') throw canceled();
      if (e instanceof FoundryError) throw e;
      throw this.sqlError(e, sql, WRAP_PREFIX_LENGTH);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.stopCurrent = undefined;
    }
  }

  /**
   * Maps DuckDB's error to SqlSyntaxError / SqlError; `offset` is where `sql` starts in the text
   * DuckDB saw (the wrapper's prefix is ASCII, so bytes and code points agree).
   */
  private sqlError(e: unknown, sql: string, offset: number): Error {
    const engine = decodeEngineError(e);
    // Internal errors and fatal ones are engine bugs (a fatal one also invalidates the instance):
    // a 500 with the details in the log, not a message for the user.
    if (/^(internal|fatal)$/i.test(engine.type)) return e instanceof Error ? e : new Error(String(e));
    const parser = engine.type === 'Parser';
    const location = sqlErrorLocation(sql, engine.position === undefined ? undefined : engine.position - offset, parser ? 'codePoint' : 'byte');
    const name = parser ? 'SqlSyntaxError' : 'SqlError';
    return new InvalidArgumentError(name, { message: this.redact(`${engine.type} Error: ${engine.message}`), ...location });
  }

  /**
   * Replaces the server's paths in DuckDB's messages (a data file that vanished or is corrupt is
   * named with its full path) by what the user knows: the table's name.
   */
  private redact(message: string): string {
    let out = message;
    for (const [path, replacement] of this.redactions) out = out.replaceAll(path, replacement);
    return out;
  }

  /**
   * Refuses anything but one query over the sandbox's tables and returns the SQL to run: the
   * query wrapped as a subquery with the row limit (plus one row to tell truncation).
   * The wrapped text is what is checked in detail, so what runs is exactly what was checked.
   */
  private async check(sql: string, rowLimit: number): Promise<string> {
    const core = sql.slice(0, meaningfulEnd(sql));
    // DuckDB's statement extraction fails without a message on empty input.
    if (core.length === 0) throw new InvalidArgumentError('SqlStatementNotAllowed', { message: 'The query is empty.', statementCount: 0 });
    let count: number;
    try {
      count = (await this.connection.extractStatements(sql)).count;
    } catch (e) {
      const error = this.sqlError(e, sql, 0);
      // Besides syntax errors, extraction refuses some statements outright (RESET ALL).
      if (error instanceof InvalidArgumentError && error.errorName === 'SqlError') {
        throw new InvalidArgumentError('SqlStatementNotAllowed', error.parameters);
      }
      throw error;
    }
    if (count !== 1) {
      throw new InvalidArgumentError('SqlStatementNotAllowed', {
        message: count === 0 ? 'The query is empty.' : 'Only one statement is allowed.',
        statementCount: count,
      });
    }
    const wrapped = `${WRAP_PREFIX}${core}\n) AS "sandbox query" LIMIT ${rowLimit + 1}`;
    const statements = (await this.parse(sql, [sql, 0], [wrapped, WRAP_PREFIX_LENGTH]))[1]!;
    if (statements.length !== 1) throw new InvalidArgumentError('SqlStatementNotAllowed', { message: 'Only one statement is allowed.' });
    this.checkTree(statements[0], sql);
    return wrapped;
  }

  /**
   * Parses with DuckDB's own parser into its JSON syntax tree. DuckDB serializes SELECT-like
   * statements only, which is exactly the allow-list of statement kinds: PRAGMA, SET, ATTACH,
   * COPY, CREATE, INSERT, CALL, EXPLAIN... all fail here.
   */
  private async parse(sql: string, ...texts: Array<[text: string, offset: number]>): Promise<unknown[][]> {
    // `sql` is the user's text, which starts at `offset` in each text parsed. One round trip for
    // all texts; the first text's errors are reported first.
    let jsons: string[];
    try {
      const reader = await this.connection.runAndReadAll(`SELECT ${texts.map((_, i) => `json_serialize_sql($${i + 1}::VARCHAR)`).join(', ')}`, texts.map(([text]) => text));
      jsons = (reader.getRows()[0] ?? []).map(String);
    } catch (e) {
      throw this.sqlError(e, sql, 0);
    }
    return texts.map(([, offset], i) => {
      const tree = JSON.parse(jsons[i]!) as { error?: boolean; error_type?: string; error_message?: string; position?: string; statements?: unknown[] };
      if (tree.error) {
        if (tree.error_type === 'parser') {
          const location = sqlErrorLocation(sql, tree.position === undefined ? undefined : Number(tree.position) - offset, 'codePoint');
          throw new InvalidArgumentError('SqlSyntaxError', { message: `Parser Error: ${tree.error_message ?? 'syntax error'}`, ...location });
        }
        throw new InvalidArgumentError('SqlStatementNotAllowed', { message: 'Only a query (SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE) is allowed.' });
      }
      return tree.statements ?? [];
    });
  }

  /** Walks the whole syntax tree: table functions, functions and table names. */
  private checkTree(root: unknown, sql: string): void {
    const nodes: Record<string, unknown>[] = [];
    const cteNames = new Set<string>();
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (Array.isArray(value)) {
        for (const v of value) stack.push(v);
      } else if (value !== null && typeof value === 'object') {
        const node = value as Record<string, unknown>;
        nodes.push(node);
        if (node.cte_map && typeof node.cte_map === 'object') {
          const map = (node.cte_map as { map?: unknown }).map;
          if (Array.isArray(map)) for (const entry of map as { key?: unknown }[]) if (typeof entry.key === 'string') cteNames.add(entry.key.toLowerCase());
        }
        for (const v of Object.values(node)) if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
    const at = (node: Record<string, unknown>): SqlErrorLocation =>
      typeof node.query_location === 'number' ? sqlErrorLocation(sql, node.query_location - WRAP_PREFIX_LENGTH) : {};

    for (const node of nodes) {
      if (node.type === 'TABLE_FUNCTION') {
        const fn = node.function as Record<string, unknown> | undefined;
        const name = typeof fn?.function_name === 'string' ? fn.function_name.toLowerCase() : '';
        if (!TABLE_FUNCTIONS_ALLOWED.has(name)) throw new InvalidArgumentError('SqlFunctionNotAllowed', { functionName: name, ...at(node) });
      }
      if (typeof node.function_name === 'string' && FUNCTIONS_REFUSED.has(node.function_name.toLowerCase())) {
        throw new InvalidArgumentError('SqlFunctionNotAllowed', { functionName: node.function_name.toLowerCase(), ...at(node) });
      }
      if (node.type === 'BASE_TABLE') this.checkTableName(node, cteNames, at(node));
      if (node.type === 'SHOW_REF' && !SHOW_TARGETS_ALLOWED.has(String(node.table_name ?? ''))) {
        throw new InvalidArgumentError('SqlStatementNotAllowed', { message: 'SHOW may list tables or describe a query only.' });
      }
    }
  }

  /**
   * A table reference must be one of the sandbox's tables or a CTE of the query. Anything else
   * gets the same answer whether or not a dataset of that name exists elsewhere, and DuckDB's
   * built-in catalog views (duckdb_views shows the data files' paths, pg_settings the server's
   * settings) are refused even under a CTE's name, since a CTE's name can be used out of its scope.
   */
  private checkTableName(node: Record<string, unknown>, cteNames: ReadonlySet<string>, location: SqlErrorLocation): void {
    const name = String(node.table_name ?? '');
    const qualified = [node.catalog_name, node.schema_name].filter((p) => typeof p === 'string' && p !== '') as string[];
    const key = name.toLowerCase();
    const known = this.tableKeys.has(key) || (cteNames.has(key) && !this.internalViews.has(key));
    if (qualified.length > 0 || !known) {
      const shown = [...qualified, name].join('.');
      throw new InvalidArgumentError('SqlError', { message: `Catalog Error: Table with name ${shown} does not exist!`, ...location });
    }
  }
}

function collect(result: DuckDBMaterializedResult, rowLimit: number): SandboxResult {
  const chunks: DuckDBDataChunk[] = [];
  let remaining = rowLimit;
  for (let i = 0; i < result.chunkCount && remaining > 0; i++) {
    const chunk = result.getChunk(i);
    // getChunk hands out a fresh chunk object each time, so shortening it leaves the result intact.
    if (chunk.rowCount > remaining) chunk.rowCount = remaining;
    remaining -= chunk.rowCount;
    chunks.push(chunk);
  }
  const names = result.columnNames();
  const types = result.columnTypes();
  let next = 0;
  return {
    columnNames: () => [...names],
    columnTypes: () => [...types],
    fetchChunk: () => Promise.resolve(chunks[next++] ?? null),
    chunks,
    rowCount: rowLimit - remaining,
    truncated: result.rowCount > rowLimit,
    result,
  };
}
