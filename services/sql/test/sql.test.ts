import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { createPlatformClient } from '@osdk/client';
import { SqlQueries } from '@osdk/foundry.sqlqueries';
import { expectEnvelope, startTestServer, type HttpClient, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';

/** Foundry's SQL queries over datasets, through HTTP and Palantir's published client. */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let viewer: TestUser;
let outsider: TestUser;
let projectRid: string;
let sales: { rid: string; path: string };
let secret: { rid: string; path: string };
let firstSales: string;

function ok<T = any>(res: { status: number; body: T; text: string }, what: string, status = 200): T {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 400)}`);
  return res.body;
}

async function importCsv(http: HttpClient, datasetRid: string, csv: string, query: Record<string, string> = {}) {
  return ok(
    await http.post(`/api/v2/datasets/${datasetRid}/import?${new URLSearchParams({ format: 'csv', ...query })}`, undefined, { raw: Buffer.from(csv), headers: { 'content-type': 'application/octet-stream' } }),
    'import',
  );
}

async function dataset(http: HttpClient, name: string, csv: string) {
  const ds = ok(await http.post('/api/v2/datasets', { parentFolderRid: projectRid, name }), 'create');
  const imported = await importCsv(http, ds.rid, csv);
  return { rid: ds.rid as string, path: ds.path as string, transactionRid: imported.transaction.rid as string };
}

/** Runs a query and waits for it to finish; returns the final status. */
async function run(http: HttpClient, query: string, extra: Record<string, unknown> = {}) {
  const res = await http.post('/api/v2/sqlQueries/execute', { query, ...extra });
  if (res.status !== 200) return res;
  let status = res.body;
  while (status.type === 'running') {
    await new Promise((r) => setTimeout(r, 50));
    status = ok(await http.get(`/api/v2/sqlQueries/${status.queryId}/getStatus`), 'status');
  }
  return { ...res, body: status };
}

async function rowsOf(http: HttpClient, query: string, extra: Record<string, unknown> = {}): Promise<unknown[][]> {
  const status = ok(await run(http, query, extra), 'run');
  expect(status).toMatchObject({ type: 'succeeded' });
  return ok(await http.get(`/api/v2/sqlQueries/${status.queryId}/rows`), 'rows').rows;
}

beforeAll(async () => {
  ts = await startTestServer({ env: { OPENFOUNDRY_SQL_TIMEOUT: '2s', OPENFOUNDRY_SQL_EXECUTE_WAIT: '500ms' } });
  org = await ts.createOrg();
  other = await ts.createOrg();
  const spaces = ok(await org.admin.http.get('/api/v2/filesystem/spaces'), 'spaces');
  projectRid = ok(await org.admin.http.post('/api/v2/filesystem/projects/create', { displayName: 'Analytics', spaceRid: spaces.data[0].rid }), 'project').rid;
  const s = await dataset(org.admin.http, 'sales', 'region,amount\neast,10\nwest,5\neast,7\nnorth,1\n');
  sales = s;
  firstSales = s.transactionRid;
  await importCsv(org.admin.http, sales.rid, 'region,amount\nsouth,100\n', { transactionType: 'APPEND', fileName: 'more.csv' });
  // A second project the viewer cannot read.
  const hidden = ok(await org.admin.http.post('/api/v2/filesystem/projects/create', { displayName: 'Hidden', spaceRid: spaces.data[0].rid }), 'project');
  const hiddenDs = ok(await org.admin.http.post('/api/v2/datasets', { parentFolderRid: hidden.rid, name: 'salaries' }), 'create');
  await importCsv(org.admin.http, hiddenDs.rid, 'name,salary\nceo,999999\n');
  secret = { rid: hiddenDs.rid, path: hiddenDs.path };
  viewer = await ts.createUser(org);
  outsider = await ts.createUser(org);
  ok(await org.admin.http.post(`/api/v2/filesystem/resources/${projectRid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: viewer.userId }, roleId: 'compass:read' }] }), 'grant', 204);
});
afterAll(async () => {
  await ts?.close();
});

