import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../src/duckdb.js';

/** One engine and one temp dir per test file, removed afterwards. */
export function useEngine(): { engine: () => Engine; dir: () => string; file: (name: string, content: string | Uint8Array) => Promise<string> } {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    engine = await createEngine({ threads: 2 });
    dir = await mkdtemp(join(tmpdir(), 'engine-test-'));
  });
  afterAll(async () => {
    engine?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    engine: () => engine,
    dir: () => dir,
    file: async (name, content) => {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
  };
}
