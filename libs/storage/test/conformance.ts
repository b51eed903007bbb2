import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  InvalidBlobKeyError,
  InvalidBlobRangeError,
  StorageBackendError,
  type BlobEntry,
  type BlobStore,
  type StorageConfig,
} from '../src/index.js';
import { chunked, collect, crashDuringPut, pseudoRandom, readAll, rejection, sha256 } from './helpers.js';

/** One backend under test, as a factory builds it. */
export interface ConformanceSubject {
  store: BlobStore;
  /** The same store as configuration, for the crash test's child process. */
  config: StorageConfig;
  /**
   * The backend can list (and so sweep) incomplete writes. False for s3rver, which answers
   * ListMultipartUploads with 501 NotImplemented.
   */
  listsIncompleteWrites: boolean;
  /**
   * The backend lists in byte order of keys, as S3 does. False for s3rver, which lists in the
   * order of its own on-disk walk (`a/b/c` before `a/b`).
   */
  listsInKeyOrder: boolean;
  /**
   * Longest key segment the backend can store. s3rver appends `._S3rver_metadata.json` to the last
   * segment on its disk, so it fails (ENAMETOOLONG) below our 250-character limit.
   */
  maxStorableSegment: number;
  /** How many incomplete writes the backend holds right now, when the test can see that. */
  incompleteCount?: () => Promise<number>;
  /** Empties the store between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const byteOrder = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

// vitest gives no --expose-gc; the flag can still be set at run time, and a fresh context then
// exposes the collector (used only to measure live memory, never to run code).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The behaviour every {@link BlobStore} must have, run once per backend. Backend-specific
 * branches are marked and explain the server limitation they work around.
 */
export function describeBlobStoreConformance(name: string, factory: () => Promise<ConformanceSubject>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: BlobStore;

    /** The keys of a listing; re-sorted only for a backend known not to list in order. */
    const listed = (entries: BlobEntry[]) => {
      const keys = entries.map((e) => e.key);
      return subject.listsInKeyOrder ? keys : keys.sort(byteOrder);
    };

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close();
    });
    beforeEach(async () => {
      await subject.reset();
    });

    it('round-trips put, get, stat, list and delete', async () => {
      const content = Buffer.from('hello, blob store\n');
      const before = Date.now();
      const info = await store.put('datasets/ds1/files/hello.txt', content);
      expect(info).toEqual({ key: 'datasets/ds1/files/hello.txt', sizeBytes: content.length, sha256: sha256(content) });

      expect(await readAll(await store.get('datasets/ds1/files/hello.txt'))).toEqual(content);
      const entry = await store.stat('datasets/ds1/files/hello.txt');
      expect(entry?.sizeBytes).toBe(content.length);
      expect(entry?.key).toBe('datasets/ds1/files/hello.txt');
      // S3 keeps whole seconds.
      expect(entry!.lastModified.getTime()).toBeGreaterThan(before - 2000);
      expect((await collect(store.list(''))).map((e) => [e.key, e.sizeBytes])).toEqual([['datasets/ds1/files/hello.txt', content.length]]);

      await store.delete(['datasets/ds1/files/hello.txt']);
      expect(await store.stat('datasets/ds1/files/hello.txt')).toBeUndefined();
      expect(await collect(store.list(''))).toEqual([]);
      await expect(store.get('datasets/ds1/files/hello.txt')).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('stores binary content byte for byte, from a buffer or uneven stream chunks', async () => {
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const random = pseudoRandom(300_000, 42);
      const fromBuffer = await store.put('bin/every-byte', everyByte);
      const fromStream = await store.put('bin/random', chunked(random));
      expect(fromBuffer.sha256).toBe(sha256(everyByte));
      expect(fromStream).toEqual({ key: 'bin/random', sizeBytes: random.length, sha256: sha256(random) });
      expect((await readAll(await store.get('bin/every-byte'))).equals(everyByte)).toBe(true);
      expect((await readAll(await store.get('bin/random'))).equals(random)).toBe(true);
    });

    it('stores empty blobs', async () => {
      const emptySha = sha256(new Uint8Array(0));
      expect(await store.put('empty/buffer', new Uint8Array(0))).toEqual({ key: 'empty/buffer', sizeBytes: 0, sha256: emptySha });
      expect(await store.put('empty/stream', (async function* () {})())).toEqual({ key: 'empty/stream', sizeBytes: 0, sha256: emptySha });
      for (const key of ['empty/buffer', 'empty/stream']) {
        expect((await readAll(await store.get(key))).length).toBe(0);
        expect((await store.stat(key))?.sizeBytes).toBe(0);
        expect((await readFile(await store.localPath(key))).length).toBe(0);
      }
    });

    it('streams a 64 MiB body without holding it in memory, hashing it on the way', async () => {
      const total = 64 * MiB;
      const chunkSize = 256 * 1024;
      const sampleEvery = (8 * MiB) / chunkSize;
      // Live memory, measured after forced collections: without them, garbage the store already
      // dropped (every chunk passes through hashing and copies) would count as held.
      const liveBytes = () => {
        gc();
        gc(); // the second one completes the freeing of array buffers the first found dead
        const m = process.memoryUsage();
        return m.heapUsed + m.external;
      };
      const expected = createHash('sha256');
      const baseline = liveBytes();
      let peak = baseline;
      // Fresh chunks (stores may keep references while uploading), made only when pulled. Memory
      // is sampled on the data path (every 8 MiB pulled), not on a timer: deterministic, and a
      // store that buffers is caught holding everything it has pulled so far.
      async function* generate(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < total / chunkSize; i++) {
          if (i % sampleEvery === 0) peak = Math.max(peak, liveBytes());
          const chunk = Buffer.alloc(chunkSize, i % 251);
          chunk.writeUInt32BE(i, 0);
          expected.update(chunk);
          yield chunk;
        }
        peak = Math.max(peak, liveBytes());
      }
      const info = await store.put('large/64mib.bin', generate());
      expect(info).toEqual({ key: 'large/64mib.bin', sizeBytes: total, sha256: expected.digest('hex') });
      // Buffering would hold about 64 MiB by the last sample. Streaming holds a bounded window
      // (measured: local < 1 MiB; S3 at 2 parallel parts 16-22 MiB, at 4 up to 37 MiB: 5 MiB
      // multipart parts in flight and in assembly, plus the in-process S3 server).
      expect(peak - baseline).toBeLessThan(40 * MiB);

      const readBack = createHash('sha256');
      let read = 0;
      for await (const chunk of await store.get('large/64mib.bin')) {
        readBack.update(chunk as Uint8Array);
        read += (chunk as Uint8Array).byteLength;
      }
      expect(read).toBe(total);
      expect(readBack.digest('hex')).toBe(info.sha256);
      expect((await store.stat('large/64mib.bin'))?.sizeBytes).toBe(total);
    }, 180_000);

    it('reads byte ranges with an inclusive end, clamped to the object', async () => {
      const content = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      await store.put('ranges/obj', content);
      const range = async (start: number, end?: number) => readAll(await store.get('ranges/obj', end === undefined ? { start } : { start, end }));
      expect(await range(10, 19)).toEqual(content.subarray(10, 20));
      expect(await range(90)).toEqual(content.subarray(90));
      expect(await range(95, 500)).toEqual(content.subarray(95));
      expect(await range(99, 99)).toEqual(content.subarray(99));
      expect(await range(0, 1)).toEqual(content.subarray(0, 2));
      expect(await rejection(range(100))).toBeInstanceOf(InvalidBlobRangeError);
      expect(await rejection(range(5, 4))).toBeInstanceOf(InvalidBlobRangeError);
      expect(await rejection(range(-1))).toBeInstanceOf(InvalidBlobRangeError);
      expect(await rejection(range(1.5))).toBeInstanceOf(InvalidBlobRangeError);
    });

    it('refuses a body over maxBytes after reading little more than the limit, storing nothing', async () => {
      const maxBytes = 6 * MiB; // above one multipart part, so S3 has started a multipart upload
      let pulled = 0;
      // Practically endless: a store that does not stop reading gets this error instead of its own.
      async function* endless(): AsyncGenerator<Uint8Array> {
        for (;;) {
          if (pulled > maxBytes + 32 * MiB) throw new Error('the store kept reading far past maxBytes');
          const chunk = Buffer.alloc(64 * 1024, 1);
          pulled += chunk.length;
          yield chunk;
        }
      }
      const error = await rejection(store.put('limits/too-big', endless(), { maxBytes }));
      expect(error).toBeInstanceOf(BlobTooLargeError);
      expect(error).toMatchObject({ errorCode: 'REQUEST_ENTITY_TOO_LARGE', errorName: 'FileTooLarge', parameters: { maxBytes } });
      // The overflowing chunk plus a small read-ahead buffer.
      expect(pulled).toBeLessThanOrEqual(maxBytes + 4 * 64 * 1024);

      await expect(store.put('limits/too-big-buffer', new Uint8Array(11), { maxBytes: 10 })).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await store.put('limits/exact', new Uint8Array(10), { maxBytes: 10 })).toMatchObject({ sizeBytes: 10 });
      expect(await store.put('limits/exact-stream', chunked(new Uint8Array(10), [3]), { maxBytes: 10 })).toMatchObject({ sizeBytes: 10 });
      await expect(store.put('limits/zero', chunked(new Uint8Array(1)), { maxBytes: 0 })).rejects.toBeInstanceOf(BlobTooLargeError);

      for (const key of ['limits/too-big', 'limits/too-big-buffer', 'limits/zero']) expect(await store.stat(key)).toBeUndefined();
      expect(listed(await collect(store.list('')))).toEqual(['limits/exact', 'limits/exact-stream']);
      if (subject.incompleteCount) expect(await subject.incompleteCount()).toBe(0);
    });

    it('overwrites a key with new content', async () => {
      await store.put('over/key', Buffer.from('first version, longer'));
      const info = await store.put('over/key', Buffer.from('second'));
      expect(info.sizeBytes).toBe(6);
      expect((await readAll(await store.get('over/key'))).toString()).toBe('second');
      expect((await store.stat('over/key'))?.sizeBytes).toBe(6);
      expect((await collect(store.list('over/'))).map((e) => e.key)).toEqual(['over/key']);
    });

    it('refuses invalid keys and prefixes in every operation', async () => {
      const invalid = ['', 'a/../b', '../a', '/etc/passwd', 'a//b', 'a/', 'a\\b', '.', '..', 'a/./b', 'a\u0000b', 'a\nb', 'a b', 'caf\u00e9', 'a:b', 'x'.repeat(251), Array(5).fill('x'.repeat(204)).join('/') + 'x'];
      for (const key of invalid) {
        await expect(store.put(key, Buffer.from('x')), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.stat(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.delete(['ok', key]), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.localPath(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
      for (const prefix of ['a', '/a/', 'a//', '../', 'a/../']) {
        await expect(collect(store.list(prefix)), prefix).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
      expect(await store.stat('ok')).toBeUndefined(); // the valid key of the refused delete batch was untouched
      // Unusual but valid.
      const longest = Math.min(250, subject.maxStorableSegment);
      for (const key of ['.hidden', 'a..b', '-_.', '...', 'x'.repeat(longest), Array(5).fill('x'.repeat(204)).join('/')]) {
        await store.put(key, Buffer.from(key));
        expect((await readAll(await store.get(key))).toString()).toBe(key);
      }
    });

    it('answers a missing key with BlobNotFoundError (get, localPath) or undefined (stat)', async () => {
      const error = await rejection(store.get('missing/key'));
      expect(error).toBeInstanceOf(BlobNotFoundError);
      expect(error).toMatchObject({ errorName: 'BlobNotFound', statusCode: 404, parameters: { key: 'missing/key' } });
      await expect(store.localPath('missing/key')).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await store.stat('missing/key')).toBeUndefined();
      await store.delete(['missing/key', 'also/missing']);
      await store.delete([]);
    });

    it('lists in key order under a prefix, including a key that is also a prefix of others', async () => {
      const keys = ['a/b/c', 'a0', 'a.c', 'a-x', 'a/b', 'a', 'b/x', 'a/b.d', 'A'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      const sorted = [...keys].sort(byteOrder); // as S3 lists
      expect(listed(await collect(store.list('')))).toEqual(sorted);
      expect(listed(await collect(store.list('a/')))).toEqual(['a/b', 'a/b.d', 'a/b/c']);
      expect((await collect(store.list('a/b/'))).map((e) => [e.key, e.sizeBytes])).toEqual([['a/b/c', 5]]);
      expect(await collect(store.list('zzz/'))).toEqual([]);
      // Both the object `a/b` and the objects under `a/b/` stay readable.
      expect((await readAll(await store.get('a/b'))).toString()).toBe('a/b');
      expect((await readAll(await store.get('a/b/c'))).toString()).toBe('a/b/c');
      await store.delete(['a/b/c']);
      expect(listed(await collect(store.list('a/')))).toEqual(['a/b', 'a/b.d']);
    });

    it('never shows a partial object while a slow put is in progress', async () => {
      await store.put('slow/existing', Buffer.from('old content, complete'));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let halfway!: () => void;
      const reachedHalfway = new Promise<void>((r) => (halfway = r));
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('new content, ');
        halfway();
        await released;
        yield Buffer.from('complete');
      }

      const fresh = store.put('slow/fresh', slow());
      await reachedHalfway;
      await sleep(100); // let the store write what it has
      expect(await store.stat('slow/fresh')).toBeUndefined();
      await expect(store.get('slow/fresh')).rejects.toBeInstanceOf(BlobNotFoundError);
      expect((await collect(store.list('slow/'))).map((e) => e.key)).toEqual(['slow/existing']);
      release();
      await fresh;
      expect((await readAll(await store.get('slow/fresh'))).toString()).toBe('new content, complete');

      // An overwrite in progress: readers keep getting the whole old version.
      let release2!: () => void;
      const released2 = new Promise<void>((r) => (release2 = r));
      let halfway2!: () => void;
      const reachedHalfway2 = new Promise<void>((r) => (halfway2 = r));
      const overwrite = store.put(
        'slow/existing',
        (async function* () {
          yield Buffer.from('NEW');
          halfway2();
          await released2;
          yield Buffer.from(' VERSION');
        })(),
      );
      await reachedHalfway2;
      await sleep(100);
      expect((await readAll(await store.get('slow/existing'))).toString()).toBe('old content, complete');
      expect((await store.stat('slow/existing'))?.sizeBytes).toBe(21);
      release2();
      await overwrite;
      expect((await readAll(await store.get('slow/existing'))).toString()).toBe('NEW VERSION');
    });

    it('gives a local file path with the content, following overwrites and deletes', async () => {
      const content = pseudoRandom(100_000, 7);
      await store.put('paths/data.parquet', content);
      const path = await store.localPath('paths/data.parquet');
      expect(path.endsWith('data.parquet')).toBe(true); // engines pick the reader by extension
      expect((await readFile(path)).equals(content)).toBe(true);
      expect(await store.localPath('paths/data.parquet')).toBe(path);

      await store.put('paths/data.parquet', Buffer.from('replaced'));
      expect((await readFile(await store.localPath('paths/data.parquet'))).toString()).toBe('replaced');
      await store.delete(['paths/data.parquet']);
      await expect(store.localPath('paths/data.parquet')).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('leaves nothing visible when the body fails midway, and the failure is the caller\u2019s own error', async () => {
      const boom = new Error('source failed');
      async function* failing(): AsyncGenerator<Uint8Array> {
        // Past one multipart part, so S3 has a multipart upload to abort.
        for (let i = 0; i < 7; i++) yield Buffer.alloc(MiB, i);
        throw boom;
      }
      expect(await rejection(store.put('broken/obj', failing()))).toBe(boom);
      expect(await store.stat('broken/obj')).toBeUndefined();
      expect(await collect(store.list(''))).toEqual([]);
      if (subject.incompleteCount) expect(await subject.incompleteCount()).toBe(0);

      if (subject.listsIncompleteWrites) {
        // Whatever is left is swept; a second sweep finds nothing.
        await store.sweepIncomplete(0);
        expect(await store.sweepIncomplete(0)).toBe(0);
      } else {
        // s3rver implements neither ListMultipartUploads nor AbortMultipartUpload: the sweep
        // cannot run there. It must fail loudly, not report a clean store.
        const error = await rejection(store.sweepIncomplete(0));
        expect(error).toBeInstanceOf(StorageBackendError);
        expect(error).toMatchObject({ code: 'NotImplemented' });
      }
    });

    it('sweeps what a crash mid-put leaves behind, and only when old enough', async () => {
      await crashDuringPut(subject.config, 'crashed/obj', 6 * MiB);
      expect(await store.stat('crashed/obj')).toBeUndefined();
      expect(await collect(store.list(''))).toEqual([]);
      if (!subject.listsIncompleteWrites) {
        // s3rver: no ListMultipartUploads (501), so the crashed upload cannot be found to be
        // swept; the invisibility above is all this backend can show here.
        return;
      }
      if (subject.incompleteCount) expect(await subject.incompleteCount()).toBeGreaterThan(0);
      expect(await store.sweepIncomplete(60 * 60 * 1000)).toBe(0); // too recent to be abandoned
      expect(await store.sweepIncomplete(0)).toBeGreaterThanOrEqual(1);
      expect(await store.sweepIncomplete(0)).toBe(0);
      if (subject.incompleteCount) expect(await subject.incompleteCount()).toBe(0);
      // The store still works after the sweep.
      await store.put('crashed/obj', Buffer.from('ok'));
      expect((await readAll(await store.get('crashed/obj'))).toString()).toBe('ok');
    });
  });
}
