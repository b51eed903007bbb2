import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';

/** `openfoundry dataset import`: a real CLI process uploading to a real server, with progress. */
const bin = join(import.meta.dirname, '../bin/openfoundry.mjs');
let ts: TestServer;
let org: TestOrg;
let dir: string;

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg();
  const spaces = await org.admin.http.get('/api/v2/filesystem/spaces');
  await org.admin.http.post('/api/v2/filesystem/projects/create', { displayName: 'Imports', spaceRid: spaces.body.data[0].rid });
  dir = mkdtempSync(join(tmpdir(), 'of-import-'));
});
afterAll(async () => {
  await ts?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openfoundry dataset import', () => {
  it('creates the dataset, streams the file with progress, and appends on request', async () => {
    const file = join(dir, 'orders.csv');
    writeFileSync(file, ['id,amount', ...Array.from({ length: 50_000 }, (_, i) => `${i},${(i % 100) / 4}`)].join('\n') + '\n');
    const env = { OPENFOUNDRY_TOKEN: org.admin.token, OPENFOUNDRY_URL: ts.url };
    const r = await cli(['dataset', 'import', file, '--to', '/Default/Imports/orders'], env);
    expect(r.stderr).toContain('uploaded 100%');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 50000 rows into \/Default\/Imports\/orders \(ri\.foundry\.main\.dataset\./);
    const rid = /\((ri\.[^)]+)\)/.exec(r.stdout)![1]!;

    const again = await cli(['dataset', 'import', file, '--to', '/Default/Imports/orders', '--transaction-type', 'APPEND'], env);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain('FileAlreadyExists');
    const renamed = join(dir, 'more-orders.csv');
    writeFileSync(renamed, 'id,amount\n1,2.5\n');
    expect((await cli(['dataset', 'import', renamed, '--to', '/Default/Imports/orders', '--transaction-type', 'APPEND'], env)).code).toBe(0);
    const preview = await org.admin.http.get(`/api/v2/datasets/${rid}/preview?limit=1`);
    expect(preview.body.rowCount).toBe(50_001);
  });

  it('reports bad input clearly: a missing folder, an unknown format, no token, a wrong token', async () => {
    const env = { OPENFOUNDRY_TOKEN: org.admin.token, OPENFOUNDRY_URL: ts.url };
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'id,amount\n1,2\n');
    const missing = await cli(['dataset', 'import', file, '--to', '/Default/Nope/x'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('folder /Default/Nope');
    const unknown = join(dir, 'data.xlsx');
    writeFileSync(unknown, 'x');
    expect((await cli(['dataset', 'import', unknown, '--to', '/Default/Imports/x'], env)).stderr).toContain('--format');
    const noToken = await cli(['dataset', 'import', file, '--to', '/Default/Imports/x'], { OPENFOUNDRY_URL: ts.url, OPENFOUNDRY_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('--token');
    const wrongToken = await cli(['dataset', 'import', file, '--to', '/Default/Imports/x'], { OPENFOUNDRY_URL: ts.url, OPENFOUNDRY_TOKEN: 'nope' });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).not.toContain('nope');
  });
});
