/**
 * Escape attempts against the SQL sandbox. Each one must be refused with a client error, or
 * return nothing sensitive: never the secret file's text, never the rows of the Parquet file
 * that is not one of the sandbox's tables, never a crash of the process.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, JSDuckDBValueConverter } from '@duckdb/node-api';
import { FoundryError } from '@openfoundry/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandbox, type Sandbox, type SandboxResult } from '../src/index.js';

const SECRET_TEXT = 'TOP-SECRET-7f3a9c';
const OTHER_DATASET_VALUE = 'OTHER-DATASET-ROW-51d2';
const SALES = '/Acme/Project/sales';
const OTHER = '/Acme/Project/other';

let dir: string;
let salesFile: string;
let otherFile: string;
let secretText: string;
let secretCsv: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-escape-'));
  salesFile = join(dir, 'sales.parquet');
  otherFile = join(dir, 'other.parquet');
  secretText = join(dir, 'secret.txt');
  secretCsv = join(dir, 'secret.csv');
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`COPY (SELECT i::BIGINT AS id, 'public-' || i AS label FROM range(10) t(i)) TO '${salesFile}' (FORMAT parquet)`);
  await c.run(`COPY (SELECT '${OTHER_DATASET_VALUE}' AS hidden, 42 AS n) TO '${otherFile}' (FORMAT parquet)`);
  c.closeSync();
  instance.closeSync();
  await writeFile(secretText, `${SECRET_TEXT}\n`);
  await writeFile(secretCsv, `name,value\nsecret,${SECRET_TEXT}\n`);
  sandbox = await openSandbox({ tables: [{ name: SALES, files: [salesFile] }], memoryLimit: '128MB', threads: 2 });
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

function rows(result: SandboxResult): unknown[][] {
  return result.chunks.flatMap((chunk) => chunk.convertRows(JSDuckDBValueConverter));
}

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Nothing of the secret files' contents or the other dataset's rows, and no path of the server's
 * data files unless the user wrote it in the query.
 */
function assertNothingSensitive(text: string, sql: string): void {
  expect(text).not.toContain(SECRET_TEXT);
  expect(text).not.toContain(OTHER_DATASET_VALUE);
  if (!sql.includes(dir)) expect(text).not.toContain(dir);
}

/** Asserts `sql` is refused with a client error that says nothing sensitive; returns the error. */
async function refused(sql: string, s: Sandbox = sandbox): Promise<FoundryError> {
  let error: unknown;
  try {
    const result = await s.query(sql, { rowLimit: 100, timeoutMs: 10_000 });
    error = new Error(`expected a refusal, got ${json(rows(result))}`);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof FoundryError)) throw error;
  expect(error.errorCode).toBe('INVALID_ARGUMENT');
  assertNothingSensitive(`${error.message} ${json(error.parameters)}`, sql);
  return error;
}

/** Asserts the sandbox still answers after an attempt (nothing crashed, nothing got stuck). */
async function stillWorks(s: Sandbox = sandbox): Promise<void> {
  const result = await s.query(`SELECT count(*) FROM "${SALES}"`, { rowLimit: 1, timeoutMs: 5_000 });
  expect(rows(result)).toEqual([[10n]]);
}

