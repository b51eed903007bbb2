import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type HttpClient, type TestOrg, type TestServer } from '@openfoundry/testkit';
import {
  MISSING_RID,
  auditEvents,
  createFolder,
  createProject,
  defaultSpace,
  expectSameNotFound,
  grant,
  role,
  startFilesystemServer,
  type Node,
} from './filesystem.fixtures.js';

/**
 * Another organization's spaces, projects, folders and resources are indistinguishable from
 * missing ones on every endpoint, even for that organization's admin, and nothing changes.
 */
let ts: TestServer;
let org: TestOrg;
let intruder: TestOrg;
let space: Node;
let project: Node;
let folder: Node;
let trashed: Node;
let intruderProject: Node;
let intruderFolder: Node;

const MISSING_PATH = '/Default/Nothing here';

beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Victim');
  intruder = await ts.createOrg('Intruder');
  space = await defaultSpace(org.admin.http);
  project = await createProject(org.admin.http, space.rid, 'Secret project');
  folder = await createFolder(org.admin.http, project.rid, 'Secret folder');
  trashed = await createFolder(org.admin.http, project.rid, 'Secret trashed');
  await org.admin.http.delete(`/api/v2/filesystem/resources/${trashed.rid}`);
  // Even "everyone" grants stay inside the organization.
  await grant(org.admin.http, project.rid, 'everyone', 'compass:read');
  const intruderSpace = await defaultSpace(intruder.admin.http);
  intruderProject = await createProject(intruder.admin.http, intruderSpace.rid, 'Intruder project');
  intruderFolder = await createFolder(intruder.admin.http, intruderProject.rid, 'Intruder folder');
});
afterAll(async () => {
  await ts?.close();
});

/** Sends the same request for a foreign RID and a missing one; both must be the same 404. */
async function same(errorName: string, call: (http: HttpClient, rid: string) => ReturnType<HttpClient['get']>, foreignRid: string) {
  expectSameNotFound(await call(intruder.admin.http, foreignRid), await call(intruder.admin.http, MISSING_RID), errorName);
}

