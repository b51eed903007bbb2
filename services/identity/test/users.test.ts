import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, loginSession, startTestServer, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let member: TestUser;
const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg('Acme');
  other = await ts.createOrg('Globex');
  member = await ts.createUser(org, { givenName: 'Ada', familyName: 'Lovelace' });
});
afterAll(async () => {
  await ts?.close();
});

const newUser = (extra: Record<string, unknown> = {}) => ({
  email: `new-${Math.random().toString(36).slice(2)}@example.test`,
  givenName: 'New',
  familyName: 'Person',
  password: 'twelve chars or more',
  ...extra,
});

describe('reading users', () => {
  it('getCurrent returns the caller', async () => {
    const res = await member.http.get('/api/v2/admin/users/getCurrent');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: member.userId,
      username: member.email,
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: member.email,
      realm: expect.any(String),
      organization: org.orgRid,
      status: 'ACTIVE',
      attributes: expect.objectContaining({ 'multipass:email:primary': [member.email] }),
      organizationAdmin: false,
    });
  });

  it('members read users of their own org; another org’s user is 404 exactly like a missing one', async () => {
    expect((await member.http.get(`/api/v2/admin/users/${org.admin.userId}`)).body.id).toBe(org.admin.userId);
    const foreign = expectEnvelope(await other.admin.http.get(`/api/v2/admin/users/${member.userId}`), 404, 'UserNotFound');
    const missing = expectEnvelope(await other.admin.http.get(`/api/v2/admin/users/${MISSING}`), 404, 'UserNotFound');
    expect(Object.keys(foreign.parameters)).toEqual(Object.keys(missing.parameters));
    expectEnvelope(await other.admin.http.get('/api/v2/admin/users/not-a-uuid'), 404, 'UserNotFound');
    expectEnvelope(await other.admin.http.get(`/api/v2/admin/users/${member.userId}?status=DELETED`), 404, 'UserNotFound');
  });

  it('list, search and getBatch never show another org’s users', async () => {
    const list = await other.admin.http.get('/api/v2/admin/users?pageSize=1000');
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([other.admin.userId]);
    const search = await other.admin.http.post('/api/v2/admin/users/search', { where: { type: 'queryString', value: 'ada' } });
    expect(search.body.data).toEqual([]);
    const mine = await member.http.post('/api/v2/admin/users/search', { where: { type: 'queryString', value: 'LOVE' } });
    expect(mine.body.data.map((u: { id: string }) => u.id)).toEqual([member.userId]);
    const byEmail = await member.http.post('/api/v2/admin/users/search', { where: { type: 'queryString', value: member.email.slice(0, 8) } });
    expect(byEmail.body.data.map((u: { id: string }) => u.id)).toContain(member.userId);
    const byFullName = await member.http.post('/api/v2/admin/users/search', { where: { type: 'queryString', value: 'ada lov' } });
    expect(byFullName.body.data.map((u: { id: string }) => u.id)).toEqual([member.userId]);
    // LIKE wildcards are matched literally.
    expect((await member.http.post('/api/v2/admin/users/search', { where: { type: 'queryString', value: '%' } })).body.data).toEqual([]);
    const batch = await other.admin.http.post('/api/v2/admin/users/getBatch', [{ userId: member.userId }, { userId: other.admin.userId }, { userId: 'junk' }]);
    expect(Object.keys(batch.body.data)).toEqual([other.admin.userId]);
  });

  it('rejects bad list and search input', async () => {
    expectEnvelope(await member.http.get('/api/v2/admin/users?pageSize=0'), 400, 'InvalidPageSize');
    expectEnvelope(await member.http.get('/api/v2/admin/users?pageSize=1001'), 400, 'InvalidPageSize');
    expectEnvelope(await member.http.get('/api/v2/admin/users?pageToken=%%%'), 400, 'InvalidPageToken');
    expect(expectEnvelope(await member.http.get('/api/v2/admin/users?include=GONE'), 400, 'InvalidArgument').parameters.field).toBe('querystring.include');
    expect(expectEnvelope(await member.http.post('/api/v2/admin/users/search', { where: { type: 'prefix', value: 'a' } }), 400, 'InvalidArgument').parameters.field).toBe('body.where.type');
    expectEnvelope(await member.http.post('/api/v2/admin/users/getBatch', []), 400, 'InvalidArgument');
  });
});

