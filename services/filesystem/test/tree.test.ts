import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, expectEnvelope, loginSession, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import {
  MISSING_RID,
  auditEvents,
  childNames,
  createFolder,
  createProject,
  defaultSpace,
  grant,
  startFilesystemServer,
  type Node,
} from './filesystem.fixtures.js';

/** Spaces, projects, folders, children, paths, rename and move over plain HTTP. */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let member: TestUser;
let space: Node;

beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Tree Org');
  other = await ts.createOrg('Tree Other');
  member = await ts.createUser(org);
  space = await defaultSpace(org.admin.http);
});
afterAll(async () => {
  await ts?.close();
});

describe('spaces', () => {
  it('a fresh organization gets exactly one default space, created once and audited', async () => {
    const again = await member.http.get('/api/v2/filesystem/spaces');
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual([space]);
    expect(space).toMatchObject({ displayName: 'Default', path: '/Default', organizations: [org.orgRid], rid: expect.stringMatching(/^ri\.compass\.main\.folder\./) });
    const events = await auditEvents(org.admin.http, { category: 'filesystem.space.create' });
    expect(events).toHaveLength(1);
    expect(events[0]!.resourceRids).toEqual([space.rid]);
    expect((await member.http.get(`/api/v2/filesystem/spaces/${space.rid}`)).body).toEqual(space);
  });

  it('org admins create spaces; members may not; names are unique per organization', async () => {
    const body = { enrollmentRid: 'ri.control-panel.main.customer.1', displayName: 'Research', organizations: [org.orgRid], deletionPolicyOrganizations: [] };
    expectEnvelope(await member.http.post('/api/v2/filesystem/spaces', body), 403, 'CreateSpacePermissionDenied');
    const res = await org.admin.http.post('/api/v2/filesystem/spaces', { ...body, description: 'R&D' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: 'Research', description: 'R&D', path: '/Research', organizations: [org.orgRid], deletionPolicyOrganizations: [] });
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/spaces', { ...body, displayName: 'RESEARCH' }), 409, 'SpaceNameAlreadyExists');
    const foreign = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/spaces', { ...body, displayName: 'X', organizations: [other.orgRid] }), 404, 'OrganizationsNotFound');
    expect(foreign.parameters.organizationRids).toEqual([other.orgRid]);
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/spaces', { ...body, displayName: 'X', defaultRoleSetId: 'custom' }), 404, 'RoleSetNotFound');
    const list = await member.http.get('/api/v2/filesystem/spaces?pageSize=1');
    expect(list.body.data.map((s: Node) => s.displayName)).toEqual(['Default']);
    const next = await member.http.get(`/api/v2/filesystem/spaces?pageSize=1&pageToken=${list.body.nextPageToken}`);
    expect(next.body.data.map((s: Node) => s.displayName)).toEqual(['Research']);
    expect(next.body.nextPageToken).toBeUndefined();
    expect((await auditEvents(org.admin.http, { category: 'filesystem.space.create', resourceRid: res.body.rid })).length).toBe(1);
  });
});

