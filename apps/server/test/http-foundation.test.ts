import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';

let ts: TestServer;
let org: TestOrg;

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg();
});
afterAll(async () => ts?.close());

describe('operations endpoints', () => {
  it('answers liveness and readiness without credentials', async () => {
    expect((await ts.anonymous.get('/health')).body).toEqual({ status: 'ok' });
    const ready = await ts.anonymous.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('serves Prometheus metrics including request counts by route', async () => {
    await ts.anonymous.get('/health');
    const m = await ts.anonymous.get('/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(m.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]\d*/);
    expect(m.text).toContain('process_cpu_seconds_total');
  });

  it('serves the OpenAPI 3.1 document and its reference page', async () => {
    const doc = await ts.anonymous.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v2/admin/users/getCurrent', '/api/v2/audit/events']));
    const page = await ts.anonymous.get('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger');
  });
});

describe('request handling', () => {
  it('echoes a safe incoming request id and generates one otherwise', async () => {
    const given = await ts.anonymous.get('/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await ts.anonymous.get('/health', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const r = await ts.anonymous.get('/health');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives JSON API responses the strict API set: no content allowed, no framing, no caching', async () => {
    const r = await org.admin.http.get('/api/v2/admin/users/getCurrent');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    const error = await ts.anonymous.get('/api/v2/admin/users/getCurrent');
    expect(error.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('answers unknown API routes with the error envelope', async () => {
    const r = await org.admin.http.get('/api/v2/nothing/here');
    expect(expectEnvelope(r, 404, 'RouteNotFound').parameters).toMatchObject({ path: '/api/v2/nothing/here' });
  });

  it('requires credentials on guarded routes', async () => {
    expectEnvelope(await ts.anonymous.get('/api/v2/admin/users/getCurrent'), 401, 'MissingCredentials');
    expectEnvelope(await ts.anonymous.get('/api/v2/admin/users/getCurrent', { headers: { authorization: 'Token abc' } }), 401, 'MalformedAuthorizationHeader');
    // Basic credentials are OAuth client authentication; they never authenticate an API call.
    expectEnvelope(await ts.anonymous.get('/api/v2/admin/users/getCurrent', { headers: { authorization: 'Basic YTpi' } }), 401, 'MissingCredentials');
  });

  it('rejects malformed JSON, wrong content types and oversized bodies', async () => {
    const malformed = await org.admin.http.post('/api/v2/admin/groups', undefined, { raw: '{"name": ', headers: { 'content-type': 'application/json' } });
    expectEnvelope(malformed, 400, 'MalformedRequestBody');
    const wrongType = await org.admin.http.post('/api/v2/admin/groups', undefined, { raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expectEnvelope(wrongType, 400, 'UnsupportedMediaType');
    const big = await org.admin.http.post('/api/v2/admin/groups', undefined, {
      raw: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(big, 413, 'RequestBodyTooLarge');
  });

  it('names the offending field when validation fails', async () => {
    const r = await org.admin.http.get('/api/v2/audit/events?outcome=maybe');
    const e = expectEnvelope(r, 400, 'InvalidArgument');
    expect(e.parameters.field).toBe('querystring.outcome');
  });
});

describe('audit API', () => {
  it('lets org admins list and export their own organization events only', async () => {
    const other = await ts.createOrg();
    const list = await org.admin.http.get('/api/v2/audit/events?pageSize=1000');
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    expect(list.body.data.every((e: { organizationRid: string }) => e.organizationRid === org.orgRid)).toBe(true);
    const exported = await org.admin.http.get('/api/v2/audit/events/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.sequence)).toEqual([...lines.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(lines.every((e) => e.organizationRid === org.orgRid)).toBe(true);
    const theirs = await other.admin.http.get('/api/v2/audit/events?pageSize=1000');
    expect(theirs.body.data.some((e: { organizationRid: string }) => e.organizationRid === org.orgRid)).toBe(false);
  });

  it('pages with nextPageToken and filters by category prefix', async () => {
    const first = await org.admin.http.get('/api/v2/audit/events?pageSize=1');
    expect(first.body.data).toHaveLength(1);
    expect(first.body.nextPageToken).toBeTypeOf('string');
    const second = await org.admin.http.get(`/api/v2/audit/events?pageSize=1&pageToken=${first.body.nextPageToken}`);
    expect(second.body.data[0].sequence).toBeLessThan(first.body.data[0].sequence);
    expectEnvelope(await org.admin.http.get('/api/v2/audit/events?pageToken=garbage!'), 400, 'InvalidPageToken');
    expectEnvelope(await org.admin.http.get('/api/v2/audit/events?pageSize=5000'), 400, 'InvalidPageSize');
    const filtered = await org.admin.http.get('/api/v2/audit/events?category=nonexistent.');
    expect(filtered.body.data).toEqual([]);
    const byResource = await org.admin.http.get(`/api/v2/audit/events?resourceRid=${encodeURIComponent(first.body.data[0].resourceRids[0] ?? org.orgRid)}`);
    expect(byResource.status).toBe(200);
    const byActor = await org.admin.http.get(`/api/v2/audit/events?actorId=${org.admin.userId}&outcome=success&category=auth.`);
    expect(byActor.status).toBe(200);
    expect(byActor.body.data.every((e: { actorId: string; category: string }) => e.actorId === org.admin.userId && e.category.startsWith('auth.'))).toBe(true);
  });

  it('refuses non-admins and offers no way to change events', async () => {
    const user = await ts.createUser(org);
    expectEnvelope(await user.http.get('/api/v2/audit/events'), 403, 'OrganizationAdminRequired');
    const list = await org.admin.http.get('/api/v2/audit/events?pageSize=1');
    const id = list.body.data[0].id;
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const r = await org.admin.http.request(method, `/api/v2/audit/events/${id}`, method === 'DELETE' ? undefined : {});
      expect(r.status).toBe(404);
    }
  });
});

describe('secrets stay out of logs', () => {
  it('never logs the bearer token or passwords', async () => {
    await org.admin.http.get('/api/v2/admin/users/getCurrent');
    const logs = ts.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(org.admin.token);
    expect(logs).not.toContain(org.admin.password);
  });

  it('puts the request id on every request log line', async () => {
    await ts.anonymous.get('/health', { headers: { 'x-request-id': 'log-correlation-42' } });
    const lines = ts.logs().trim().split('\n').map((l) => JSON.parse(l) as { requestId?: string; msg?: string });
    const mine = lines.filter((l) => l.requestId === 'log-correlation-42');
    expect(mine.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
  });
});

describe('with logging turned off', () => {
  it('serves requests (the request logger must work without pino)', async () => {
    const quiet = await startTestServer({ env: { OPENFOUNDRY_LOG_LEVEL: 'silent' } });
    try {
      const o = await quiet.createOrg();
      expect((await o.admin.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
      expectEnvelope(await quiet.anonymous.get('/api/v2/admin/users/getCurrent'), 401, 'MissingCredentials');
      expect(quiet.logs()).toBe('');
    } finally {
      await quiet.close();
    }
  });
});