describe('creating users', () => {
  it('org admin creates a user; the audit trail records it without the password', async () => {
    const body = newUser({ username: 'new.person', organizationAdmin: false });
    const res = await org.admin.http.post('/api/v2/admin/users', body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'new.person', email: body.email, givenName: 'New', familyName: 'Person', organization: org.orgRid, organizationAdmin: false });
    const session = await loginSession(ts, body.email, body.password);
    expect((await session.get('/api/v2/auth/session')).body.user.id).toBe(res.body.id);
    const [event] = (await auditEvents(ts, { category: 'user.create', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ actor_id: org.admin.userId, resource_rids: [res.body.id], details: expect.objectContaining({ passwordSet: true }) });
    expect(JSON.stringify(event)).not.toContain(body.password);
    expect(ts.logs()).not.toContain(body.password);
    const stored = await ts.server.platform.database.db.selectFrom('identity.users').select('password_hash').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored.password_hash).not.toContain(body.password);
  });

  it('refuses bad input with a 400 naming the problem, changing nothing', async () => {
    const before = await countRows(ts, 'identity.users');
    const post = (b: unknown) => org.admin.http.post('/api/v2/admin/users', b);
    expect(expectEnvelope(await post(newUser({ email: 'not-an-email' })), 400, 'InvalidArgument').parameters.field).toBe('body.email');
    expect(expectEnvelope(await post(newUser({ organizationAdmin: 'yes' })), 400, 'InvalidArgument').parameters.field).toBe('body.organizationAdmin');
    expect(expectEnvelope(await post(newUser({ role: 'admin' })), 400, 'InvalidArgument').parameters.field).toContain('role');
    expect(expectEnvelope(await post(newUser({ password: 'short' })), 400, 'PasswordTooShort').parameters).toMatchObject({ minLength: 12 });
    expect(expectEnvelope(await post(newUser({ givenName: 'bad\u0007name' })), 400, 'InvalidArgument').parameters.field).toBe('body.givenName');
    expect(expectEnvelope(await post({ givenName: 'No email' }), 400, 'InvalidArgument').parameters.field).toBe('body.email');
    expectEnvelope(await org.admin.http.post('/api/v2/admin/users', undefined, { raw: '{"email": "a@b.c",', headers: { 'content-type': 'application/json' } }), 400, 'MalformedRequestBody');
    expect(await countRows(ts, 'identity.users')).toBe(before);
  });

  it('refuses a duplicate email (case-insensitively, across orgs) or username with 409', async () => {
    const before = await countRows(ts, 'identity.users');
    expectEnvelope(await org.admin.http.post('/api/v2/admin/users', newUser({ email: member.email.toUpperCase() })), 409, 'EmailAlreadyExists');
    expectEnvelope(await other.admin.http.post('/api/v2/admin/users', newUser({ email: member.email })), 409, 'EmailAlreadyExists');
    expectEnvelope(await org.admin.http.post('/api/v2/admin/users', newUser({ username: member.email })), 409, 'UsernameAlreadyExists');
    expect(await countRows(ts, 'identity.users')).toBe(before);
  });

  it('only org admins with a write-scoped credential create users', async () => {
    const before = await countRows(ts, 'identity.users');
    expectEnvelope(await member.http.post('/api/v2/admin/users', newUser()), 403, 'OrganizationAdminRequired');
    const readOnly = (await org.admin.http.post('/api/v2/auth/tokens', { name: 'ro', expiresInDays: 1, scopes: ['api:admin-read'] })).body.token;
    expectEnvelope(await org.admin.http.withToken(readOnly).post('/api/v2/admin/users', newUser()), 403, 'MissingScope');
    expect(await countRows(ts, 'identity.users')).toBe(before);
  });
});

describe('updating users', () => {
  it('admin updates names and the admin flag', async () => {
    const u = await ts.createUser(org);
    const res = await org.admin.http.patch(`/api/v2/admin/users/${u.userId}`, { givenName: 'Renamed', familyName: null, organizationAdmin: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ givenName: 'Renamed', organizationAdmin: true });
    expect(res.body.familyName).toBeUndefined();
    // The new admin can now administer.
    expect((await u.http.post('/api/v2/admin/groups', { name: `by-${u.userId}`, organizations: [org.orgRid] })).status).toBe(200);
    const [event] = (await auditEvents(ts, { category: 'user.update', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ userId: u.userId, organizationAdmin: { from: false, to: true }, passwordReset: false });
  });

  it('resetting a password signs the user out of its sessions', async () => {
    const u = await ts.createUser(org);
    const session = await loginSession(ts, u.email, u.password);
    const res = await org.admin.http.patch(`/api/v2/admin/users/${u.userId}`, { password: 'a brand new password' });
    expect(res.status).toBe(200);
    expectEnvelope(await session.get('/api/v2/auth/session'), 401, 'SessionRevoked');
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: u.email, password: u.password }), 401, 'InvalidCredentials');
    expect((await loginSession(ts, u.email, 'a brand new password')).csrfToken).toEqual(expect.any(String));
    const [event] = (await auditEvents(ts, { category: 'user.update', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ passwordReset: true, sessionsRevoked: 1 });
    expect(JSON.stringify(event)).not.toContain('a brand new password');
  });

  it('refuses bad updates, non-admins and other orgs, changing nothing', async () => {
    const path = `/api/v2/admin/users/${member.userId}`;
    expectEnvelope(await org.admin.http.patch(path, { password: 'short' }), 400, 'PasswordTooShort');
    expect(expectEnvelope(await org.admin.http.patch(path, { status: 'DELETED' }), 400, 'InvalidArgument').parameters.field).toContain('status');
    expectEnvelope(await org.admin.http.patch(path, { email: org.admin.email }), 409, 'EmailAlreadyExists');
    expectEnvelope(await member.http.patch(path, { organizationAdmin: true }), 403, 'OrganizationAdminRequired');
    expectEnvelope(await other.admin.http.patch(path, { givenName: 'Hacked' }), 404, 'UserNotFound');
    expectEnvelope(await other.admin.http.patch(`/api/v2/admin/users/${MISSING}`, { givenName: 'Hacked' }), 404, 'UserNotFound');
    expect((await member.http.get('/api/v2/admin/users/getCurrent')).body).toMatchObject({ givenName: 'Ada', organizationAdmin: false, email: member.email });
  });

  it('keeps at least one admin in an organization', async () => {
    const solo = await ts.createOrg('Solo');
    expectEnvelope(await solo.admin.http.patch(`/api/v2/admin/users/${solo.admin.userId}`, { organizationAdmin: false }), 412, 'LastOrganizationAdmin');
    expectEnvelope(await solo.admin.http.delete(`/api/v2/admin/users/${solo.admin.userId}`), 412, 'LastOrganizationAdmin');
    expect((await solo.admin.http.get('/api/v2/admin/users/getCurrent')).body.organizationAdmin).toBe(true);
  });
});