describe('projects', () => {
  it('the creator becomes owner; get, replace and the audit trail', async () => {
    const project = await createProject(member.http, space.rid, 'Apollo', { description: 'Moon' });
    expect(project).toMatchObject({
      displayName: 'Apollo',
      description: 'Moon',
      path: '/Default/Apollo',
      spaceRid: space.rid,
      createdBy: member.userId,
      updatedBy: member.userId,
      trashStatus: 'NOT_TRASHED',
    });
    expect((await member.http.get(`/api/v2/filesystem/projects/${project.rid}?preview=true`)).body).toEqual(project);
    const roles = await member.http.get(`/api/v2/filesystem/resources/${project.rid}/roles`);
    expect(roles.body.data).toEqual([{ resourceRolePrincipal: { type: 'principalWithId', principalId: member.userId, principalType: 'USER' }, roleId: 'compass:manage' }]);

    const folder = await createFolder(member.http, project.rid, 'Data');
    const replaced = await member.http.put(`/api/v2/filesystem/projects/${project.rid}`, { displayName: 'Artemis' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ displayName: 'Artemis', path: '/Default/Artemis' });
    expect(replaced.body.description).toBeUndefined();
    expect((await member.http.get(`/api/v2/filesystem/folders/${folder.rid}`)).body.path).toBe('/Default/Artemis/Data');

    const created = await auditEvents(org.admin.http, { category: 'filesystem.project.create', resourceRid: project.rid });
    expect(created).toHaveLength(1);
    expect(created[0]!.actorId).toBe(member.userId);
    const replacedEvents = await auditEvents(org.admin.http, { category: 'filesystem.project.replace', resourceRid: project.rid });
    expect(replacedEvents[0]!.details.displayName).toEqual({ from: 'Apollo', to: 'Artemis' });
  });

  it('project names are unique in a space, case-insensitively, and a refused create changes nothing', async () => {
    await createProject(member.http, space.rid, 'Gemini');
    const before = await auditEvents(org.admin.http, { category: 'filesystem.project.create' });
    const dup = expectEnvelope(await member.http.post('/api/v2/filesystem/projects/create', { displayName: 'gEMINI', spaceRid: space.rid }), 409, 'ProjectNameAlreadyExists');
    expect(dup.parameters).toMatchObject({ spaceRid: space.rid, displayName: 'gEMINI' });
    expect(await auditEvents(org.admin.http, { category: 'filesystem.project.create' })).toHaveLength(before.length);
    const p = await createProject(member.http, space.rid, 'Mercury');
    expectEnvelope(await member.http.put(`/api/v2/filesystem/projects/${p.rid}`, { displayName: 'GEMINI' }), 409, 'ProjectNameAlreadyExists');
    expect((await member.http.get(`/api/v2/filesystem/projects/${p.rid}`)).body.displayName).toBe('Mercury');
  });

  it('grants and default roles at creation; unknown role ids and principals are refused', async () => {
    const colleague = await ts.createUser(org);
    const p = await createProject(member.http, space.rid, 'Shared', {
      roleGrants: { 'compass:edit': [{ principalId: colleague.userId, principalType: 'USER' }] },
      defaultRoles: ['compass:discover'],
      organizationRids: [org.orgRid],
    });
    const roles = (await member.http.get(`/api/v2/filesystem/resources/${p.rid}/roles`)).body.data;
    expect(roles).toHaveLength(3);
    expect(roles).toContainEqual({ resourceRolePrincipal: { type: 'everyone' }, roleId: 'compass:discover' });
    expect(roles).toContainEqual({ resourceRolePrincipal: { type: 'principalWithId', principalId: colleague.userId, principalType: 'USER' }, roleId: 'compass:edit' });
    expect((await createFolder(colleague.http, p.rid, 'By colleague')).displayName).toBe('By colleague');

    const base = { displayName: 'Refused', spaceRid: space.rid };
    expectEnvelope(await member.http.post('/api/v2/filesystem/projects/create', { ...base, defaultRoles: ['compass:superuser'] }), 400, 'InvalidRoleIds');
    expectEnvelope(await member.http.post('/api/v2/filesystem/projects/create', { ...base, roleGrants: { 'compass:read': [{ principalId: colleague.userId, principalType: 'GROUP' }] } }), 404, 'PrincipalNotFound');
    expectEnvelope(await member.http.post('/api/v2/filesystem/projects/create', { ...base, roleGrants: { 'compass:read': [{ principalId: other.admin.userId, principalType: 'USER' }] } }), 404, 'PrincipalNotFound');
    expectEnvelope(await member.http.post('/api/v2/filesystem/projects/create', { ...base, organizationRids: [other.orgRid] }), 404, 'OrganizationsNotFound');
    expect(await childNames(org.admin.http, space.rid)).not.toContain('Refused');
  });

  it('recent projects: the ones the caller can see, most recent activity first, paged', async () => {
    // An organization of its own: other tests here share projects with everyone.
    const own = await ts.createOrg('Recent Org');
    const ownSpace = await defaultSpace(own.admin.http);
    const viewer = await ts.createUser(own);
    const a = await createProject(own.admin.http, ownSpace.rid, 'Recent A');
    const b = await createProject(own.admin.http, ownSpace.rid, 'Recent B');
    await createProject(own.admin.http, ownSpace.rid, 'Recent Hidden');
    await grant(own.admin.http, a.rid, viewer.userId, 'compass:read');
    await grant(own.admin.http, b.rid, viewer.userId, 'compass:discover');
    // Granting on B was the latest change until a folder is created in A: activity inside A makes it the most recent.
    await new Promise((r) => setTimeout(r, 5));
    await createFolder(own.admin.http, a.rid, 'Fresh');
    const first = await viewer.http.get('/api/v2/filesystem/projects/recent?pageSize=1');
    expect(first.status).toBe(200);
    expect(first.body.data.map((p: Node) => p.displayName)).toEqual(['Recent A']);
    const second = await viewer.http.get(`/api/v2/filesystem/projects/recent?pageSize=1&pageToken=${first.body.nextPageToken}`);
    expect(second.body.data.map((p: Node) => p.displayName)).toEqual(['Recent B']);
    expect(second.body.nextPageToken).toBeUndefined();
    expectEnvelope(await viewer.http.get('/api/v2/filesystem/projects/recent?pageToken=garbage!'), 400, 'InvalidPageToken');
    expectEnvelope(await viewer.http.get('/api/v2/filesystem/projects/recent?pageSize=0'), 400, 'InvalidPageSize');
    // The space lists only the projects the viewer can discover.
    expect(await childNames(viewer.http, ownSpace.rid)).toEqual(['Recent A', 'Recent B']);
    const admins = await own.admin.http.get('/api/v2/filesystem/projects/recent');
    expect(admins.body.data.map((p: Node) => p.displayName)).toEqual(['Recent A', 'Recent B', 'Recent Hidden']);
  });
});

