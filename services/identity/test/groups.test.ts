import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, startTestServer, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { HOUR, TestClock, auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let member: TestUser;
const clock = new TestClock();
const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  ts = await startTestServer({ clock });
  org = await ts.createOrg('Groups Org');
  other = await ts.createOrg('Groups Other');
  member = await ts.createUser(org);
});
afterAll(async () => {
  await ts?.close();
});

const createGroup = async (name: string, o: TestOrg = org) => {
  const res = await o.admin.http.post('/api/v2/admin/groups', { name, organizations: [o.orgRid], attributes: {} });
  expect(res.status, res.text).toBe(200);
  return res.body as { id: string; name: string };
};

/** The principal's groups as the authenticator resolves them for each request. */
const groupIdsOf = async (user: TestUser) => (await ts.server.platform.identity.authenticator.authenticate({ bearer: user.token }))!.principal.groupIds;

describe('groups', () => {
  it('creates a group and audits it', async () => {
    const res = await org.admin.http.post('/api/v2/admin/groups', { name: 'Engineers', organizations: [org.orgRid], description: 'Builders', attributes: { team: ['core'] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.any(String), name: 'Engineers', description: 'Builders', realm: expect.any(String), organizations: [org.orgRid], attributes: { team: ['core'] } });
    const [event] = (await auditEvents(ts, { category: 'group.create', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ actor_id: org.admin.userId, resource_rids: [res.body.id], details: expect.objectContaining({ name: 'Engineers' }) });
  });

  it('refuses bad input and duplicates, creating nothing', async () => {
    await createGroup('Unique Name');
    const before = await countRows(ts, 'identity.groups');
    const post = (b: unknown) => org.admin.http.post('/api/v2/admin/groups', b);
    expectEnvelope(await post({ name: 'unique name', organizations: [org.orgRid] }), 409, 'GroupNameAlreadyExists');
    expect(expectEnvelope(await post({ name: 'X', organizations: [org.orgRid], owner: 'me' }), 400, 'InvalidArgument').parameters.field).toContain('owner');
    expect(expectEnvelope(await post({ name: 5, organizations: [org.orgRid] }), 400, 'InvalidArgument').parameters.field).toBe('body.name');
    expect(expectEnvelope(await post({ name: 'X' }), 400, 'InvalidArgument').parameters.field).toBe('body.organizations');
    expect(expectEnvelope(await post({ name: ' padded ', organizations: [org.orgRid] }), 400, 'InvalidDisplayName').parameters.parameter).toBe('name');
    expect(expectEnvelope(await post({ name: 'a/b', organizations: [org.orgRid] }), 400, 'InvalidDisplayName').parameters.parameter).toBe('name');
    // Another org's RID gets the same answer as a made-up one.
    const foreign = expectEnvelope(await post({ name: 'X', organizations: [other.orgRid] }), 400, 'InvalidGroupOrganizations');
    const madeUp = expectEnvelope(await post({ name: 'X', organizations: ['ri.multipass..organization.nope'] }), 400, 'InvalidGroupOrganizations');
    expect(foreign.parameters).toEqual(madeUp.parameters);
    expectEnvelope(await org.admin.http.post('/api/v2/admin/groups', undefined, { raw: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'MalformedRequestBody');
    expectEnvelope(await member.http.post('/api/v2/admin/groups', { name: 'By member', organizations: [org.orgRid] }), 403, 'OrganizationAdminRequired');
    expect(await countRows(ts, 'identity.groups')).toBe(before);
    // The same name is free in another organization.
    await createGroup('Unique Name', other);
  });

  it('lists, searches and batch-gets within the org only, with paging', async () => {
    const names = ['Paging A', 'Paging B', 'Paging C'];
    const created = [];
    for (const n of names) created.push(await createGroup(n));
    const foreign = await createGroup('Paging Foreign', other);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await member.http.get(`/api/v2/admin/groups?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((g: { id: string }) => g.id));
      token = res.body.nextPageToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(created.map((g) => g.id)));
    expect(seen).not.toContain(foreign.id);

    const search = await member.http.post('/api/v2/admin/groups/search', { where: { type: 'queryString', value: 'paging' }, pageSize: 2 });
    expect(search.body.data.map((g: { name: string }) => g.name)).toEqual(['Paging A', 'Paging B']);
    const next = await member.http.post('/api/v2/admin/groups/search', { where: { type: 'queryString', value: 'paging' }, pageSize: 2, pageToken: search.body.nextPageToken });
    expect(next.body.data.map((g: { name: string }) => g.name)).toEqual(['Paging C']);
    expect(next.body.nextPageToken).toBeUndefined();

    const batch = await member.http.post('/api/v2/admin/groups/getBatch', [{ groupId: created[0]!.id }, { groupId: foreign.id }, { groupId: MISSING }]);
    expect(Object.keys(batch.body.data)).toEqual([created[0]!.id]);
    expect(expectEnvelope(await member.http.post('/api/v2/admin/groups/getBatch', [{ id: created[0]!.id }]), 400, 'InvalidArgument').parameters.field).toMatch(/^body\.0/);
  });

  it('another org’s group is 404 like a missing one on every endpoint', async () => {
    const g = await createGroup('Private');
    const h = other.admin.http;
    for (const id of [g.id, MISSING, 'junk']) {
      expectEnvelope(await h.get(`/api/v2/admin/groups/${id}`), 404, 'GroupNotFound');
      expectEnvelope(await h.delete(`/api/v2/admin/groups/${id}`), 404, 'GroupNotFound');
      expectEnvelope(await h.get(`/api/v2/admin/groups/${id}/groupMembers`), 404, 'GroupNotFound');
      expectEnvelope(await h.post(`/api/v2/admin/groups/${id}/groupMembers/add`, { principalIds: [other.admin.userId] }), 404, 'GroupNotFound');
      expectEnvelope(await h.post(`/api/v2/admin/groups/${id}/groupMembers/remove`, { principalIds: [other.admin.userId] }), 404, 'GroupNotFound');
    }
    expect((await org.admin.http.get(`/api/v2/admin/groups/${g.id}`)).status).toBe(200);
    expect((await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`)).body.data).toEqual([]);
  });

  it('deletes a group with its memberships', async () => {
    const g = await createGroup('Short Lived');
    const parent = await createGroup('Parent Of Short Lived');
    await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/add`, { principalIds: [member.userId] });
    await org.admin.http.post(`/api/v2/admin/groups/${parent.id}/groupMembers/add`, { principalIds: [g.id] });
    expectEnvelope(await member.http.delete(`/api/v2/admin/groups/${g.id}`), 403, 'OrganizationAdminRequired');
    expect((await org.admin.http.delete(`/api/v2/admin/groups/${g.id}`)).status).toBe(204);
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/groups/${g.id}`), 404, 'GroupNotFound');
    expect((await org.admin.http.get(`/api/v2/admin/groups/${parent.id}/groupMembers`)).body.data).toEqual([]);
    expect(await groupIdsOf(member)).not.toContain(g.id);
    const [event] = (await auditEvents(ts, { category: 'group.delete', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ groupId: g.id, name: 'Short Lived' });
  });
});

describe('group members', () => {
  it('adds, lists and removes members; the principal’s groups follow', async () => {
    const g = await createGroup('Members');
    expect((await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/add`, { principalIds: [member.userId, org.admin.userId] })).status).toBe(204);
    const list = await member.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`);
    expect(list.body.data).toEqual(
      [member.userId, org.admin.userId].sort().map((principalId) => ({ principalType: 'USER', principalId })),
    );
    expect(await groupIdsOf(member)).toContain(g.id);
    // Adding again is harmless.
    expect((await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/add`, { principalIds: [member.userId] })).status).toBe(204);
    expect((await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/remove`, { principalIds: [member.userId, MISSING] })).status).toBe(204);
    expect((await member.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`)).body.data).toEqual([{ principalType: 'USER', principalId: org.admin.userId }]);
    expect(await groupIdsOf(member)).not.toContain(g.id);

    const events = await auditEvents(ts, { orgRid: org.orgRid });
    const add = events.filter((e) => e.category === 'group.members.add').at(-1)!;
    const remove = events.filter((e) => e.category === 'group.members.remove').at(-1)!;
    expect(add.details).toMatchObject({ groupId: g.id, principalIds: [member.userId] });
    expect(remove.details).toMatchObject({ groupId: g.id, principalIds: [member.userId] });
  });

  it('refuses principals of another org (404 like missing), bad input and non-admins, changing nothing', async () => {
    const g = await createGroup('Strict Members');
    const path = `/api/v2/admin/groups/${g.id}/groupMembers/add`;
    const before = await countRows(ts, 'identity.group_members');
    expectEnvelope(await org.admin.http.post(path, { principalIds: [member.userId, other.admin.userId] }), 404, 'PrincipalNotFound');
    expectEnvelope(await org.admin.http.post(path, { principalIds: [MISSING] }), 404, 'PrincipalNotFound');
    const foreignGroup = await createGroup('Foreign Group', other);
    expectEnvelope(await org.admin.http.post(path, { principalIds: [foreignGroup.id] }), 404, 'PrincipalNotFound');
    expectEnvelope(await org.admin.http.post(path, { principalIds: [g.id] }), 400, 'GroupCannotContainItself');
    expect(expectEnvelope(await org.admin.http.post(path, { principalIds: [] }), 400, 'InvalidArgument').parameters.field).toBe('body.principalIds');
    expect(expectEnvelope(await org.admin.http.post(path, { principalIds: [member.userId], expiration: 'tomorrow' }), 400, 'InvalidArgument').parameters.field).toBe('body.expiration');
    expectEnvelope(await org.admin.http.post(path, { principalIds: [member.userId], expiration: new Date(clock.now().getTime() - HOUR).toISOString() }), 400, 'InvalidGroupMembershipExpiration');
    expect(expectEnvelope(await org.admin.http.post(path, { principalIds: [member.userId], role: 'x' }), 400, 'InvalidArgument').parameters.field).toContain('role');
    expectEnvelope(await member.http.post(path, { principalIds: [member.userId] }), 403, 'OrganizationAdminRequired');
    expectEnvelope(await member.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/remove`, { principalIds: [member.userId] }), 403, 'OrganizationAdminRequired');
    expect(expectEnvelope(await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/remove`, { principalIds: 'all' }), 400, 'InvalidArgument').parameters.field).toBe('body.principalIds');
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers?transitive=maybe`), 400, 'InvalidArgument');
    expect(expectEnvelope(await org.admin.http.post('/api/v2/admin/groups/search', { where: { value: 'x' } }), 400, 'InvalidArgument').parameters.field).toBe('body.where.type');
    expect(await countRows(ts, 'identity.group_members')).toBe(before);
  });

  it('memberships with an expiration stop counting when it passes', async () => {
    const g = await createGroup('Temporary');
    // Well inside the lifetime of the test users' tokens (one hour).
    const expiration = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
    expect((await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/add`, { principalIds: [member.userId], expiration })).status).toBe(204);
    expect(await groupIdsOf(member)).toContain(g.id);
    expect((await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`)).body.data).toHaveLength(1);
    clock.advance(20 * 60_000);
    try {
      expect(await groupIdsOf(member)).not.toContain(g.id);
      expect((await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`)).body.data).toEqual([]);
    } finally {
      clock.advance(-20 * 60_000);
    }
  });

  it('nested groups: transitive listing and inherited group ids, cycles included', async () => {
    const outer = await createGroup('Outer');
    const inner = await createGroup('Inner');
    await org.admin.http.post(`/api/v2/admin/groups/${inner.id}/groupMembers/add`, { principalIds: [member.userId] });
    await org.admin.http.post(`/api/v2/admin/groups/${outer.id}/groupMembers/add`, { principalIds: [inner.id] });
    // A cycle must not loop forever.
    await org.admin.http.post(`/api/v2/admin/groups/${inner.id}/groupMembers/add`, { principalIds: [outer.id] });

    const direct = await org.admin.http.get(`/api/v2/admin/groups/${outer.id}/groupMembers`);
    expect(direct.body.data).toEqual([{ principalType: 'GROUP', principalId: inner.id }]);
    const transitive = await org.admin.http.get(`/api/v2/admin/groups/${outer.id}/groupMembers?transitive=true`);
    expect(transitive.body.data).toEqual(expect.arrayContaining([{ principalType: 'GROUP', principalId: inner.id }, { principalType: 'USER', principalId: member.userId }]));
    expect(transitive.body.data).toHaveLength(2);
    expect(await groupIdsOf(member)).toEqual(expect.arrayContaining([inner.id, outer.id]));
  });

  it('pages through members', async () => {
    const g = await createGroup('Many Members');
    const users = [member.userId, org.admin.userId, (await ts.createUser(org)).userId];
    await org.admin.http.post(`/api/v2/admin/groups/${g.id}/groupMembers/add`, { principalIds: users });
    const first = await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers?pageSize=2`);
    const second = await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers?pageSize=2&pageToken=${first.body.nextPageToken}`);
    expect([...first.body.data, ...second.body.data].map((m: { principalId: string }) => m.principalId).sort()).toEqual([...users].sort());
    expect(second.body.nextPageToken).toBeUndefined();
  });
});

describe('organizations', () => {
  it('get and replace the own organization; audited', async () => {
    const got = await member.http.get(`/api/v2/admin/organizations/${org.orgRid}?preview=true`);
    expect(got.body).toEqual({ rid: org.orgRid, name: 'Groups Org', markingId: expect.any(String) });
    const res = await org.admin.http.put(`/api/v2/admin/organizations/${org.orgRid}?preview=true`, { name: 'Groups Org 2', description: 'Second name', host: 'groups.example.test' });
    expect(res.body).toEqual({ rid: org.orgRid, name: 'Groups Org 2', description: 'Second name', host: 'groups.example.test', markingId: got.body.markingId });
    // Replace clears what it does not name.
    const cleared = await org.admin.http.put(`/api/v2/admin/organizations/${org.orgRid}`, { name: 'Groups Org' });
    expect(cleared.body).toEqual({ rid: org.orgRid, name: 'Groups Org', markingId: got.body.markingId });
    const [event] = (await auditEvents(ts, { category: 'organization.update', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ from: { name: 'Groups Org 2' }, to: { name: 'Groups Org' } });
  });

  it('refuses bad input, non-admins and other orgs, changing nothing', async () => {
    const path = `/api/v2/admin/organizations/${org.orgRid}`;
    expectEnvelope(await org.admin.http.put(path, { name: '' }), 400, 'InvalidDisplayName');
    expect(expectEnvelope(await org.admin.http.put(path, { name: 'X', markingId: 'y' }), 400, 'InvalidArgument').parameters.field).toContain('markingId');
    expect(expectEnvelope(await org.admin.http.put(path, { name: 'X', host: 'bad host/' }), 400, 'InvalidArgument').parameters.field).toBe('body.host');
    expectEnvelope(await member.http.put(path, { name: 'Member Rename' }), 403, 'OrganizationAdminRequired');
    const foreign = expectEnvelope(await other.admin.http.put(path, { name: 'Hijack' }), 404, 'OrganizationNotFound');
    const missing = expectEnvelope(await other.admin.http.put('/api/v2/admin/organizations/ri.multipass..organization.missing', { name: 'Hijack' }), 404, 'OrganizationNotFound');
    expect(Object.keys(foreign.parameters)).toEqual(Object.keys(missing.parameters));
    expectEnvelope(await other.admin.http.get(path), 404, 'OrganizationNotFound');
    expect((await member.http.get(path)).body.name).toBe('Groups Org');
  });
});