describe('files outside the tables', () => {
  const attempts = () => [
    `SELECT * FROM read_csv('/etc/passwd')`,
    `SELECT * FROM read_csv('${secretCsv}')`,
    `SELECT * FROM read_csv_auto('${secretCsv}')`,
    `SELECT * FROM read_text('${secretText}')`,
    `SELECT * FROM read_blob('${secretText}')`,
    `SELECT * FROM read_json('${secretText}')`,
    `SELECT * FROM read_json_objects('${secretText}')`,
    `SELECT * FROM read_parquet('${otherFile}')`,
    `SELECT * FROM parquet_scan('${otherFile}')`,
    `SELECT * FROM read_parquet(['${salesFile}', '${otherFile}'])`,
    `SELECT * FROM read_parquet('${dir}/*.parquet')`,
    `SELECT * FROM read_parquet('${dir}/sub/../other.parquet')`,
    `SELECT * FROM read_parquet('${salesFile}/../other.parquet')`,
    `SELECT * FROM read_parquet('file://${otherFile}')`,
    `SELECT * FROM read_text('${salesFile}')`,
    `SELECT * FROM read_blob('${salesFile}')`,
    `SELECT * FROM parquet_metadata('${otherFile}')`,
    `SELECT * FROM parquet_schema('${otherFile}')`,
    `SELECT * FROM parquet_kv_metadata('${otherFile}')`,
    `SELECT * FROM parquet_file_metadata('${otherFile}')`,
    `SELECT * FROM sniff_csv('${secretCsv}')`,
    `SELECT * FROM glob('${dir}/*')`,
    `SELECT * FROM glob('/etc/*')`,
    `SELECT * FROM read_duckdb('${otherFile}')`,
    // Replacement scans: a quoted file path used as a table name.
    `SELECT * FROM '${secretCsv}'`,
    `SELECT * FROM '${otherFile}'`,
    `SELECT * FROM "${otherFile}"`,
    `FROM '${salesFile}'`,
    // SQL hidden in a string, parsed only when the function runs.
    `SELECT * FROM query('SELECT * FROM read_text(''${secretText}'')')`,
    `SELECT * FROM query_table('${otherFile}')`,
    `SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM read_text(''${secretText}'')'))`,
    // The same, nested in subqueries, CTEs, lateral joins and scalar subqueries.
    `WITH x AS (SELECT * FROM read_text('${secretText}')) SELECT * FROM x`,
    `SELECT * FROM "${SALES}" s, LATERAL (SELECT content FROM read_text('${secretText}')) t`,
    `SELECT (SELECT content FROM read_text('${secretText}')) AS c`,
    `SELECT id FROM "${SALES}" WHERE label IN (SELECT hidden FROM read_parquet('${otherFile}'))`,
    `SELECT * FROM "${SALES}" UNION ALL SELECT 1, content FROM read_text('${secretText}')`,
    `DESCRIBE SELECT * FROM read_text('${secretText}')`,
    `SUMMARIZE SELECT * FROM read_parquet('${otherFile}')`,
    `SELECT list_transform([1], x -> (SELECT content FROM read_text('${secretText}')))`,
  ];

  it('refuses every way of naming another file', async () => {
    for (const sql of attempts()) {
      const e = await refused(sql);
      expect(['SqlFunctionNotAllowed', 'SqlError']).toContain(e.errorName);
    }
    await stillWorks();
  });

  it('leaves the files that back the tables readable only through the tables', async () => {
    expect((await refused(`SELECT * FROM read_parquet('${salesFile}')`)).errorName).toBe('SqlFunctionNotAllowed');
    await stillWorks();
  });

  it('is enforced by DuckDB as well, not only by the checks on the syntax tree', async () => {
    // A CTE's name passes the table-name check, but used outside the CTE's scope DuckDB looks
    // it up as a table or a file (a replacement scan), and refuses both.
    const attempt = (path: string) => refused(`SELECT * FROM (WITH "${path}" AS (SELECT 1) SELECT * FROM "${path}"), "${path}"`);
    // Including paths that start with an allowed file's path but lead elsewhere.
    for (const path of [otherFile, secretCsv, secretText, `${salesFile}/../other.parquet`, `${dir}/./other.parquet`, `${dir}//other.parquet`]) {
      const e = await attempt(path);
      expect(e.errorName).toBe('SqlError');
      expect(e.parameters.message).toMatch(/^(Permission Error: Cannot access file .* - file system operations are disabled by configuration$|Catalog Error: Table with name .* does not exist!)/);
    }
    // The refusal comes before the file is opened: it does not tell whether the file exists.
    const existing = await attempt(otherFile);
    const missing = await attempt(join(dir, 'missing.parquet'));
    expect(String(missing.parameters.message).replace('missing.parquet', 'other.parquet')).toBe(existing.parameters.message);
  });
});

