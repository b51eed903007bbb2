import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, expectEnvelope, startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { TestClock, auditEvents, countRows } from './identity.helpers.js';
import { TestBrowser, startTestIdp, type BrowserStep, type TestIdp } from './oidc-idp.fixture.js';

let ts: TestServer;
let idp: TestIdp;
let org: TestOrg;
let other: TestOrg;
const clock = new TestClock();
const idpClient = { clientId: `openfoundry-${randomBytes(4).toString('hex')}`, clientSecret: `idp-secret-${randomBytes(16).toString('hex')}` };
const secrets: string[] = [idpClient.clientSecret];
let providerId: string;

const CALLBACK = '/api/v2/auth/sso/callback';

function providerBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Corp SSO',
    issuer: idp.issuer,
    clientId: idpClient.clientId,
    clientSecret: idpClient.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    claimMapping: { groups: 'groups' },
    emailDomains: ['corp.test'],
    jitProvisioning: true,
    ...overrides,
  };
}

const isCallback = (u: URL) => u.origin === ts.url && u.pathname === CALLBACK;
const isHome = (u: URL) => u.origin === ts.url && u.pathname === '/';

/** Signs `sub` in through the IdP and returns the browser and the step where our server sent it home. */
async function ssoLogin(sub: string, id = providerId): Promise<{ browser: TestBrowser; step: BrowserStep; session: HttpClient }> {
  const browser = new TestBrowser();
  const step = await idp.signIn(browser, `${ts.url}/api/v2/auth/sso/${id}/login`, sub, { stopAt: isHome });
  const cookie = browser.cookie(ts.url, 'of_session');
  const session = new HttpClient(ts.url);
  if (cookie) {
    session.setCookie('of_session', cookie);
    secrets.push(cookie);
  }
  return { browser, step, session };
}

/** Runs a sign-in up to the IdP's redirect back to us, without following it. */
async function upToCallback(sub: string, browser = new TestBrowser()): Promise<{ browser: TestBrowser; callback: URL }> {
  const step = await idp.signIn(browser, `${ts.url}/api/v2/auth/sso/${providerId}/login`, sub, { stopAt: isCallback });
  expect(isCallback(step.url)).toBe(true);
  return { browser, callback: step.url };
}

async function sessionUser(session: HttpClient) {
  const res = await session.get('/api/v2/auth/session');
  expect(res.status).toBe(200);
  return res.body.user as { id: string; email?: string; username: string; givenName?: string; familyName?: string; realm: string };
}

async function groupsOf(userId: string): Promise<string[]> {
  const groups = (await org.admin.http.get('/api/v2/admin/groups?pageSize=1000')).body.data as Array<{ id: string; name: string; realm: string }>;
  const names: string[] = [];
  for (const g of groups) {
    const members = (await org.admin.http.get(`/api/v2/admin/groups/${g.id}/groupMembers`)).body.data as Array<{ principalId: string }>;
    if (members.some((m) => m.principalId === userId)) names.push(g.name);
  }
  return names.sort();
}

beforeAll(async () => {
  idp = await startTestIdp();
  ts = await startTestServer({ clock, env: { OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS: idp.host } });
  await idp.registerClient({ ...idpClient, redirectUris: [`${ts.url}${CALLBACK}`] });
  org = await ts.createOrg('SSO Org');
  other = await ts.createOrg('SSO Other');
  idp.accounts.set('alice-sub', { sub: 'alice-sub', email: 'alice@corp.test', email_verified: true, given_name: 'Alice', family_name: 'Doe', preferred_username: 'alice', groups: ['Engineering', 'Ops'] });
  const res = await org.admin.http.post('/api/v2/admin/identityProviders', providerBody());
  expect(res.status).toBe(200);
  providerId = res.body.id;
});
afterAll(async () => {
  await ts?.close();
  await idp?.close();
});

