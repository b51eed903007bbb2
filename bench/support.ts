/** What the benchmarks share: the admin they sign in as, waiting for a server, stopping it, a token. */
import { Pool } from 'undici';
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

/**
 * An open-loop load at `rate` requests/s for `durationS` seconds (wrk2's model): request i is due
 * at start + i / rate whether or not earlier ones have been answered, and its latency is counted
 * from when it was due, so time spent queued behind slow answers (for a free connection, or in
 * the server) is in the figure. autocannon's `overallRate` is not used for this: it lets each
 * connection send its per-second quota back to back at the start of every second (a burst at
 * saturation, then idle), and its coordinated-omission correction assumes a 1 ms interval
 * whatever the rate, adding a made-up sample for every millisecond of every slower answer.
 */
export async function pacedLoad(
  url: string,
  opts: { path: () => string; headers?: Record<string, string>; rate: number; durationS: number; connections: number; warmUpS?: number },
): Promise<{ offeredRequestsPerSec: number; requestsPerSec: number; p50Ms: number; p99Ms: number; maxMs: number; total: number; sent: number }> {
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1 });
  // The first warmUpS seconds (the pool's connections opening, JIT) are sent but not counted.
  const warmUp = Math.round(opts.rate * (opts.warmUpS ?? 2));
  const due = warmUp + Math.round(opts.rate * opts.durationS);
  const latencies: number[] = [];
  const failures: string[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  const send = async (dueAt: number, counted: boolean) => {
    try {
      const res = await pool.request({ method: 'GET', path: opts.path(), headers: opts.headers ?? {} });
      await res.body.dump();
      if (res.statusCode >= 300) failures.push(String(res.statusCode));
      else if (counted) latencies.push(performance.now() - dueAt);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  };
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < due && start + (sent * 1000) / opts.rate <= now) inFlight.push(send(start + (sent * 1000) / opts.rate, sent++ >= warmUp));
      // A timer, not a busy loop: the generator must not take a core from the servers it measures.
      if (sent < due) setTimeout(tick, Math.max(0, start + (sent * 1000) / opts.rate - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start - (warmUp * 1000) / opts.rate) / 1000;
  await pool.close();
  if (failures.length) throw new Error(`${url}: ${failures.length} of ${due} requests failed (${[...new Set(failures)].slice(0, 3).join(', ')})`);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]! * 10) / 10;
  return { offeredRequestsPerSec: opts.rate, requestsPerSec: Math.round(latencies.length / elapsedS), p50Ms: at(50), p99Ms: at(99), maxMs: at(100), total: latencies.length, sent: due };
}
