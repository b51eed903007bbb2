/**
 * Foundation benchmark (issue 2): cold start to /ready, and authenticated
 * `GET /api/v2/admin/users/getCurrent` throughput and p99 against a bare Fastify route measured
 * in the same run on the same machine. Target: >= 50% of the bare route's requests/s.
 *
 * Run: npm run bench -- foundation   (writes bench/out/foundation.json; copy figures to RESULTS.md)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createToken, serverEnv, stop, waitForReady } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * On a machine with two or more cores, servers run on core 0 and this process (the load
 * generator) on core 1, so the generator does not steal CPU from the server it measures and both
 * servers are measured under the same conditions. Without taskset, nothing is pinned.
 */
const PIN = availableParallelism() >= 2 && spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;

function spawnServer(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return PIN ? spawn('taskset', ['-c', '0', process.execPath, ...args], options) : spawn(process.execPath, args, options);
}

function waitForLine(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code}: ${buf}`)));
  });
}

async function startServer(dataDir: string, port: number): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawnServer([join(root, 'apps/server/bin/openfoundry.mjs'), 'serve', '--port', String(port), '--data-dir', dataDir], {
    cwd: root,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForReady(child, port);
  return { child, readyMs: performance.now() - t0 };
}

async function load(url: string, headers: Record<string, string> = {}) {
  // Warm up (JIT, connection pools), then measure.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { requestsPerSec: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, total: r.requests.total };
}

/** The round with the median throughput (its latencies come with it). */
function median<T extends { requestsPerSec: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[Math.floor(runs.length / 2)]!;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'of-bench-'));
  const port = 18_500 + Math.floor(Math.random() * 400);
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, durationS: DURATION_S, connections: CONNECTIONS, rounds: ROUNDS, pinnedCores: PIN, logLevel: 'warn' };
  try {
    // 1. Cold start: first start (creates the database, migrates, creates the admin), then a restart.
    const first = await startServer(dataDir, port);
    await stop(first.child);
    const restarts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await startServer(dataDir, port);
      restarts.push(s.readyMs);
      await stop(s.child);
    }
    results.coldStart = { firstStartMs: Math.round(first.readyMs), restartMedianMs: Math.round(restarts.sort((a, b) => a - b)[1]!) };

    // 2. Authenticated getCurrent through the whole stack (token lookup, principal, serialisation)
    // against 3. the bare baseline. Both servers stay up and are loaded alternately for several
    // rounds; medians are reported, so drift on the machine affects both alike.
    const { child } = await startServer(dataDir, port);
    const bare = spawnServer([join(root, 'bench/bare-fastify.mjs'), '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const base = `http://127.0.0.1:${port}`;
      const token = await createToken(base, ['api:admin-read']);
      const [, barePort] = await waitForLine(bare, /READY (\d+)/);
      const ours: Awaited<ReturnType<typeof load>>[] = [];
      const theirs: Awaited<ReturnType<typeof load>>[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await load(`${base}/api/v2/admin/users/getCurrent`, { authorization: `Bearer ${token}` }));
        theirs.push(await load(`http://127.0.0.1:${barePort}/user`));
      }
      results.getCurrent = { ...median(ours), rounds: ours.map((r) => r.requestsPerSec) };
      results.bareFastify = { ...median(theirs), rounds: theirs.map((r) => r.requestsPerSec) };
    } finally {
      await stop(child);
      await stop(bare);
    }
    const g = results.getCurrent as { requestsPerSec: number };
    const b = results.bareFastify as { requestsPerSec: number };
    results.throughputRatio = Number((g.requestsPerSec / b.requestsPerSec).toFixed(3));
    results.target = '>= 0.5';
    results.meetsTarget = g.requestsPerSec / b.requestsPerSec >= 0.5;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(join(root, 'bench/out'), { recursive: true });
  writeFileSync(join(root, 'bench/out/foundation.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