describe('statements other than one query', () => {
  const copyTarget = () => join(dir, 'copied.csv');
  const attachFile = () => join(dir, 'attached.duckdb');
  const statements = () => [
    `PRAGMA version`,
    `PRAGMA enable_profiling`,
    `PRAGMA database_list`,
    `SET enable_external_access = true`,
    `SET allowed_paths = ['${otherFile}']`,
    `SET lock_configuration = false`,
    `SET threads = 64`,
    `RESET enable_external_access`,
    `RESET ALL`,
    `ATTACH ':memory:' AS m`,
    `ATTACH '${attachFile()}' AS f`,
    `DETACH memory`,
    `USE system`,
    `COPY (SELECT 1) TO '${copyTarget()}'`,
    `COPY (FROM "${SALES}") TO '${copyTarget()}' (FORMAT csv)`,
    `COPY "${SALES}" FROM '${secretCsv}'`,
    `EXPORT DATABASE '${join(dir, 'export')}'`,
    `IMPORT DATABASE '${dir}'`,
    `INSTALL httpfs`,
    `LOAD httpfs`,
    `LOAD parquet`,
    `FORCE INSTALL httpfs FROM 'http://127.0.0.1:1'`,
    `CREATE TABLE t AS SELECT 1`,
    `CREATE TEMP TABLE t AS SELECT 1`,
    `CREATE VIEW v AS SELECT * FROM read_text('${secretText}')`,
    `CREATE MACRO m(x) AS x`,
    `CREATE MACRO f() AS TABLE SELECT * FROM read_text('${secretText}')`,
    `CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')`,
    `CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')`,
    `CREATE SEQUENCE s`,
    `CREATE TYPE mood AS ENUM ('a')`,
    `CREATE SCHEMA s`,
    `DROP VIEW "${SALES}"`,
    `ALTER VIEW "${SALES}" RENAME TO x`,
    `INSERT INTO "${SALES}" VALUES (1, 'x')`,
    `UPDATE "${SALES}" SET label = 'x'`,
    `DELETE FROM "${SALES}"`,
    `CALL pragma_version()`,
    `CALL enable_logging()`,
    `CHECKPOINT`,
    `FORCE CHECKPOINT`,
    `VACUUM`,
    `ANALYZE`,
    `EXPLAIN SELECT 1`,
    `EXPLAIN ANALYZE SELECT * FROM read_text('${secretText}')`,
    `PREPARE p AS SELECT 1`,
    `EXECUTE p`,
    `DEALLOCATE p`,
    `BEGIN TRANSACTION`,
    `COMMIT`,
    `SET VARIABLE x = 1`,
    `PIVOT "${SALES}" ON label USING count(*)`,
    `UPDATE EXTENSIONS`,
  ];

  it('refuses every statement kind but a query, parsed by DuckDB itself', async () => {
    for (const sql of statements()) {
      const e = await refused(sql);
      expect(e.errorName, sql).toMatch(/^(SqlStatementNotAllowed|SqlSyntaxError)$/);
    }
    expect(existsSync(copyTarget())).toBe(false);
    expect(existsSync(attachFile())).toBe(false);
    expect(existsSync(join(dir, 'export'))).toBe(false);
    await stillWorks();
  });

  it('refuses a second statement however it is hidden', async () => {
    const attempts = [
      `SELECT 1; SET enable_external_access = true`,
      `SELECT 1; SELECT * FROM read_text('${secretText}')`,
      `SELECT 1;ATTACH ':memory:' AS m`,
      `SELECT 1 /* comment */; COPY (SELECT 1) TO '${copyTarget()}'`,
      `SELECT 1 -- comment\n; COPY (SELECT 1) TO '${copyTarget()}'`,
      `SELECT 'it''s'; SET threads = 1`,
      `SELECT $$;$$; SET threads = 1`,
      // Closing the wrapper's parenthesis to smuggle statements around it.
      `SELECT 1) AS q; SET threads = 1; SELECT * FROM (SELECT 1`,
      `SELECT 1) AS q LIMIT 1; COPY (SELECT 1) TO '${copyTarget()}'; SELECT * FROM (SELECT 1`,
    ];
    for (const sql of attempts) {
      const e = await refused(sql);
      expect(e.errorName, sql).toMatch(/^(SqlStatementNotAllowed|SqlSyntaxError)$/);
    }
    expect(existsSync(copyTarget())).toBe(false);
    await stillWorks();
  });

  it('refuses queries that only parse once wrapped', async () => {
    // Alone these are syntax errors; inside "SELECT * FROM (…)" they would be valid SQL.
    for (const sql of [`SELECT 1) AS a, (SELECT 2`, `SELECT 1) UNION ALL (SELECT 2`, `SELECT 1 -- \n) x, (SELECT 2`]) {
      expect((await refused(sql)).errorName).toBe('SqlSyntaxError');
    }
  });

  it('keeps statement separators inside strings, identifiers and comments harmless', async () => {
    const cases: [string, unknown[][]][] = [
      [`SELECT '; SET threads = 1' AS s`, [['; SET threads = 1']]],
      [`SELECT 1 AS "a;b" -- ; DROP VIEW x`, [[1]]],
      [`SELECT 1 /* ; ATTACH ':memory:' AS m */ AS x`, [[1]]],
      [`SELECT $tag$ '; PRAGMA version; ' $tag$ AS s;`, [[` '; PRAGMA version; ' `]]],
    ];
    for (const [sql, expected] of cases) expect(rows(await sandbox.query(sql, { rowLimit: 10, timeoutMs: 5000 }))).toEqual(expected);
  });
});

