/** `npm run bench -- <name>`: runs bench/<name>.bench.ts (all when no name is given). */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
for (const name of wanted.length ? wanted : all) {
  if (!all.includes(name)) throw new Error(`no benchmark named ${name} (have: ${all.join(', ')})`);
  process.stdout.write(`# ${name}\n`);
  await import(join(here, `${name}.bench.ts`));
}