describe('another organization', () => {
  it('gets: space, project, folder, resource, children, roles', async () => {
    await same('SpaceNotFound', (h, rid) => h.get(`/api/v2/filesystem/spaces/${rid}`), space.rid);
    await same('ProjectNotFound', (h, rid) => h.get(`/api/v2/filesystem/projects/${rid}`), project.rid);
    await same('FolderNotFound', (h, rid) => h.get(`/api/v2/filesystem/folders/${rid}`), folder.rid);
    await same('FolderNotFound', (h, rid) => h.get(`/api/v2/filesystem/folders/${rid}`), space.rid);
    await same('FolderNotFound', (h, rid) => h.get(`/api/v2/filesystem/folders/${rid}/children`), project.rid);
    await same('FolderNotFound', (h, rid) => h.get(`/api/v2/filesystem/folders/${rid}/children`), space.rid);
    await same('ResourceNotFound', (h, rid) => h.get(`/api/v2/filesystem/resources/${rid}`), folder.rid);
    await same('ResourceNotFound', (h, rid) => h.get(`/api/v2/filesystem/resources/${rid}`), trashed.rid);
    // A space of another organization is not even "a space you cannot get as a resource".
    await same('ResourceNotFound', (h, rid) => h.get(`/api/v2/filesystem/resources/${rid}`), space.rid);
    await same('ResourceNotFound', (h, rid) => h.get(`/api/v2/filesystem/resources/${rid}/roles?includeInherited=true`), project.rid);
  });

  it('batches, paths and lists leave it out', async () => {
    const folders = await intruder.admin.http.post('/api/v2/filesystem/folders/getBatch', [{ folderRid: folder.rid }, { folderRid: project.rid }, { folderRid: space.rid }, { folderRid: intruderFolder.rid }]);
    expect(Object.keys(folders.body.data)).toEqual([intruderFolder.rid]);
    const resources = await intruder.admin.http.post('/api/v2/filesystem/resources/getBatch', [{ resourceRid: folder.rid }, { resourceRid: trashed.rid }, { resourceRid: intruderFolder.rid }]);
    expect(Object.keys(resources.body.data)).toEqual([intruderFolder.rid]);
    expectSameNotFound(
      await intruder.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(folder.path)}`),
      await intruder.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(MISSING_PATH)}`),
      'PathNotFound',
    );
    const spaces = await intruder.admin.http.get('/api/v2/filesystem/spaces');
    expect(spaces.body.data.map((s: Node) => s.rid)).not.toContain(space.rid);
    const recent = await intruder.admin.http.get('/api/v2/filesystem/projects/recent');
    expect(recent.body.data.map((p: Node) => p.rid)).toEqual([intruderProject.rid]);
    // Filtering by another organization's space answers exactly like filtering by a missing one.
    const bySpace = await intruder.admin.http.get(`/api/v2/filesystem/projects/recent?spaceRid=${space.rid}`);
    const byMissing = await intruder.admin.http.get(`/api/v2/filesystem/projects/recent?spaceRid=${MISSING_RID}`);
    expect([bySpace.status, bySpace.body]).toEqual([200, { data: [] }]);
    expect([byMissing.status, byMissing.body]).toEqual([200, { data: [] }]);
    const trash = await intruder.admin.http.get('/api/v2/filesystem/trash');
    expect(trash.body.data).toEqual([]);
  });

  it('writes: create in, replace, rename, move, trash, restore, delete, grant and revoke', async () => {
    const eventsBefore = (await auditEvents(org.admin.http)).length;
    await same('SpaceNotFound', (h, rid) => h.post('/api/v2/filesystem/projects/create', { displayName: 'Planted', spaceRid: rid }), space.rid);
    await same('FolderNotFound', (h, rid) => h.post('/api/v2/filesystem/folders', { parentFolderRid: rid, displayName: 'Planted' }), project.rid);
    await same('ProjectNotFound', (h, rid) => h.put(`/api/v2/filesystem/projects/${rid}`, { displayName: 'Owned' }), project.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/rename`, { displayName: 'Owned' }), folder.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/move`, { parentFolderRid: intruderProject.rid }), folder.rid);
    // Moving one's own folder into another organization's folder: the target is "missing".
    await same('FolderNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${intruderFolder.rid}/move`, { parentFolderRid: rid }), folder.rid);
    await same('ResourceNotFound', (h, rid) => h.delete(`/api/v2/filesystem/resources/${rid}`), folder.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/restore`), trashed.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/permanentlyDelete`), trashed.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/roles/add`, { roles: [role(intruder.admin.userId, 'compass:manage')] }), project.rid);
    await same('ResourceNotFound', (h, rid) => h.post(`/api/v2/filesystem/resources/${rid}/roles/remove`, { roles: [role(org.admin.userId, 'compass:manage')] }), project.rid);

    // Nothing changed in the victim's organization.
    expect((await auditEvents(org.admin.http)).length).toBe(eventsBefore);
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${folder.rid}`)).body).toMatchObject({ displayName: 'Secret folder', trashStatus: 'NOT_TRASHED', parentFolderRid: project.rid });
    expect((await org.admin.http.get(`/api/v2/filesystem/resources/${trashed.rid}`)).body.trashStatus).toBe('DIRECTLY_TRASHED');
    const roles = (await org.admin.http.get(`/api/v2/filesystem/resources/${project.rid}/roles`)).body.data;
    expect(roles).toHaveLength(2);
    expect((await intruder.admin.http.get(`/api/v2/filesystem/folders/${intruderFolder.rid}`)).body.parentFolderRid).toBe(intruderProject.rid);
  });

  it('grants naming another organization’s users or groups are refused like unknown ids', async () => {
    const group = await intruder.admin.http.post('/api/v2/admin/groups', { name: 'Intruders', organizations: [intruder.orgRid], attributes: {} });
    expect(group.status).toBe(200);
    for (const principal of [intruder.admin.userId, group.body.id as string]) {
      const foreign = await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role(principal, 'compass:read')] });
      const unknown = await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role('00000000-0000-4000-8000-000000000000', 'compass:read')] });
      expectSameNotFound(foreign, unknown, 'PrincipalNotFound');
    }
    expectEnvelope(
      await org.admin.http.post('/api/v2/filesystem/projects/create', {
        displayName: 'With intruder',
        spaceRid: space.rid,
        roleGrants: { 'compass:manage': [{ principalId: intruder.admin.userId, principalType: 'USER' }] },
      }),
      404,
      'PrincipalNotFound',
    );
    // The intruder still cannot see anything.
    expectEnvelope(await intruder.admin.http.get(`/api/v2/filesystem/projects/${project.rid}`), 404, 'ProjectNotFound');
  });
});
