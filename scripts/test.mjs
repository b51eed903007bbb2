// `npm test`: static checks, then the whole suite on embedded PGlite, then (when DATABASE_URL is
// set) the same suite against that PostgreSQL, then the browser journey. Prints one closing
// line with the totals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const outDir = join(root, 'node_modules/.cache/openfoundry-test');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const args = process.argv.slice(2);
const only = (name) => args.length === 0 || args.includes(name);
const databaseUrl = process.env.DATABASE_URL;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, cmd, cmdArgs, env = {}) {
  process.stdout.write(`\n=== ${label}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) failures.push(label);
  return r.status === 0;
}

function vitest(label, config, env) {
  const report = join(outDir, `${label.replace(/\W+/g, '-')}.json`);
  run(label, bin('vitest'), ['run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], env);
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
  }
}

const withoutDb = { ...process.env };
delete withoutDb.DATABASE_URL;

if (only('static')) {
  run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  run('lint', bin('eslint'), ['--max-warnings=0', '.']);
  run('openapi drift', process.execPath, ['--import', 'tsx', 'apps/server/src/openapi-export.ts', '--check'], { DATABASE_URL: '' });
  run('sdk drift', process.execPath, ['sdks/typescript/scripts/generate.mjs', '--check']);
  run('buf lint', bin('buf'), ['lint', 'proto']);
  run('buf breaking', process.execPath, [join(root, 'scripts/buf-breaking.mjs')]);
}
if (only('unit')) {
  vitest('suite on PGlite', 'vitest.config.ts', { DATABASE_URL: '' });
  if (databaseUrl) vitest('suite on PostgreSQL', 'vitest.config.ts', { DATABASE_URL: databaseUrl });
  else process.stdout.write('\n(DATABASE_URL is not set: skipping the PostgreSQL run)\n');
}
if (only('e2e')) {
  if (existsSync('/usr/bin/chromium')) vitest('browser journey', 'vitest.e2e.config.ts', { DATABASE_URL: '' });
  else if (process.env.CI) failures.push('browser journey (Chromium missing: apt-get install -y chromium)');
  else process.stdout.write('\n(/usr/bin/chromium not found: skipping the browser journey; apt-get install -y chromium)\n');
}

if (failures.length) process.stdout.write(`\nFailed steps: ${failures.join('; ')}\n`);
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failures.length ? 1 : 0);
