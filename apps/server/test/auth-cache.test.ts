/**
 * Authentication results are cached in memory; these tests prove that any change which alters a
 * result takes effect on the very next request — whatever code path made it (plain SQL here),
 * and on another replica of the same PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sql } from '@openfoundry/db';
import { createServer, loadConfig, type Server } from '@openfoundry/server';
import { HttpClient, expectEnvelope, startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';

let ts: TestServer;
let org: TestOrg;

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg();
});
afterAll(async () => ts?.close());

const db = () => ts.server.platform.database.db;

/**
 * Changes made with plain SQL reach the cache by notification: at once on PGlite, within
 * milliseconds on PostgreSQL (delivered on commit over the LISTEN connection). Changes through
 * the API are fenced and need no waiting (see the replica test and the identity tests).
 */
async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await probe();
  for (let i = 0; i < 50 && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 20));
    v = await probe();
  }
  return v;
}

async function sharedProject() {
  const space = (await org.admin.http.get('/api/v2/filesystem/spaces')).body.data[0];
  const project = await org.admin.http.post('/api/v2/filesystem/projects/create', { displayName: `P ${randomBytes(4).toString('hex')}`, spaceRid: space.rid });
  expect(project.status).toBe(200);
  return project.body.rid as string;
}

describe('cached authentication', () => {
  it('rejects a token revoked outside the API on the next request', async () => {
    const user = await ts.createUser(org);
    expect((await user.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    expect((await user.http.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    await sql`update identity.tokens set revoked_at = now() where user_id = ${user.userId}`.execute(db());
    expectEnvelope(await eventually(() => user.http.get('/api/v2/admin/users/getCurrent'), (r) => r.status !== 200), 401, 'TokenRevoked');
  });

  it('sees a changed user (deactivated, renamed) on the next request', async () => {
    const user = await ts.createUser(org);
    expect((await user.http.get('/api/v2/admin/users/getCurrent')).body.givenName).toBe('Test');
    await sql`update identity.users set given_name = 'Renamed' where id = ${user.userId}`.execute(db());
    expect((await eventually(() => user.http.get('/api/v2/admin/users/getCurrent'), (r) => r.body.givenName === 'Renamed')).body.givenName).toBe('Renamed');
    await sql`update identity.users set status = 'DELETED' where id = ${user.userId}`.execute(db());
    expect((await eventually(() => user.http.get('/api/v2/admin/users/getCurrent'), (r) => r.status !== 200)).status).toBe(401);
  });

  it('applies group membership changes to access on the next request', async () => {
    const user = await ts.createUser(org);
    const group = await org.admin.http.post('/api/v2/admin/groups', { name: `g-${randomBytes(4).toString('hex')}`, organizations: [org.orgRid], attributes: {} });
    expect(group.status).toBe(200);
    const project = await sharedProject();
    const grant = await org.admin.http.post(`/api/v2/filesystem/resources/${project}/roles/add`, {
      roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: group.body.id }, roleId: 'compass:read' }],
    });
    expect(grant.status).toBe(204);
    expect((await user.http.get(`/api/v2/filesystem/resources/${project}`)).status).toBe(404);
    await sql`insert into identity.group_members (group_id, principal_id, principal_type, created_at) values (${group.body.id}, ${user.userId}, 'USER', now())`.execute(db());
    expect((await eventually(() => user.http.get(`/api/v2/filesystem/resources/${project}`), (r) => r.status === 200)).status).toBe(200);
    await sql`delete from identity.group_members where principal_id = ${user.userId}`.execute(db());
    expect((await eventually(() => user.http.get(`/api/v2/filesystem/resources/${project}`), (r) => r.status !== 200)).status).toBe(404);
  });

  it('stops honouring a session signed out everywhere', async () => {
    const user = await ts.createUser(org);
    const login = await ts.anonymous.post('/api/v2/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    const browser = new HttpClient(ts.url);
    browser.setCookie('of_session', /of_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!);
    expect((await browser.get('/api/v2/auth/session')).status).toBe(200);
    await sql`update identity.sessions set revoked_at = now() where user_id = ${user.userId}`.execute(db());
    expect((await eventually(() => browser.get('/api/v2/auth/session'), (r) => r.status !== 200)).status).toBe(401);
  });
});

describe.runIf(!!process.env.DATABASE_URL)('cached authentication across replicas', () => {
  let replica: Server;
  let dataDir: string;

  beforeAll(async () => {
    const url = (ts.server.platform.database as { url?: string }).url!;
    dataDir = mkdtempSync(join(tmpdir(), 'of-replica-'));
    const config = loadConfig({ PORT: '0', OPENFOUNDRY_DATA_DIR: dataDir, OPENFOUNDRY_LOG_LEVEL: 'silent', OPENFOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') });
    replica = await createServer(config, { database: await openDatabase({ url, poolSize: 3 }) });
  });
  afterAll(async () => {
    await replica?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects on replica B a token revoked through replica A', async () => {
    const replicaUrl = await replica.listen();
    const user = await ts.createUser(org);
    const onB = new HttpClient(replicaUrl, user.token);
    expect((await onB.get('/api/v2/admin/users/getCurrent')).status).toBe(200);
    const list = await user.http.get('/api/v2/auth/tokens');
    const revoke = await user.http.post(`/api/v2/auth/tokens/${list.body.data[0].id}/revoke`);
    expect(revoke.status).toBeLessThan(300);
    // On the replica that made the change, the very next request is rejected (fenced).
    expect((await user.http.get('/api/v2/admin/users/getCurrent')).status).toBe(401);
    // Delivery is asynchronous (on commit, over B's LISTEN connection): allow it a moment.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      status = (await onB.get('/api/v2/admin/users/getCurrent')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });
});
