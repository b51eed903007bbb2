import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestOrg, TestServer } from '@openfoundry/testkit';
import { createDataset, ok, openTransaction, startDatasetsServer, upload, viewContents, writeTransaction } from './datasets.fixtures.js';

/** Storage upkeep: blobs nothing references are collected; everything a view or history needs stays. */
let ts: TestServer;
let org: TestOrg;
let projectRid: string;

beforeAll(async () => {
  ({ ts, org, projectRid } = await startDatasetsServer());
});
afterAll(async () => {
  await ts?.close();
});

async function keys(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of ts.server.platform.blobs.list('datasets/')) out.push(e.key);
  return out;
}

describe('garbage collection', () => {
  it('deletes orphaned uploads and a permanently deleted dataset’s files, keeps history', async () => {
    const http = org.admin.http;
    const ds = await createDataset(http, projectRid, 'kept');
    const t1 = await writeTransaction(http, ds.rid, 'SNAPSHOT', { 'a.txt': 'v1' });
    await writeTransaction(http, ds.rid, 'SNAPSHOT', { 'a.txt': 'v2' });
    // A crash between storing a blob and recording it leaves an orphan.
    const orphan = await ts.server.platform.blobs.put(`datasets/${ds.rid.split('.').pop()}/orphan-upload`, Buffer.from('lost'));
    // An open transaction's upload is kept while the grace period covers it... and a deleted dataset goes.
    const gone = await createDataset(http, projectRid, 'gone');
    await writeTransaction(http, gone.rid, 'SNAPSHOT', { 'x.txt': 'x' });
    ok(await http.delete(`/api/v2/filesystem/resources/${gone.rid}`), 'trash', 204);
    ok(await http.post(`/api/v2/filesystem/resources/${gone.rid}/permanentlyDelete`), 'delete', 204);
    const before = await keys();
    expect(before).toContain(orphan.key);

    // Within the grace period nothing is touched.
    expect(await ts.server.platform.datasets.collectGarbage()).toMatchObject({ deletedBlobs: 0 });
    const report = await ts.server.platform.datasets.collectGarbage({ graceMs: 0 });
    expect(report.deletedBlobs).toBe(2);
    const after = await keys();
    expect(after).not.toContain(orphan.key);
    expect(after).toHaveLength(before.length - 2);
    // Time travel still works: the old version's file was kept.
    expect(await viewContents(http, ds.rid, { endTransactionRid: t1.rid })).toEqual({ 'a.txt': 'v1' });
    expect(await viewContents(http, ds.rid)).toEqual({ 'a.txt': 'v2' });
  });

  it('an open transaction’s uploads are referenced and survive collection', async () => {
    const http = org.admin.http;
    const ds = await createDataset(http, projectRid, 'open upload');
    const t = await openTransaction(http, ds.rid, 'SNAPSHOT');
    ok(await upload(http, ds.rid, 'pending.txt', 'pending', { transactionRid: t.rid }), 'upload');
    await ts.server.platform.datasets.collectGarbage({ graceMs: 0 });
    ok(await http.post(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}/commit`), 'commit');
    expect(await viewContents(http, ds.rid)).toEqual({ 'pending.txt': 'pending' });
  });
});
