import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, startTestServer, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let member: TestUser;
const secrets: string[] = [];

const confidential = {
  name: 'Reporting service',
  type: 'CONFIDENTIAL',
  redirectUris: [],
  allowedScopes: ['api:admin-read'],
  grantTypes: ['client_credentials'],
};

async function clientCredentials(clientId: string, clientSecret: string) {
  return fetch(`${ts.url}/multipass/api/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'api:admin-read' }),
  });
}

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg('OAuth Clients Org');
  other = await ts.createOrg('OAuth Clients Other');
  member = await ts.createUser(org);
});
afterAll(async () => {
  await ts?.close();
});

describe('registering clients', () => {
  it('creates a confidential client with a service user and shows the secret once', async () => {
    const res = await org.admin.http.post('/api/v2/admin/oauthClients', confidential);
    expect(res.status).toBe(200);
    const c = res.body;
    secrets.push(c.clientSecret);
    expect(c).toMatchObject({ name: 'Reporting service', type: 'CONFIDENTIAL', allowedScopes: ['api:admin-read'], grantTypes: ['client_credentials'], redirectUris: [] });
    expect(c.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(c.clientSecret).toMatch(/^ofcs_[A-Za-z0-9_-]{43}$/);

    const got = await org.admin.http.get(`/api/v2/admin/oauthClients/${c.clientId}`);
    expect(got.status).toBe(200);
    expect(got.body.clientSecret).toBeUndefined();
    expect(got.text).not.toContain(c.clientSecret);

    const user = await org.admin.http.get(`/api/v2/admin/users/${c.serviceUserId}`);
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ id: c.serviceUserId, username: c.clientId, givenName: 'Reporting service', organizationAdmin: false });

    const [event] = (await auditEvents(ts, { category: 'oauth_client.create', orgRid: org.orgRid })).slice(-1);
    expect(event).toMatchObject({ actor_id: org.admin.userId, outcome: 'success', details: expect.objectContaining({ clientId: c.clientId, type: 'CONFIDENTIAL' }) });
    expect(JSON.stringify(event)).not.toContain(c.clientSecret);
    expect((await auditEvents(ts, { category: 'user.create', orgRid: org.orgRid })).some((e) => e.resource_rids.includes(c.serviceUserId))).toBe(true);
  });

  it('creates a public client without secret or service user', async () => {
    const res = await org.admin.http.post('/api/v2/admin/oauthClients', {
      name: 'Desktop app',
      type: 'PUBLIC',
      redirectUris: ['http://127.0.0.1:43110/callback', 'https://app.example.test/auth/callback'],
      allowedScopes: ['api:admin-read', 'offline_access'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    expect(res.status).toBe(200);
    expect(res.body.clientSecret).toBeUndefined();
    expect(res.body.serviceUserId).toBeUndefined();
    expect(res.body.allowedScopes).toEqual(['api:admin-read', 'offline_access']);
  });

  const BAD: Array<[string, Record<string, unknown>, string]> = [
    ['public client with client_credentials', { type: 'PUBLIC', grantTypes: ['client_credentials'] }, 'grantTypes'],
    ['refresh_token without authorization_code', { grantTypes: ['client_credentials', 'refresh_token'] }, 'grantTypes'],
    ['authorization_code without redirect URIs', { grantTypes: ['authorization_code'] }, 'redirectUris'],
    ['plain http to a public host', { grantTypes: ['authorization_code'], redirectUris: ['http://app.example.test/cb'] }, 'redirectUris'],
    ['a fragment', { grantTypes: ['authorization_code'], redirectUris: ['https://app.example.test/cb#x'] }, 'redirectUris'],
    ['credentials', { grantTypes: ['authorization_code'], redirectUris: ['https://u:p@app.example.test/cb'] }, 'redirectUris'],
    ['a relative URI', { grantTypes: ['authorization_code'], redirectUris: ['/cb'] }, 'redirectUris'],
    ['offline_access without refresh_token', { allowedScopes: ['api:admin-read', 'offline_access'] }, 'allowedScopes'],
    ['a blank name', { name: '  ' }, 'name'],
  ];
  it.each(BAD)('refuses %s, naming the field, and creates nothing', async (_label, change, field) => {
    const before = await countRows(ts, 'identity.oauth_clients');
    const usersBefore = await countRows(ts, 'identity.users');
    const res = await org.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, ...change });
    const e = expectEnvelope(res, 400);
    expect(JSON.stringify(e.parameters)).toContain(field);
    expect(await countRows(ts, 'identity.oauth_clients')).toBe(before);
    expect(await countRows(ts, 'identity.users')).toBe(usersBefore);
  });

  it('refuses unknown scopes, grant types and fields with a 400 naming them', async () => {
    const scope = expectEnvelope(await org.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, allowedScopes: ['api:read-data'] }), 400, 'InvalidArgument');
    expect(scope.parameters.field).toMatch(/^body\.allowedScopes/);
    const grant = expectEnvelope(await org.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, grantTypes: ['password'] }), 400, 'InvalidArgument');
    expect(grant.parameters.field).toMatch(/^body\.grantTypes/);
    const extra = expectEnvelope(await org.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, clientSecret: 'chosen' }), 400, 'InvalidArgument');
    expect(extra.parameters.field).toBe('body.clientSecret');
  });

  it('is for org admins only', async () => {
    expectEnvelope(await member.http.post('/api/v2/admin/oauthClients', confidential), 403, 'OrganizationAdminRequired');
    expectEnvelope(await member.http.get('/api/v2/admin/oauthClients'), 403, 'OrganizationAdminRequired');
  });
});

describe('another organization', () => {
  it('sees a client exactly as a missing one, and cannot list, rotate or delete it', async () => {
    const c = (await org.admin.http.post('/api/v2/admin/oauthClients', confidential)).body;
    secrets.push(c.clientSecret);
    const missing = 'f'.repeat(32);
    for (const id of [c.clientId, missing]) {
      const e = expectEnvelope(await other.admin.http.get(`/api/v2/admin/oauthClients/${id}`), 404, 'OAuthClientNotFound');
      expect(e.parameters).toEqual({ clientId: id });
      expectEnvelope(await other.admin.http.post(`/api/v2/admin/oauthClients/${id}/rotateSecret`), 404, 'OAuthClientNotFound');
      expectEnvelope(await other.admin.http.delete(`/api/v2/admin/oauthClients/${id}`), 404, 'OAuthClientNotFound');
    }
    const list = await other.admin.http.get('/api/v2/admin/oauthClients');
    expect(list.body.data.map((x: { clientId: string }) => x.clientId)).not.toContain(c.clientId);
    // Still intact for its own organization.
    expect((await clientCredentials(c.clientId, c.clientSecret)).status).toBe(200);
  });
});

describe('lifecycle', () => {
  it('lists newest first in pages', async () => {
    const o = await ts.createOrg('OAuth Paging');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await o.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, name: `c${i}` })).body.clientId);
    const first = await o.admin.http.get('/api/v2/admin/oauthClients?pageSize=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await o.admin.http.get(`/api/v2/admin/oauthClients?pageSize=2&pageToken=${first.body.nextPageToken}`);
    expect(second.body.nextPageToken).toBeUndefined();
    expect([...first.body.data, ...second.body.data].map((c: { clientId: string }) => c.clientId)).toEqual([...ids].reverse());
    expectEnvelope(await o.admin.http.get('/api/v2/admin/oauthClients?pageSize=0'), 400, 'InvalidPageSize');
  });

  it('rotates a secret: the new one works, the old one stops at once', async () => {
    const c = (await org.admin.http.post('/api/v2/admin/oauthClients', confidential)).body;
    const rotated = await org.admin.http.post(`/api/v2/admin/oauthClients/${c.clientId}/rotateSecret`);
    expect(rotated.status).toBe(200);
    secrets.push(c.clientSecret, rotated.body.clientSecret);
    expect(rotated.body.clientSecret).not.toBe(c.clientSecret);
    expect(rotated.body.secretRotatedAt).toEqual(expect.any(String));
    expect((await clientCredentials(c.clientId, c.clientSecret)).status).toBe(401);
    expect((await clientCredentials(c.clientId, rotated.body.clientSecret)).status).toBe(200);
    const [event] = (await auditEvents(ts, { category: 'oauth_client.rotate_secret', orgRid: org.orgRid })).slice(-1);
    expect(JSON.stringify(event)).not.toContain(rotated.body.clientSecret);

    const pub = (await org.admin.http.post('/api/v2/admin/oauthClients', { ...confidential, type: 'PUBLIC', grantTypes: ['authorization_code'], redirectUris: ['https://a.example.test/cb'] })).body;
    expectEnvelope(await org.admin.http.post(`/api/v2/admin/oauthClients/${pub.clientId}/rotateSecret`), 400, 'OAuthClientHasNoSecret');
  });

  it('deletes a client: its tokens stop working and its service user is deleted', async () => {
    const c = (await org.admin.http.post('/api/v2/admin/oauthClients', confidential)).body;
    secrets.push(c.clientSecret);
    const token = (await (await clientCredentials(c.clientId, c.clientSecret)).json()).access_token as string;
    secrets.push(token);
    const api = org.admin.http.withToken(token);
    expect((await api.get('/api/v2/admin/users/getCurrent')).status).toBe(200);

    const del = await org.admin.http.delete(`/api/v2/admin/oauthClients/${c.clientId}`);
    expect(del.status).toBe(204);
    expectEnvelope(await api.get('/api/v2/admin/users/getCurrent'), 401);
    expect((await clientCredentials(c.clientId, c.clientSecret)).status).toBe(401);
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/oauthClients/${c.clientId}`), 404, 'OAuthClientNotFound');
    expectEnvelope(await org.admin.http.get(`/api/v2/admin/users/${c.serviceUserId}`), 404, 'UserNotFound');
    const [event] = (await auditEvents(ts, { category: 'oauth_client.delete', orgRid: org.orgRid })).slice(-1);
    expect(event!.details).toMatchObject({ clientId: c.clientId, tokensRevoked: 1 });
  });

  it('never logs a client secret', () => {
    const logs = ts.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs).not.toContain(s);
  });
});