describe('configuration, settings and engine state', () => {
  it('refuses reading settings, which would show server paths', async () => {
    for (const sql of [
      `SELECT current_setting('temp_directory')`,
      `SELECT current_setting('allowed_paths')`,
      `SELECT current_setting('home_directory')`,
      `WITH s AS (SELECT current_setting('secret_directory') AS v) SELECT * FROM s`,
      `SELECT * FROM (SELECT * FROM (SELECT current_setting('allowed_paths')))`,
      `SELECT * FROM duckdb_settings()`,
      `SELECT * FROM pg_settings`,
      `SELECT * FROM pg_catalog.pg_settings`,
      `SELECT getvariable('x')`,
      `SELECT list_transform(['temp_directory'], x -> current_setting(x))`,
      `SELECT * FROM "${SALES}" ORDER BY current_setting('allowed_paths')`,
    ]) {
      const e = await refused(sql);
      expect(['SqlFunctionNotAllowed', 'SqlError']).toContain(e.errorName);
    }
  });

  it('has no getenv (a CLI-only function) to read the environment', async () => {
    const e = await refused(`SELECT getenv('HOME')`);
    expect(e.errorName).toBe('SqlError');
    expect(e.parameters.message).toMatch(/^Catalog Error: Scalar Function with name getenv does not exist/);
  });

  it('refuses catalog views that show the data files or the engine', async () => {
    for (const sql of [
      `SELECT sql FROM duckdb_views()`,
      `SELECT * FROM duckdb_views`,
      `SELECT * FROM information_schema.views`,
      `SELECT * FROM sqlite_master`,
      `SELECT * FROM pg_views`,
      `SELECT * FROM duckdb_databases()`,
      `SELECT * FROM duckdb_extensions()`,
      `SELECT * FROM duckdb_secrets()`,
      `SELECT * FROM duckdb_external_file_cache()`,
      `SELECT * FROM duckdb_temporary_files()`,
      `SELECT * FROM duckdb_memory()`,
      `SELECT * FROM pragma_database_size()`,
      `SELECT * FROM pragma_platform()`,
      `SELECT * FROM pragma_table_info('${SALES}')`,
      `SELECT * FROM which_secret('s3://b/x', 's3')`,
      // A CTE cannot lend its name to a catalog view.
      `WITH duckdb_views AS (SELECT 1) SELECT * FROM duckdb_views`,
      `SELECT * FROM (WITH pg_settings AS (SELECT 1) SELECT 1), pg_settings`,
      `SELECT * FROM system.main.duckdb_views`,
      `SELECT * FROM memory.main."${SALES}"`,
    ]) {
      const e = await refused(sql);
      expect(['SqlFunctionNotAllowed', 'SqlError']).toContain(e.errorName);
    }
  });

  it('refuses table functions that change engine state despite the locked configuration', async () => {
    // Unchecked, the first breaks the instance for good (in one run it aborted the whole Node
    // process with an uncaught C++ exception), the second breaks the connection; the others
    // change logging, profiling or the parser although the configuration is locked.
    for (const sql of [
      `SELECT * FROM enable_logging(storage := 'file', storage_path := '${join(dir, 'logs')}')`,
      `SELECT * FROM enable_profiling(format := 'json', save_location := '${join(dir, 'profile.json')}')`,
      `SELECT * FROM enable_logging()`,
      `SELECT * FROM disable_logging()`,
      `SELECT * FROM truncate_duckdb_logs()`,
      `SELECT * FROM enable_profiling()`,
      `SELECT * FROM disable_peg_parser()`,
      `SELECT * FROM enable_peg_parser()`,
      `SELECT * FROM checkpoint()`,
      `SELECT * FROM force_checkpoint()`,
      `SELECT * FROM duckdb_logs`,
      `SELECT * FROM arrow_scan(0::UBIGINT::POINTER, 0::UBIGINT::POINTER, 0::UBIGINT::POINTER)`,
      `SELECT write_log('x')`,
      `SELECT * FROM system.main.enable_logging()`,
      `SELECT * FROM ENABLE_LOGGING()`,
    ]) {
      const e = await refused(sql);
      expect(['SqlFunctionNotAllowed', 'SqlError'], sql).toContain(e.errorName);
    }
    expect(await readdir(dir)).not.toContain('logs');
    expect(await readdir(dir)).not.toContain('profile.json');
    await stillWorks();
  });
});

