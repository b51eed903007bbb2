import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type TestOrg, type TestServer } from '@openfoundry/testkit';
import {
  MISSING_TRANSACTION,
  commit,
  createDataset,
  ok,
  openTransaction,
  startDatasetsServer,
  upload,
  viewContents,
  writeTransaction,
  type Transaction,
} from './datasets.fixtures.js';

/** Foundry's transaction semantics over HTTP: views, time travel, conflicts, aborts, branches. */
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

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of ts.server.platform.blobs.list('datasets/')) n++;
  return n;
}

describe('transactions', () => {
  it('SNAPSHOT{A,B}, APPEND{C}, UPDATE{A′}, DELETE{B} → view {A′, C}, and each step can be read back', async () => {
    const ds = await createDataset(http(), projectRid, 'worked example');
    expect(ds).toMatchObject({ name: 'worked example', parentFolderRid: projectRid, path: '/Default/Data/worked example' });
    const t1 = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'a.txt': 'A', 'dir/b.txt': 'B' });
    const t2 = await writeTransaction(http(), ds.rid, 'APPEND', { 'c.txt': 'C' });
    const t3 = await writeTransaction(http(), ds.rid, 'UPDATE', { 'a.txt': "A'" });
    const del = await openTransaction(http(), ds.rid, 'DELETE');
    expect((await http().delete(`/api/v2/datasets/${ds.rid}/files/${encodeURIComponent('dir/b.txt')}?transactionRid=${del.rid}`)).status).toBe(204);
    const t4 = await commit(http(), ds.rid, del.rid);

    expect(await viewContents(http(), ds.rid)).toEqual({ 'a.txt': "A'", 'c.txt': 'C' });
    expect(await viewContents(http(), ds.rid, { endTransactionRid: t1.rid })).toEqual({ 'a.txt': 'A', 'dir/b.txt': 'B' });
    expect(await viewContents(http(), ds.rid, { endTransactionRid: t2.rid })).toEqual({ 'a.txt': 'A', 'c.txt': 'C', 'dir/b.txt': 'B' });
    expect(await viewContents(http(), ds.rid, { endTransactionRid: t3.rid })).toEqual({ 'a.txt': "A'", 'c.txt': 'C', 'dir/b.txt': 'B' });
    // A range: only what the transactions from start to end wrote.
    expect(await viewContents(http(), ds.rid, { startTransactionRid: t2.rid, endTransactionRid: t3.rid })).toEqual({ 'a.txt': "A'", 'c.txt': 'C' });

    const files = ok(await http().get(`/api/v2/datasets/${ds.rid}/files`), 'files').data;
    expect(files).toEqual([
      { path: 'a.txt', transactionRid: t3.rid, sizeBytes: '2', updatedTime: expect.any(String) },
      { path: 'c.txt', transactionRid: t2.rid, sizeBytes: '1', updatedTime: expect.any(String) },
    ]);
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/branches/master`), 'branch')).toEqual({ name: 'master', transactionRid: t4.rid });

    const history = ok(await http().get(`/api/v2/datasets/${ds.rid}/branches/master/transactions`), 'history').data as Transaction[];
    expect(history.map((t) => [t.rid, t.transactionType, t.status, t.fileCount])).toEqual([
      [t4.rid, 'DELETE', 'COMMITTED', 1],
      [t3.rid, 'UPDATE', 'COMMITTED', 1],
      [t2.rid, 'APPEND', 'COMMITTED', 1],
      [t1.rid, 'SNAPSHOT', 'COMMITTED', 2],
    ]);
    expect(history[0]).toMatchObject({ createdBy: org.admin.userId, branchName: 'master', closedTime: expect.any(String) });
  });

  it('reads fall back to other branches in order when the named one does not exist', async () => {
    const ds = await createDataset(http(), projectRid, 'fallbacks');
    const base = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'a.txt': 'master' });
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files?branchName=feature`), 404, 'BranchNotFound');
    expect(await viewContents(http(), ds.rid, { branchName: 'feature', fallbackBranchIds: 'develop,master' })).toEqual({ 'a.txt': 'master' });
    ok(await http().post(`/api/v2/datasets/${ds.rid}/branches`, { name: 'develop', transactionRid: base.rid }), 'branch');
    await writeTransaction(http(), ds.rid, 'UPDATE', { 'a.txt': 'develop' }, 'develop');
    expect(await viewContents(http(), ds.rid, { branchName: 'feature', fallbackBranchIds: 'develop,master' })).toEqual({ 'a.txt': 'develop' });
    const schemaless = await http().get(`/api/v2/datasets/${ds.rid}/getSchema?branchName=feature&fallbackBranchIds=develop`);
    expectEnvelope(schemaless, 404, 'SchemaNotFound');
    expect(expectEnvelope(schemaless, 404).parameters).toMatchObject({ branchName: 'develop' });
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files?branchName=feature&fallbackBranchIds=..`), 400, 'InvalidBranchName');
  });

  it('a SNAPSHOT replaces the view; files are immutable and each version stays readable', async () => {
    const ds = await createDataset(http(), projectRid, 'snapshots');
    const t1 = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'x.csv': 'one' });
    await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'y.csv': 'two' });
    expect(await viewContents(http(), ds.rid)).toEqual({ 'y.csv': 'two' });
    expect(await viewContents(http(), ds.rid, { endTransactionRid: t1.rid })).toEqual({ 'x.csv': 'one' });
  });

  it('nothing is visible until commit; an aborted transaction leaves no trace', async () => {
    const ds = await createDataset(http(), projectRid, 'abort');
    await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'keep.txt': 'keep' });
    const t = await openTransaction(http(), ds.rid, 'UPDATE');
    ok(await upload(http(), ds.rid, 'keep.txt', 'overwritten', { transactionRid: t.rid }), 'upload');
    ok(await upload(http(), ds.rid, 'new.txt', 'new', { transactionRid: t.rid }), 'upload');
    const blobsBefore = await blobCount();
    expect(await viewContents(http(), ds.rid)).toEqual({ 'keep.txt': 'keep' });
    const aborted = ok(await http().post(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}/abort`), 'abort');
    expect(aborted).toMatchObject({ rid: t.rid, status: 'ABORTED', closedTime: expect.any(String) });
    expect(await viewContents(http(), ds.rid)).toEqual({ 'keep.txt': 'keep' });
    // Its files are gone from the transaction and from storage.
    const got = ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}`), 'get');
    expect(got).toMatchObject({ status: 'ABORTED', fileCount: 0 });
    expect(await blobCount()).toBe(blobsBefore - 2);
    // A new transaction can be opened once it is closed.
    await writeTransaction(http(), ds.rid, 'UPDATE', { 'later.txt': 'later' });
    expect(Object.keys(await viewContents(http(), ds.rid))).toEqual(['keep.txt', 'later.txt']);
  });

  it('one open transaction per branch; commit or abort only once', async () => {
    const ds = await createDataset(http(), projectRid, 'conflicts');
    const t = await openTransaction(http(), ds.rid, 'SNAPSHOT');
    const second = await http().post(`/api/v2/datasets/${ds.rid}/transactions`, { transactionType: 'APPEND' });
    expect(expectEnvelope(second, 409, 'OpenTransactionAlreadyExists').parameters).toEqual({ datasetRid: ds.rid, branchName: 'master' });
    // Concurrent opens: exactly one wins.
    await http().post(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}/abort`);
    const racers = await Promise.all(Array.from({ length: 4 }, () => http().post(`/api/v2/datasets/${ds.rid}/transactions`, { transactionType: 'UPDATE' })));
    expect(racers.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of racers.filter((x) => x.status !== 200)) expectEnvelope(r, 409, 'OpenTransactionAlreadyExists');
    const open = racers.find((r) => r.status === 200)!.body as Transaction;
    await commit(http(), ds.rid, open.rid);
    const again = await http().post(`/api/v2/datasets/${ds.rid}/transactions/${open.rid}/commit`);
    expect(expectEnvelope(again, 400, 'TransactionNotOpen').parameters).toMatchObject({ transactionStatus: 'COMMITTED' });
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions/${open.rid}/abort`), 400, 'TransactionNotOpen');
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}/commit`), 400, 'TransactionNotOpen');
    expectEnvelope(await upload(http(), ds.rid, 'late.txt', 'x', { transactionRid: open.rid }), 400, 'TransactionNotOpen');
    // Concurrent uploads that each open and commit a transaction: winners commit, losers get a clean 409.
    const uploads = await Promise.all(Array.from({ length: 5 }, (_, i) => upload(http(), ds.rid, `u${i}.txt`, `${i}`)));
    for (const r of uploads) expect([200, 409]).toContain(r.status);
    const won = uploads.map((r, i) => (r.status === 200 ? `u${i}.txt` : undefined)).filter(Boolean);
    expect(won.length).toBeGreaterThan(0);
    const files = Object.keys(await viewContents(http(), ds.rid));
    expect(files.filter((f) => f.startsWith('u'))).toEqual(won);
  });

  it('an APPEND that would overwrite a file fails at commit and changes nothing', async () => {
    const ds = await createDataset(http(), projectRid, 'append conflict');
    const t1 = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'a.txt': 'A' });
    const t = await openTransaction(http(), ds.rid, 'APPEND');
    ok(await upload(http(), ds.rid, 'a.txt', 'A2', { transactionRid: t.rid }), 'upload');
    const res = await http().post(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}/commit`);
    expect(expectEnvelope(res, 409, 'FileAlreadyExists').parameters).toMatchObject({ datasetRid: ds.rid, transactionRid: t.rid, path: 'a.txt' });
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions/${t.rid}`), 'get').status).toBe('OPEN');
    expect(await viewContents(http(), ds.rid)).toEqual({ 'a.txt': 'A' });
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/branches/master`), 'branch').transactionRid).toBe(t1.rid);
  });

  it('uploads without a transaction open and commit one (UPDATE by default, or the type given)', async () => {
    const ds = await createDataset(http(), projectRid, 'auto commit');
    const f = ok(await upload(http(), ds.rid, 'one.txt', '1'), 'upload');
    const t = ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions/${f.transactionRid}`), 'get');
    expect(t).toMatchObject({ transactionType: 'UPDATE', status: 'COMMITTED' });
    ok(await upload(http(), ds.rid, 'two.txt', '2', { transactionType: 'SNAPSHOT' }), 'upload');
    expect(await viewContents(http(), ds.rid)).toEqual({ 'two.txt': '2' });
    // Deleting without a transaction commits a DELETE transaction.
    expect((await http().delete(`/api/v2/datasets/${ds.rid}/files/two.txt`)).status).toBe(204);
    expect(await viewContents(http(), ds.rid)).toEqual({});
    expectEnvelope(await http().delete(`/api/v2/datasets/${ds.rid}/files/two.txt`), 404, 'FileNotFoundOnBranch');
    // Everything was audited.
    const events = ok(await http().get(`/api/v2/audit/events?pageSize=1000`), 'audit').data as Array<{ category: string; resourceRids: string[] }>;
    const mine = events.filter((e) => e.resourceRids.includes(ds.rid)).map((e) => e.category);
    for (const c of ['datasets.dataset.create', 'datasets.transaction.create', 'datasets.file.upload', 'datasets.transaction.commit', 'datasets.file.delete', 'datasets.file.read']) {
      expect(mine).toContain(c);
    }
  });

  it('lists every transaction of the dataset, newest first, with paging', async () => {
    const ds = await createDataset(http(), projectRid, 'listing');
    const a = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'a': 'a' });
    const b = await openTransaction(http(), ds.rid, 'APPEND');
    const p1 = ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions?pageSize=1`), 'list');
    expect(p1.data.map((t: Transaction) => t.rid)).toEqual([b.rid]);
    const p2 = ok(await http().get(`/api/v2/datasets/${ds.rid}/transactions?pageSize=1&pageToken=${p1.nextPageToken}`), 'list');
    expect(p2.data.map((t: Transaction) => t.rid)).toEqual([a.rid]);
    expect(p2.nextPageToken).toBeUndefined();
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const ds = await createDataset(http(), projectRid, 'bad input');
    const t = await writeTransaction(http(), ds.rid, 'SNAPSHOT', { 'a.txt': 'A' });
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions`, { transactionType: 'MERGE' }), 400, 'InvalidTransactionType');
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions`, { transactionType: 'SNAPSHOT', extra: 1 }), 400);
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions`, undefined, { raw: '{"transactionType":', headers: { 'content-type': 'application/json' } }), 400);
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions?branchName=nope`, { transactionType: 'SNAPSHOT' }), 404, 'BranchNotFound');
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions/${MISSING_TRANSACTION}/commit`), 404, 'TransactionNotFound');
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/transactions/not-a-rid/commit`), 400, 'InvalidResourceIdentifier');
    for (const bad of ['../etc/passwd', '/abs.txt', 'a//b', 'a/./b', 'tab\there', 'back\\slash']) {
      expectEnvelope(await upload(http(), ds.rid, bad, 'x'), 400, 'InvalidFilePath');
    }
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files?endTransactionRid=${MISSING_TRANSACTION}`), 404, 'TransactionNotFound');
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files/nope.txt`), 404, 'FileNotFoundOnBranch');
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files?pageSize=0`), 400, 'InvalidPageSize');
    expectEnvelope(await http().get(`/api/v2/datasets/${ds.rid}/files?pageToken=zzz`), 400, 'InvalidPageToken');
    // A JSON body is not a file.
    expectEnvelope(await http().post(`/api/v2/datasets/${ds.rid}/files/j.txt/upload`, { a: 1 }), 400, 'InvalidUploadBody');
    expect(await viewContents(http(), ds.rid)).toEqual({ 'a.txt': 'A' });
    expect(ok(await http().get(`/api/v2/datasets/${ds.rid}/branches/master`), 'branch').transactionRid).toBe(t.rid);
  });

  it('streams files larger than the JSON body limit, byte for byte', async () => {
    const ds = await createDataset(http(), projectRid, 'big file');
    const big = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const f = ok(await upload(http(), ds.rid, 'blob.bin', big), 'upload');
    expect(f.sizeBytes).toBe(String(big.length));
    const res = await fetch(`${ts.url}/api/v2/datasets/${ds.rid}/files/blob.bin/content`, { headers: { authorization: `Bearer ${org.admin.token}` } });
    expect(res.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it('refuses files over the size limit, storing nothing', async () => {
    const small = await startDatasetsServer({ OPENFOUNDRY_MAX_FILE_BYTES: '2048' });
    try {
      const ds = await createDataset(small.org.admin.http, small.projectRid, 'limited');
      const res = await upload(small.org.admin.http, ds.rid, 'big.bin', Buffer.alloc(4096, 1));
      expect(expectEnvelope(res, 413, 'FileTooLarge').parameters).toEqual({ maxBytes: 2048 });
      expect(await viewContents(small.org.admin.http, ds.rid)).toEqual({});
      const entries = [];
      for await (const e of small.ts.server.platform.blobs.list('datasets/')) entries.push(e);
      expect(entries).toEqual([]);
    } finally {
      await small.ts.close();
    }
  });
});

