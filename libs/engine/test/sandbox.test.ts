import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, JSDuckDBValueConverter } from '@duckdb/node-api';
import { FoundryError } from '@openfoundry/kernel';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowIpcBytes, closeSandboxSpares, openSandbox, sqlErrorLocation, type ChunkSource, type Sandbox, type SandboxResult } from '../src/index.js';

let dir: string;
let salesFile: string;
let regionsFile: string;
let sandbox: Sandbox;

const SALES = '/Acme/Project/folder/sales';
const REGIONS = 'ri.foundry.main.dataset.0b7c5a1e-4c43-4f4e-9d3a-2f1c6b8e7a90';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
  salesFile = join(dir, 'sales.parquet');
  regionsFile = join(dir, 'regions.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`COPY (
    SELECT i::BIGINT AS id,
           ['north', 'south', 'east'][(i % 3) + 1] AS region,
           (i * 1.25)::DECIMAL(10, 2) AS amount,
           DATE '2024-01-01' + i::INTEGER AS day
    FROM range(100) t(i)
  ) TO '${salesFile}' (FORMAT parquet)`);
  await c.run(`COPY (SELECT * FROM (VALUES ('north', 'Nordics'), ('south', 'Iberia'), ('east', 'Balkans')) v(region, label)) TO '${regionsFile}' (FORMAT parquet)`);
  c.closeSync();
  instance.closeSync();
  sandbox = await openSandbox({
    tables: [
      { name: SALES, files: [salesFile] },
      { name: REGIONS, files: [regionsFile] },
    ],
    memoryLimit: '256MB',
    threads: 2,
  });
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const q = (sql: string, rowLimit = 1000, timeoutMs = 10_000) => sandbox.query(sql, { rowLimit, timeoutMs });

function rows(result: SandboxResult): unknown[][] {
  return result.chunks.flatMap((chunk) => chunk.convertRows(JSDuckDBValueConverter));
}

async function failure(p: Promise<unknown>): Promise<FoundryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FoundryError) return e;
    throw e;
  }
  throw new Error('expected the query to fail');
}

describe('queries over the exposed tables', () => {
  it('reads a table by its dataset path and its RID', async () => {
    expect(rows(await q(`SELECT count(*) FROM "${SALES}"`))).toEqual([[100n]]);
    expect(rows(await q(`SELECT region, label FROM "${REGIONS}" ORDER BY region`))).toEqual([
      ['east', 'Balkans'],
      ['north', 'Nordics'],
      ['south', 'Iberia'],
    ]);
  });

  it('joins two tables and aggregates', async () => {
    const result = await q(`
      SELECT r.label, count(*) AS n, sum(s.amount) AS total
      FROM "${SALES}" s JOIN "${REGIONS}" r USING (region)
      GROUP BY r.label ORDER BY r.label`);
    expect(result.columnNames()).toEqual(['label', 'n', 'total']);
    // ids ≡ 0 (mod 3) are north: 0, 3, ..., 99 → 34 rows, sum of ids 1683, times 1.25.
    expect(rows(result)).toEqual([
      ['Balkans', 33n, 2062.5],
      ['Iberia', 33n, 2021.25],
      ['Nordics', 34n, 2103.75],
    ]);
  });

  it('reports column names and DuckDB types', async () => {
    const result = await q(`SELECT * FROM "${SALES}" LIMIT 1`);
    expect(result.columnNames()).toEqual(['id', 'region', 'amount', 'day']);
    expect(result.columnTypes().map((t) => t.typeId)).toEqual([DuckDBTypeId.BIGINT, DuckDBTypeId.VARCHAR, DuckDBTypeId.DECIMAL, DuckDBTypeId.DATE]);
    expect(result.columnTypes()[2]!.toString()).toBe('DECIMAL(10,2)');
    expect(rows(result)[0]).toEqual([0n, 'north', 0, new Date('2024-01-01T00:00:00Z')]);
  });

  it('accepts WITH, VALUES, FROM-first, set operations, DESCRIBE, SHOW TABLES and SUMMARIZE', async () => {
    expect(rows(await q(`WITH n AS (SELECT id FROM "${SALES}" WHERE id < 3) SELECT sum(id) FROM n`))).toEqual([[3n]]);
    expect(rows(await q(`VALUES (1, 'a'), (2, 'b')`))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(rows(await q(`FROM "${REGIONS}" SELECT count(*)`))).toEqual([[3n]]);
    expect(rows(await q(`(SELECT 1) UNION ALL (SELECT 2) ORDER BY 1`))).toEqual([[1], [2]]);
    expect(rows(await q(`DESCRIBE "${REGIONS}"`)).map((r) => r.slice(0, 2))).toEqual([
      ['region', 'VARCHAR'],
      ['label', 'VARCHAR'],
    ]);
    expect(rows(await q('SHOW TABLES')).map((r) => r[0]).sort()).toEqual([SALES, REGIONS].sort());
    expect((await q(`SUMMARIZE "${SALES}"`)).rowCount).toBe(4);
    expect(rows(await q('SELECT i FROM range(3) t(i) JOIN generate_series(1, 2) g(j) ON i = j ORDER BY i'))).toEqual([[1n], [2n]]);
  });

  it('keeps the order of ORDER BY and tolerates trailing semicolons and comments', async () => {
    const sql = `SELECT id FROM "${SALES}" ORDER BY id DESC LIMIT 3; -- last ones\n /* done */ ;`;
    expect(rows(await q(sql))).toEqual([[99n], [98n], [97n]]);
    expect(rows(await q(`SELECT 'a;b' AS s -- trailing comment`))).toEqual([['a;b']]);
    expect(rows(await q(`SELECT $$ ; $$ AS s;`))).toEqual([[' ; ']]);
  });

  it('keeps duplicate column names apart', async () => {
    expect((await q('SELECT 1 AS a, 2 AS a')).columnNames()).toEqual(['a', 'a_1']);
  });

  it('is a chunk source the Arrow conversion reads', async () => {
    const result = await q(`SELECT id, region FROM "${SALES}" ORDER BY id`, 5);
    const source: ChunkSource = result;
    const table = tableFromIPC(await arrowIpcBytes(source));
    expect(table.numRows).toBe(5);
    expect(table.getChild('id')!.toArray()).toEqual(BigInt64Array.from([0n, 1n, 2n, 3n, 4n]));
  });
});

describe('tables of several files', () => {
  it('reads files whose columns differ by name (NULL where a file lacks one) unless told they are the same', async () => {
    const wider = join(dir, 'wider.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`COPY (SELECT 'west' AS region, 1000::BIGINT AS id, 'late' AS note) TO '${wider}' (FORMAT parquet)`);
    c.closeSync();
    instance.closeSync();
    const mixed = await openSandbox({ tables: [{ name: 't', files: [salesFile, wider] }], threads: 1 });
    try {
      const result = await mixed.query('SELECT id, region, note FROM t WHERE id IN (0, 1000) ORDER BY id', { rowLimit: 10, timeoutMs: 10_000 });
      expect(rows(result)).toEqual([
        [0n, 'north', null],
        [1000n, 'west', 'late'],
      ]);
    } finally {
      await mixed.close();
    }
    // Files with the same columns: the view takes them from the first file and reads every row.
    const copy = join(dir, 'sales-copy.parquet');
    await copyFile(salesFile, copy);
    const same = await openSandbox({ tables: [{ name: 't', files: [salesFile, copy], sameColumns: true }], threads: 1 });
    try {
      expect(rows(await same.query('SELECT count(*), sum(id) FROM t', { rowLimit: 10, timeoutMs: 10_000 }))).toEqual([[200n, 9900n]]);
    } finally {
      await same.close();
    }
  });
});

describe('row limit', () => {
  it('returns rowLimit rows and flags truncation', async () => {
    const result = await q(`SELECT id FROM "${SALES}" ORDER BY id`, 10);
    expect(result.rowCount).toBe(10);
    expect(result.truncated).toBe(true);
    expect(rows(result)).toEqual(Array.from({ length: 10 }, (_, i) => [BigInt(i)]));
    // The probe row is in DuckDB's result but not in the answer.
    expect(result.result.rowCount).toBe(11);
  });

  it('is not truncated at exactly rowLimit rows', async () => {
    const result = await q(`SELECT id FROM "${SALES}"`, 100);
    expect(result.rowCount).toBe(100);
    expect(result.truncated).toBe(false);
  });

  it('cuts across chunk boundaries', async () => {
    const result = await q('SELECT i FROM range(10000) t(i) ORDER BY i', 4100);
    expect(result.rowCount).toBe(4100);
    expect(result.truncated).toBe(true);
    expect(result.chunks.reduce((n, c) => n + c.rowCount, 0)).toBe(4100);
    expect(rows(result).at(-1)).toEqual([4099n]);
    let fetched = 0;
    for (let chunk = await result.fetchChunk(); chunk; chunk = await result.fetchChunk()) fetched += chunk.rowCount;
    expect(fetched).toBe(4100);
  });

  it('limits a user LIMIT that is larger, and a huge series without producing it', async () => {
    expect((await q(`SELECT * FROM "${SALES}" LIMIT 50`, 20)).rowCount).toBe(20);
    const started = Date.now();
    const big = await q('SELECT * FROM generate_series(1, 1000000000000)', 5, 5_000);
    expect(big.truncated).toBe(true);
    expect(rows(big)).toEqual([[1n], [2n], [3n], [4n], [5n]]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('allows rowLimit 0 (only the truncation flag)', async () => {
    const result = await q(`SELECT * FROM "${SALES}"`, 0);
    expect(result.rowCount).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.columnNames()).toEqual(['id', 'region', 'amount', 'day']);
  });
});

describe('timeout and cancel', () => {
  it('interrupts a long query with QueryTimedOut', async () => {
    const started = Date.now();
    const e = await failure(q('SELECT count(*) FROM range(1000000000000) a', 10, 700));
    const elapsed = Date.now() - started;
    expect(e.errorCode).toBe('TIMEOUT');
    expect(e.errorName).toBe('QueryTimedOut');
    expect(e.statusCode).toBe(504);
    expect(e.parameters).toEqual({ timeoutMs: 700 });
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(2_500);
    // The sandbox stays usable.
    expect(rows(await q('SELECT 1'))).toEqual([[1]]);
  });

  it('cancels through an AbortSignal with QueryCanceled', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const e = await failure(sandbox.query('SELECT count(*) FROM range(1000000000000) a', { rowLimit: 10, timeoutMs: 30_000, signal: controller.signal }));
    expect(e.errorName).toBe('QueryCanceled');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(rows(await q('SELECT 2'))).toEqual([[2]]);
  });

  it('refuses to start with an already aborted signal', async () => {
    const e = await failure(sandbox.query('SELECT 1', { rowLimit: 1, timeoutMs: 1000, signal: AbortSignal.abort() }));
    expect(e.errorName).toBe('QueryCanceled');
  });

  it('runs concurrent queries one after another, each with its own timeout', async () => {
    const slow = failure(q('SELECT count(*) FROM range(1000000000000) a', 10, 500));
    const fast = q('SELECT 42');
    expect((await slow).errorName).toBe('QueryTimedOut');
    expect(rows(await fast)).toEqual([[42]]);
  });

  it('does not let an interrupt that hit an idle connection spoil the next query', async () => {
    // A 1 ms timer fires while the query is being checked, between DuckDB calls.
    for (let i = 0; i < 5; i++) {
      expect((await failure(q(`SELECT ${i}`, 10, 1))).errorName).toBe('QueryTimedOut');
      expect(rows(await q(`SELECT ${i}`))).toEqual([[i]]);
    }
  });
});

describe('SQL errors', () => {
  it('gives SqlSyntaxError with the position, line and column', async () => {
    const sql = `SELECT id,\n  région FROM "${SALES}"\n  WHERE id > FROM`;
    const e = await failure(q(sql));
    expect(e.errorName).toBe('SqlSyntaxError');
    expect(e.errorCode).toBe('INVALID_ARGUMENT');
    expect(e.parameters.message).toMatch(/^Parser Error: syntax error at or near "FROM"/);
    const position = sql.lastIndexOf('FROM');
    expect(e.parameters).toMatchObject({ position, line: 3, column: 14 });
  });

  it('gives SqlError with DuckDB message and the position within the user text, not the wrapper', async () => {
    const sql = `SELECT 'é', nope FROM "${SALES}"`;
    const e = await failure(q(sql));
    expect(e.errorName).toBe('SqlError');
    expect(e.parameters.message).toMatch(/^Binder Error: Referenced column "nope" not found/);
    expect(e.parameters).toMatchObject({ position: sql.indexOf('nope'), line: 1, column: sql.indexOf('nope') + 1 });
  });

  it('gives SqlError for errors at run time', async () => {
    const e = await failure(q(`SELECT 'x'::INTEGER`));
    expect(e.errorName).toBe('SqlError');
    expect(e.parameters.message).toMatch(/^Conversion Error: Could not convert string 'x'/);
  });

  it('refuses an empty query', async () => {
    for (const sql of ['', '  -- nothing\n', ' ; ; ', '/* x */']) expect((await failure(q(sql))).errorName).toBe('SqlStatementNotAllowed');
  });

  it('converts UTF-8 byte offsets to character positions', () => {
    expect(sqlErrorLocation('é\nab', 4)).toEqual({ position: 3, line: 2, column: 2 });
    expect(sqlErrorLocation('abc', 9)).toEqual({});
    expect(sqlErrorLocation('abc', undefined)).toEqual({});
    // Parser errors count code points: an emoji is one code point but two UTF-16 units.
    expect(sqlErrorLocation('😀 x', 2, 'codePoint')).toEqual({ position: 3, line: 1, column: 4 });
  });
});

describe('opening and closing', () => {
  it('exposes an empty table with the given columns', async () => {
    const columns = [
      { name: 'a b', type: 'INTEGER' },
      { name: 'tags', type: 'VARCHAR[]' },
      { name: 'address', type: 'STRUCT("zip code" VARCHAR, "say ""hi""" DECIMAL(10,2)[])' },
      { name: 'm', type: 'MAP(VARCHAR, TIMESTAMP WITH TIME ZONE)' },
    ];
    const s = await openSandbox({ tables: [{ name: '/Acme/empty', files: [], columns }] });
    try {
      const result = await s.query('SELECT * FROM "/Acme/empty"', { rowLimit: 10, timeoutMs: 5000 });
      expect(result.rowCount).toBe(0);
      expect(result.truncated).toBe(false);
      expect(result.columnNames()).toEqual(['a b', 'tags', 'address', 'm']);
      expect(result.columnTypes().map(String)).toEqual([
        'INTEGER',
        'VARCHAR[]',
        'STRUCT("zip code" VARCHAR, "say ""hi""" DECIMAL(10,2)[])',
        'MAP(VARCHAR, TIMESTAMP WITH TIME ZONE)',
      ]);
    } finally {
      await s.close();
    }
  });

  it('refuses an empty table without columns, and column types that are not plain types', async () => {
    await expect(openSandbox({ tables: [{ name: '/x', files: [] }] })).rejects.toMatchObject({ errorName: 'SandboxEmptyTableNeedsColumns' });
    for (const type of ["INTEGER); SELECT 'x", 'INTEGER) AS a, (SELECT 1', 'STRUCT("a" INT', 'STRUCT("a) INT)', '"x" INT', 'INTEGER -- x', 'VARCHAR[]]']) {
      await expect(openSandbox({ tables: [{ name: '/x', files: [], columns: [{ name: 'a', type }] }] }), type).rejects.toMatchObject({
        errorName: 'SandboxInvalidColumn',
      });
    }
  });

  it('refuses names that DuckDB would confuse, and bad file paths', async () => {
    await expect(openSandbox({ tables: [{ name: '/A/sales', files: [salesFile] }, { name: '/a/SALES', files: [regionsFile] }] })).rejects.toMatchObject({
      errorName: 'SandboxTableNameConflict',
    });
    await expect(openSandbox({ tables: [{ name: '/A/sales', files: ['sales.parquet'] }] })).rejects.toThrow(/absolute local path/);
    await expect(openSandbox({ tables: [{ name: '/A/sales', files: [join(dir, '*.parquet')] }] })).rejects.toThrow(/glob/);
    await expect(openSandbox({ tables: [{ name: '/A/sales', files: ['s3://bucket/x.parquet'] }] })).rejects.toThrow(/absolute local path/);
    await expect(openSandbox({ tables: [], memoryLimit: "1GB'; SET x=1; --" })).rejects.toMatchObject({ errorName: 'SandboxInvalidOption' });
    await expect(openSandbox({ tables: [], threads: 0 })).rejects.toMatchObject({ errorName: 'SandboxInvalidOption' });
  });

  it('reports a file that cannot be read without naming its path', async () => {
    const e = await failure(openSandbox({ tables: [{ name: '/A/missing', files: [join(dir, 'missing.parquet')] }] }));
    expect(e.errorName).toBe('SandboxTableUnreadable');
    expect(e.parameters).toEqual({ name: '/A/missing' });
  });

  it('takes any characters in a table name', async () => {
    const name = `/Acme/it's "quoted"; DROP/ünïcode ✓`;
    const s = await openSandbox({ tables: [{ name, files: [regionsFile] }] });
    try {
      const result = await s.query(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`, { rowLimit: 1, timeoutMs: 5000 });
      expect(rows(result)).toEqual([[3n]]);
      expect(s.tableNames).toEqual([name]);
    } finally {
      await s.close();
    }
  });

  it('spills into a private directory that close() removes', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'sandbox-spill-'));
    const s = await openSandbox({ tables: [], memoryLimit: '64MB', threads: 1, tempDirectory: parent });
    await closeSandboxSpares();
    try {
      const entries = await readdir(parent);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatch(/^sql-sandbox-/);
      // DuckDB always lets queries read its temp directory (documented residual risk): a file in
      // this sandbox's own spill directory is readable to a query that knows the random path,
      // a file next to it (the parent, another sandbox's directory) is not.
      const scan = (path: string) => s.query(`SELECT * FROM (WITH "${path}" AS (SELECT 1) SELECT 1), "${path}"`, { rowLimit: 1, timeoutMs: 5000 });
      const own = join(parent, entries[0]!, 'planted.csv');
      const beside = join(parent, 'planted.csv');
      await writeFile(own, 'a\nplanted-value\n');
      await writeFile(beside, 'a\nplanted-value\n');
      expect(rows(await scan(own))).toEqual([[1, 'planted-value']]);
      const e = await failure(scan(beside));
      expect(e.parameters.message).toMatch(/^Permission Error: Cannot access file/);
      await rm(own);
      await rm(beside);
      // ~300 MB of sort input under a 64 MB limit only finishes by spilling.
      const result = await s.query(`SELECT count(*) FROM (SELECT i, repeat('x', 100) s FROM range(3000000) t(i) ORDER BY s, i DESC)`, { rowLimit: 1, timeoutMs: 30_000 });
      expect(rows(result)).toEqual([[3000000n]]);
    } finally {
      await s.close();
    }
    // Closing started a spare instance for the next sandbox, with a directory of its own.
    await closeSandboxSpares();
    expect(await readdir(parent)).toEqual([]);
    await rm(parent, { recursive: true, force: true });
  });

  it('fails when memory runs out and nothing may spill', async () => {
    const s = await openSandbox({ tables: [], memoryLimit: '64MB', threads: 1 });
    try {
      const e = await failure(s.query(`SELECT count(*) FROM (SELECT i, repeat('x', 100) s FROM range(3000000) t(i) ORDER BY s, i DESC)`, { rowLimit: 1, timeoutMs: 30_000 }));
      expect(e.errorName).toBe('SqlError');
      expect(e.parameters.message).toMatch(/^Out of Memory Error/);
    } finally {
      await s.close();
    }
  });

  it('names the table, not the server path, when a data file vanished', async () => {
    const copy = join(dir, 'vanishing.parquet');
    await copyFile(regionsFile, copy);
    const s = await openSandbox({ tables: [{ name: '/A/vanishing', files: [copy] }] });
    try {
      await rm(copy);
      const e = await failure(s.query('SELECT * FROM "/A/vanishing"', { rowLimit: 1, timeoutMs: 5000 }));
      expect(e.errorName).toBe('SqlError');
      expect(e.parameters.message).toContain('<a file of /A/vanishing>');
      expect(e.parameters.message).not.toContain(dir);
    } finally {
      await s.close();
    }
  });

  it('refuses queries after close, and close is idempotent', async () => {
    const s = await openSandbox({ tables: [{ name: '/A/r', files: [regionsFile] }] });
    await s.close();
    await s.close();
    expect((await failure(s.query('SELECT 1', { rowLimit: 1, timeoutMs: 1000 }))).errorName).toBe('SandboxClosed');
  });

  it('close() interrupts a running query', async () => {
    const s = await openSandbox({ tables: [] });
    const running = failure(s.query('SELECT count(*) FROM range(1000000000000) a', { rowLimit: 1, timeoutMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await running;
  });

  it('validates query options', async () => {
    expect((await failure(q('SELECT 1', -1))).errorName).toBe('SandboxInvalidOption');
    expect((await failure(q('SELECT 1', 1.5))).errorName).toBe('SandboxInvalidOption');
    expect((await failure(q('SELECT 1', 1, 0))).errorName).toBe('SandboxInvalidOption');
  });
});
