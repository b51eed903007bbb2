import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformClient, type PlatformClient } from '@osdk/client';
import { Folders, Projects, ResourceRoles, Resources, Spaces, type Resource } from '@osdk/foundry.filesystem';
import { Groups, GroupMembers } from '@osdk/foundry.admin';
import { apiError, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { MISSING_RID, startFilesystemServer } from './filesystem.fixtures.js';

/**
 * Palantir's published filesystem client, unchanged, against our server: the contract nobody
 * here wrote.
 */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let admin: PlatformClient;
let otherAdmin: PlatformClient;
let member: TestUser;
let memberClient: PlatformClient;
let spaceRid: string;

/** Drops the RID's brand: the client's RID types are distinct per kind, ours are one tree. */
const plain = <T extends { rid: string }>(x: T): Omit<T, 'rid'> & { rid: string } => x;

const client = (token: string) => createPlatformClient(ts.url, () => Promise.resolve(token));


beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Osdk Filesystem');
  other = await ts.createOrg('Osdk Filesystem Other');
  admin = client(org.admin.token);
  otherAdmin = client(other.admin.token);
  member = await ts.createUser(org);
  memberClient = client(member.token);
  const spaces = await Spaces.list(admin, { preview: true });
  spaceRid = spaces.data[0]!.rid;
});
afterAll(async () => {
  await ts?.close();
});

