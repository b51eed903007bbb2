import { startTestServer, type HttpClient, type HttpResponse, type TestOrg, type TestServer } from '@openfoundry/testkit';

export function ok<T>(res: HttpResponse<T>, what: string, status = 200): T {
  if (res.status !== status) throw new Error(`${what} failed: ${res.status} ${res.text.slice(0, 1500)}`);
  return res.body;
}

export interface OntologyWorld {
  ts: TestServer;
  org: TestOrg;
  projectRid: string;
  ontologyRid: string;
}

/** The real server, an organization with a project, and an ontology in it. */
export async function startOntologyServer(): Promise<OntologyWorld> {
  const ts = await startTestServer({ env: { OPENFOUNDRY_LOG_LEVEL: 'warn' } });
  const org = await ts.createOrg();
  const spaces = ok(await org.admin.http.get<{ data: Array<{ rid: string }> }>('/api/v2/filesystem/spaces'), 'spaces');
  const project = ok(await org.admin.http.post<{ rid: string }>('/api/v2/filesystem/projects/create', { displayName: 'Ops', spaceRid: spaces.data[0]!.rid }), 'project');
  const ontology = ok(await org.admin.http.post<{ rid: string }>('/api/v2/ontologies', { parentFolderRid: project.rid, apiName: 'ops', displayName: 'Operations' }), 'ontology');
  return { ts, org, projectRid: project.rid, ontologyRid: ontology.rid };
}

/** A dataset in the folder holding `csv` (one SNAPSHOT import, or an APPEND to an existing dataset). */
export async function csvDataset(http: HttpClient, parentFolderRid: string, name: string, csv: string): Promise<{ rid: string }> {
  const ds = ok(await http.post<{ rid: string }>('/api/v2/datasets', { parentFolderRid, name }), `create ${name}`);
  await importCsv(http, ds.rid, csv, 'SNAPSHOT');
  return ds;
}

export async function importCsv(http: HttpClient, datasetRid: string, csv: string, transactionType: 'SNAPSHOT' | 'APPEND', path?: string): Promise<void> {
  const q = new URLSearchParams({ format: 'csv', transactionType, ...(path ? { path } : {}) });
  ok(await http.post(`/api/v2/datasets/${datasetRid}/import?${q}`, undefined, { raw: Buffer.from(csv), headers: { 'content-type': 'application/octet-stream' } }), 'import');
}

export interface IndexStatus {
  status: string;
  indexedTransactionRid?: string;
  objectCount: number;
  invalidCount: number;
  lastMode?: string;
  lastError?: { errorName: string; message: string };
  invalidRows: Array<{ primaryKey: string | null; reason: string; values: Record<string, unknown> }>;
}

/** Waits until the object type's index is READY (or FAILED) at the dataset's head. */
export async function waitForIndex(http: HttpClient, ontology: string, objectType: string, datasetRid: string, timeoutMs = 30_000): Promise<IndexStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const branch = ok(await http.get<{ transactionRid?: string }>(`/api/v2/datasets/${datasetRid}/branches/master`), 'branch');
    const s = ok(await http.get<IndexStatus>(`/api/v2/ontologies/${ontology}/objectTypes/${objectType}/indexStatus`), 'indexStatus');
    if (s.status === 'FAILED' || (s.status === 'READY' && s.indexedTransactionRid === branch.transactionRid)) return s;
    if (Date.now() > deadline) throw new Error(`index of ${objectType} not ready: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Like {@link waitForIndex}, and also at the object type's current definition version (after an apply). */
export async function waitForIndexed(http: HttpClient, ontology: string, objectType: string, datasetRid: string, timeoutMs = 30_000): Promise<IndexStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const branch = ok(await http.get<{ transactionRid?: string }>(`/api/v2/datasets/${datasetRid}/branches/master`), 'branch');
    const s = ok(await http.get<IndexStatus & { definitionVersion: number; indexedVersion?: number }>(`/api/v2/ontologies/${ontology}/objectTypes/${objectType}/indexStatus`), 'indexStatus');
    if (s.status === 'FAILED') return s;
    if (s.status === 'READY' && s.indexedTransactionRid === branch.transactionRid && s.indexedVersion === s.definitionVersion) return s;
    if (Date.now() > deadline) throw new Error(`index of ${objectType} not ready: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every object of a type (one page of up to 10,000), sorted by `orderBy` (a property, ascending). */
export async function allObjects(http: HttpClient, ontology: string, objectType: string, orderBy: string): Promise<Array<Record<string, any>>> {
  const page = ok(await http.post<{ data: Array<Record<string, any>> }>(`/api/v2/ontologies/${ontology}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType }, orderBy: { fields: [{ field: orderBy }] }, pageSize: 10_000 }), `objects of ${objectType}`);
  return page.data;
}
