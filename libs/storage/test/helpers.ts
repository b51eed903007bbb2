import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { StorageConfig } from '../src/index.js';

/** Reads a stream whole (test objects only, never the large one). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Yields `data` in uneven chunks, so stores cannot depend on chunk boundaries. */
export async function* chunked(data: Uint8Array, sizes = [1, 7, 4096, 65_537]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.byteLength; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

/** Deterministic pseudo-random bytes (xorshift), generated chunk by chunk. */
export function pseudoRandom(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The rejection of a promise that must reject. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crash-put.ts');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Runs a put in a child process and SIGKILLs it mid-body, leaving whatever a crash leaves
 * (a temp file, an open multipart upload).
 */
export async function crashDuringPut(config: StorageConfig, key: string, bytes: number): Promise<void> {
  const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', fixture, JSON.stringify(config), key, String(bytes)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`crash-put child exited early (${code}): ${stderr}`)));
    });
  } finally {
    // Also when the test times out or fails: never leave the child running.
    child.kill('SIGKILL');
    await exited;
  }
}
