import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import {
  MISSING_UUID,
  auditEvents,
  childNames,
  createFolder,
  createProject,
  defaultSpace,
  grant,
  role,
  startFilesystemServer,
  type Node,
} from './filesystem.fixtures.js';

/** Role grants, their inheritance down the tree, and what each role allows. */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let space: Node;

beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Roles Org');
  other = await ts.createOrg('Roles Other');
  space = await defaultSpace(org.admin.http);
});
afterAll(async () => {
  await ts?.close();
});

async function createGroup(name: string, members: string[]): Promise<string> {
  const g = await org.admin.http.post('/api/v2/admin/groups', { name, organizations: [org.orgRid], attributes: {} });
  expect(g.status).toBe(200);
  const add = await org.admin.http.post(`/api/v2/admin/groups/${g.body.id}/groupMembers/add`, { principalIds: members });
  expect(add.status).toBeLessThan(300);
  return g.body.id as string;
}

describe('inheritance', () => {
  it('a grant on the project lets the user read a nested folder; removing it takes access away', async () => {
    const user = await ts.createUser(org);
    const project = await createProject(org.admin.http, space.rid, 'Inherit');
    const a = await createFolder(org.admin.http, project.rid, 'A');
    const b = await createFolder(org.admin.http, a.rid, 'B');
    expectEnvelope(await user.http.get(`/api/v2/filesystem/folders/${b.rid}`), 404, 'FolderNotFound');
    expectEnvelope(await user.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(b.path)}`), 404, 'PathNotFound');

    await grant(org.admin.http, project.rid, user.userId, 'compass:read');
    expect((await user.http.get(`/api/v2/filesystem/folders/${b.rid}`)).body.rid).toBe(b.rid);
    expect(await childNames(user.http, a.rid)).toEqual(['B']);
    expect((await user.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(b.path)}`)).body.rid).toBe(b.rid);

    const direct = await user.http.get(`/api/v2/filesystem/resources/${b.rid}/roles`);
    expect(direct.body.data).toEqual([]);
    const inherited = await user.http.get(`/api/v2/filesystem/resources/${b.rid}/roles?includeInherited=true`);
    expect(inherited.body.data).toContainEqual({ resourceRolePrincipal: { type: 'principalWithId', principalId: user.userId, principalType: 'USER' }, roleId: 'compass:read' });
    expect(inherited.body.data).toContainEqual({ resourceRolePrincipal: { type: 'principalWithId', principalId: org.admin.userId, principalType: 'USER' }, roleId: 'compass:manage' });

    const removed = await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/remove`, { roles: [role(user.userId, 'compass:read')] });
    expect(removed.status).toBe(204);
    expectEnvelope(await user.http.get(`/api/v2/filesystem/folders/${b.rid}`), 404, 'FolderNotFound');

    const added = await auditEvents(org.admin.http, { category: 'filesystem.role.add', resourceRid: project.rid });
    expect(added).toHaveLength(1);
    expect(added[0]!.details.added).toEqual([{ resourceRolePrincipal: { type: 'principalWithId', principalId: user.userId, principalType: 'USER' }, roleId: 'compass:read' }]);
    const removedEvents = await auditEvents(org.admin.http, { category: 'filesystem.role.remove', resourceRid: project.rid });
    expect(removedEvents).toHaveLength(1);
    expect(removedEvents[0]!.details.removed).toHaveLength(1);
  });

  it('a group grant reaches the group’s members (and only them)', async () => {
    const inGroup = await ts.createUser(org);
    const outside = await ts.createUser(org);
    const groupId = await createGroup('Analysts', [inGroup.userId]);
    const project = await createProject(org.admin.http, space.rid, 'Group Project');
    const f = await createFolder(org.admin.http, project.rid, 'Shared data');
    await grant(org.admin.http, project.rid, groupId, 'compass:edit');
    expect((await inGroup.http.get(`/api/v2/filesystem/folders/${f.rid}`)).status).toBe(200);
    expect((await createFolder(inGroup.http, f.rid, 'Made by member')).path).toBe('/Default/Group Project/Shared data/Made by member');
    expectEnvelope(await outside.http.get(`/api/v2/filesystem/folders/${f.rid}`), 404, 'FolderNotFound');
    const roles = await org.admin.http.get(`/api/v2/filesystem/resources/${project.rid}/roles`);
    expect(roles.body.data).toContainEqual({ resourceRolePrincipal: { type: 'principalWithId', principalId: groupId, principalType: 'GROUP' }, roleId: 'compass:edit' });
  });

  it('everyone in the organization, and grants directly on a nested folder', async () => {
    const user = await ts.createUser(org);
    const project = await createProject(org.admin.http, space.rid, 'Everyone');
    const f = await createFolder(org.admin.http, project.rid, 'Public');
    const g = await createFolder(org.admin.http, project.rid, 'Private');
    await grant(org.admin.http, f.rid, 'everyone', 'compass:read');
    expect(await childNames(user.http, f.rid)).toEqual([]);
    expectEnvelope(await user.http.get(`/api/v2/filesystem/projects/${project.rid}`), 404, 'ProjectNotFound');
    expectEnvelope(await user.http.get(`/api/v2/filesystem/folders/${g.rid}`), 404, 'FolderNotFound');
    const recent = await user.http.get('/api/v2/filesystem/projects/recent');
    expect(recent.body.data.map((p: Node) => p.rid)).not.toContain(project.rid);
    // Another organization's member gets nothing from an "everyone" grant.
    expectEnvelope(await other.admin.http.get(`/api/v2/filesystem/folders/${f.rid}`), 404, 'FolderNotFound');
  });
});

describe('what each role allows', () => {
  let project: Node;
  let folder: Node;
  const users: Record<'discoverer' | 'viewer' | 'editor' | 'owner', TestUser> = {} as never;
  beforeAll(async () => {
    project = await createProject(org.admin.http, space.rid, 'Matrix');
    folder = await createFolder(org.admin.http, project.rid, 'Work');
    await createFolder(org.admin.http, folder.rid, 'Inside');
    const roles = { discoverer: 'compass:discover', viewer: 'compass:read', editor: 'compass:edit', owner: 'compass:manage' } as const;
    for (const [name, roleId] of Object.entries(roles) as Array<[keyof typeof roles, (typeof roles)[keyof typeof roles]]>) {
      users[name] = await ts.createUser(org);
      await grant(org.admin.http, project.rid, users[name].userId, roleId);
    }
  });

  it('discoverers see that it exists: get works, children and roles do not', async () => {
    const http = users.discoverer.http;
    expect((await http.get(`/api/v2/filesystem/projects/${project.rid}`)).status).toBe(200);
    expect((await http.get(`/api/v2/filesystem/folders/${folder.rid}`)).status).toBe(200);
    expect((await http.get(`/api/v2/filesystem/resources/${folder.rid}`)).status).toBe(200);
    expectEnvelope(await http.get(`/api/v2/filesystem/folders/${folder.rid}/children`), 403, 'PermissionDenied');
    expectEnvelope(await http.get(`/api/v2/filesystem/resources/${folder.rid}/roles`), 403, 'PermissionDenied');
    expectEnvelope(await http.post('/api/v2/filesystem/folders', { parentFolderRid: folder.rid, displayName: 'No' }), 403, 'CreateFolderPermissionDenied');
  });

  it('viewers read children and roles but change nothing', async () => {
    const http = users.viewer.http;
    expect(await childNames(http, folder.rid)).toEqual(['Inside']);
    expect((await http.get(`/api/v2/filesystem/resources/${folder.rid}/roles?includeInherited=true`)).status).toBe(200);
    expectEnvelope(await http.post('/api/v2/filesystem/folders', { parentFolderRid: folder.rid, displayName: 'No' }), 403, 'CreateFolderPermissionDenied');
    expectEnvelope(await http.post(`/api/v2/filesystem/resources/${folder.rid}/rename`, { displayName: 'No' }), 403, 'RenameResourcePermissionDenied');
    expectEnvelope(await http.delete(`/api/v2/filesystem/resources/${folder.rid}`), 403, 'DeleteResourcePermissionDenied');
    expectEnvelope(await http.post(`/api/v2/filesystem/resources/${folder.rid}/roles/add`, { roles: [role(users.viewer.userId, 'compass:manage')] }), 403, 'AddResourceRolesPermissionDenied');
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${folder.rid}`)).body.displayName).toBe('Work');
  });

  it('editors create, rename, move and trash inside the project, but do not manage it', async () => {
    const http = users.editor.http;
    const made = await createFolder(http, folder.rid, 'Editor made');
    const renamed = await http.post(`/api/v2/filesystem/resources/${made.rid}/rename`, { displayName: 'Editor renamed' });
    expect(renamed.status).toBe(200);
    expect((await http.post(`/api/v2/filesystem/resources/${made.rid}/move`, { parentFolderRid: project.rid })).body.path).toBe('/Default/Matrix/Editor renamed');
    expect((await http.delete(`/api/v2/filesystem/resources/${made.rid}`)).status).toBe(204);
    expect((await http.post(`/api/v2/filesystem/resources/${made.rid}/restore`)).status).toBe(204);
    expectEnvelope(await http.put(`/api/v2/filesystem/projects/${project.rid}`, { displayName: 'Taken over' }), 403, 'ReplaceProjectPermissionDenied');
    expectEnvelope(await http.post(`/api/v2/filesystem/resources/${project.rid}/rename`, { displayName: 'Taken over' }), 403, 'RenameResourcePermissionDenied');
    expectEnvelope(await http.delete(`/api/v2/filesystem/resources/${project.rid}`), 403, 'DeleteResourcePermissionDenied');
    expectEnvelope(await http.post(`/api/v2/filesystem/resources/${made.rid}/roles/add`, { roles: [role(users.viewer.userId, 'compass:edit')] }), 403, 'AddResourceRolesPermissionDenied');
    expect((await http.delete(`/api/v2/filesystem/resources/${made.rid}`)).status).toBe(204);
    expectEnvelope(await http.post(`/api/v2/filesystem/resources/${made.rid}/permanentlyDelete`), 403, 'PermanentlyDeleteResourcePermissionDenied');
    expect((await org.admin.http.get(`/api/v2/filesystem/projects/${project.rid}`)).body.displayName).toBe('Matrix');
  });

  it('owners manage roles and the project itself', async () => {
    const http = users.owner.http;
    const extra = await ts.createUser(org);
    expect((await http.post(`/api/v2/filesystem/resources/${folder.rid}/roles/add`, { roles: [role(extra.userId, 'compass:read')] })).status).toBe(204);
    expect(await childNames(extra.http, folder.rid)).toEqual(['Inside']);
    expect((await http.put(`/api/v2/filesystem/projects/${project.rid}`, { displayName: 'Matrix', description: 'Owned' })).body.description).toBe('Owned');
  });

  it('the strongest of several grants wins (own, inherited and group grants combine)', async () => {
    const u = await ts.createUser(org);
    const groupId = await createGroup('Editors of Work', [u.userId]);
    await grant(org.admin.http, project.rid, u.userId, 'compass:discover');
    await grant(org.admin.http, folder.rid, groupId, 'compass:edit');
    expectEnvelope(await u.http.get(`/api/v2/filesystem/folders/${project.rid}/children`), 403, 'PermissionDenied');
    expect((await createFolder(u.http, folder.rid, 'Via group')).displayName).toBe('Via group');
  });
});