describe('identity providers (org admins)', () => {
  it('stores the client secret encrypted and never returns it', async () => {
    const got = await org.admin.http.get(`/api/v2/admin/identityProviders/${providerId}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: providerId,
      name: 'Corp SSO',
      issuer: idp.issuer,
      clientId: idpClient.clientId,
      clientSecretSet: true,
      scopes: ['openid', 'email', 'profile', 'groups'],
      claimMapping: { email: 'email', username: 'preferred_username', givenName: 'given_name', familyName: 'family_name', groups: 'groups' },
      showOnLoginPage: true,
      emailDomains: ['corp.test'],
      jitProvisioning: true,
      callbackUrl: `${ts.url}${CALLBACK}`,
    });
    expect(got.text).not.toContain(idpClient.clientSecret);
    const list = await org.admin.http.get('/api/v2/admin/identityProviders');
    expect(list.text).not.toContain(idpClient.clientSecret);
    const row = await ts.server.platform.database.db.selectFrom('identity.identity_providers').select('client_secret_enc').where('id', '=', providerId).executeTakeFirstOrThrow();
    expect(row.client_secret_enc).toMatch(/^v1\./);
    expect(row.client_secret_enc).not.toContain(idpClient.clientSecret);
    expect(row.client_secret_enc).not.toContain(Buffer.from(idpClient.clientSecret).toString('base64url'));
    const [event] = await auditEvents(ts, { category: 'identity_provider.create', orgRid: org.orgRid });
    expect(event).toMatchObject({ actor_id: org.admin.userId, details: expect.objectContaining({ identityProviderId: providerId, issuer: idp.issuer }) });
  });

  const BAD: Array<[string, Record<string, unknown>, string]> = [
    ['an http issuer that is not allow-listed', { issuer: 'http://idp.example.test' }, 'issuer'],
    ['an issuer with a query', { issuer: 'https://idp.example.test/?a=b' }, 'issuer'],
    ['a relative issuer', { issuer: 'idp.example.test' }, 'issuer'],
    ['scopes without openid', { scopes: ['email'] }, 'scopes'],
    ['a scope with a space', { scopes: ['openid', 'a b'] }, 'scopes'],
    ['a malformed email domain', { emailDomains: ['not a domain'] }, 'emailDomains'],
  ];
  it.each(BAD)('refuses %s, naming the field, and stores nothing', async (_label, change, field) => {
    const before = await countRows(ts, 'identity.identity_providers');
    const e = expectEnvelope(await org.admin.http.post('/api/v2/admin/identityProviders', providerBody(change)), 400, 'InvalidIdentityProvider');
    expect(e.parameters.parameter).toBe(field);
    expect(await countRows(ts, 'identity.identity_providers')).toBe(before);
  });

  it('refuses unknown fields and a missing secret', async () => {
    const extra = expectEnvelope(await org.admin.http.post('/api/v2/admin/identityProviders', { ...providerBody(), orgRid: other.orgRid }), 400, 'InvalidArgument');
    expect(extra.parameters.field).toBe('body.orgRid');
    const { clientSecret: _omit, ...noSecret } = providerBody();
    const missing = expectEnvelope(await org.admin.http.post('/api/v2/admin/identityProviders', noSecret), 400, 'InvalidArgument');
    expect(missing.parameters.field).toBe('body.clientSecret');
  });

  it('updates settings and keeps the secret unless a new one is given', async () => {
    const created = (await org.admin.http.post('/api/v2/admin/identityProviders', providerBody({ name: 'Temp', showOnLoginPage: false }))).body;
    const { clientSecret: _keep, ...rest } = providerBody({ name: 'Renamed', showOnLoginPage: false });
    const updated = await org.admin.http.put(`/api/v2/admin/identityProviders/${created.id}`, rest);
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('Renamed');
    const rows = await ts.server.platform.database.db.selectFrom('identity.identity_providers').select(['id', 'client_secret_enc']).where('id', 'in', [created.id]).execute();
    expect(rows[0]!.client_secret_enc).toMatch(/^v1\./);
    const [event] = (await auditEvents(ts, { category: 'identity_provider.update', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ clientSecretChanged: false, name: 'Renamed' });
    expect((await org.admin.http.delete(`/api/v2/admin/identityProviders/${created.id}`)).status).toBe(204);
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/identityProviders/${created.id}`), 404, 'IdentityProviderNotFound');
  });

  it('is invisible to another organization, exactly like a missing provider', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [providerId, missing]) {
      const e = expectEnvelope(await other.admin.http.get(`/api/v2/admin/identityProviders/${id}`), 404, 'IdentityProviderNotFound');
      expect(e.parameters).toEqual({ identityProviderId: id });
      expectEnvelope(await other.admin.http.put(`/api/v2/admin/identityProviders/${id}`, providerBody()), 404, 'IdentityProviderNotFound');
      expectEnvelope(await other.admin.http.delete(`/api/v2/admin/identityProviders/${id}`), 404, 'IdentityProviderNotFound');
    }
    expect((await other.admin.http.get('/api/v2/admin/identityProviders')).body.data).toEqual([]);
    expectEnvelope(await org.admin.http.get('/api/v2/admin/identityProviders/not-a-uuid'), 400, 'InvalidArgument');
  });

  it('is for org admins only', async () => {
    const member = await ts.createUser(org);
    expectEnvelope(await member.http.get('/api/v2/admin/identityProviders'), 403, 'OrganizationAdminRequired');
    expectEnvelope(await member.http.post('/api/v2/admin/identityProviders', providerBody()), 403, 'OrganizationAdminRequired');
  });
});

