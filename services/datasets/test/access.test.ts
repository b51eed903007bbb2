import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type HttpClient, type HttpResponse, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { MISSING_DATASET, createDataset, ok, openTransaction, startDatasetsServer, upload, viewContents, writeTransaction, type Dataset, type Transaction } from './datasets.fixtures.js';

/**
 * Who may do what: viewers read, editors write, others (and other organizations) see nothing —
 * on every endpoint, answered exactly like a dataset that does not exist.
 */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let projectRid: string;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let ds: Dataset;
let committed: Transaction;
let open: Transaction;

const grant = async (rid: string, principalId: string, roleId: string) =>
  ok(await org.admin.http.post(`/api/v2/filesystem/resources/${rid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId }, roleId }] }), 'grant', 204);

beforeAll(async () => {
  ({ ts, org, projectRid } = await startDatasetsServer());
  other = await ts.createOrg();
  editor = await ts.createUser(org);
  viewer = await ts.createUser(org);
  outsider = await ts.createUser(org);
  await grant(projectRid, editor.userId, 'compass:edit');
  await grant(projectRid, viewer.userId, 'compass:read');
  ds = await createDataset(editor.http, projectRid, 'sales');
  committed = await writeTransaction(editor.http, ds.rid, 'SNAPSHOT', { 'a.txt': 'secret A' });
  await ok(await editor.http.post(`/api/v2/datasets/${ds.rid}/branches`, { name: 'feature' }), 'branch');
  open = await openTransaction(editor.http, ds.rid, 'APPEND', 'feature');
});
afterAll(async () => {
  await ts?.close();
});

/** Every endpoint, as (method, path, body?) for a dataset RID. */
function endpoints(rid: string): Array<[string, string, unknown?]> {
  const f = encodeURIComponent('a.txt');
  return [
    ['GET', `/api/v2/datasets/${rid}`],
    ['GET', `/api/v2/datasets/${rid}/branches`],
    ['GET', `/api/v2/datasets/${rid}/branches/master`],
    ['GET', `/api/v2/datasets/${rid}/branches/master/transactions`],
    ['POST', `/api/v2/datasets/${rid}/branches`, { name: 'x' }],
    ['DELETE', `/api/v2/datasets/${rid}/branches/feature`],
    ['GET', `/api/v2/datasets/${rid}/transactions`],
    ['POST', `/api/v2/datasets/${rid}/transactions?branchName=master`, { transactionType: 'UPDATE' }],
    ['GET', `/api/v2/datasets/${rid}/transactions/${committed.rid}`],
    ['POST', `/api/v2/datasets/${rid}/transactions/${open.rid}/commit`],
    ['POST', `/api/v2/datasets/${rid}/transactions/${open.rid}/abort`],
    ['GET', `/api/v2/datasets/${rid}/files`],
    ['GET', `/api/v2/datasets/${rid}/files/${f}`],
    ['GET', `/api/v2/datasets/${rid}/files/${f}/content`],
    ['DELETE', `/api/v2/datasets/${rid}/files/${f}`],
    ['GET', `/api/v2/datasets/${rid}/readTable?format=CSV`],
    ['GET', `/api/v2/datasets/${rid}/getSchema`],
    ['PUT', `/api/v2/datasets/${rid}/putSchema`, { schema: { fieldSchemaList: [{ name: 'a', type: 'STRING', nullable: true }] } }],
    ['GET', `/api/v2/datasets/${rid}/preview`],
    ['GET', `/api/v2/datasets/${rid}/columnStats`],
  ];
}

const call = (http: HttpClient, [method, path, body]: [string, string, unknown?]) => http.request(method, path, body);

describe('dataset access', () => {
  it('another organization and a user without a role get DatasetNotFound everywhere, exactly like a missing dataset', async () => {
    for (const caller of [other.admin.http, outsider.http]) {
      for (const [i, endpoint] of endpoints(ds.rid).entries()) {
        const res = await call(caller, endpoint);
        const missing = await call(caller, endpoints(MISSING_DATASET)[i]!);
        const a = expectEnvelope(res, 404, 'DatasetNotFound');
        const b = expectEnvelope(missing, 404, 'DatasetNotFound');
        expect(Object.keys(a.parameters)).toEqual(Object.keys(b.parameters));
        expect(res.text).not.toContain('secret');
      }
      const importInto = (rid: string) =>
        caller.post(`/api/v2/datasets/${rid}/import?format=csv`, undefined, { raw: Buffer.from('a\n1\n'), headers: { 'content-type': 'application/octet-stream' } });
      for (const res of [await upload(caller, ds.rid, 'x.txt', 'x'), await upload(caller, MISSING_DATASET, 'x.txt', 'x'), await importInto(ds.rid), await importInto(MISSING_DATASET)]) {
        expectEnvelope(res, 404, 'DatasetNotFound');
      }
    }
    // The other organization cannot create a dataset in this project either.
    expectEnvelope(await other.admin.http.post('/api/v2/datasets', { parentFolderRid: projectRid, name: 'intruder' }), 404, 'FolderNotFound');
    // Nothing changed.
    expect(await viewContents(editor.http, ds.rid)).toEqual({ 'a.txt': 'secret A' });
    expect(ok(await editor.http.get(`/api/v2/datasets/${ds.rid}/transactions/${open.rid}`), 'get').status).toBe('OPEN');
    expect(ok(await editor.http.get(`/api/v2/datasets/${ds.rid}/branches`), 'branches').data.map((b: { name: string }) => b.name)).toEqual(['feature', 'master']);
  });

  it('the catalog lists only datasets the caller can discover, filtered by a text in name or path', async () => {
    const names = async (http: HttpClient, query = '') =>
      ok(await http.get(`/api/v2/datasets?pageSize=1000${query ? `&query=${encodeURIComponent(query)}` : ''}`), 'catalog').data.map((d: { name: string }) => d.name);
    expect(await names(viewer.http)).toContain('sales');
    expect(await names(outsider.http)).toEqual([]);
    expect(await names(other.admin.http)).toEqual([]);
    expect(await names(viewer.http, 'SAL')).toEqual(['sales']);
    expect(await names(viewer.http, '/Default/Data/')).toContain('sales');
    expect(await names(viewer.http, 'no such thing')).toEqual([]);
    expect(await names(viewer.http, '%')).toEqual([]);
    const page = ok(await org.admin.http.get('/api/v2/datasets?pageSize=1'), 'page');
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ rid: expect.any(String), path: expect.stringMatching(/^\/Default\/Data\//) });
    expectEnvelope(await viewer.http.get('/api/v2/datasets?pageSize=5000'), 400, 'InvalidPageSize');
  });

  it('viewers read but cannot write; each refusal names Foundry’s operation', async () => {
    expect(await viewContents(viewer.http, ds.rid)).toEqual({ 'a.txt': 'secret A' });
    const denied: Array<[HttpResponse, string]> = [
      [await viewer.http.post(`/api/v2/datasets/${ds.rid}/transactions`, { transactionType: 'UPDATE' }), 'CreateTransactionPermissionDenied'],
      [await viewer.http.post(`/api/v2/datasets/${ds.rid}/transactions/${open.rid}/commit`), 'CommitTransactionPermissionDenied'],
      [await viewer.http.post(`/api/v2/datasets/${ds.rid}/transactions/${open.rid}/abort`), 'AbortTransactionPermissionDenied'],
      [await viewer.http.post(`/api/v2/datasets/${ds.rid}/branches`, { name: 'mine' }), 'CreateBranchPermissionDenied'],
      [await viewer.http.delete(`/api/v2/datasets/${ds.rid}/branches/feature`), 'DeleteBranchPermissionDenied'],
      [await viewer.http.delete(`/api/v2/datasets/${ds.rid}/files/a.txt`), 'DeleteFilePermissionDenied'],
      [await upload(viewer.http, ds.rid, 'v.txt', 'v'), 'UploadFilePermissionDenied'],
      [await viewer.http.put(`/api/v2/datasets/${ds.rid}/putSchema`, { schema: { fieldSchemaList: [{ name: 'a', type: 'STRING', nullable: true }] } }), 'PutDatasetSchemaPermissionDenied'],
      [await viewer.http.post('/api/v2/datasets', { parentFolderRid: projectRid, name: 'mine' }), 'CreateDatasetPermissionDenied'],
    ];
    for (const [res, name] of denied) expectEnvelope(res, 403, name);
    expect(await viewContents(editor.http, ds.rid)).toEqual({ 'a.txt': 'secret A' });
  });

  it('a token without the datasets scopes is refused; a read-only token cannot write', async () => {
    const t = ok(await viewer.http.post('/api/v2/auth/tokens', { name: 'fs only', scopes: ['api:filesystem-read'], expiresInDays: 1 }), 'token');
    const fsOnly = viewer.http.withToken(t.token);
    expectEnvelope(await fsOnly.get(`/api/v2/datasets/${ds.rid}/files`), 403, 'MissingScope');
    const r = ok(await editor.http.post('/api/v2/auth/tokens', { name: 'read', scopes: ['api:datasets-read'], expiresInDays: 1 }), 'token');
    const readOnly = editor.http.withToken(r.token);
    expect((await readOnly.get(`/api/v2/datasets/${ds.rid}/files`)).status).toBe(200);
    expectEnvelope(await upload(readOnly, ds.rid, 'r.txt', 'r'), 403, 'MissingScope');
  });

  it('a trashed dataset can be read but not written; restored, it works again', async () => {
    const trashed = await createDataset(editor.http, projectRid, 'to trash');
    await writeTransaction(editor.http, trashed.rid, 'SNAPSHOT', { 'x': 'x' });
    ok(await editor.http.delete(`/api/v2/filesystem/resources/${trashed.rid}`), 'trash', 204);
    expectEnvelope(await editor.http.post(`/api/v2/datasets/${trashed.rid}/transactions`, { transactionType: 'UPDATE' }), 400, 'DatasetTrashed');
    expect(await viewContents(editor.http, trashed.rid)).toEqual({ x: 'x' });
    ok(await editor.http.post(`/api/v2/filesystem/resources/${trashed.rid}/restore`), 'restore', 204);
    await writeTransaction(editor.http, trashed.rid, 'UPDATE', { y: 'y' });
  });
});
