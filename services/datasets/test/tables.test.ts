import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type HttpClient, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { createDataset, ok, openTransaction, startDatasetsServer, upload, type Dataset } from './datasets.fixtures.js';

/** Imports (CSV, TSV, JSON, Parquet) into Parquet, schemas, previews, statistics and readTable. */
let ts: TestServer;
let org: TestOrg;
let projectRid: string;

beforeAll(async () => {
  ({ ts, org, projectRid } = await startDatasetsServer());
});
afterAll(async () => {
  await ts?.close();
});

const http = () => org.admin.http;

function importFile(client: HttpClient, datasetRid: string, body: string | Buffer, query: Record<string, string>) {
  return client.post(`/api/v2/datasets/${datasetRid}/import?${new URLSearchParams(query)}`, undefined, {
    raw: typeof body === 'string' ? Buffer.from(body) : body,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

const csv = ['id,name,amount,day', '1,alpha,10.50,2026-01-01', '2,beta,,2026-01-02', '3,"gamma, the third",7.25,2026-01-03', ''].join('\n');

describe('imports and tables', () => {
  let sales: Dataset;

  it('imports a CSV as a committed Parquet table with an inferred schema', async () => {
    sales = await createDataset(http(), projectRid, 'sales');
    const res = ok(await importFile(http(), sales.rid, csv, { format: 'csv', fileName: 'sales.csv' }), 'import');
    expect(res).toMatchObject({ rowCount: 3, files: [{ path: 'sales.parquet' }], transaction: { transactionType: 'SNAPSHOT', status: 'COMMITTED' } });
    expect(res.schema.fieldSchemaList.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ['id', 'LONG'],
      ['name', 'STRING'],
      ['amount', 'DOUBLE'],
      ['day', 'DATE'],
    ]);
    const history = ok(await http().get(`/api/v2/datasets/${sales.rid}/branches/master/transactions`), 'history').data;
    expect(history[0]).toMatchObject({ rowCount: '3', fileCount: 1 });
    expect(history[0].schema.fieldSchemaList.map((f: { name: string }) => f.name)).toEqual(['id', 'name', 'amount', 'day']);
  });

  it('previews rows with types and pages through them', async () => {
    const p = ok(await http().get(`/api/v2/datasets/${sales.rid}/preview?limit=2`), 'preview');
    expect(p).toMatchObject({ rowCount: 3, offset: 0, limit: 2 });
    expect(p.rows).toEqual([
      ['1', 'alpha', 10.5, '2026-01-01'],
      ['2', 'beta', null, '2026-01-02'],
    ]);
    const next = ok(await http().get(`/api/v2/datasets/${sales.rid}/preview?offset=2&limit=2&columns=name`), 'preview');
    expect(next.rows).toEqual([['gamma, the third']]);
    expectEnvelope(await http().get(`/api/v2/datasets/${sales.rid}/preview?limit=100000`), 400, 'InvalidLimit');
    expectEnvelope(await http().get(`/api/v2/datasets/${sales.rid}/preview?columns=nope`), 400, 'ColumnNotFound');
  });

  it('computes column statistics', async () => {
    const stats = ok(await http().get(`/api/v2/datasets/${sales.rid}/columnStats`), 'stats');
    expect(stats.rowCount).toBe(3);
    const amount = stats.columns.find((c: { name: string }) => c.name === 'amount');
    expect(amount).toMatchObject({ nullCount: 1, min: 7.25, max: 10.5 });
    expect(stats.columns.find((c: { name: string }) => c.name === 'id')).toMatchObject({ nullCount: 0, distinctCount: 3 });
  });

  it('reads the table as CSV with column selection and a row limit', async () => {
    const res = await http().get(`/api/v2/datasets/${sales.rid}/readTable?format=CSV&columns=name&columns=id&rowLimit=5`);
    expect(res.status).toBe(200);
    expect(res.text.trim().split(/\r?\n/)).toEqual(['name,id', 'alpha,1', 'beta,2', '"gamma, the third",3']);
    expectEnvelope(await http().get(`/api/v2/datasets/${sales.rid}/readTable?format=XML`), 400);
    expectEnvelope(await http().get(`/api/v2/datasets/${sales.rid}/readTable?format=CSV&rowLimit=-1`), 400, 'InvalidRowLimit');
  });

  it('APPENDs rows with the same schema; refuses a mismatched schema at commit and keeps the view', async () => {
    const more = 'id,name,amount,day\n4,delta,1.00,2026-02-01\n';
    ok(await importFile(http(), sales.rid, more, { format: 'csv', fileName: 'more.csv', transactionType: 'APPEND' }), 'append');
    expect(ok(await http().get(`/api/v2/datasets/${sales.rid}/preview`), 'preview').rowCount).toBe(4);

    const t = await openTransaction(http(), sales.rid, 'APPEND');
    ok(await importFile(http(), sales.rid, 'id,other\n5,x\n', { format: 'csv', fileName: 'bad.csv', transactionRid: t.rid }), 'import into open');
    const res = await http().post(`/api/v2/datasets/${sales.rid}/transactions/${t.rid}/commit`);
    expect(expectEnvelope(res, 400, 'SchemaMismatch').parameters.problem).toBeTruthy();
    await http().post(`/api/v2/datasets/${sales.rid}/transactions/${t.rid}/abort`);
    expect(ok(await http().get(`/api/v2/datasets/${sales.rid}/preview`), 'preview').rowCount).toBe(4);
  });

  it('names the row and column of a bad value, and commits nothing', async () => {
    const ds = await createDataset(http(), projectRid, 'typed');
    const schema = JSON.stringify({
      fieldSchemaList: [
        { name: 'id', type: 'INTEGER', nullable: false },
        { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true },
      ],
    });
    const rows = ['id,amount', ...Array.from({ length: 20 }, (_, i) => `${i + 1},${i}.5`), '21,abc', ''].join('\n');
    const res = await importFile(http(), ds.rid, rows, { format: 'csv', schema });
    const e = expectEnvelope(res, 400, 'InvalidFileContent');
    expect(e.parameters).toMatchObject({ row: 21, column: 'amount', value: 'abc' });
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/branches/master`), 'branch').transactionRid).toBeUndefined();
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions`), 'transactions').data).toEqual([]);
    // With a good file, the given schema is used.
    const good = ok(await importFile(http(), ds.rid, 'id,amount\n1,2.50\n', { format: 'csv', schema }), 'import');
    expect(good.schema.fieldSchemaList[1]).toMatchObject({ type: 'DECIMAL', precision: 10, scale: 2 });
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/preview`), 'preview').rows).toEqual([[1, '2.50']]);
  });

  it('imports TSV, JSON Lines, JSON arrays and Parquet', async () => {
    const tsv = await createDataset(http(), projectRid, 'tsv');
    expect(ok(await importFile(http(), tsv.rid, 'a\tb\n1\tx\n2\ty\n', { format: 'tsv' }), 'tsv').rowCount).toBe(2);
    const jsonl = await createDataset(http(), projectRid, 'jsonl');
    expect(ok(await importFile(http(), jsonl.rid, '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n', { format: 'jsonl' }), 'jsonl').rowCount).toBe(2);
    const json = await createDataset(http(), projectRid, 'json');
    expect(ok(await importFile(http(), json.rid, '[{"a":1},{"a":2},{"a":3}]', { format: 'json' }), 'json').rowCount).toBe(3);
    // Parquet: read back what the CSV import produced, and import it into another dataset.
    const parquet = await fetch(`${ts.url}/api/v2/datasets/${sales.rid}/files/sales.parquet/content`, { headers: { authorization: `Bearer ${org.admin.token}` } });
    const bytes = Buffer.from(await parquet.arrayBuffer());
    const copy = await createDataset(http(), projectRid, 'parquet copy');
    expect(ok(await importFile(http(), copy.rid, bytes, { format: 'parquet' }), 'parquet').rowCount).toBe(3);
    // A Parquet file uploaded through Foundry's upload endpoint is a table too.
    const uploaded = await createDataset(http(), projectRid, 'uploaded parquet');
    ok(await upload(http(), uploaded.rid, 'part-0.parquet', bytes, { transactionType: 'SNAPSHOT' }), 'upload');
    expect(ok(await http().get(`/api/v2/datasets/${uploaded.rid}/preview`), 'preview').rowCount).toBe(3);
  });

  it('refuses malformed files with a clear error', async () => {
    const ds = await createDataset(http(), projectRid, 'malformed');
    expectEnvelope(await importFile(http(), ds.rid, '{"a":1}\n{"a":', { format: 'jsonl' }), 400);
    expectEnvelope(await importFile(http(), ds.rid, 'not parquet at all', { format: 'parquet' }), 400);
    expectEnvelope(await upload(http(), ds.rid, 'fake.parquet', 'not parquet'), 400);
    expectEnvelope(await importFile(http(), ds.rid, 'a,b\n1,2\n', { format: 'xlsx' }), 400);
    expectEnvelope(await importFile(http(), ds.rid, 'a,b\n1,2\n', { format: 'csv', schema: '{not json' }), 400, 'InvalidSchema');
    expectEnvelope(await importFile(http(), ds.rid, 'a,b\n1,2\n', { format: 'csv', schema: '{"fieldSchemaList":[{"name":"a","type":"NOPE","nullable":true}]}' }), 400);
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions`), 'transactions').data).toEqual([]);
  });
});

