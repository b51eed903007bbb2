import { expect } from 'vitest';
import { startTestServer, type HttpClient, type HttpResponse, type TestOrg, type TestServer } from '@openfoundry/testkit';

/** A RID of the right shape that names nothing. */
export const MISSING_DATASET = 'ri.foundry.main.dataset.00000000-0000-4000-8000-000000000000';
export const MISSING_TRANSACTION = 'ri.foundry.main.transaction.00000000-0000-4000-8000-000000000000';

export function ok<T>(res: HttpResponse<T>, what: string, status = 200): T {
  if (res.status !== status) throw new Error(`${what} failed: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

export interface Dataset {
  rid: string;
  name: string;
  parentFolderRid: string;
  path: string;
}

export interface Transaction {
  rid: string;
  transactionType: string;
  status: string;
  branchName: string;
  [key: string]: unknown;
}

/** The real server and an organization with a project to put datasets in. */
export async function startDatasetsServer(env: Record<string, string> = {}): Promise<{ ts: TestServer; org: TestOrg; projectRid: string }> {
  const ts = await startTestServer({ env });
  const org = await ts.createOrg();
  const spaces = ok(await org.admin.http.get<{ data: Array<{ rid: string }> }>('/api/v2/filesystem/spaces'), 'spaces');
  const project = ok(await org.admin.http.post<{ rid: string }>('/api/v2/filesystem/projects/create', { displayName: 'Data', spaceRid: spaces.data[0]!.rid }), 'project');
  return { ts, org, projectRid: project.rid };
}

export async function createDataset(http: HttpClient, parentFolderRid: string, name: string): Promise<Dataset> {
  return ok(await http.post<Dataset>('/api/v2/datasets', { parentFolderRid, name }), `create dataset ${name}`);
}

export async function openTransaction(http: HttpClient, datasetRid: string, transactionType: string, branchName?: string): Promise<Transaction> {
  const q = branchName ? `?branchName=${encodeURIComponent(branchName)}` : '';
  return ok(await http.post<Transaction>(`/api/v2/datasets/${datasetRid}/transactions${q}`, { transactionType }), `open ${transactionType}`);
}

export function upload(http: HttpClient, datasetRid: string, path: string, content: string | Buffer, query: Record<string, string> = {}) {
  const q = new URLSearchParams(query).toString();
  return http.post(`/api/v2/datasets/${datasetRid}/files/${encodeURIComponent(path)}/upload${q ? `?${q}` : ''}`, undefined, {
    raw: typeof content === 'string' ? Buffer.from(content) : content,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

export async function commit(http: HttpClient, datasetRid: string, transactionRid: string): Promise<Transaction> {
  return ok(await http.post<Transaction>(`/api/v2/datasets/${datasetRid}/transactions/${transactionRid}/commit`), 'commit');
}

/** Opens a transaction, writes the files, commits; returns the transaction. */
export async function writeTransaction(http: HttpClient, datasetRid: string, type: string, files: Record<string, string>, branchName?: string): Promise<Transaction> {
  const t = await openTransaction(http, datasetRid, type, branchName);
  for (const [path, content] of Object.entries(files)) ok(await upload(http, datasetRid, path, content, { transactionRid: t.rid }), `upload ${path}`);
  return commit(http, datasetRid, t.rid);
}

/** The view's files (every page) as path → content. */
export async function viewContents(http: HttpClient, datasetRid: string, query: Record<string, string> = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ ...query, pageSize: '2', ...(pageToken ? { pageToken } : {}) });
    const page = ok(await http.get<{ data: Array<{ path: string }>; nextPageToken?: string }>(`/api/v2/datasets/${datasetRid}/files?${q}`), 'list files');
    for (const f of page.data) {
      const content = await http.get(`/api/v2/datasets/${datasetRid}/files/${encodeURIComponent(f.path)}/content?${new URLSearchParams(query)}`);
      expect(content.status).toBe(200);
      out[f.path] = content.text;
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}
