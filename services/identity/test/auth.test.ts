import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, expectEnvelope, loginSession, startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { DAY, HOUR, TestClock, auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
const clock = new TestClock();
/** Every secret this file handled, to prove none reached the logs. */
const secrets: string[] = [];

beforeAll(async () => {
  ts = await startTestServer({ clock });
  org = await ts.createOrg('Auth Org');
  other = await ts.createOrg('Auth Other');
  secrets.push(org.admin.password, org.admin.token, other.admin.token);
});
afterAll(async () => {
  await ts?.close();
});

describe('password sign-in and sessions', () => {
  it('signs in, sets a hardened session cookie and returns the CSRF token', async () => {
    const client = new HttpClient(ts.url);
    const res = await client.post('/api/v2/auth/login', { email: org.admin.email.toUpperCase(), password: org.admin.password });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: org.admin.userId, email: org.admin.email });
    expect(res.body.csrfToken).toEqual(expect.any(String));
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('of_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i); // http:// public URL
    secrets.push(cookie.split(';')[0]!.split('=')[1]!, res.body.csrfToken);

    client.csrfToken = res.body.csrfToken;
    const session = await client.get('/api/v2/auth/session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ user: expect.objectContaining({ id: org.admin.userId }), organization: { rid: org.orgRid, name: 'Auth Org' }, csrfToken: res.body.csrfToken });
    const [event] = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'success');
    expect(event).toMatchObject({ actor_kind: 'user', actor_id: org.admin.userId, details: expect.objectContaining({ method: 'password' }) });
  });

  it('requires the CSRF token on cookie-authenticated writes but not on bearer requests', async () => {
    const client = await loginSession(ts, org.admin.email, org.admin.password);
    const before = await countRows(ts, 'identity.groups');
    const missing = await client.post('/api/v2/admin/groups', { name: 'Csrf', organizations: [org.orgRid] }, { csrf: false });
    expectEnvelope(missing, 403, 'InvalidCsrfToken');
    const wrong = await client.post('/api/v2/admin/groups', { name: 'Csrf', organizations: [org.orgRid] }, { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expectEnvelope(wrong, 403, 'InvalidCsrfToken');
    expect(await countRows(ts, 'identity.groups')).toBe(before);
    // Reads need no CSRF token.
    expect((await client.get('/api/v2/admin/groups')).status).toBe(200);
    const ok = await client.post('/api/v2/admin/groups', { name: 'Csrf', organizations: [org.orgRid] });
    expect(ok.status).toBe(200);
    const bearer = await org.admin.http.post('/api/v2/admin/groups', { name: 'Bearer no csrf', organizations: [org.orgRid] });
    expect(bearer.status).toBe(200);
  });

  it('fails a sign-in with the same error whether the account exists or not', async () => {
    const wrong = await ts.anonymous.post('/api/v2/auth/login', { email: org.admin.email, password: 'not the password at all' });
    const unknown = await ts.anonymous.post('/api/v2/auth/login', { email: 'nobody-here@example.test', password: 'not the password at all' });
    const a = expectEnvelope(wrong, 401, 'InvalidCredentials');
    const b = expectEnvelope(unknown, 401, 'InvalidCredentials');
    expect({ ...a, errorInstanceId: '' }).toEqual({ ...b, errorInstanceId: '' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(unknown.headers.get('set-cookie')).toBeNull();

    const known = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'failure');
    expect(known.at(-1)).toMatchObject({ actor_kind: 'anonymous', details: expect.objectContaining({ reason: 'wrong_password' }) });
    const platform = await auditEvents(ts, { category: 'auth.login', orgRid: null });
    expect(platform.at(-1)).toMatchObject({ chain: 'platform', outcome: 'failure', details: expect.objectContaining({ email: 'nobody-here@example.test', reason: 'unknown_account' }) });
    expect(JSON.stringify(platform)).not.toContain('not the password at all');
  });

  it('rejects malformed sign-in bodies with a 400 naming the field', async () => {
    expect(expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: org.admin.email }), 400, 'InvalidArgument').parameters.field).toBe('body.password');
    expect(expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: 1, password: 'x' }), 400, 'InvalidArgument').parameters.field).toBe('body.email');
    const extra = await ts.anonymous.post('/api/v2/auth/login', { email: org.admin.email, password: 'x', remember: true });
    expect(expectEnvelope(extra, 400, 'InvalidArgument').parameters.field).toContain('remember');
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', undefined, { raw: '{"email":', headers: { 'content-type': 'application/json' } }), 400, 'MalformedRequestBody');
  });

  it('signs out one session; the old cookie no longer works', async () => {
    const client = await loginSession(ts, org.admin.email, org.admin.password);
    const cookie = client.cookieHeader();
    const out = await client.post('/api/v2/auth/logout');
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join(';')).toMatch(/of_session=;/);
    const stale = new HttpClient(ts.url);
    stale.setCookie('of_session', cookie.replace(/^of_session=/, ''));
    expectEnvelope(await stale.get('/api/v2/auth/session'), 401, 'SessionRevoked');
    expect((await auditEvents(ts, { category: 'auth.logout', orgRid: org.orgRid })).length).toBeGreaterThan(0);
  });

  it('refuses sign-out without the CSRF token (a forged cross-site sign-out)', async () => {
    const client = await loginSession(ts, org.admin.email, org.admin.password);
    expectEnvelope(await client.post('/api/v2/auth/logout', undefined, { csrf: false }), 403, 'InvalidCsrfToken');
    expect((await client.get('/api/v2/auth/session')).status).toBe(200);
  });

  it('signs out everywhere: every other session dies too, tokens survive', async () => {
    const a = await loginSession(ts, org.admin.email, org.admin.password);
    const b = await loginSession(ts, org.admin.email, org.admin.password);
    const otherOrgSession = await loginSession(ts, other.admin.email, other.admin.password);
    expect((await b.post('/api/v2/auth/logoutEverywhere')).status).toBe(204);
    expectEnvelope(await a.get('/api/v2/auth/session'), 401, 'SessionRevoked');
    expectEnvelope(await b.get('/api/v2/auth/session'), 401);
    expect((await otherOrgSession.get('/api/v2/auth/session')).status).toBe(200);
    expect((await org.admin.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    const [event] = (await auditEvents(ts, { category: 'auth.logout_everywhere', orgRid: org.orgRid })).slice(-1);
    expect(event!.details.sessionsRevoked).toBeGreaterThanOrEqual(2);
  });

  it('expires sessions after the configured lifetime', async () => {
    const client = await loginSession(ts, org.admin.email, org.admin.password);
    clock.advance(ts.config.sessionTtlMs + 1000);
    try {
      expectEnvelope(await client.get('/api/v2/auth/session'), 401, 'SessionExpired');
    } finally {
      clock.advance(-(ts.config.sessionTtlMs + 1000));
    }
  });

  it('ignores a garbage cookie on public routes and refuses it on guarded ones', async () => {
    const c = new HttpClient(ts.url);
    c.setCookie('of_session', 'garbage');
    expectEnvelope(await c.get('/api/v2/auth/session'), 401, 'InvalidSession');
    expect((await c.post('/api/v2/auth/login', { email: org.admin.email, password: org.admin.password })).status).toBe(200);
  });
});

