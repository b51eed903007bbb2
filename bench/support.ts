/** What the benchmarks share: the admin they sign in as, waiting for a server, stopping it, a token. */
import type { ChildProcess } from 'node:child_process';

/** The first admin every benchmark's server is started with (`OPENFOUNDRY_ADMIN_*`). */
export const ADMIN = { email: 'bench-admin@example.test', password: 'bench-password-long-enough' };

/** The server's environment: embedded PGlite, quiet logs, the bench admin, plus `extra`. */
export function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: '', OPENFOUNDRY_LOG_LEVEL: 'warn', OPENFOUNDRY_ADMIN_EMAIL: ADMIN.email, OPENFOUNDRY_ADMIN_PASSWORD: ADMIN.password, ...extra };
}

/** Polls `/ready` until the server answers 200; fails if it exits first. */
export async function waitForReady(child: ChildProcess, port: number, pollMs = 10): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ready`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** SIGTERM, then waits for the exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Signs in as the bench admin and creates a personal access token (`scopes` as the API takes them). */
export async function createToken(base: string, scopes?: string[]): Promise<string> {
  const login = await fetch(`${base}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const created = await fetch(`${base}/api/v2/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'bench', expiresInDays: 1, ...(scopes ? { scopes } : {}) }),
  });
  if (created.status !== 200) throw new Error(`token create failed: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}
