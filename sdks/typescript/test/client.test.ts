import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { createOpenFoundryClient, isOpenFoundryError, ok, OpenFoundryError, pages } from '@openfoundry/sdk';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A fetch that keeps cookies, as a browser does for the web app's session. */
function cookieFetch(): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init) => {
    const request = new Request(input, init);
    if (jar.size) request.headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(request);
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const value = pair!.slice(i + 1).trim();
      if (value && !/max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) jar.set(pair!.slice(0, i).trim(), value);
      else jar.delete(pair!.slice(0, i).trim());
    }
    return response;
  };
}

describe('@openfoundry/sdk against the real server', () => {
  let ts: TestServer;
  let org: TestOrg;

  beforeAll(async () => {
    ts = await startTestServer();
    org = await ts.createOrg();
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('calls typed endpoints with a bearer token', async () => {
    const client = createOpenFoundryClient({ baseUrl: ts.url, token: org.admin.token });
    const me = await ok(client.GET('/api/v2/admin/users/getCurrent'));
    expect(me.id).toBe(org.admin.userId);
    expect(me.email).toBe(org.admin.email);
    const { data } = await client.GET('/api/v2/admin/users', { params: { query: { pageSize: 10 } } });
    expect(data?.data.map((u) => u.id)).toContain(org.admin.userId);
  });

  it('throws the Foundry error envelope as a typed OpenFoundryError', async () => {
    const client = createOpenFoundryClient({ baseUrl: ts.url, token: org.admin.token });
    const missing = '00000000-0000-4000-8000-000000000000';
    const e = await client.GET('/api/v2/admin/groups/{groupId}', { params: { path: { groupId: missing } } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenFoundryError);
    const err = e as OpenFoundryError;
    expect(err.status).toBe(404);
    expect(err.errorCode).toBe('NOT_FOUND');
    expect(err.errorName).toMatch(/NotFound$/);
    expect(err.errorInstanceId).toMatch(/\S/);
    expect(typeof err.parameters).toBe('object');

    const anonymous = createOpenFoundryClient({ baseUrl: ts.url });
    const unauthorized = await anonymous.GET('/api/v2/auth/session').catch((x: unknown) => x);
    expect(isOpenFoundryError(unauthorized)).toBe(true);
    expect((unauthorized as OpenFoundryError).status).toBe(401);
  });

  it('uses the session cookie and sends the CSRF token on writes', async () => {
    const client = createOpenFoundryClient({ baseUrl: ts.url, fetch: cookieFetch() });
    const login = await ok(client.POST('/api/v2/auth/login', { body: { email: org.admin.email, password: org.admin.password } }));
    expect(login.user.id).toBe(org.admin.userId);

    // Reads need no CSRF token; writes are refused without it...
    const session = await ok(client.GET('/api/v2/auth/session'));
    expect(session.csrfToken).toBe(login.csrfToken);
    const refused = await client.POST('/api/v2/auth/tokens', { body: { name: 'sdk', expiresInDays: 1 } }).catch((x: unknown) => x);
    expect(isOpenFoundryError(refused, 'InvalidCsrfToken')).toBe(true);

    // ...and accepted with it.
    expect(client.csrfToken).toBeUndefined();
    client.setCsrfToken(login.csrfToken);
    expect(client.csrfToken).toBe(login.csrfToken);
    const created = await ok(client.POST('/api/v2/auth/tokens', { body: { name: 'sdk', expiresInDays: 1, scopes: ['api:admin-read'] } }));
    expect(created.token).toMatch(/\S{20,}/);
    const listed = [];
    for await (const t of pages((pageToken) => ok(client.GET('/api/v2/auth/tokens', { params: { query: { pageSize: 1, pageToken } } })))) listed.push(t.id);
    expect(listed).toContain(created.id);

    // The new token works on its own, for what its scopes allow.
    const withToken = createOpenFoundryClient({ baseUrl: ts.url, token: created.token });
    expect((await ok(withToken.GET('/api/v2/admin/users/getCurrent'))).id).toBe(org.admin.userId);

    await ok(client.POST('/api/v2/auth/logout'));
    const after = await client.GET('/api/v2/auth/session').catch((x: unknown) => x);
    expect((after as OpenFoundryError).status).toBe(401);
  });

  it('has types generated from the committed OpenAPI document', () => {
    const r = spawnSync(process.execPath, ['scripts/generate.mjs', '--check'], { cwd: pkg, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