describe('other datasets', () => {
  it('answers a dataset that exists elsewhere exactly like one that exists nowhere', async () => {
    const elsewhere = await refused(`SELECT * FROM "${OTHER}"`);
    const nowhere = await refused(`SELECT * FROM "/Acme/Project/never-existed"`);
    expect(elsewhere.errorName).toBe('SqlError');
    expect(nowhere.errorName).toBe('SqlError');
    expect(elsewhere.parameters.message).toBe(`Catalog Error: Table with name ${OTHER} does not exist!`);
    expect(String(nowhere.parameters.message).replace('/Acme/Project/never-existed', OTHER)).toBe(elsewhere.parameters.message);
    expect(elsewhere.parameters).toMatchObject({ position: 14, line: 1, column: 15 });
  });

  it('cannot describe or summarize another dataset', async () => {
    for (const sql of [`DESCRIBE "${OTHER}"`, `SHOW "${OTHER}"`, `SUMMARIZE "${OTHER}"`, `SELECT * FROM (SHOW "${OTHER}")`]) {
      expect((await refused(sql)).errorName).toBe('SqlError');
    }
  });

  it('does not match Unicode look-alikes or other spellings of a table name', async () => {
    // Cyrillic "ѕ" (U+0455) instead of Latin "s"; a zero-width space; a trailing space.
    for (const name of ['/Acme/Project/ѕales', '/Acme/Project/\u200bsales', '/Acme/Project/sales ', '/Acme//Project/sales']) {
      expect((await refused(`SELECT * FROM "${name}"`)).errorName).toBe('SqlError');
    }
  });

  it('never shares anything between two sandboxes', async () => {
    const other = await openSandbox({ tables: [{ name: OTHER, files: [otherFile] }] });
    try {
      expect(rows(await other.query(`SELECT hidden FROM "${OTHER}"`, { rowLimit: 1, timeoutMs: 5000 }))).toEqual([[OTHER_DATASET_VALUE]]);
      // The first sandbox still cannot see it, nor the file, now that another engine has read it.
      await refused(`SELECT * FROM "${OTHER}"`);
      await refused(`SELECT * FROM read_parquet('${otherFile}')`);
      await refused(`SELECT * FROM "${SALES}"`, other);
    } finally {
      await other.close();
    }
  });
});