describe('SQL queries', () => {
  it('runs a GROUP BY over a dataset named by path or RID; results as JSON rows and as Arrow', async () => {
    const byPath = await rowsOf(viewer.http, `SELECT region, sum(amount) AS total FROM "${sales.path}" GROUP BY region ORDER BY total DESC`);
    // A sum of LONGs is DuckDB's HUGEINT, kept exact: DECIMAL(38,0), a string in JSON.
    expect(byPath).toEqual([
      ['south', '100'],
      ['east', '17'],
      ['west', '5'],
      ['north', '1'],
    ]);
    const status = ok(await run(viewer.http, `SELECT count(*) AS n FROM \`${sales.rid}\``), 'run');
    expect(status).toMatchObject({ type: 'succeeded', rowCount: 1, truncated: false });
    const res = await fetch(`${ts.url}/api/v2/sqlQueries/${status.queryId}/getResults`, { headers: { authorization: `Bearer ${viewer.token}` } });
    expect(res.status).toBe(200);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(Number(table.getChild('n')!.get(0))).toBe(5);
  });

  it('reads a dataset at a transaction or a branch, with fallbacks', async () => {
    expect(await rowsOf(viewer.http, `SELECT count(*) FROM "${sales.path}@${firstSales}"`)).toEqual([['4']]);
    ok(await org.admin.http.post(`/api/v2/datasets/${sales.rid}/branches`, { name: 'feature', transactionRid: firstSales }), 'branch');
    await importCsv(org.admin.http, sales.rid, 'region,amount\nfeature,1\nfeature,2\n', { branchName: 'feature', transactionType: 'APPEND', fileName: 'f.csv' });
    expect(await rowsOf(viewer.http, `SELECT count(*) FROM "${sales.path}@feature"`)).toEqual([['6']]);
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/execute', { query: `SELECT count(*) FROM "${sales.path}@nope"` }), 404, 'DatasetNotFound');
    // A branch that does not exist on the dataset reads the first fallback that does.
    expect(await rowsOf(viewer.http, `SELECT count(*) FROM "${sales.rid}@nope"`, { fallbackBranchIds: ['other', 'feature'] })).toEqual([['6']]);
    expect(await rowsOf(viewer.http, `SELECT count(*) FROM "${sales.rid}"`, { fallbackBranchIds: ['feature'] })).toEqual([['5']]);
  });

  it('joins two datasets', async () => {
    const regions = await dataset(org.admin.http, 'regions', 'region,manager\neast,Ann\nwest,Bob\n');
    const rows = await rowsOf(viewer.http, `SELECT r.manager, sum(s.amount) FROM "${sales.path}" s JOIN "${regions.path}" r USING (region) GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([
      ['Ann', '17'],
      ['Bob', '5'],
    ]);
  });

  it('answers an unreadable, missing or foreign dataset alike, and never reveals its rows', async () => {
    const answers = [
      await viewer.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "${secret.path}"` }),
      await viewer.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "${secret.rid}"` }),
      await viewer.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "/Default/Hidden/nothing"` }),
      await other.admin.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "${sales.rid}"` }),
      await outsider.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "${sales.path}"` }),
    ];
    for (const a of answers) {
      expectEnvelope(a, 404, 'DatasetNotFound');
      expect(a.text).not.toContain('999999');
    }
  });

  it('refuses every sandbox escape attempt', async () => {
    const files = ok(await org.admin.http.get(`/api/v2/datasets/${secret.rid}/files`), 'files').data;
    const blobDir = `${ts.config.dataDir}/blobs`;
    const attempts = [
      `SELECT * FROM read_csv('/etc/passwd')`,
      `SELECT * FROM '/etc/passwd'`,
      `SELECT * FROM read_parquet('${blobDir}/**/*')`,
      `SELECT * FROM glob('${blobDir}/*')`,
      `SELECT * FROM read_text('/etc/hostname')`,
      `ATTACH '/tmp/x.db' AS x`,
      `INSTALL httpfs`,
      `LOAD parquet`,
      `COPY (SELECT 1) TO '/tmp/out.csv'`,
      `SET enable_external_access = true`,
      `PRAGMA enable_profiling`,
      `CREATE TABLE t AS SELECT 1`,
      `SELECT 1; SELECT * FROM read_csv('/etc/passwd')`,
      `SELECT * FROM "${sales.path}"; DROP VIEW "${sales.path}"`,
      `EXPORT DATABASE '/tmp/dump'`,
      `SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')`,
    ];
    for (const query of attempts) {
      const res = await run(viewer.http, query);
      const failed = res.status >= 400 || res.body.type === 'failed';
      expect(failed, `${query} → ${res.status} ${res.text}`).toBe(true);
      expect(res.text).not.toContain('root:');
      expect(res.text).not.toContain('999999');
    }
    expect(files.length).toBeGreaterThan(0);
  });

  it('names the position of a syntax error; a runtime error fails the query with its message', async () => {
    const res = await viewer.http.post('/api/v2/sqlQueries/execute', { query: 'SELECT region\nFROM "' + sales.path + '"\nWHERE amount IN (1,' });
    const e = expectEnvelope(res, 400, 'QueryParseError');
    expect(e.parameters).toMatchObject({ errorMessage: expect.any(String), line: 3 });
    const failed = ok(await run(viewer.http, `SELECT nonexistent FROM "${sales.path}"`), 'run');
    expect(failed).toMatchObject({ type: 'failed', errorMessage: expect.stringContaining('nonexistent') });
    expectEnvelope(await viewer.http.get(`/api/v2/sqlQueries/${failed.queryId}/getResults`), 500, 'QueryFailed');
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/execute', { query: '' }), 400, 'QueryParseError');
    const empty = ok(await org.admin.http.post('/api/v2/datasets', { parentFolderRid: projectRid, name: 'empty' }), 'create');
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/execute', { query: `SELECT * FROM "${empty.path}"` }), 400, 'DatasetHasNoTabularData');
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/execute', { query: 'SELECT 1', extra: true }), 400);
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/execute', { query: 'SELECT 1', fallbackBranchIds: 'master' }), 400);
  });

  it('stops a query that runs too long, and cancels on request', async () => {
    const slow = `SELECT count(*) FROM range(100000000000) a, range(1000) b`;
    const timedOut = ok(await run(viewer.http, slow), 'run');
    expect(timedOut).toMatchObject({ type: 'failed', errorName: 'QueryTimedOut' });
    const started = ok(await viewer.http.post('/api/v2/sqlQueries/execute', { query: slow.replace('1000)', '999)') }), 'execute');
    expect(started.type).toBe('running');
    expect((await viewer.http.post(`/api/v2/sqlQueries/${started.queryId}/cancel`)).status).toBe(204);
    expect(ok(await viewer.http.get(`/api/v2/sqlQueries/${started.queryId}/getStatus`), 'status')).toMatchObject({ type: 'canceled' });
    expectEnvelope(await viewer.http.get(`/api/v2/sqlQueries/${started.queryId}/getResults`), 400, 'QueryCanceled');
    // A query that ends within execute's wait is recorded once, finished; one that outlasts it is
    // recorded as running first. Either way it has exactly one execute event.
    const quick = ok(await viewer.http.post('/api/v2/sqlQueries/execute', { query: 'SELECT 7 AS seven' }), 'execute');
    expect(quick).toMatchObject({ type: 'succeeded', rowCount: 1 });
    const events = ok(await org.admin.http.get('/api/v2/audit/events?category=sql.query.execute&pageSize=1000'), 'audit').data as Array<{ details: { queryId: string } }>;
    for (const id of [timedOut.queryId, started.queryId, quick.queryId]) expect(events.filter((e) => e.details.queryId === id)).toHaveLength(1);
  });

  it('another user’s or organization’s query is not found', async () => {
    const status = ok(await run(viewer.http, 'SELECT 42'), 'run');
    for (const http of [outsider.http, other.admin.http]) {
      expectEnvelope(await http.get(`/api/v2/sqlQueries/${status.queryId}/getStatus`), 404, 'SqlQueryNotFound');
      expectEnvelope(await http.get(`/api/v2/sqlQueries/${status.queryId}/getResults`), 404, 'SqlQueryNotFound');
      expectEnvelope(await http.get(`/api/v2/sqlQueries/${status.queryId}/rows`), 404, 'SqlQueryNotFound');
      expectEnvelope(await http.post(`/api/v2/sqlQueries/${status.queryId}/cancel`), 404, 'SqlQueryNotFound');
      expectEnvelope(await http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: projectRid, name: 'stolen' }), 404, 'SqlQueryNotFound');
    }
    expectEnvelope(await viewer.http.get('/api/v2/sqlQueries/not-a-query/getStatus'), 404, 'SqlQueryNotFound');
  });

  it('exports results to a new dataset, which is audited', async () => {
    const status = ok(await run(org.admin.http, `SELECT region, sum(amount) AS total FROM "${sales.path}" GROUP BY 1`), 'run');
    const created = ok(await org.admin.http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: projectRid, name: 'totals' }), 'export');
    expect(created).toMatchObject({ name: 'totals', parentFolderRid: projectRid, path: '/Default/Analytics/totals' });
    const preview = ok(await org.admin.http.get(`/api/v2/datasets/${created.rid}/preview`), 'preview');
    expect(preview.rowCount).toBe(4);
    expect(preview.schema.fieldSchemaList.map((f: { name: string }) => f.name)).toEqual(['region', 'total']);
    // A viewer cannot write into the project.
    expectEnvelope(await org.admin.http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: projectRid }), 400);
    expectEnvelope(await org.admin.http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: 'not-a-rid', name: 'x' }), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: projectRid, name: 'totals' }), 409);
    expectEnvelope(await org.admin.http.get(`/api/v2/sqlQueries/${status.queryId}/rows?offset=-1`), 400);
    expectEnvelope(await org.admin.http.get(`/api/v2/sqlQueries/${status.queryId}/rows?limit=100000`), 400);
    const mine = ok(await run(viewer.http, 'SELECT 1 AS one'), 'run');
    expectEnvelope(await viewer.http.post(`/api/v2/sqlQueries/${mine.queryId}/export`, { parentFolderRid: projectRid, name: 'nope' }), 403);
    const events = ok(await org.admin.http.get('/api/v2/audit/events?category=sql.&pageSize=1000'), 'audit').data.map((e: { category: string }) => e.category);
    expect(events).toEqual(expect.arrayContaining(['sql.query.execute', 'sql.query.export', 'sql.query.cancel']));
  });

  it('saved queries are private to their owner', async () => {
    const saved = ok(await viewer.http.post('/api/v2/sqlQueries/saved', { name: 'Totals', query: 'SELECT 1' }), 'save');
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/saved', { name: 'totals', query: 'SELECT 2' }), 409, 'SavedQueryNameAlreadyExists');
    expectEnvelope(await viewer.http.post('/api/v2/sqlQueries/saved', { name: ' ', query: 'SELECT 2' }), 400, 'InvalidDisplayName');
    const renamed = ok(await viewer.http.put(`/api/v2/sqlQueries/saved/${saved.id}`, { name: 'Totals v2', query: 'SELECT 2' }), 'update');
    expect(renamed).toMatchObject({ name: 'Totals v2', query: 'SELECT 2' });
    expect(ok(await viewer.http.get('/api/v2/sqlQueries/saved'), 'list').data.map((q: { name: string }) => q.name)).toEqual(['Totals v2']);
    expect(ok(await outsider.http.get('/api/v2/sqlQueries/saved'), 'list').data).toEqual([]);
    for (const http of [outsider.http, other.admin.http]) {
      expectEnvelope(await http.put(`/api/v2/sqlQueries/saved/${saved.id}`, { name: 'mine' }), 404, 'SavedQueryNotFound');
      expectEnvelope(await http.delete(`/api/v2/sqlQueries/saved/${saved.id}`), 404, 'SavedQueryNotFound');
    }
    expect((await viewer.http.delete(`/api/v2/sqlQueries/saved/${saved.id}`)).status).toBe(204);
    expect(ok(await viewer.http.get('/api/v2/sqlQueries/saved'), 'list').data).toEqual([]);
  });

  it('works through Palantir’s @osdk/foundry.sqlqueries client', async () => {
    const client = createPlatformClient(ts.url, () => Promise.resolve(viewer.token));
    let status = await SqlQueries.execute(client, { query: `SELECT region FROM "${sales.path}" ORDER BY amount DESC LIMIT 1` }, { preview: true });
    while (status.type === 'running') status = await SqlQueries.getStatus(client, status.queryId, { preview: true });
    expect(status.type).toBe('succeeded');
    const results = await SqlQueries.getResults(client, (status as { queryId: string }).queryId, { preview: true });
    const table = tableFromIPC(new Uint8Array(await results.arrayBuffer()));
    expect(table.getChild('region')!.get(0)).toBe('south');
  });
});

