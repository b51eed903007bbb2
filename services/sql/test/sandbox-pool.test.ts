import { afterAll, describe, expect, it } from 'vitest';
import { closeSandboxSpares, openSandbox, type Sandbox } from '@openfoundry/engine';
import { SandboxPool } from '../src/sandbox-pool.js';

/** Real sandboxes (no tables: queries over VALUES are enough to tell open from closed). */
const open = () => openSandbox({ tables: [], threads: 1, memoryLimit: '64MB' });
const works = (s: Sandbox) =>
  s.query('SELECT 1', { rowLimit: 1, timeoutMs: 5000 }).then(
    () => true,
    (e: { errorName?: string }) => (e.errorName === 'SandboxClosed' ? false : Promise.reject(e)),
  );
const settle = () => new Promise((r) => setTimeout(r, 20));

afterAll(async () => {
  await closeSandboxSpares();
});

describe('SandboxPool', () => {
  it('hands a released sandbox to the next acquire of the same key only', async () => {
    const pool = new SandboxPool({ idleMs: 60_000, maxIdle: 4 });
    const first = await pool.acquire('alice/sales@t1', open);
    pool.release('alice/sales@t1', first, true);
    expect(pool.size).toBe(1);
    expect(await pool.acquire('alice/sales@t1', open)).toBe(first);
    // Another user, or other versions, never get it.
    const other = await pool.acquire('bob/sales@t1', open);
    expect(other).not.toBe(first);
    pool.release('alice/sales@t1', first, true);
    const newer = await pool.acquire('alice/sales@t2', open);
    expect(newer).not.toBe(first);
    for (const s of [other, newer]) await s.close();
    await pool.closeAll();
    await settle();
    expect(await works(first)).toBe(false);
  });

  it('closes a sandbox whose query did not end normally, a second one for a kept key, and the least recently used past maxIdle', async () => {
    const pool = new SandboxPool({ idleMs: 60_000, maxIdle: 2 });
    const failed = await open();
    pool.release('k0', failed, false);
    await settle();
    expect(await works(failed)).toBe(false);
    const [a, b, c, twin] = [await open(), await open(), await open(), await open()];
    pool.release('a', a, true);
    pool.release('a', twin, true);
    pool.release('b', b, true);
    pool.release('c', c, true);
    await settle();
    expect(pool.size).toBe(2);
    expect(await works(twin)).toBe(false);
    expect(await works(a)).toBe(false);
    expect(await works(b)).toBe(true);
    expect(await works(c)).toBe(true);
    await pool.closeAll();
    // After closeAll nothing is kept.
    const late = await open();
    pool.release('late', late, true);
    await settle();
    expect(pool.size).toBe(0);
    expect(await works(late)).toBe(false);
  });

  it('closes a sandbox left unused for idleMs', async () => {
    const pool = new SandboxPool({ idleMs: 50, maxIdle: 2 });
    const s = await open();
    pool.release('k', s, true);
    await new Promise((r) => setTimeout(r, 150));
    expect(pool.size).toBe(0);
    expect(await works(s)).toBe(false);
    await pool.closeAll();
  });
});
