// buf breaking against the main branch. On main itself (or a clone without main's history) the
// comparison is against the last commit that touched proto/ before HEAD, so a commit that breaks
// a contract fails even when it lands straight on main.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const git = (...a) => spawnSync('git', a, { cwd: root, encoding: 'utf8' });
const buf = join(root, 'node_modules/.bin/buf');

const branch = git('rev-parse', '--abbrev-ref', 'HEAD').stdout.trim();
const hasMain = git('rev-parse', '--verify', '--quiet', 'refs/heads/main').status === 0;
let against;
if (hasMain && branch !== 'main') {
  against = '.git#branch=main,subdir=proto';
} else {
  const base = git('rev-parse', '--verify', '--quiet', 'HEAD~1').stdout.trim();
  const touched = base && git('ls-tree', '-d', base, 'proto').stdout.trim();
  if (!touched) {
    process.stdout.write('buf breaking: no earlier proto/ to compare against\n');
    process.exit(0);
  }
  against = `.git#ref=${base},subdir=proto`;
}
const r = spawnSync(buf, ['breaking', 'proto', '--against', against], { cwd: root, stdio: 'inherit' });
if (r.status === 0) process.stdout.write(`buf breaking: no breaking changes against ${against}\n`);
process.exit(r.status ?? 1);