describe('deleting users', () => {
  it('deletes a user: tokens, sessions and memberships end; email is free again', async () => {
    const u = await ts.createUser(org);
    const session = await loginSession(ts, u.email, u.password);
    const group = (await org.admin.http.post('/api/v2/admin/groups', { name: `g-${u.userId}`, organizations: [org.orgRid] })).body;
    await org.admin.http.post(`/api/v2/admin/groups/${group.id}/groupMembers/add`, { principalIds: [u.userId] });

    expectEnvelope(await other.admin.http.delete(`/api/v2/admin/users/${u.userId}`), 404, 'UserNotFound');
    expectEnvelope(await member.http.delete(`/api/v2/admin/users/${u.userId}`), 403, 'OrganizationAdminRequired');
    expect((await u.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);

    expect((await org.admin.http.delete(`/api/v2/admin/users/${u.userId}`)).status).toBe(204);
    expectEnvelope(await u.http.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    expectEnvelope(await session.get('/api/v2/auth/session'), 401, 'SessionRevoked');
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: u.email, password: u.password }), 401, 'InvalidCredentials');
    expect((await org.admin.http.get(`/api/v2/admin/groups/${group.id}/groupMembers`)).body.data).toEqual([]);
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/users/${u.userId}`), 404, 'UserNotFound');
    expect((await org.admin.http.get(`/api/v2/admin/users/${u.userId}?status=DELETED`)).body.status).toBe('DELETED');
    const deleted = await org.admin.http.get('/api/v2/admin/users?include=DELETED');
    expect(deleted.body.data.map((x: { id: string }) => x.id)).toContain(u.userId);
    expectEnvelope(await org.admin.http.delete(`/api/v2/admin/users/${u.userId}`), 404, 'UserNotFound');

    const again = await org.admin.http.post('/api/v2/admin/users', newUser({ email: u.email }));
    expect(again.status).toBe(200);
    expect(again.body.id).not.toBe(u.userId);
    const [event] = (await auditEvents(ts, { category: 'user.delete', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ userId: u.userId, tokensRevoked: 1, sessionsRevoked: 1, groupMembershipsRemoved: 1 });
  });

  it('lets a user revoke their own tokens but not someone else’s', async () => {
    const u = await ts.createUser(org);
    expectEnvelope(await u.http.post(`/api/v2/admin/users/${member.userId}/revokeAllTokens`), 403, 'OrganizationAdminRequired');
    expect((await member.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expect((await u.http.post(`/api/v2/admin/users/${u.userId}/revokeAllTokens`)).status).toBe(204);
    expectEnvelope(await u.http.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
  });
});

describe('principal directory', () => {
  it('resolves users and groups of one org only', async () => {
    const g = (await org.admin.http.post('/api/v2/admin/groups', { name: 'Directory', organizations: [org.orgRid] })).body;
    const dir = ts.server.platform.identity.directory;
    const r = await dir.resolve(org.orgRid, [member.userId, g.id, other.admin.userId, MISSING, 'junk']);
    expect(Object.fromEntries(r)).toEqual({ [member.userId]: 'USER', [g.id]: 'GROUP' });
    expect((await dir.resolve(other.orgRid, [member.userId, g.id])).size).toBe(0);
  });
});
