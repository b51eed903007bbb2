import { expect } from 'vitest';
import { expectEnvelope, startTestServer, type HttpClient, type HttpResponse, type TestServer } from '@openfoundry/testkit';

/** A RID of the right shape that names nothing. */
export const MISSING_RID = 'ri.compass.main.folder.00000000-0000-4000-8000-000000000000';
export const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

/** The real server over a fresh database. */
export function startFilesystemServer(): Promise<TestServer> {
  return startTestServer();
}

export interface Node {
  rid: string;
  displayName: string;
  path: string;
  [key: string]: unknown;
}

function ok<T>(res: HttpResponse<T>, what: string): T {
  if (res.status !== 200) throw new Error(`${what} failed: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

/** The caller organization's first space (the default space of a fresh organization). */
export async function defaultSpace(http: HttpClient): Promise<Node> {
  const spaces = ok(await http.get<{ data: Node[] }>('/api/v2/filesystem/spaces'), 'list spaces');
  expect(spaces.data.length).toBeGreaterThan(0);
  return spaces.data[0]!;
}

export async function createProject(http: HttpClient, spaceRid: string, displayName: string, extra: Record<string, unknown> = {}): Promise<Node> {
  return ok(await http.post<Node>('/api/v2/filesystem/projects/create', { displayName, spaceRid, ...extra }), `create project ${displayName}`);
}

export async function createFolder(http: HttpClient, parentFolderRid: string, displayName: string): Promise<Node> {
  return ok(await http.post<Node>('/api/v2/filesystem/folders', { parentFolderRid, displayName }), `create folder ${displayName}`);
}

export type RoleId = 'compass:manage' | 'compass:edit' | 'compass:read' | 'compass:discover';

/** Foundry's role identifier for a user or group id, or `everyone`. */
export function role(principal: string, roleId: RoleId) {
  return {
    resourceRolePrincipal: principal === 'everyone' ? { type: 'everyone' } : { type: 'principalIdOnly', principalId: principal },
    roleId,
  };
}

export async function grant(http: HttpClient, rid: string, principal: string, roleId: RoleId): Promise<void> {
  const res = await http.post(`/api/v2/filesystem/resources/${rid}/roles/add`, { roles: [role(principal, roleId)] });
  if (res.status !== 204) throw new Error(`grant failed: ${res.status} ${res.text}`);
}

/** Live children's display names, every page. */
export async function childNames(http: HttpClient, folderRid: string): Promise<string[]> {
  const names: string[] = [];
  let pageToken: string | undefined;
  do {
    const res = ok(
      await http.get<{ data: Node[]; nextPageToken?: string }>(`/api/v2/filesystem/folders/${folderRid}/children${pageToken ? `?pageToken=${pageToken}` : ''}`),
      'children',
    );
    names.push(...res.data.map((c) => c.displayName));
    pageToken = res.nextPageToken;
  } while (pageToken);
  return names;
}

export interface AuditEventJson {
  category: string;
  actorId: string | null;
  resourceRids: string[];
  details: Record<string, unknown>;
  organizationRid: string | null;
}

/**
 * The organization's audit events (newest first), read by an org admin through the audit API.
 * The resource filter is applied here: the audit API's `resourceRid` filter is not used so these
 * tests depend only on the category filter.
 */
export async function auditEvents(adminHttp: HttpClient, filter: { category?: string; resourceRid?: string } = {}): Promise<AuditEventJson[]> {
  const q = new URLSearchParams({ pageSize: '1000', ...(filter.category ? { category: filter.category } : {}) });
  const events = ok(await adminHttp.get<{ data: AuditEventJson[] }>(`/api/v2/audit/events?${q}`), 'audit events').data;
  return filter.resourceRid ? events.filter((e) => e.resourceRids.includes(filter.resourceRid!)) : events;
}

/** Asserts two 404s are indistinguishable: same status, errorCode, errorName and parameter names. */
export function expectSameNotFound(foreign: HttpResponse, missing: HttpResponse, errorName: string): void {
  const a = expectEnvelope(foreign, 404, errorName);
  const b = expectEnvelope(missing, 404, errorName);
  expect(a.errorCode).toBe(b.errorCode);
  expect(Object.keys(a.parameters).sort()).toEqual(Object.keys(b.parameters).sort());
}