describe('sign-in page buttons', () => {
  it('lists shown providers, and hidden ones only for their email domain', async () => {
    const hidden = (await org.admin.http.post('/api/v2/admin/identityProviders', providerBody({ name: 'Hidden SSO', showOnLoginPage: false, emailDomains: ['hidden.test'] }))).body;
    const plain = await ts.anonymous.get('/api/v2/auth/sso/providers');
    expect(plain.status).toBe(200);
    expect(plain.body.data).toContainEqual({ id: providerId, name: 'Corp SSO', loginUrl: `/api/v2/auth/sso/${providerId}/login` });
    expect(plain.body.data.map((p: { id: string }) => p.id)).not.toContain(hidden.id);
    const byEmail = await ts.anonymous.get('/api/v2/auth/sso/providers?email=someone%40Hidden.test');
    expect(byEmail.body.data.map((p: { id: string }) => p.id)).toContain(hidden.id);
    expect(plain.text).not.toContain(idpClient.clientId);
    await org.admin.http.delete(`/api/v2/admin/identityProviders/${hidden.id}`);
  });
});

describe('single sign-on', () => {
  let aliceId: string;

  it('signs a new person in: PKCE at the IdP, a just-in-time user, its groups and a session', async () => {
    const usersBefore = await countRows(ts, 'identity.users');
    const { step, session, browser } = await ssoLogin('alice-sub');
    expect(isHome(step.url)).toBe(true);
    const request = idp.authorizationRequests.at(-1)!;
    expect(request.get('code_challenge_method')).toBe('S256');
    expect(request.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(request.get('nonce')).toEqual(expect.any(String));
    expect(request.get('redirect_uri')).toBe(`${ts.url}${CALLBACK}`);
    expect(browser.cookie(ts.url, 'of_sso')).toBeUndefined();

    const user = await sessionUser(session);
    aliceId = user.id;
    expect(user).toMatchObject({ email: 'alice@corp.test', username: 'alice', givenName: 'Alice', familyName: 'Doe', realm: `oidc:${providerId}` });
    expect(await countRows(ts, 'identity.users')).toBe(usersBefore + 1);
    expect(await groupsOf(aliceId)).toEqual(['Engineering', 'Ops']);

    const [login] = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'success').slice(-1);
    expect(login).toMatchObject({ actor_id: aliceId, details: expect.objectContaining({ method: 'oidc', identityProviderId: providerId, linkedBy: 'created' }) });
    expect((await auditEvents(ts, { category: 'group.create', orgRid: org.orgRid })).length).toBe(2);
    const [started] = (await auditEvents(ts, { category: 'auth.sso_start', orgRid: org.orgRid })).slice(-1);
    expect(started!.details).toMatchObject({ method: 'oidc', identityProviderId: providerId });

    // The session is a normal browser session: writes need its CSRF token.
    const s = await session.get('/api/v2/auth/session');
    session.csrfToken = s.body.csrfToken;
    secrets.push(s.body.csrfToken);
    expect((await session.post('/api/v2/auth/logout')).status).toBe(204);
  });

  it('links the second sign-in to the same user and follows group changes', async () => {
    idp.accounts.set('alice-sub', { ...idp.accounts.get('alice-sub')!, groups: ['Engineering', 'Research'], family_name: 'Smith' });
    const usersBefore = await countRows(ts, 'identity.users');
    const { session } = await ssoLogin('alice-sub');
    const user = await sessionUser(session);
    expect(user.id).toBe(aliceId);
    expect(user.familyName).toBe('Smith');
    expect(await countRows(ts, 'identity.users')).toBe(usersBefore);
    expect(await groupsOf(aliceId)).toEqual(['Engineering', 'Research']);
    const [login] = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'success').slice(-1);
    expect(login!.details).toMatchObject({ linkedBy: 'subject' });
  });

  it('never joins a group of the same name that is managed locally', async () => {
    const local = await org.admin.http.post('/api/v2/admin/groups', { name: 'Admins', organizations: [org.orgRid], attributes: {} });
    expect(local.status).toBe(200);
    idp.accounts.set('alice-sub', { ...idp.accounts.get('alice-sub')!, groups: ['Engineering', 'admins'] });
    await ssoLogin('alice-sub');
    expect(await groupsOf(aliceId)).toEqual(['Engineering']);
  });

  it('links an existing account by verified email in the provider’s organization', async () => {
    const bob = await org.admin.http.post('/api/v2/admin/users', { email: 'bob@corp.test', givenName: 'Bob', familyName: 'Local' });
    idp.accounts.set('bob-sub', { sub: 'bob-sub', email: 'Bob@Corp.test', email_verified: true, given_name: 'Robert', groups: [] });
    const { session } = await ssoLogin('bob-sub');
    const user = await sessionUser(session);
    expect(user.id).toBe(bob.body.id);
    // A local account keeps its own profile.
    expect(user.givenName).toBe('Bob');
    const [login] = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'success').slice(-1);
    expect(login!.details).toMatchObject({ linkedBy: 'email' });
  });

  it('refuses to link an unverified email, an email of another organization, or an email outside the domains', async () => {
    await org.admin.http.post('/api/v2/admin/users', { email: 'carol@corp.test' });
    idp.accounts.set('carol-sub', { sub: 'carol-sub', email: 'carol@corp.test', email_verified: false });
    await other.admin.http.post('/api/v2/admin/users', { email: 'dave@corp.test' });
    idp.accounts.set('dave-sub', { sub: 'dave-sub', email: 'dave@corp.test', email_verified: true });
    idp.accounts.set('eve-sub', { sub: 'eve-sub', email: 'eve@elsewhere.test', email_verified: true });
    const usersBefore = await countRows(ts, 'identity.users');
    for (const [sub, status, errorName] of [
      ['carol-sub', 403, 'SsoEmailNotVerified'],
      ['dave-sub', 409, 'SsoAccountConflict'],
      ['eve-sub', 403, 'SsoEmailDomainNotAllowed'],
    ] as const) {
      const { step, browser } = await ssoLogin(sub);
      expect(isCallback(step.url)).toBe(true);
      expect(JSON.parse(step.body)).toMatchObject({ errorName });
      expect(step.status).toBe(status);
      expect(browser.cookie(ts.url, 'of_session')).toBeUndefined();
    }
    expect(await countRows(ts, 'identity.users')).toBe(usersBefore);
    const failures = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'failure').map((e) => e.details.reason);
    expect(failures).toEqual(expect.arrayContaining(['SsoEmailNotVerified', 'SsoAccountConflict', 'SsoEmailDomainNotAllowed']));
  });

  it('creates nobody when just-in-time provisioning is off, and sends browsers back to the sign-in page', async () => {
    const strict = (await org.admin.http.post('/api/v2/admin/identityProviders', providerBody({ name: 'Strict', jitProvisioning: false }))).body;
    idp.accounts.set('frank-sub', { sub: 'frank-sub', email: 'frank@corp.test', email_verified: true });
    const json = await ssoLogin('frank-sub', strict.id);
    expect(json.step.status).toBe(403);
    expect(JSON.parse(json.step.body)).toMatchObject({ errorCode: 'PERMISSION_DENIED', errorName: 'SsoAccountNotFound' });

    // A browser asks for HTML: it lands on the sign-in page with the error's name.
    const browser = new TestBrowser();
    const callback = (await idp.signIn(browser, `${ts.url}/api/v2/auth/sso/${strict.id}/login`, 'frank-sub', { stopAt: isCallback })).url;
    const res = await fetch(callback, { headers: { accept: 'text/html', cookie: `of_sso=${browser.cookie(ts.url, 'of_sso')}` }, redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?ssoError=SsoAccountNotFound');
  });

  it('rejects a tampered, replayed, expired or foreign-browser state', async () => {
    const { browser, callback } = await upToCallback('alice-sub');
    const binding = browser.cookie(ts.url, 'of_sso')!;
    secrets.push(binding, callback.searchParams.get('code')!, callback.searchParams.get('state')!);
    const send = (u: URL, cookie?: string) => fetch(u, { headers: cookie ? { cookie: `of_sso=${cookie}` } : {}, redirect: 'manual' }).then(async (r) => ({ status: r.status, body: await r.json() }));

    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'forged-state');
    const t = await send(tampered, binding);
    expect([t.status, t.body.errorName, t.body.parameters.reason]).toEqual([400, 'SsoStateInvalid', 'unknown']);
    const missing = new URL(callback);
    missing.searchParams.delete('state');
    expect((await send(missing, binding)).body.parameters.reason).toBe('missing');

    // Another browser (no binding cookie) cannot finish this sign-in, and burns the state trying.
    const foreign = await send(callback);
    expect([foreign.status, foreign.body.parameters.reason]).toEqual([400, 'browser_mismatch']);
    expect((await send(callback, binding)).body.parameters.reason).toBe('already_used');

    const late = await upToCallback('alice-sub');
    clock.advance(11 * 60_000);
    try {
      expect((await send(late.callback, late.browser.cookie(ts.url, 'of_sso'))).body.parameters.reason).toBe('expired');
    } finally {
      clock.advance(-11 * 60_000);
    }
  });

  it('rejects an ID token whose nonce is not the one this sign-in sent', async () => {
    const browser = new TestBrowser();
    const start = await browser.request('GET', `${ts.url}/api/v2/auth/sso/${providerId}/login`);
    expect(start.status).toBe(302);
    const toIdp = new URL(start.location!);
    expect(toIdp.origin).toBe(idp.issuer);
    toIdp.searchParams.set('nonce', 'attacker-chosen-nonce');
    const step = await idp.signIn(browser, toIdp.href, 'alice-sub', { stopAt: isHome });
    expect(isCallback(step.url)).toBe(true);
    const e = JSON.parse(step.body);
    expect([step.status, e.errorName]).toEqual([400, 'SsoTokenValidationFailed']);
    expect(e.parameters.reason).toMatch(/nonce/);
    expect(browser.cookie(ts.url, 'of_session')).toBeUndefined();
  });

  it('reports the IdP’s refusal', async () => {
    const browser = new TestBrowser();
    const step = await idp.signIn(browser, `${ts.url}/api/v2/auth/sso/${providerId}/login`, 'alice-sub', { stopAt: isHome, deny: true });
    const e = JSON.parse(step.body);
    expect([step.status, e.errorName, e.parameters.error]).toEqual([403, 'SsoLoginRejected', 'access_denied']);
  });

  it('fetches issuers only through the outbound guard', async () => {
    const internal = (await org.admin.http.post('/api/v2/admin/identityProviders', providerBody({ name: 'Internal', issuer: 'https://127.0.0.1:9' }))).body;
    const res = await ts.anonymous.get(`/api/v2/auth/sso/${internal.id}/login`);
    const e = expectEnvelope(res, 400, 'OutboundUrlNotAllowed');
    expect(e.parameters).toMatchObject({ host: '127.0.0.1:9', blockReason: 'loopback' });
    expectEnvelope(await ts.anonymous.get('/api/v2/auth/sso/00000000-0000-4000-8000-000000000000/login'), 404, 'IdentityProviderNotFound');
  });

  it('drops subject links when the issuer changes: subjects are unique per issuer only', async () => {
    const { clientSecret: _keep, ...settings } = providerBody();
    const moved = await org.admin.http.put(`/api/v2/admin/identityProviders/${providerId}`, { ...settings, issuer: 'https://other-idp.example.test' });
    expect(moved.status).toBe(200);
    const [event] = (await auditEvents(ts, { category: 'identity_provider.update', orgRid: org.orgRid })).slice(-1);
    expect(event!.details.linksRemoved).toBeGreaterThan(0);
    expect((await org.admin.http.put(`/api/v2/admin/identityProviders/${providerId}`, settings)).status).toBe(200);
    const { session } = await ssoLogin('alice-sub');
    expect((await sessionUser(session)).id).toBe(aliceId);
    const [login] = (await auditEvents(ts, { category: 'auth.login', orgRid: org.orgRid })).filter((e) => e.outcome === 'success').slice(-1);
    expect(login!.details).toMatchObject({ linkedBy: 'email' });
  });

  it('keeps the IdP client secret, codes, states and session cookies out of logs and audit', async () => {
    const logs = ts.logs();
    const audit = JSON.stringify(await auditEvents(ts));
    expect(logs).toContain(CALLBACK);
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      expect(audit).not.toContain(s);
    }
  });
});
