import { openSandbox, closeSandboxSpares } from '../libs/engine/src/sandbox.ts';
import { readdirSync } from 'node:fs';
const files = readdirSync('/tmp').filter((f) => /^parts-out-\d+\.parquet$/.test(f)).map((f) => `/tmp/${f}`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (let round = 0; round < 2; round++) {
  const open: number[] = [], query: number[] = [], close: number[] = [];
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    const s = await openSandbox({ tables: [{ name: 'big', files }], memoryLimit: '512MB', threads: 2 });
    open.push(performance.now() - t);
    t = performance.now();
    await s.query('SELECT count(*) FROM big', { rowLimit: 10, timeoutMs: 10000 });
    query.push(performance.now() - t);
    t = performance.now();
    await s.close();
    close.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 30));
  }
  console.log(`files ${files.length}: open ${med(open).toFixed(1)} ms, count(*) ${med(query).toFixed(1)} ms, close ${med(close).toFixed(1)} ms`);
}
await closeSandboxSpares();
