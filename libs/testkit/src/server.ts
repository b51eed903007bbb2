import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServer, loadConfig, type Server, type ServerConfig } from '@openfoundry/server';
import type { Clock } from '@openfoundry/kernel';
import { openTestDatabase } from './database.js';
import { HttpClient } from './http.js';

export interface TestOrg {
  orgRid: string;
  name: string;
  admin: TestUser;
}

export interface TestUser {
  userId: string;
  email: string;
  password: string;
  /** A personal access token with every scope. */
  token: string;
  /** HTTP client authenticated with `token`. */
  http: HttpClient;
}

export interface TestServer {
  url: string;
  server: Server;
  config: ServerConfig;
  /** Everything the server logged (JSON lines), to prove secrets stay out. */
  logs(): string;
  /** An unauthenticated client. */
  anonymous: HttpClient;
  /** Creates an organization with an admin (through the same code path as `openfoundry admin create`). */
  createOrg(name?: string): Promise<TestOrg>;
  /** Creates a user in the org through the admin API and gives it a token. */
  createUser(org: TestOrg, options?: { admin?: boolean; givenName?: string; familyName?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  env?: Record<string, string>;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(3).toString('hex')}`;

/** Starts the real server on a free loopback port over a fresh database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'of-test-'));
  const database = await openTestDatabase();
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      OPENFOUNDRY_DATA_DIR: dataDir,
      OPENFOUNDRY_LOG_LEVEL: 'info',
      OPENFOUNDRY_SECRET_KEY: randomBytes(32).toString('base64'),
      ...options.env,
    },
    {},
  );
  let log = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const server = await createServer(config, { database, logStream, ...(options.clock ? { clock: options.clock } : {}) });
  const url = await server.listen();
  // The public URL must point at the real port for redirects (OAuth, SSO).
  (config as { publicUrl: string }).publicUrl = url;
  const identity = server.platform.identity;

  const ts: TestServer = {
    url,
    server,
    config,
    logs: () => log,
    anonymous: new HttpClient(url),
    async createOrg(name = `Org ${unique()}`) {
      const email = `admin-${unique()}@example.test`;
      const password = `pw-${randomUUID()}`;
      const r = await identity.bootstrap.createOrganizationWithAdmin({ orgName: name, email, password });
      const t = await identity.bootstrap.createPersonalAccessToken({ email, name: 'test', expiresInMs: 3_600_000 });
      return { orgRid: r.orgRid, name, admin: { userId: r.userId, email, password, token: t.token, http: new HttpClient(url, t.token) } };
    },
    async createUser(org, opts = {}) {
      const email = `user-${unique()}@example.test`;
      const password = `pw-${randomUUID()}`;
      const res = await org.admin.http.post('/api/v2/admin/users', {
        email,
        username: email,
        givenName: opts.givenName ?? 'Test',
        familyName: opts.familyName ?? 'User',
        password,
        organizationAdmin: opts.admin ?? false,
      });
      if (res.status !== 200) throw new Error(`createUser failed: ${res.status} ${JSON.stringify(res.body)}`);
      const userId = (res.body as { id: string }).id;
      const t = await identity.bootstrap.createPersonalAccessToken({ email, name: 'test', expiresInMs: 3_600_000 });
      return { userId, email, password, token: t.token, http: new HttpClient(url, t.token) };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return ts;
}