describe('@osdk/foundry.filesystem', () => {
  it('Spaces.list/get/create', async () => {
    const space = await Spaces.get(admin, spaceRid, { preview: true });
    expect(space).toMatchObject({ rid: spaceRid, displayName: 'Default', path: '/Default', organizations: [org.orgRid] });
    const created = await Spaces.create(
      admin,
      { enrollmentRid: 'ri.control-panel.main.customer.osdk', displayName: 'Osdk Space', organizations: [org.orgRid], deletionPolicyOrganizations: [org.orgRid] },
      { preview: true },
    );
    expect(created).toMatchObject({ displayName: 'Osdk Space', path: '/Osdk Space', deletionPolicyOrganizations: [org.orgRid] });
    expect((await Spaces.list(admin, { pageSize: 10, preview: true })).data.map((s) => s.rid).sort()).toEqual([spaceRid, created.rid].sort());
    expect(await apiError(Spaces.get(otherAdmin, spaceRid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'SpaceNotFound' });
    expect(await apiError(Spaces.create(client(member.token), { enrollmentRid: 'ri.a.b.c.d', displayName: 'Nope', organizations: [org.orgRid], deletionPolicyOrganizations: [] }, { preview: true }))).toMatchObject({
      statusCode: 403,
      errorName: 'CreateSpacePermissionDenied',
    });
  });

  it('Projects.create/get/replace', async () => {
    const project = plain(await Projects.create(
      admin,
      { displayName: 'Osdk Project', description: 'via the client', spaceRid, roleGrants: { 'compass:read': [{ principalId: member.userId, principalType: 'USER' }] }, defaultRoles: [], organizationRids: [org.orgRid] },
      { preview: true },
    ));
    expect(project).toMatchObject({ displayName: 'Osdk Project', description: 'via the client', spaceRid, path: '/Default/Osdk Project', trashStatus: 'NOT_TRASHED', createdBy: org.admin.userId });
    expect(await Projects.get(memberClient, project.rid)).toEqual(project);
    const replaced = await Projects.replace(admin, project.rid, { displayName: 'Osdk Project 2', description: 'renamed' }, { preview: true });
    expect(replaced).toMatchObject({ displayName: 'Osdk Project 2', description: 'renamed', path: '/Default/Osdk Project 2' });
    expect(await apiError(Projects.replace(memberClient, project.rid, { displayName: 'Hijack' }, { preview: true }))).toMatchObject({ statusCode: 403, errorName: 'ReplaceProjectPermissionDenied' });
    expect(await apiError(Projects.get(otherAdmin, project.rid))).toMatchObject({ statusCode: 404, errorName: 'ProjectNotFound' });
    expect(await apiError(Projects.create(admin, { displayName: 'osdk project 2', spaceRid, roleGrants: {}, defaultRoles: [], organizationRids: [] }, { preview: true }))).toMatchObject({
      statusCode: 409,
      errorName: 'ProjectNameAlreadyExists',
    });
  });

  it('Folders.create/get/getBatch/children with paging', async () => {
    const project = plain(await Projects.create(admin, { displayName: 'Osdk Folders', spaceRid, roleGrants: {}, defaultRoles: [], organizationRids: [] }, { preview: true }));
    const parent = plain(await Folders.create(admin, { parentFolderRid: project.rid, displayName: 'Parent' }, { preview: true }));
    expect(parent).toMatchObject({ type: 'FOLDER', parentFolderRid: project.rid, projectRid: project.rid, spaceRid, path: '/Default/Osdk Folders/Parent' });
    expect(await Folders.get(admin, parent.rid, { preview: true })).toEqual(parent);
    for (const name of ['c', 'a', 'b']) await Folders.create(admin, { parentFolderRid: parent.rid, displayName: name }, { preview: true });
    const names: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await Folders.children(admin, parent.rid, { pageSize: 2, pageToken, preview: true });
      names.push(...page.data.map((r) => r.displayName));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(pages).toBe(2);
    const batch = await Folders.getBatch(admin, [{ folderRid: parent.rid }, { folderRid: project.rid }, { folderRid: MISSING_RID }], { preview: true });
    expect(Object.keys(batch.data).sort()).toEqual([parent.rid, project.rid].sort());
    expect((batch.data as Record<string, unknown>)[project.rid]).toMatchObject({ type: 'PROJECT' });
    expect(await apiError(Folders.create(admin, { parentFolderRid: parent.rid, displayName: 'A' }, { preview: true }))).toMatchObject({ statusCode: 409, errorName: 'ResourceNameAlreadyExists' });
    expect(await apiError(Folders.create(admin, { parentFolderRid: parent.rid, displayName: '..' }, { preview: true }))).toMatchObject({ statusCode: 400, errorName: 'InvalidDisplayName' });
    expect(await apiError(Folders.children(otherAdmin, parent.rid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'FolderNotFound' });
  });

  it('Resources.get/getBatch/getByPath, trash, restore and permanentlyDelete', async () => {
    const project = plain(await Projects.create(admin, { displayName: 'Osdk Resources', spaceRid, roleGrants: {}, defaultRoles: [], organizationRids: [] }, { preview: true }));
    const folder = plain(await Folders.create(admin, { parentFolderRid: project.rid, displayName: 'Data' }, { preview: true }));
    const child = plain(await Folders.create(admin, { parentFolderRid: folder.rid, displayName: 'Raw' }, { preview: true }));
    const resource: Resource = await Resources.get(admin, child.rid, { preview: true });
    expect(resource).toMatchObject({ rid: child.rid, type: 'COMPASS_FOLDER', parentFolderRid: folder.rid, projectRid: project.rid, spaceRid, trashStatus: 'NOT_TRASHED' });
    expect(await Resources.getByPath(admin, { path: '/Default/Osdk Resources/Data/Raw', preview: true })).toEqual(resource);
    const batch = await Resources.getBatch(admin, [{ resourceRid: child.rid }, { resourceRid: MISSING_RID }], { preview: true });
    expect(batch.data).toEqual({ [child.rid]: resource });

    await Resources.deleteResource(admin, folder.rid, { preview: true });
    expect((await Resources.get(admin, folder.rid, { preview: true })).trashStatus).toBe('DIRECTLY_TRASHED');
    expect((await Resources.get(admin, child.rid, { preview: true })).trashStatus).toBe('ANCESTOR_TRASHED');
    expect((await Folders.children(admin, project.rid, { preview: true })).data).toEqual([]);
    expect(await apiError(Resources.getByPath(admin, { path: '/Default/Osdk Resources/Data/Raw', preview: true }))).toMatchObject({ statusCode: 404, errorName: 'PathNotFound' });
    expect(await apiError(Resources.permanentlyDelete(admin, child.rid, { preview: true }))).toMatchObject({ statusCode: 400, errorName: 'ResourceNotDirectlyTrashed' });

    await Resources.restore(admin, child.rid, { preview: true });
    expect((await Resources.get(admin, folder.rid, { preview: true })).trashStatus).toBe('NOT_TRASHED');
    expect(await apiError(Resources.permanentlyDelete(admin, folder.rid, { preview: true }))).toMatchObject({ statusCode: 400, errorName: 'ResourceNotTrashed' });

    await Resources.deleteResource(admin, folder.rid, { preview: true });
    await Resources.permanentlyDelete(admin, folder.rid, { preview: true });
    expect(await apiError(Resources.get(admin, child.rid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'ResourceNotFound' });
    expect(await apiError(Resources.get(otherAdmin, project.rid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'ResourceNotFound' });
    expect(await apiError(Resources.get(admin, spaceRid, { preview: true }))).toMatchObject({ statusCode: 400, errorName: 'GetSpaceResourceNotSupported' });
  });

  it('ResourceRoles.add/list/remove with inheritance and groups', async () => {
    const project = plain(await Projects.create(admin, { displayName: 'Osdk Roles', spaceRid, roleGrants: {}, defaultRoles: [], organizationRids: [] }, { preview: true }));
    const nested = plain(await Folders.create(admin, { parentFolderRid: project.rid, displayName: 'Nested' }, { preview: true }));
    const reader = await ts.createUser(org);
    const readerClient = client(reader.token);
    expect(await apiError(Folders.get(readerClient, nested.rid, { preview: true }))).toMatchObject({ statusCode: 404 });

    const group = await Groups.create(admin, { name: 'Osdk readers', organizations: [org.orgRid], attributes: {} });
    await GroupMembers.add(admin, group.id, { principalIds: [reader.userId] });
    await ResourceRoles.add(admin, project.rid, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: group.id }, roleId: 'compass:read' }] });
    expect((await Folders.get(readerClient, nested.rid, { preview: true })).rid).toBe(nested.rid);

    const direct = await ResourceRoles.list(admin, project.rid);
    expect(direct.data).toContainEqual({ resourceRolePrincipal: { type: 'principalWithId', principalId: group.id, principalType: 'GROUP' }, roleId: 'compass:read' });
    expect((await ResourceRoles.list(admin, nested.rid)).data).toEqual([]);
    const inherited = await ResourceRoles.list(admin, nested.rid, { includeInherited: true });
    expect(inherited.data).toEqual(direct.data);

    expect(await apiError(ResourceRoles.add(readerClient, nested.rid, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: reader.userId }, roleId: 'compass:manage' }] }))).toMatchObject({
      statusCode: 403,
      errorName: 'AddResourceRolesPermissionDenied',
    });
    expect(await apiError(ResourceRoles.add(admin, project.rid, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: other.admin.userId }, roleId: 'compass:read' }] }))).toMatchObject({
      statusCode: 404,
      errorName: 'PrincipalNotFound',
    });
    expect(await apiError(ResourceRoles.add(admin, project.rid, { roles: [{ resourceRolePrincipal: { type: 'everyone' }, roleId: 'compass:root' }] }))).toMatchObject({
      statusCode: 400,
      errorName: 'InvalidRoleIds',
    });
    expect(await apiError(ResourceRoles.list(otherAdmin, project.rid))).toMatchObject({ statusCode: 404, errorName: 'ResourceNotFound' });

    await ResourceRoles.remove(admin, project.rid, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: group.id }, roleId: 'compass:read' }] });
    expect(await apiError(Folders.get(readerClient, nested.rid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'FolderNotFound' });
  });
});