describe('large imports, converted in parts while they arrive', () => {
  let small: { ts: TestServer; org: TestOrg; projectRid: string };
  beforeAll(async () => {
    // Parts of 4 KiB, so a few hundred rows make many parts.
    small = await startDatasetsServer({ OPENFOUNDRY_IMPORT_PART_BYTES: '4096' });
  });
  afterAll(async () => {
    await small?.ts.close();
  });

  const rows = (n: number, bad?: number) =>
    ['id,note,amount', ...Array.from({ length: n }, (_, i) => `${i + 1},"row ${i + 1}, with a comma and a ""quote""\nand a second line",${i + 1 === bad ? 'abc' : `${i}.5`}`), ''].join('\n');

  it('commits one file per part in one transaction; they read as one table in order', async () => {
    const client = small.org.admin.http;
    const ds = await createDataset(client, small.projectRid, 'big');
    const res = ok(await importFile(client, ds.rid, rows(500), { format: 'csv', fileName: 'big.csv' }), 'import');
    expect(res.rowCount).toBe(500);
    expect(res.files.length).toBeGreaterThan(5);
    expect(res.files.map((f: { path: string }) => f.path)).toEqual(res.files.map((_: unknown, i: number) => `big/part-${String(i).padStart(5, '0')}.parquet`));
    const preview = ok(await client.get(`/api/v2/datasets/${ds.rid}/preview?limit=500`), 'preview');
    expect(preview.rowCount).toBe(500);
    expect(preview.rows.map((r: unknown[]) => Number(r[0]))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(preview.rows[499]).toEqual(['500', 'row 500, with a comma and a "quote"\nand a second line', 499.5]);
    const history = ok(await client.get(`/api/v2/datasets/${ds.rid}/branches/master/transactions`), 'history').data;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ rowCount: '500', fileCount: res.files.length });
  });

  it('a bad value in a later part names its row in the upload and commits nothing', async () => {
    const client = small.org.admin.http;
    const ds = await createDataset(client, small.projectRid, 'broken');
    const e = expectEnvelope(await importFile(client, ds.rid, rows(500, 420), { format: 'csv' }), 400, 'InvalidFileContent');
    expect(e.parameters).toMatchObject({ row: 420, column: 'amount', value: 'abc' });
    expect(ok(await client.get(`/api/v2/datasets/${ds.rid}/transactions`), 'transactions').data).toEqual([]);
  });
});