describe('resource exhaustion', () => {
  const opts = { rowLimit: 10, timeoutMs: 1_500 };

  it('stops an endless recursive CTE with the timeout', async () => {
    const started = Date.now();
    const e = await sandbox.query('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r', opts).catch((x: unknown) => x);
    expect(e).toMatchObject({ errorName: 'QueryTimedOut' });
    expect(Date.now() - started).toBeLessThan(3_000);
    await stillWorks();
  });

  it('stops a recursive CTE that doubles its rows with the memory limit or the timeout', async () => {
    const e = await sandbox
      .query(`WITH RECURSIVE r(n, s) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, s || s FROM r WHERE n < 40) SELECT max(length(s)) FROM r`, opts)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FoundryError);
    expect((e as FoundryError).errorName).toMatch(/^(QueryTimedOut|SqlError)$/);
    if ((e as FoundryError).errorName === 'SqlError') expect((e as FoundryError).parameters.message).toMatch(/^Out of Memory Error/);
    await stillWorks();
  });

  it('stops a cross-join bomb and an aggregate over a huge series', async () => {
    for (const sql of ['SELECT count(*) FROM range(1000000) a, range(1000000) b, range(1000000) c', 'SELECT sum(i) FROM generate_series(1, 1000000000000) t(i)']) {
      const e = await sandbox.query(sql, opts).catch((x: unknown) => x);
      expect(e).toMatchObject({ errorName: 'QueryTimedOut' });
    }
    await stillWorks();
  });

  it('caps a huge result at the row limit', async () => {
    const result = await sandbox.query('SELECT * FROM range(1000000000000)', opts);
    expect(result.rowCount).toBe(10);
    expect(result.truncated).toBe(true);
  });

  it('refuses very long SQL before parsing it', async () => {
    const e = await refused(`SELECT 1 ${'+ 1 '.repeat(30_000)}`);
    expect(e.errorName).toBe('SqlTooLong');
  });

  it('refuses absurdly deep nesting without crashing', async () => {
    const depth = 49_000;
    for (const sql of [`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`, `SELECT 1${' + 1'.repeat(5_000)}`, `SELECT ${'(SELECT '.repeat(6_000)}1${')'.repeat(6_000)}`]) {
      expect((await refused(sql)).errorName).toBe('SqlSyntaxError');
    }
    await stillWorks();
  });
});

describe('extensions', () => {
  it('cannot install, load or autoload extensions', async () => {
    for (const sql of [`INSTALL httpfs`, `LOAD httpfs`, `LOAD '${join(dir, 'evil.duckdb_extension')}'`]) {
      expect((await refused(sql)).errorName).toMatch(/^(SqlStatementNotAllowed|SqlSyntaxError)$/);
    }
    // Autoload is off: a function of an extension that is not loaded is unknown, not fetched.
    const e = await refused(`SELECT * FROM read_xlsx('${secretCsv}')`);
    expect(e.errorName).toBe('SqlFunctionNotAllowed');
    const http = await refused(`SELECT * FROM "${SALES}" WHERE label = (SELECT 'x' FROM 'https://example.com/x.csv')`);
    expect(http.errorName).toBe('SqlError');
  });
});
