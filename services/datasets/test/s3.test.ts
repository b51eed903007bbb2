import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from '@openfoundry/testkit/s3';
import type { TestOrg, TestServer } from '@openfoundry/testkit';
import { createDataset, ok, startDatasetsServer, viewContents, writeTransaction } from './datasets.fixtures.js';

/** The whole platform on S3-compatible storage (a real s3rver): uploads, imports, reads and SQL. */
let s3: TestS3Server;
let ts: TestServer;
let org: TestOrg;
let projectRid: string;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket('openfoundry');
  ({ ts, org, projectRid } = await startDatasetsServer({
    OPENFOUNDRY_STORAGE: 's3',
    OPENFOUNDRY_S3_ENDPOINT: s3.endpoint,
    OPENFOUNDRY_S3_BUCKET: 'openfoundry',
    OPENFOUNDRY_S3_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
    OPENFOUNDRY_S3_SECRET_ACCESS_KEY: S3RVER_SECRET,
    OPENFOUNDRY_S3_PREFIX: 'tenant-a/',
  }));
});
afterAll(async () => {
  await ts?.close();
  await s3?.close();
});

describe('datasets on S3', () => {
  it('stores files in the bucket and reads them back, as files, tables and through SQL', async () => {
    const http = org.admin.http;
    expect(ts.server.platform.blobs.kind).toBe('s3');
    const ds = await createDataset(http, projectRid, 'on s3');
    await writeTransaction(http, ds.rid, 'SNAPSHOT', { 'notes/readme.txt': 'hello from s3' });
    expect(await viewContents(http, ds.rid)).toEqual({ 'notes/readme.txt': 'hello from s3' });

    const table = await createDataset(http, projectRid, 'table on s3');
    const csv = 'k,v\na,1\nb,2\na,3\n';
    ok(await http.post(`/api/v2/datasets/${table.rid}/import?format=csv`, undefined, { raw: Buffer.from(csv), headers: { 'content-type': 'application/octet-stream' } }), 'import');
    expect(ok(await http.get(`/api/v2/datasets/${table.rid}/preview`), 'preview').rowCount).toBe(3);
    let status = ok(await http.post('/api/v2/sqlQueries/execute', { query: `SELECT k, sum(v) AS s FROM "${table.path}" GROUP BY k ORDER BY k` }), 'sql');
    while (status.type === 'running') status = ok(await http.get(`/api/v2/sqlQueries/${status.queryId}/getStatus`), 'status');
    expect(status.type).toBe('succeeded');
    expect(ok(await http.get(`/api/v2/sqlQueries/${status.queryId}/rows`), 'rows').rows).toEqual([
      ['a', '4'],
      ['b', '2'],
    ]);

    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'openfoundry' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(keys.every((k) => k.startsWith('tenant-a/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('tenant-a/datasets/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('tenant-a/sql-results/'))).toBe(true);
  });
});
