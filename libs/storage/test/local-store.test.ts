import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_DIR_MARK, LOCAL_INCOMPLETE_DIR, LocalBlobStore, createBlobStore } from '../src/index.js';
import { describeBlobStoreConformance } from './conformance.js';
import { collect } from './helpers.js';

async function countFiles(dir: string): Promise<number> {
  try {
    return (await readdir(dir)).length;
  } catch {
    return 0;
  }
}

describeBlobStoreConformance('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'of-local-store-'));
  const store = createBlobStore({ kind: 'local', dir });
  return {
    store,
    config: { kind: 'local', dir },
    listsIncompleteWrites: true,
    listsInKeyOrder: true,
    maxStorableSegment: 250,
    incompleteCount: () => countFiles(join(dir, LOCAL_INCOMPLETE_DIR)),
    reset: async () => {
      for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    },
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LocalBlobStore specifics', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  async function fresh(clockMs?: { now: number }) {
    const dir = await mkdtemp(join(tmpdir(), 'of-local-store-'));
    dirs.push(dir);
    const store = new LocalBlobStore({ dir }, clockMs ? { clock: { now: () => new Date(clockMs.now) } } : {});
    return { dir, store };
  }

  it('lays keys out as files under marked directories; localPath is the object file itself', async () => {
    const { dir, store } = await fresh();
    await store.put('datasets/ds1/part-0.parquet', Buffer.from('x'));
    await store.put('datasets', Buffer.from('a key that is also a prefix'));
    const file = join(dir, `datasets${LOCAL_DIR_MARK}`, `ds1${LOCAL_DIR_MARK}`, 'part-0.parquet');
    expect((await stat(file)).isFile()).toBe(true);
    expect((await stat(join(dir, 'datasets'))).isFile()).toBe(true);
    expect(await store.localPath('datasets/ds1/part-0.parquet')).toBe(file);
  });

  it('ignores files it did not write and never lists its temp directory', async () => {
    const { dir, store } = await fresh();
    await store.put('k', Buffer.from('1'));
    await mkdir(join(dir, LOCAL_INCOMPLETE_DIR), { recursive: true });
    await writeFile(join(dir, LOCAL_INCOMPLETE_DIR, 'leftover'), 'partial');
    await writeFile(join(dir, 'not a key'), 'foreign');
    await mkdir(join(dir, 'plain-dir'));
    await writeFile(join(dir, 'plain-dir', 'f'), 'foreign');
    expect((await collect(store.list(''))).map((e) => e.key)).toEqual(['k']);
  });

  it('prunes directories emptied by delete', async () => {
    const { dir, store } = await fresh();
    await store.put('a/b/c', Buffer.from('1'));
    await store.put('a/d', Buffer.from('2'));
    await store.delete(['a/b/c']);
    expect(await readdir(join(dir, `a${LOCAL_DIR_MARK}`))).toEqual(['d']);
    await store.delete(['a/d']);
    expect((await readdir(dir)).filter((n) => n !== LOCAL_INCOMPLETE_DIR)).toEqual([]);
    await store.put('a/b/c', Buffer.from('again'));
    expect((await store.stat('a/b/c'))?.sizeBytes).toBe(5);
  });

  it('sweeps only temp files older than the given age', async () => {
    const clock = { now: Date.now() };
    const { dir, store } = await fresh(clock);
    const temp = join(dir, LOCAL_INCOMPLETE_DIR);
    await mkdir(temp, { recursive: true });
    await writeFile(join(temp, 'abandoned'), 'partial');
    expect(await store.sweepIncomplete(60_000)).toBe(0);
    clock.now += 120_000;
    expect(await store.sweepIncomplete(60_000)).toBe(1);
    expect(await readdir(temp)).toEqual([]);
    expect(await new LocalBlobStore({ dir: join(dir, 'never-written') }).sweepIncomplete(0)).toBe(0);
  });

  it('keeps a reader on the version it opened when the key is overwritten', async () => {
    const { store } = await fresh();
    await store.put('v', Buffer.alloc(1024 * 1024, 1));
    const reading = await store.get('v');
    await store.put('v', Buffer.from('two'));
    let total = 0;
    for await (const chunk of reading) {
      expect((chunk as Buffer).every((b) => b === 1)).toBe(true);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(1024 * 1024);
  });
});
