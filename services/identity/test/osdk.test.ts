import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformClient, type PlatformClient } from '@osdk/client';
import { GroupMembers, Groups, Organizations, Users } from '@osdk/foundry.admin';
import { apiError, startTestServer, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';

/**
 * Palantir's published admin client, unchanged, against our server: the contract nobody here
 * wrote.
 */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let admin: PlatformClient;
let otherAdmin: PlatformClient;
let member: TestUser;

const client = (token: string) => createPlatformClient(ts.url, () => Promise.resolve(token));


beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg('Osdk Org');
  other = await ts.createOrg('Osdk Other');
  admin = client(org.admin.token);
  otherAdmin = client(other.admin.token);
  member = await ts.createUser(org, { givenName: 'Grace', familyName: 'Hopper' });
});
afterAll(async () => {
  await ts?.close();
});

describe('@osdk/foundry.admin Users', () => {
  it('getCurrent and get', async () => {
    const me = await Users.getCurrent(admin);
    expect(me).toMatchObject({ id: org.admin.userId, username: org.admin.email, organization: org.orgRid, status: 'ACTIVE' });
    const u = await Users.get(admin, member.userId);
    expect(u).toMatchObject({ id: member.userId, givenName: 'Grace', familyName: 'Hopper', email: member.email, realm: expect.any(String) });
    const e = await apiError(Users.get(otherAdmin, member.userId));
    expect(e).toMatchObject({ statusCode: 404, errorName: 'UserNotFound' });
  });

  it('list pages through every user of the org and none of another', async () => {
    for (let i = 0; i < 3; i++) await ts.createUser(org);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await Users.list(admin, { pageSize: 2, pageToken });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((u) => u.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(pages).toBe(3);
    expect(seen).toContain(member.userId);
    expect(seen).not.toContain(other.admin.userId);
  });

  it('search by name prefix, case-insensitively', async () => {
    const r = await Users.search(admin, { where: { type: 'queryString', value: 'grac' } });
    expect(r.data.map((u) => u.id)).toEqual([member.userId]);
    const none = await Users.search(otherAdmin, { where: { type: 'queryString', value: 'grac' } });
    expect(none.data).toEqual([]);
  });

  it('getBatch returns found users only', async () => {
    const r = await Users.getBatch(admin, [{ userId: member.userId }, { userId: other.admin.userId }, { userId: org.admin.userId }]);
    expect(Object.keys(r.data).sort()).toEqual([member.userId, org.admin.userId].sort());
  });

  it('revokeAllTokens and deleteUser', async () => {
    const victim = await ts.createUser(org);
    await Users.revokeAllTokens(admin, victim.userId, { preview: true });
    const res = await victim.http.get('/api/v2/admin/users/getCurrent');
    expect(res.status).toBe(401);
    expect((await apiError(Users.deleteUser(otherAdmin, member.userId))).statusCode).toBe(404);
    await Users.deleteUser(admin, victim.userId);
    expect(await apiError(Users.get(admin, victim.userId))).toMatchObject({ statusCode: 404, errorName: 'UserNotFound' });
    expect(await Users.get(admin, victim.userId, { status: 'DELETED' })).toMatchObject({ id: victim.userId, status: 'DELETED' });
  });
});

describe('@osdk/foundry.admin Groups and GroupMembers', () => {
  it('create, get, list, search, getBatch, members add/list/remove, delete', async () => {
    const g = await Groups.create(admin, { name: 'Analysts', organizations: [org.orgRid], description: 'People who analyse', attributes: {} });
    expect(g).toMatchObject({ name: 'Analysts', description: 'People who analyse', organizations: [org.orgRid], attributes: {} });
    expect(await Groups.get(admin, g.id)).toEqual(g);
    expect(await apiError(Groups.get(otherAdmin, g.id))).toMatchObject({ statusCode: 404, errorName: 'GroupNotFound' });

    const list = await Groups.list(admin, { pageSize: 10 });
    expect(list.data.map((x) => x.id)).toContain(g.id);
    expect((await Groups.list(otherAdmin)).data.map((x) => x.id)).not.toContain(g.id);
    expect((await Groups.search(admin, { where: { type: 'queryString', value: 'ANAL' } })).data.map((x) => x.id)).toEqual([g.id]);
    expect(Object.keys((await Groups.getBatch(admin, [{ groupId: g.id }])).data)).toEqual([g.id]);
    expect((await Groups.getBatch(otherAdmin, [{ groupId: g.id }])).data).toEqual({});

    await GroupMembers.add(admin, g.id, { principalIds: [member.userId] });
    const members = await GroupMembers.list(admin, g.id);
    expect(members.data).toEqual([{ principalType: 'USER', principalId: member.userId }]);
    expect(await apiError(GroupMembers.add(otherAdmin, g.id, { principalIds: [other.admin.userId] }))).toMatchObject({ statusCode: 404 });
    await GroupMembers.remove(admin, g.id, { principalIds: [member.userId] });
    expect((await GroupMembers.list(admin, g.id)).data).toEqual([]);

    expect(await apiError(Groups.deleteGroup(otherAdmin, g.id))).toMatchObject({ statusCode: 404 });
    await Groups.deleteGroup(admin, g.id);
    expect(await apiError(Groups.get(admin, g.id))).toMatchObject({ statusCode: 404 });
  });
});

describe('@osdk/foundry.admin Organizations', () => {
  it('get and replace the own organization; another org is 404', async () => {
    const o = await Organizations.get(admin, org.orgRid, { preview: true });
    expect(o).toMatchObject({ rid: org.orgRid, name: 'Osdk Org', markingId: expect.any(String) });
    const r = await Organizations.replace(admin, org.orgRid, { name: 'Osdk Org Renamed', description: 'Renamed' }, { preview: true });
    expect(r).toMatchObject({ rid: org.orgRid, name: 'Osdk Org Renamed', description: 'Renamed' });
    expect(await Organizations.get(admin, org.orgRid, { preview: true })).toEqual(r);
    expect(await apiError(Organizations.get(otherAdmin, org.orgRid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'OrganizationNotFound' });
    expect(await apiError(Organizations.replace(otherAdmin, org.orgRid, { name: 'Hijacked' }, { preview: true }))).toMatchObject({ statusCode: 404 });
    expect(await apiError(Organizations.replace(client(member.token), org.orgRid, { name: 'Nope' }, { preview: true }))).toMatchObject({ statusCode: 403 });
  });
});