describe('personal access tokens', () => {
  it('creates a token shown once, lists it without the secret, and uses it', async () => {
    const res = await org.admin.http.post('/api/v2/auth/tokens', { name: 'ci', expiresInDays: 7, scopes: ['api:admin-read'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'ci', scopes: ['api:admin-read'], status: 'ACTIVE', token: expect.stringMatching(/^ofpat_/) });
    secrets.push(res.body.token);
    const list = await org.admin.http.get('/api/v2/auth/tokens');
    expect(list.status).toBe(200);
    const listed = list.body.data.find((t: { id: string }) => t.id === res.body.id);
    expect(listed).toMatchObject({ name: 'ci', scopes: ['api:admin-read'], status: 'ACTIVE' });
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    const me = await org.admin.http.withToken(res.body.token).get('/api/v2/admin/users/getCurrent');
    expect(me.body.id).toBe(org.admin.userId);
    const [event] = (await auditEvents(ts, { category: 'token.create', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ tokenId: res.body.id, name: 'ci', scopes: ['api:admin-read'] });
    expect(JSON.stringify(event)).not.toContain(res.body.token);
  });

  it('limits a token to its scopes', async () => {
    const read = (await org.admin.http.post('/api/v2/auth/tokens', { name: 'read only', expiresInDays: 1, scopes: ['api:admin-read'] })).body.token as string;
    secrets.push(read);
    const client = org.admin.http.withToken(read);
    expect((await client.get('/api/v2/admin/groups')).status).toBe(200);
    const before = await countRows(ts, 'identity.groups');
    const write = await client.post('/api/v2/admin/groups', { name: 'Scoped', organizations: [org.orgRid] });
    expect(expectEnvelope(write, 403, 'MissingScope').parameters).toEqual({ requiredScope: 'api:admin-write' });
    expect(await countRows(ts, 'identity.groups')).toBe(before);
    // A scoped credential cannot mint a broader one.
    expectEnvelope(await client.post('/api/v2/auth/tokens', { name: 'escalate', expiresInDays: 1, scopes: ['api:admin-write'] }), 403, 'ScopeNotHeld');
    const narrower = await client.post('/api/v2/auth/tokens', { name: 'same', expiresInDays: 1 });
    expect(narrower.body.scopes).toEqual(['api:admin-read']);
    secrets.push(narrower.body.token);
  });

  it('rejects bad token requests and changes nothing', async () => {
    const before = await countRows(ts, 'identity.tokens');
    const http = org.admin.http;
    expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x' }), 400, 'InvalidExpiration');
    expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresInDays: 1, expiresAt: new Date(Date.now() + DAY).toISOString() }), 400, 'InvalidExpiration');
    expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresAt: new Date(Date.now() - DAY).toISOString() }), 400, 'InvalidExpiration');
    expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresAt: new Date(Date.now() + 400 * DAY).toISOString() }), 400, 'InvalidExpiration');
    expect(expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresInDays: 1, scopes: ['api:everything'] }), 400, 'InvalidArgument').parameters.field).toMatch(/^body\.scopes/);
    expect(expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresInDays: '1' }), 400, 'InvalidArgument').parameters.field).toBe('body.expiresInDays');
    expect(expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresInDays: 1, owner: 'me' }), 400, 'InvalidArgument').parameters.field).toContain('owner');
    expectEnvelope(await http.post('/api/v2/auth/tokens', { name: 'x', expiresInDays: 1, scopes: ['offline_access'] }), 400, 'InvalidScope');
    expect(await countRows(ts, 'identity.tokens')).toBe(before);
  });

  it('revokes a token: it then fails with TokenRevoked', async () => {
    const t = (await org.admin.http.post('/api/v2/auth/tokens', { name: 'to revoke', expiresInDays: 1 })).body;
    secrets.push(t.token);
    const client = org.admin.http.withToken(t.token);
    expect((await client.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    // Another org's admin cannot see or revoke it.
    expectEnvelope(await other.admin.http.post(`/api/v2/auth/tokens/${t.id}/revoke`), 404, 'TokenNotFound');
    expectEnvelope(await other.admin.http.post(`/api/v2/auth/tokens/00000000-0000-4000-8000-000000000000/revoke`), 404, 'TokenNotFound');
    expect((await client.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expect((await org.admin.http.post(`/api/v2/auth/tokens/${t.id}/revoke`)).status).toBe(204);
    expectEnvelope(await client.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    const listed = (await org.admin.http.get('/api/v2/auth/tokens')).body.data.find((x: { id: string }) => x.id === t.id);
    expect(listed.status).toBe('REVOKED');
    const [event] = (await auditEvents(ts, { category: 'token.revoke', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ tokenId: t.id, wasLive: true });
  });

  it('expired and unknown tokens fail with clear errors', async () => {
    const t = (await org.admin.http.post('/api/v2/auth/tokens', { name: 'short', expiresAt: new Date(clock.now().getTime() + HOUR).toISOString() })).body;
    secrets.push(t.token);
    const client = org.admin.http.withToken(t.token);
    expect((await client.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    clock.advance(2 * HOUR);
    try {
      expectEnvelope(await client.get('/api/v2/admin/users/getCurrent'), 401, 'TokenExpired');
    } finally {
      clock.advance(-2 * HOUR);
    }
    expectEnvelope(await org.admin.http.withToken('ofpat_not-a-real-token').get('/api/v2/admin/users/getCurrent'), 401, 'InvalidToken');
    expectEnvelope(await org.admin.http.withToken('x').get('/api/v2/admin/users/getCurrent'), 401, 'InvalidToken');
  });

  it('pages through the token list', async () => {
    const u = await ts.createUser(org);
    for (let i = 0; i < 3; i++) secrets.push((await u.http.post('/api/v2/auth/tokens', { name: `t${i}`, expiresInDays: 1 })).body.token);
    const first = await u.http.get('/api/v2/auth/tokens?pageSize=2');
    expect(first.body.data).toHaveLength(2);
    const second = await u.http.get(`/api/v2/auth/tokens?pageSize=2&pageToken=${first.body.nextPageToken}`);
    // 3 created here + the testkit's own token.
    expect(second.body.data).toHaveLength(2);
    expect(second.body.nextPageToken).toBeUndefined();
    const ids = [...first.body.data, ...second.body.data].map((t: { id: string }) => t.id);
    expect(new Set(ids).size).toBe(4);
    expectEnvelope(await u.http.get('/api/v2/auth/tokens?pageToken=nope!'), 400, 'InvalidPageToken');
  });

  it('revokeAllTokens ends tokens and sessions of the user', async () => {
    const u = await ts.createUser(org);
    const session = await loginSession(ts, u.email, u.password);
    expect((await session.get('/api/v2/auth/session')).status).toBe(200);
    // Another org's admin: 404, nothing revoked.
    expectEnvelope(await other.admin.http.post(`/api/v2/admin/users/${u.userId}/revokeAllTokens?preview=true`), 404, 'UserNotFound');
    expect((await u.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expect((await org.admin.http.post(`/api/v2/admin/users/${u.userId}/revokeAllTokens?preview=true`)).status).toBe(204);
    expectEnvelope(await u.http.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    expectEnvelope(await session.get('/api/v2/auth/session'), 401, 'SessionRevoked');
    const [event] = (await auditEvents(ts, { category: 'user.revoke_all_tokens', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ actor_id: org.admin.userId, details: expect.objectContaining({ userId: u.userId, tokensRevoked: 1, sessionsRevoked: 1 }) });
  });
});

describe('logs', () => {
  it('never contain passwords, tokens, cookies or CSRF tokens', () => {
    const logs = ts.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs).not.toContain(s);
  });
});