describe('row limits', () => {
  it('truncates results at the row limit and exports every row, computed again at the same versions', async () => {
    const small = await startTestServer({ env: { OPENFOUNDRY_SQL_ROW_LIMIT: '2', OPENFOUNDRY_SQL_EXPORT_ROW_LIMIT: '4' } });
    try {
      const o = await small.createOrg();
      const spaces = ok(await o.admin.http.get('/api/v2/filesystem/spaces'), 'spaces');
      const project = ok(await o.admin.http.post('/api/v2/filesystem/projects/create', { displayName: 'P', spaceRid: spaces.data[0].rid }), 'project');
      const ds = ok(await o.admin.http.post('/api/v2/datasets', { parentFolderRid: project.rid, name: 'numbers' }), 'create');
      await importCsv(o.admin.http, ds.rid, 'n\n1\n2\n3\n');
      const status = ok(await run(o.admin.http, `SELECT n FROM "${ds.path}" ORDER BY n`), 'run');
      expect(status).toMatchObject({ type: 'succeeded', rowCount: 2, truncated: true });
      expect(ok(await o.admin.http.get(`/api/v2/sqlQueries/${status.queryId}/rows`), 'rows')).toMatchObject({ rows: [['1'], ['2']], truncated: true });
      // The dataset changes after the query ran; the export still reads the version the query read.
      await importCsv(o.admin.http, ds.rid, 'n\n4\n', { transactionType: 'APPEND', fileName: 'more.csv' });
      const exported = ok(await o.admin.http.post(`/api/v2/sqlQueries/${status.queryId}/export`, { parentFolderRid: project.rid, name: 'all numbers' }), 'export');
      expect(ok(await o.admin.http.get(`/api/v2/datasets/${exported.rid}/preview`), 'preview').rows).toEqual([['1'], ['2'], ['3']]);
      // Beyond the export limit the export is refused rather than cut short.
      await importCsv(o.admin.http, ds.rid, 'n\n5\n', { transactionType: 'APPEND', fileName: 'even-more.csv' });
      const big = ok(await run(o.admin.http, `SELECT n FROM "${ds.path}"`), 'run');
      expectEnvelope(await o.admin.http.post(`/api/v2/sqlQueries/${big.queryId}/export`, { parentFolderRid: project.rid, name: 'too many' }), 400, 'ExportTooLarge');
    } finally {
      await small.close();
    }
  });
});