describe('folders', () => {
  let project: Node;
  beforeAll(async () => {
    project = await createProject(org.admin.http, space.rid, 'Folders');
  });

  it('create, get (as folder and as resource) and getBatch', async () => {
    const f = await createFolder(org.admin.http, project.rid, 'Raw');
    expect(f).toMatchObject({ type: 'FOLDER', parentFolderRid: project.rid, projectRid: project.rid, spaceRid: space.rid, path: '/Default/Folders/Raw', trashStatus: 'NOT_TRASHED' });
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${f.rid}`)).body).toEqual(f);
    const asResource = (await org.admin.http.get(`/api/v2/filesystem/resources/${f.rid}`)).body;
    expect(asResource).toMatchObject({ rid: f.rid, type: 'COMPASS_FOLDER', projectRid: project.rid, parentFolderRid: project.rid });
    const asFolder = (await org.admin.http.get(`/api/v2/filesystem/folders/${project.rid}`)).body;
    expect(asFolder).toMatchObject({ type: 'PROJECT', parentFolderRid: space.rid, projectRid: project.rid });
    const spaceFolder = (await org.admin.http.get(`/api/v2/filesystem/folders/${space.rid}`)).body;
    expect(spaceFolder).toMatchObject({ type: 'SPACE', parentFolderRid: 'ri.compass.main.folder.0', spaceRid: space.rid });
    expect(spaceFolder.projectRid).toBeUndefined();
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/resources/${space.rid}`), 400, 'GetSpaceResourceNotSupported');

    const batch = await org.admin.http.post('/api/v2/filesystem/folders/getBatch', [{ folderRid: f.rid }, { folderRid: MISSING_RID }, { folderRid: project.rid }]);
    expect(batch.status).toBe(200);
    expect(Object.keys(batch.body.data).sort()).toEqual([f.rid, project.rid].sort());
    const rbatch = await org.admin.http.post('/api/v2/filesystem/resources/getBatch', [{ resourceRid: f.rid }, { resourceRid: space.rid }, { resourceRid: MISSING_RID }]);
    expect(Object.keys(rbatch.body.data)).toEqual([f.rid]);
    expect((await auditEvents(org.admin.http, { category: 'filesystem.folder.create', resourceRid: f.rid })).length).toBe(1);
  });

  it('children are paged by name (case-insensitive) with no gaps or repeats', async () => {
    const parent = await createFolder(org.admin.http, project.rid, 'Paged');
    for (const name of ['delta', 'Alpha', 'charlie', 'Bravo', 'echo']) await createFolder(org.admin.http, parent.rid, name);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await org.admin.http.get(`/api/v2/filesystem/folders/${parent.rid}/children?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((c: Node) => c.displayName));
      token = res.body.nextPageToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['Alpha', 'Bravo', 'charlie', 'delta', 'echo']);
    expect(pages).toBe(3);
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/folders/${parent.rid}/children?pageSize=2001`), 400, 'InvalidPageSize');
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${parent.rid}/children?pageSize=2000`)).status).toBe(200);
  });

  it('getByPath finds live resources by their absolute path', async () => {
    const a = await createFolder(org.admin.http, project.rid, 'Path A');
    const b = await createFolder(org.admin.http, a.rid, 'Path B');
    const byPath = (path: string) => org.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(path)}&preview=true`);
    expect((await byPath('/Default/Folders/Path A/Path B')).body).toMatchObject({ rid: b.rid, path: '/Default/Folders/Path A/Path B' });
    expect((await byPath('/Default/Folders')).body.rid).toBe(project.rid);
    expectEnvelope(await byPath('/Default/Folders/Nope'), 404, 'PathNotFound');
    expectEnvelope(await byPath('/Default'), 400, 'GetSpaceResourceNotSupported');
    for (const bad of ['Default/Folders', '/Default//Folders', '/Default/Folders/', '/Default/../Folders', '/Default/Fold\u0000ers']) {
      expectEnvelope(await byPath(bad), 400, 'InvalidPath');
    }
    expectEnvelope(await org.admin.http.get('/api/v2/filesystem/resources/getByPath'), 400, 'InvalidArgument');
  });

  it('names: traversal, separators, control characters and blanks are refused and nothing is created', async () => {
    const parent = await createFolder(org.admin.http, project.rid, 'Names');
    const bad = ['..', '.', 'a/b', 'a\\b', 'tab\there', 'nul\u0000', '  padded', '', '   ', 'x'.repeat(256)];
    for (const displayName of bad) {
      const e = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: parent.rid, displayName }), 400);
      expect(e.errorName === 'InvalidDisplayName' || e.errorName === 'InvalidArgument').toBe(true);
    }
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: parent.rid, displayName: '../escape' }), 400, 'InvalidDisplayName');
    expect(await childNames(org.admin.http, parent.rid)).toEqual([]);
    expect((await auditEvents(org.admin.http, { category: 'filesystem.folder.create' })).filter((e) => e.resourceRids.includes(parent.rid))).toHaveLength(1);
  });

  it('names are unique among live siblings, case-insensitively', async () => {
    const parent = await createFolder(org.admin.http, project.rid, 'Unique');
    await createFolder(org.admin.http, parent.rid, 'Report');
    const dup = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: parent.rid, displayName: 'REPORT' }), 409, 'ResourceNameAlreadyExists');
    expect(dup.parameters).toEqual({ parentFolderRid: parent.rid, displayName: 'REPORT' });
    // The same name elsewhere is fine.
    await createFolder(org.admin.http, project.rid, 'Report');
    expect(await childNames(org.admin.http, parent.rid)).toEqual(['Report']);
  });

  it('bad input: unknown fields, wrong types, malformed RIDs, folders outside projects or in non-folders', async () => {
    const unknown = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: project.rid, displayName: 'X', color: 'red' }), 400, 'InvalidArgument');
    expect(String(unknown.parameters.field)).toContain('color');
    const wrongType = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: project.rid, displayName: 42 }), 400, 'InvalidArgument');
    expect(String(wrongType.parameters.field)).toContain('displayName');
    const malformed = expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: 'not-a-rid', displayName: 'X' }), 400, 'InvalidResourceIdentifier');
    expect(malformed.parameters.parameter).toBe('parentFolderRid');
    expectEnvelope(await org.admin.http.get('/api/v2/filesystem/folders/ri.bad'), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.get('/api/v2/filesystem/projects/ri.foundry.main.dataset.1'), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders/getBatch', [{ folderRid: 'nope' }]), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders/getBatch', { folderRid: project.rid }), 400, 'InvalidArgument');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: space.rid, displayName: 'X' }), 400, 'CreateFolderOutsideProjectNotSupported');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/projects/create', { displayName: 'X', spaceRid: project.rid }), 404, 'SpaceNotFound');
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/projects/${space.rid}`), 404, 'ProjectNotFound');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', '{"parentFolderRid":', { headers: { 'content-type': 'application/json' } }), 400);
    expect(await childNames(org.admin.http, project.rid)).not.toContain('X');
  });
});

describe('rename and move', () => {
  let project: Node;
  beforeAll(async () => {
    project = await createProject(org.admin.http, space.rid, 'Moves');
  });

  it('rename updates the paths of everything below and is audited', async () => {
    const a = await createFolder(org.admin.http, project.rid, 'Old');
    const b = await createFolder(org.admin.http, a.rid, 'Child');
    const c = await createFolder(org.admin.http, b.rid, 'Grandchild');
    const res = await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/rename`, { displayName: 'Néw' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: 'Néw', path: '/Default/Moves/Néw', updatedBy: org.admin.userId });
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${c.rid}`)).body.path).toBe('/Default/Moves/Néw/Child/Grandchild');
    const byPath = await org.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent('/Default/Moves/Néw/Child/Grandchild')}`);
    expect(byPath.body.rid).toBe(c.rid);
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent('/Default/Moves/Old/Child')}`), 404, 'PathNotFound');
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.rename', resourceRid: a.rid });
    expect(events[0]!.details.displayName).toEqual({ from: 'Old', to: 'Néw' });

    await createFolder(org.admin.http, project.rid, 'Taken');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/rename`, { displayName: 'taken' }), 409, 'ResourceNameAlreadyExists');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/rename`, { displayName: 'a/b' }), 400, 'InvalidDisplayName');
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${a.rid}`)).body.displayName).toBe('Néw');
    // Changing only the case of one's own name is allowed.
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/rename`, { displayName: 'NÉW' })).status).toBe(200);
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${space.rid}/rename`, { displayName: 'S' }), 400, 'SpaceOperationNotSupported');
  });

  it('move re-roots the subtree; cycles, other projects and duplicate names are refused without changes', async () => {
    const src = await createFolder(org.admin.http, project.rid, 'Source');
    const inner = await createFolder(org.admin.http, src.rid, 'Inner');
    const deep = await createFolder(org.admin.http, inner.rid, 'Deep');
    const dst = await createFolder(org.admin.http, project.rid, 'Target');

    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: deep.rid }), 400, 'MoveIntoOwnDescendant');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: src.rid }), 400, 'MoveIntoOwnDescendant');
    const otherProject = await createProject(org.admin.http, space.rid, 'Elsewhere');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: otherProject.rid }), 400, 'MoveAcrossProjectsNotSupported');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${project.rid}/move`, { parentFolderRid: otherProject.rid }), 400, 'MoveNotSupported');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: MISSING_RID }), 404, 'FolderNotFound');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: 'x' }), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: dst.rid, extra: 1 }), 400, 'InvalidArgument');
    await createFolder(org.admin.http, dst.rid, 'source');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${src.rid}/move`, { parentFolderRid: dst.rid }), 409, 'ResourceNameAlreadyExists');
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${deep.rid}`)).body.path).toBe('/Default/Moves/Source/Inner/Deep');
    expect(await auditEvents(org.admin.http, { category: 'filesystem.resource.move' })).toHaveLength(0);

    const moved = await org.admin.http.post(`/api/v2/filesystem/resources/${inner.rid}/move`, { parentFolderRid: dst.rid });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ parentFolderRid: dst.rid, path: '/Default/Moves/Target/Inner' });
    expect((await org.admin.http.get(`/api/v2/filesystem/folders/${deep.rid}`)).body).toMatchObject({ path: '/Default/Moves/Target/Inner/Deep', parentFolderRid: inner.rid });
    expect(await childNames(org.admin.http, src.rid)).toEqual([]);
    expect(await childNames(org.admin.http, dst.rid)).toEqual(['Inner', 'source']);
    // The moved subtree's new ancestors count: a cycle through it is refused too.
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${dst.rid}/move`, { parentFolderRid: deep.rid }), 400, 'MoveIntoOwnDescendant');
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.move' });
    expect(events).toHaveLength(1);
    expect(events[0]!.resourceRids).toEqual([inner.rid, src.rid, dst.rid]);
  });
});