describe('bad role requests', () => {
  let project: Node;
  beforeAll(async () => {
    project = await createProject(org.admin.http, space.rid, 'Bad roles');
  });

  const rolesOf = async () => (await org.admin.http.get(`/api/v2/filesystem/resources/${project.rid}/roles`)).body.data;

  it('unknown role ids, unknown principals and another organization’s principals are refused, changing nothing', async () => {
    const before = await rolesOf();
    const eventsBefore = (await auditEvents(org.admin.http, { category: 'filesystem.role.add' })).length;
    const member = await ts.createUser(org);
    const bad = expectEnvelope(
      await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role(member.userId, 'compass:read'), { ...role(member.userId, 'compass:read'), roleId: 'compass:god' }] }),
      400,
      'InvalidRoleIds',
    );
    expect(bad.parameters.requestedRoleIds).toEqual(['compass:god']);
    const unknown = expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role(MISSING_UUID, 'compass:read')] }), 404, 'PrincipalNotFound');
    const foreign = expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role(other.admin.userId, 'compass:read')] }), 404, 'PrincipalNotFound');
    expect(Object.keys(foreign.parameters)).toEqual(Object.keys(unknown.parameters));
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [role('not-a-uuid', 'compass:read')] }), 404, 'PrincipalNotFound');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [] }), 400, 'InvalidArgument');
    const wrongShape = expectEnvelope(
      await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: member.userId, principalType: 'USER' }, roleId: 'compass:read' }] }),
      400,
      'InvalidArgument',
    );
    expect(String(wrongShape.parameters.field)).toContain('principalType');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'someone' }, roleId: 'compass:read' }] }), 400, 'InvalidArgument');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${space.rid}/roles/add`, { roles: [role(member.userId, 'compass:read')] }), 400, 'SpaceOperationNotSupported');
    expectEnvelope(await org.admin.http.get('/api/v2/filesystem/resources/bad-rid/roles'), 400, 'InvalidResourceIdentifier');
    expect(await rolesOf()).toEqual(before);
    expect((await auditEvents(org.admin.http, { category: 'filesystem.role.add' })).length).toBe(eventsBefore);
  });

  it('roles list pages; removing an absent grant is a no-op that is still audited as requested', async () => {
    for (let i = 0; i < 3; i++) await grant(org.admin.http, project.rid, (await ts.createUser(org)).userId, 'compass:read');
    const seen: unknown[] = [];
    let token: string | undefined;
    do {
      const res = await org.admin.http.get(`/api/v2/filesystem/resources/${project.rid}/roles?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((s) => JSON.stringify(s))).size).toBe(4);
    const res = await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/roles/remove`, { roles: [role(MISSING_UUID, 'compass:edit')] });
    expect(res.status).toBe(204);
    expect(await rolesOf()).toHaveLength(4);
    const events = await auditEvents(org.admin.http, { category: 'filesystem.role.remove', resourceRid: project.rid });
    expect(events[0]!.details.removed).toEqual([]);
  });
});
