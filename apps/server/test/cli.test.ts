import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sql, type Database } from '@openfoundry/db';
import { openTestDatabase } from '@openfoundry/testkit/database';

const bin = join(import.meta.dirname, '../bin/openfoundry.mjs');
const usePg = !!process.env.DATABASE_URL;

let dataDir: string;
let pgDb: (Database & { url?: string }) | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'of-cli-'));
  env = { OPENFOUNDRY_DATA_DIR: dataDir, OPENFOUNDRY_LOG_LEVEL: 'warn', DATABASE_URL: '' };
  if (usePg) {
    pgDb = await openTestDatabase();
    env = { ...env, DATABASE_URL: pgDb.url!, OPENFOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') };
  }
});
afterAll(async () => {
  await pgDb?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(opts.stdin ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function serve(extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stdout: () => out });
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

/** Runs `fn` against the CLI's database directly (for tampering), with the server stopped. */
async function withDb(fn: (db: Database) => Promise<void>) {
  if (pgDb) return fn(pgDb);
  const db = await openDatabase({ dataDir: join(dataDir, 'pg') });
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

describe('openfoundry CLI', () => {
  it('prints every configuration problem and exits 1', async () => {
    const r = await cli(['serve'], { env: { PORT: 'abc', OPENFOUNDRY_ADMIN_EMAIL: 'not-an-email', OPENFOUNDRY_LOG_LEVEL: 'loud' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PORT');
    expect(r.stderr).toContain('OPENFOUNDRY_ADMIN_EMAIL');
    expect(r.stderr).toContain('OPENFOUNDRY_LOG_LEVEL');
  });

  it('migrates, then reports the database up to date', async () => {
    const first = await cli(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/identity: applied/);
    const second = await cli(['migrate']);
    expect(second.stdout).toMatch(/identity: up to date/);
  });

  it('prints a one-time setup link on first start without admin settings', async () => {
    const s = await serve();
    expect(s.stdout()).toMatch(/setup\?token=[A-Za-z0-9_-]{20,}/);
    expect(await stop(s.child)).toBe(0);
  });

  it('creates the first admin from stdin and a token that works against the server', async () => {
    const created = await cli(['admin', 'create', '--org', 'Acme', '--email', 'root@acme.test'], { stdin: 'correct horse battery staple\n' });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('root@acme.test');
    expect(created.stdout).not.toContain('correct horse');

    const token = await cli(['token', 'create', '--email', 'root@acme.test', '--name', 'ci', '--expires-in', '2h']);
    expect(token.code, token.stderr).toBe(0);
    const secret = token.stdout.trim();
    expect(secret.length).toBeGreaterThan(30);

    const badDuration = await cli(['token', 'create', '--email', 'root@acme.test', '--name', 'x', '--expires-in', 'forever']);
    expect(badDuration.code).toBe(1);
    const unknownUser = await cli(['token', 'create', '--email', 'nobody@acme.test', '--name', 'x']);
    expect(unknownUser.code).toBe(1);

    const s = await serve();
    try {
      expect(s.stdout()).not.toContain('setup?token=');
      const me = await fetch(`${s.url}/api/v2/admin/users/getCurrent`, { headers: { authorization: `Bearer ${secret}` } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { email: string }).email).toBe('root@acme.test');
      if (!usePg) {
        // The embedded data directory belongs to the running server.
        const locked = await cli(['token', 'create', '--email', 'root@acme.test', '--name', 'y']);
        expect(locked.code).toBe(1);
        expect(locked.stderr).toContain('in use');
      }
    } finally {
      expect(await stop(s.child)).toBe(0);
    }
  });

  it('finishes in-flight requests on SIGTERM', async () => {
    const s = await serve();
    const body = JSON.stringify({ email: 'root@acme.test', password: 'correct horse battery staple' });
    const responded = new Promise<number>((resolve, reject) => {
      const req = request(`${s.url}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      // Send half the body, signal the server, then the rest: the request is in flight during shutdown.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        s.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    expect(await responded).toBe(200);
    expect(await new Promise((r) => s.child.once('exit', r))).toBe(0);
  });

  it('verifies the audit chain and reports tampering', async () => {
    const ok = await cli(['audit', 'verify']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/OK\s+ri\.multipass\.\.organization\./);

    await withDb(async (d) => {
      await sql`update audit.events set category = 'tampered' where seq = 1 and chain like 'ri.multipass%'`.execute(d.db);
    });
    const bad = await cli(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL\s+ri\.multipass/);
    expect(bad.stdout).toContain('event #1');
    expect(bad.stdout).toContain('modified');
  });
});