describe('concurrency', () => {
  it('two opposite moves at once: one wins, the tree never gets a cycle', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Race');
    for (let round = 0; round < 3; round++) {
      const a = await createFolder(org.admin.http, project.rid, `A${round}`);
      const b = await createFolder(org.admin.http, project.rid, `B${round}`);
      const [ab, ba] = await Promise.all([
        org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/move`, { parentFolderRid: b.rid }),
        org.admin.http.post(`/api/v2/filesystem/resources/${b.rid}/move`, { parentFolderRid: a.rid }),
      ]);
      expect([ab.status, ba.status].sort()).toEqual([200, 400]);
      expectEnvelope(ab.status === 400 ? ab : ba, 400, 'MoveIntoOwnDescendant');
      const [fa, fb] = await Promise.all([a, b].map(async (f) => (await org.admin.http.get(`/api/v2/filesystem/folders/${f.rid}`)).body));
      const inner = ab.status === 200 ? fa : fb;
      const outer = ab.status === 200 ? fb : fa;
      expect(inner.parentFolderRid).toBe(outer.rid);
      expect(outer.parentFolderRid).toBe(project.rid);
      expect(inner.path).toBe(`${outer.path}/${inner.displayName}`);
    }
  });

  it('the same name created many times at once: exactly one succeeds', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Race names');
    const results = await Promise.all(Array.from({ length: 6 }, () => org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: project.rid, displayName: 'Same' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectEnvelope(r, 409, 'ResourceNameAlreadyExists');
    expect(await childNames(org.admin.http, project.rid)).toEqual(['Same']);
  });
});

describe('credentials', () => {
  it('a read-only token reads but cannot write; scopes are checked before anything happens', async () => {
    const { token } = await ts.server.platform.identity.bootstrap.createPersonalAccessToken({ email: member.email, name: 'read only', expiresInMs: 3_600_000, scopes: ['api:filesystem-read'] });
    const readOnly = new HttpClient(ts.url, token);
    expect((await readOnly.get('/api/v2/filesystem/spaces')).status).toBe(200);
    const e = expectEnvelope(await readOnly.post('/api/v2/filesystem/projects/create', { displayName: 'Scoped', spaceRid: space.rid }), 403, 'MissingScope');
    expect(e.parameters.requiredScope).toBe('api:filesystem-write');
    expect(await childNames(org.admin.http, space.rid)).not.toContain('Scoped');
    expectEnvelope(await ts.anonymous.get('/api/v2/filesystem/spaces'), 401);
  });

  it('the web app’s cookie session works, and its writes need the CSRF token', async () => {
    const session = await loginSession(ts, member.email, member.password);
    const p = await session.post('/api/v2/filesystem/projects/create', { displayName: 'From the browser', spaceRid: space.rid });
    expect(p.status).toBe(200);
    expectEnvelope(await session.post('/api/v2/filesystem/folders', { parentFolderRid: p.body.rid, displayName: 'No CSRF' }, { csrf: false }), 403, 'InvalidCsrfToken');
    expect(await childNames(session, p.body.rid)).toEqual([]);
  });
});
