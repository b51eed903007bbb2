import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfidentialOauthClient } from '@osdk/oauth';
import { createPlatformClient } from '@osdk/client';
import { Users } from '@osdk/foundry.admin';
import { HttpClient, expectEnvelope, loginSession, startTestServer, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { TestClock, auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let alice: TestUser;
let otherUser: TestUser;
const clock = new TestClock();
/** Every secret this file handled, to prove none reached the logs or the audit trail. */
const secrets: string[] = [];

const REDIRECT = 'http://127.0.0.1:43110/callback';

interface Client {
  clientId: string;
  clientSecret?: string;
  serviceUserId?: string;
}

async function createClient(o: TestOrg, body: Record<string, unknown>): Promise<Client> {
  const res = await o.admin.http.post('/api/v2/admin/oauthClients', body);
  if (res.status !== 200) throw new Error(`client create failed: ${res.status} ${res.text}`);
  if (res.body.clientSecret) secrets.push(res.body.clientSecret);
  return res.body;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  secrets.push(verifier);
  return { verifier, challenge };
}

/** POSTs a form to an OAuth endpoint and returns status, parsed JSON and headers. */
async function form(path: string, params: Record<string, string>, init: { basic?: [string, string]; contentType?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' };
  if (init.basic) {
    const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(init.basic[0])}:${enc(init.basic[1])}`).toString('base64')}`;
  }
  const res = await fetch(`${ts.url}${path}`, { method: 'POST', headers, body: init.raw ?? new URLSearchParams(params).toString() });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  for (const k of ['access_token', 'refresh_token'] as const) if (body?.[k]) secrets.push(body[k]);
  return { status: res.status, body, headers: res.headers };
}

const token = (params: Record<string, string>, init?: Parameters<typeof form>[2]) => form('/multipass/api/oauth2/token', params, init);
const revoke = (params: Record<string, string>, init?: Parameters<typeof form>[2]) => form('/multipass/api/oauth2/revoke_token', params, init);

function authorizeQuery(clientId: string, challenge: string | undefined, extra: Record<string, string> = {}) {
  const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'api:admin-read offline_access', state: 'st-' + randomBytes(6).toString('hex') });
  if (challenge) {
    q.set('code_challenge', challenge);
    q.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}

/** Runs authorize → consent for a signed-in browser and returns the code and state. */
async function approve(browser: HttpClient, query: URLSearchParams) {
  const authorize = await browser.get(`/multipass/api/oauth2/authorize?${query}`);
  expect(authorize.status).toBe(302);
  const consentUrl = new URL(authorize.headers.get('location')!, ts.url);
  expect(consentUrl.pathname).toBe('/oauth/consent');
  const res = await browser.post('/api/v2/auth/oauth/consent', {
    clientId: query.get('client_id'),
    redirectUri: query.get('redirect_uri'),
    scope: query.get('scope'),
    state: query.get('state'),
    ...(query.get('code_challenge') ? { codeChallenge: query.get('code_challenge'), codeChallengeMethod: 'S256' } : {}),
    approve: true,
  });
  expect(res.status).toBe(200);
  const back = new URL(res.body.redirectUrl);
  const code = back.searchParams.get('code')!;
  secrets.push(code);
  return { code, state: back.searchParams.get('state'), back };
}

let pub: Client;
let browser: HttpClient;

beforeAll(async () => {
  ts = await startTestServer({ clock });
  org = await ts.createOrg('OAuth Flow Org');
  other = await ts.createOrg('OAuth Flow Other');
  alice = await ts.createUser(org, { givenName: 'Alice', familyName: 'Liddell' });
  otherUser = await ts.createUser(other);
  secrets.push(alice.password, alice.token, org.admin.token);
  pub = await createClient(org, {
    name: 'Notebook',
    type: 'PUBLIC',
    redirectUris: [REDIRECT],
    allowedScopes: ['api:admin-read', 'offline_access'],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  browser = await loginSession(ts, alice.email, alice.password);
  secrets.push(browser.csrfToken!);
});
afterAll(async () => {
  await ts?.close();
});

describe('client credentials with Palantir’s @osdk/oauth', () => {
  it('gets a token that calls Users.getCurrent as the service user, and signOut revokes it', async () => {
    const c = await createClient(org, { name: 'ETL', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read', 'api:filesystem-read'], grantTypes: ['client_credentials'] });
    const auth = createConfidentialOauthClient(c.clientId, c.clientSecret!, ts.url, ['api:admin-read']);
    const accessToken = await auth();
    secrets.push(accessToken);
    expect(accessToken).toMatch(/^ofoat_/);
    const platform = createPlatformClient(ts.url, auth);
    const me = await Users.getCurrent(platform);
    expect(me).toMatchObject({ id: c.serviceUserId, username: c.clientId, organization: org.orgRid, status: 'ACTIVE' });

    const [event] = (await auditEvents(ts, { category: 'oauth.token', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ actor_kind: 'service', actor_id: c.serviceUserId, outcome: 'success', details: expect.objectContaining({ grantType: 'client_credentials', scopes: ['api:admin-read'] }) });

    await auth.signOut();
    const after = await new HttpClient(ts.url, accessToken).get('/api/v2/admin/users/getCurrent');
    expectEnvelope(after, 401, 'TokenRevoked');
  });

  it('limits the token to its scopes', async () => {
    const c = await createClient(org, { name: 'Reader', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read', 'api:audit-read'], grantTypes: ['client_credentials'] });
    const res = await token({ grant_type: 'client_credentials', scope: 'api:admin-read' }, { basic: [c.clientId, c.clientSecret!] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^ofoat_/), token_type: 'Bearer', expires_in: 3600, scope: 'api:admin-read' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const api = new HttpClient(ts.url, res.body.access_token);
    expect((await api.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expectEnvelope(await api.get('/api/v2/audit/events'), 403, 'MissingScope');
    expectEnvelope(await api.post('/api/v2/admin/groups', { name: 'x', organizations: [org.orgRid], attributes: {} }), 403, 'MissingScope');

    // No scope asked for: everything the client may have (never offline_access).
    const all = await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret! });
    expect(all.body.scope).toBe('api:admin-read api:audit-read');

    for (const scope of ['api:admin-write', 'api:read-data', 'offline_access']) {
      const bad = await token({ grant_type: 'client_credentials', scope }, { basic: [c.clientId, c.clientSecret!] });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_scope');
    }
  });

  it('refuses a wrong secret, an unknown client and a public client, with RFC 6749 errors', async () => {
    const c = await createClient(org, { name: 'Wrong', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read'], grantTypes: ['client_credentials'] });
    const wrong = `${c.clientSecret!.slice(0, -2)}xx`;
    const basic = await token({ grant_type: 'client_credentials' }, { basic: [c.clientId, wrong] });
    expect(basic.status).toBe(401);
    expect(basic.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const post = await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: wrong });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toBeNull();
    const unknown = await token({ grant_type: 'client_credentials', client_id: 'f'.repeat(32), client_secret: wrong });
    expect(unknown.body).toEqual(basic.body);
    const noSecret = await token({ grant_type: 'client_credentials', client_id: c.clientId });
    expect(noSecret.status).toBe(401);
    const publicCc = await token({ grant_type: 'client_credentials', client_id: pub.clientId });
    expect(publicCc.status).toBe(400);
    expect(publicCc.body.error).toBe('unauthorized_client');

    const failures = (await auditEvents(ts, { category: 'oauth.token', orgRid: org.orgRid })).filter((e) => e.outcome === 'failure' && e.details.clientId === c.clientId);
    expect(failures.map((e) => e.details.reason)).toEqual(['wrong_secret', 'wrong_secret', 'missing_secret']);
    expect(JSON.stringify(failures)).not.toContain(wrong);
  });

  it('answers malformed token requests with invalid_request or unsupported_grant_type', async () => {
    const c = await createClient(org, { name: 'Malformed', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read'], grantTypes: ['client_credentials'] });
    const cases: Array<[Parameters<typeof form>[1], Parameters<typeof form>[2], number, string]> = [
      [{}, { basic: [c.clientId, c.clientSecret!] }, 400, 'invalid_request'],
      [{ grant_type: 'password' }, { basic: [c.clientId, c.clientSecret!] }, 400, 'unsupported_grant_type'],
      [{}, { raw: JSON.stringify({ grant_type: 'client_credentials' }), contentType: 'application/json', basic: [c.clientId, c.clientSecret!] }, 400, 'invalid_request'],
      [{}, { raw: 'grant_type=client_credentials&grant_type=client_credentials', basic: [c.clientId, c.clientSecret!] }, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials', client_secret: c.clientSecret! }, { basic: [c.clientId, c.clientSecret!] }, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials' }, {}, 401, 'invalid_client'],
    ];
    const tokensBefore = await countRows(ts, 'identity.tokens');
    for (const [params, init, status, error] of cases) {
      const res = await token(params, init);
      expect([res.status, res.body?.error]).toEqual([status, error]);
      expect(res.body.error_description).toEqual(expect.any(String));
    }
    expect(await countRows(ts, 'identity.tokens')).toBe(tokensBefore);
  });
});

describe('authorization code with PKCE, as a browser does it', () => {
  it('goes authorize → consent → code → token → API → refresh → revoke → 401', async () => {
    const { verifier, challenge } = pkce();
    const query = authorizeQuery(pub.clientId, challenge);

    // Not signed in: off to the web app's sign-in page, coming back here afterwards.
    const anonymous = await ts.anonymous.get(`/multipass/api/oauth2/authorize?${query}`);
    expect(anonymous.status).toBe(302);
    const login = new URL(anonymous.headers.get('location')!, ts.url);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('next')).toBe(`/multipass/api/oauth2/authorize?${query}`);

    // Signed in: to the consent page with the same parameters, which it hands to the consent API.
    const authorize = await browser.get(`/multipass/api/oauth2/authorize?${query}`);
    expect(authorize.status).toBe(302);
    expect(authorize.headers.get('location')).toBe(`/oauth/consent?${query}`);
    const described = await browser.get(`/api/v2/auth/oauth/consent?${query}`);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      client: { clientId: pub.clientId, name: 'Notebook', type: 'PUBLIC' },
      redirectUri: REDIRECT,
      scopes: [
        { scope: 'api:admin-read', description: expect.any(String) },
        { scope: 'offline_access', description: expect.any(String) },
      ],
      user: { id: alice.userId },
    });

    const { code, state, back } = await approve(browser, query);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(state).toBe(query.get('state'));
    expect(back.searchParams.get('iss')).toBe(`${ts.url}/multipass`);

    const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.clientId });
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({
      access_token: expect.stringMatching(/^ofoat_/),
      refresh_token: expect.stringMatching(/^ofort_/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'api:admin-read offline_access',
    });
    const me = await new HttpClient(ts.url, issued.body.access_token).get('/api/v2/admin/users/getCurrent');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.userId, givenName: 'Alice' });
    expectEnvelope(await new HttpClient(ts.url, issued.body.access_token).post('/api/v2/admin/users', { email: 'x@example.test' }), 403, 'MissingScope');

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token, client_id: pub.clientId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(issued.body.refresh_token);
    expect(refreshed.body.access_token).not.toBe(issued.body.access_token);
    const api = new HttpClient(ts.url, refreshed.body.access_token);
    expect((await api.get('/api/v2/admin/users/getCurrent')).body.id).toBe(alice.userId);
    // Narrowing on refresh is allowed; widening is not.
    const narrow = await token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, client_id: pub.clientId, scope: 'api:admin-read' });
    expect(narrow.body.scope).toBe('api:admin-read');

    const revoked = await revoke({ token: narrow.body.refresh_token, token_type_hint: 'refresh_token', client_id: pub.clientId });
    expect(revoked.status).toBe(200);
    // The whole grant went with the refresh token.
    expectEnvelope(await api.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    expectEnvelope(await new HttpClient(ts.url, narrow.body.access_token).get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    const again = await token({ grant_type: 'refresh_token', refresh_token: narrow.body.refresh_token, client_id: pub.clientId });
    expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);

    const categories = (await auditEvents(ts, { orgRid: org.orgRid })).map((e) => e.category);
    expect(categories).toEqual(expect.arrayContaining(['oauth.consent', 'oauth.token', 'oauth.revoke']));
  });

  it('does not let an OAuth token mint a personal access token that would outlive its grant', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(browser, authorizeQuery(pub.clientId, challenge, { scope: 'api:admin-read' }));
    const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.clientId });
    const api = new HttpClient(ts.url, issued.body.access_token);
    const before = await countRows(ts, 'identity.tokens');
    const res = await api.post('/api/v2/auth/tokens', { name: 'escape', expiresInDays: 30, scopes: ['api:admin-read'] });
    expect(expectEnvelope(res, 403, 'OAuthTokenCannotCreateTokens').parameters).toEqual({ clientId: pub.clientId });
    expect(await countRows(ts, 'identity.tokens')).toBe(before);
  });

  it('grants no refresh token without offline_access', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(browser, authorizeQuery(pub.clientId, challenge, { scope: 'api:admin-read' }));
    const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.clientId });
    expect(issued.body.refresh_token).toBeUndefined();
    expect(issued.body.scope).toBe('api:admin-read');
  });

  it('refuses a reused code and revokes what it produced', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(browser, authorizeQuery(pub.clientId, challenge));
    const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.clientId };
    const first = await token(params);
    expect(first.status).toBe(200);
    const replay = await token(params);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expectEnvelope(await new HttpClient(ts.url, first.body.access_token).get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    const [event] = (await auditEvents(ts, { category: 'oauth.code_reuse', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ outcome: 'denied', details: expect.objectContaining({ tokensRevoked: 2 }) });
  });

  it('detects a replayed refresh token and revokes the whole family', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(browser, authorizeQuery(pub.clientId, challenge));
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.clientId });
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: pub.clientId });
    expect(second.status).toBe(200);
    // An attacker replays the first (rotated) refresh token.
    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: pub.clientId });
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expectEnvelope(await new HttpClient(ts.url, second.body.access_token).get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    const legit = await token({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token, client_id: pub.clientId });
    expect(legit.body.error).toBe('invalid_grant');
    expect((await auditEvents(ts, { category: 'oauth.refresh_token_reuse', orgRid: org.orgRid })).length).toBeGreaterThan(0);
  });

  it('refuses a bad verifier, a missing verifier, a wrong redirect URI, an expired code and another client', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await approve(browser, authorizeQuery(pub.clientId, challenge));
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: pub.clientId };
    const bad = await token({ ...base, code_verifier: pkce().verifier });
    expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'code_verifier does not match the code challenge' });
    expect((await token(base)).body.error_description).toBe('code_verifier is required');
    expect((await token({ ...base, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:43110/other' })).body.error).toBe('invalid_grant');
    const otherClient = await createClient(org, { name: 'Other public', type: 'PUBLIC', redirectUris: [REDIRECT], allowedScopes: ['api:admin-read'], grantTypes: ['authorization_code'] });
    const stolen = await token({ ...base, code_verifier: verifier, client_id: otherClient.clientId });
    expect(stolen.body).toEqual({ error: 'invalid_grant', error_description: 'the authorization code is invalid, expired or was already used' });
    // Failed attempts do not burn the code for its rightful client...
    expect((await token({ ...base, code_verifier: verifier })).status).toBe(200);

    // ...but time does.
    const late = pkce();
    const { code: lateCode } = await approve(browser, authorizeQuery(pub.clientId, late.challenge));
    clock.advance(61_000);
    try {
      const expired = await token({ ...base, code: lateCode, code_verifier: late.verifier });
      expect(expired.body.error).toBe('invalid_grant');
    } finally {
      clock.advance(-61_000);
    }
  });

  it('requires PKCE of public clients and accepts only S256', async () => {
    for (const [extra, parameter] of [
      [{}, 'code_challenge'],
      [{ code_challenge: pkce().challenge, code_challenge_method: 'plain' }, 'code_challenge_method'],
      [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'code_challenge'],
    ] as const) {
      const query = authorizeQuery(pub.clientId, undefined, extra);
      const res = await browser.get(`/multipass/api/oauth2/authorize?${query}`);
      expect(res.status).toBe(302);
      const back = new URL(res.headers.get('location')!);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toBe(query.get('state'));
      const consent = await browser.get(`/api/v2/auth/oauth/consent?${query}`);
      expect(expectEnvelope(consent, 400, 'InvalidAuthorizationRequest').parameters.parameter).toBe(parameter);
    }
  });

  it('never redirects to an unregistered URI, and reports scope problems to the client', async () => {
    const { challenge } = pkce();
    const evil = authorizeQuery(pub.clientId, challenge, { redirect_uri: 'https://evil.example.test/cb' });
    const res = await browser.get(`/multipass/api/oauth2/authorize?${evil}`);
    expect(expectEnvelope(res, 400, 'InvalidRedirectUri').parameters).toMatchObject({ parameter: 'redirect_uri' });
    expect(res.headers.get('location')).toBeNull();
    const prefix = authorizeQuery(pub.clientId, challenge, { redirect_uri: `${REDIRECT}/more` });
    expectEnvelope(await browser.get(`/multipass/api/oauth2/authorize?${prefix}`), 400, 'InvalidRedirectUri');

    const scoped = await browser.get(`/multipass/api/oauth2/authorize?${authorizeQuery(pub.clientId, challenge, { scope: 'api:admin-write' })}`);
    expect(new URL(scoped.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const type = await browser.get(`/multipass/api/oauth2/authorize?${authorizeQuery(pub.clientId, challenge, { response_type: 'token' })}`);
    expect(new URL(type.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('sends access_denied when the person denies, and issues no code', async () => {
    const { challenge } = pkce();
    const query = authorizeQuery(pub.clientId, challenge);
    const res = await browser.post('/api/v2/auth/oauth/consent', {
      clientId: pub.clientId,
      redirectUri: REDIRECT,
      scope: query.get('scope'),
      state: query.get('state'),
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      approve: false,
    });
    expect(res.status).toBe(200);
    const back = new URL(res.body.redirectUrl);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('state')).toBe(query.get('state'));
    const [event] = (await auditEvents(ts, { category: 'oauth.consent', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ outcome: 'denied', actor_id: alice.userId });
  });

  it('takes consent only from a browser session with its CSRF token', async () => {
    const { challenge } = pkce();
    const query = authorizeQuery(pub.clientId, challenge);
    const body = { clientId: pub.clientId, redirectUri: REDIRECT, scope: query.get('scope'), state: query.get('state'), codeChallenge: challenge, codeChallengeMethod: 'S256', approve: true };
    expectEnvelope(await browser.post('/api/v2/auth/oauth/consent', body, { csrf: false }), 403, 'InvalidCsrfToken');
    expectEnvelope(await alice.http.post('/api/v2/auth/oauth/consent', body), 403, 'SessionRequired');
    expectEnvelope(await alice.http.get(`/api/v2/auth/oauth/consent?${query}`), 403, 'SessionRequired');
    expectEnvelope(await ts.anonymous.get(`/api/v2/auth/oauth/consent?${query}`), 401);
    const unknownField = expectEnvelope(await browser.post('/api/v2/auth/oauth/consent', { ...body, userId: org.admin.userId }), 400, 'InvalidArgument');
    expect(unknownField.parameters.field).toBe('body.userId');
  });

  it('treats a client of another organization exactly like an unknown one', async () => {
    const otherBrowser = await loginSession(ts, otherUser.email, otherUser.password);
    const { challenge } = pkce();
    const theirs = await otherBrowser.get(`/multipass/api/oauth2/authorize?${authorizeQuery(pub.clientId, challenge)}`);
    const unknown = await otherBrowser.get(`/multipass/api/oauth2/authorize?${authorizeQuery('0'.repeat(32), challenge)}`);
    const a = expectEnvelope(theirs, 404, 'OAuthClientNotFound');
    const b = expectEnvelope(unknown, 404, 'OAuthClientNotFound');
    expect(Object.keys(a.parameters)).toEqual(Object.keys(b.parameters));
    expectEnvelope(await otherBrowser.get(`/api/v2/auth/oauth/consent?${authorizeQuery(pub.clientId, challenge)}`), 404, 'OAuthClientNotFound');
    const body = { clientId: pub.clientId, redirectUri: REDIRECT, scope: 'api:admin-read', state: 's', codeChallenge: challenge, codeChallengeMethod: 'S256', approve: true };
    expectEnvelope(await otherBrowser.post('/api/v2/auth/oauth/consent', body), 404, 'OAuthClientNotFound');
  });
});

describe('revocation', () => {
  it('revokes an access token for its client only; unknown tokens are a quiet success', async () => {
    const c = await createClient(org, { name: 'Revoker', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read'], grantTypes: ['client_credentials'] });
    const d = await createClient(org, { name: 'Bystander', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read'], grantTypes: ['client_credentials'] });
    const t = (await token({ grant_type: 'client_credentials' }, { basic: [c.clientId, c.clientSecret!] })).body.access_token;
    const api = new HttpClient(ts.url, t);

    const foreign = await revoke({ token: t }, { basic: [d.clientId, d.clientSecret!] });
    expect(foreign.status).toBe(200);
    expect((await api.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expect((await revoke({ token: 'ofoat_unknown' }, { basic: [c.clientId, c.clientSecret!] })).status).toBe(200);
    const noAuth = await revoke({ token: t });
    expect([noAuth.status, noAuth.body.error]).toEqual([401, 'invalid_client']);
    const noToken = await revoke({}, { basic: [c.clientId, c.clientSecret!] });
    expect([noToken.status, noToken.body.error]).toEqual([400, 'invalid_request']);

    expect((await revoke({ token: t }, { basic: [c.clientId, c.clientSecret!] })).status).toBe(200);
    expectEnvelope(await api.get('/api/v2/admin/users/getCurrent'), 401, 'TokenRevoked');
    // A personal access token is not the OAuth endpoint's to revoke.
    expect((await revoke({ token: alice.token }, { basic: [c.clientId, c.clientSecret!] })).status).toBe(200);
    expect((await alice.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
  });
});

describe('secrets', () => {
  it('keeps every secret, code, verifier and token out of the logs and the audit trail', async () => {
    const logs = ts.logs();
    const audit = JSON.stringify(await auditEvents(ts));
    expect(logs).toContain('/multipass/api/oauth2/token');
    expect(secrets.length).toBeGreaterThan(20);
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      expect(audit).not.toContain(s);
    }
  });
});
