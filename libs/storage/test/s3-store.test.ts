import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, StorageBackendError, createBlobStore, type BlobStore, type S3BlobStoreConfig } from '../src/index.js';
import { describeBlobStoreConformance } from './conformance.js';
import { collect, readAll, rejection } from './helpers.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from '@openfoundry/testkit/s3';

let bucketCounter = 0;

async function s3Config(server: TestS3Server, overrides: Partial<S3BlobStoreConfig> = {}): Promise<S3BlobStoreConfig> {
  const bucket = `of-test-${process.pid}-${++bucketCounter}`;
  await server.createBucket(bucket);
  return {
    endpoint: server.endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: S3RVER_ACCESS_KEY,
    secretAccessKey: S3RVER_SECRET,
    forcePathStyle: true,
    prefix: 'openfoundry/',
    // Memory per put is about part size × (concurrency + 2); 2 keeps it far below the 64 MiB
    // body of the streaming test, so that test tells streaming from buffering without doubt.
    uploadConcurrency: 2,
    cacheDir: await mkdtemp(join(tmpdir(), 'of-s3-cache-')),
    ...overrides,
  };
}

describeBlobStoreConformance('s3 (s3rver)', async () => {
  const server = await startS3Server();
  const config = await s3Config(server);
  const store = createBlobStore({ kind: 's3', ...config });
  return {
    store,
    config: { kind: 's3', ...config },
    // s3rver answers ListMultipartUploads with 501 NotImplemented (and AbortMultipartUpload with
    // 405), so incomplete uploads can be neither listed nor swept on it.
    listsIncompleteWrites: false,
    // s3rver lists in the order of its directory walk, not in key order as S3 does.
    listsInKeyOrder: false,
    // s3rver keeps `<last segment>._S3rver_metadata.json` on disk: 255 - 22 characters at most.
    maxStorableSegment: 233,
    reset: async () => {
      const keys = (await collect(store.list(''))).map((e) => e.key);
      if (keys.length) await store.delete(keys);
    },
    close: async () => {
      await store.close();
      await server.close();
      await rm(config.cacheDir, { recursive: true, force: true });
    },
  };
});

describe('S3BlobStore specifics (s3rver)', () => {
  let server: TestS3Server;
  const stores: BlobStore[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await server?.close();
  });

  async function fresh(overrides: Partial<S3BlobStoreConfig> = {}, clock?: { now: number }) {
    const config = await s3Config(server, overrides);
    dirs.push(config.cacheDir);
    const store = new S3BlobStore(config, clock ? { clock: { now: () => new Date(clock.now) } } : {});
    stores.push(store);
    return { config, store };
  }

  it('keeps objects under the configured prefix, invisible to a store with another prefix', async () => {
    const { config, store } = await fresh({ prefix: 'tenant-a/blobs/' });
    await store.put('k/one', Buffer.from('1'));
    const raw = await server.client.send(new ListObjectsV2Command({ Bucket: config.bucket }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual(['tenant-a/blobs/k/one']);
    const other = new S3BlobStore({ ...config, prefix: 'tenant-b/' });
    stores.push(other);
    expect(await collect(other.list(''))).toEqual([]);
    expect(await other.stat('k/one')).toBeUndefined();
    expect(() => new S3BlobStore({ ...config, prefix: 'no-trailing-slash' })).toThrow(RangeError);
  });

  it('reuses the cached copy and evicts the least recently used copies above cacheMaxBytes', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const { config, store } = await fresh({ cacheMaxBytes: 2500 }, clock);
    for (const key of ['c/a', 'c/b', 'c/c']) await store.put(key, Buffer.alloc(1000, key.charCodeAt(2)));

    const a = await store.localPath('c/a');
    const inode = (await stat(a)).ino;
    clock.now += 1000;
    expect(await store.localPath('c/a')).toBe(a);
    expect((await stat(a)).ino).toBe(inode); // not downloaded again
    clock.now += 1000;
    const b = await store.localPath('c/b');
    clock.now += 1000;
    const c = await store.localPath('c/c'); // 3000 bytes > 2500: the oldest (a) goes
    const present = async () => (await readdir(config.cacheDir)).map((n) => join(config.cacheDir, n)).sort();
    expect(await present()).toEqual([b, c].sort());

    clock.now += 1000;
    expect(await store.localPath('c/b')).toBe(b); // b is now more recent than c
    clock.now += 1000;
    const a2 = await store.localPath('c/a');
    expect(await present()).toEqual([a2, b].sort());
    expect((await readAll(await store.get('c/a'))).equals(Buffer.alloc(1000, 'a'.charCodeAt(0)))).toBe(true);
  });

  it('refuses a range the server did not honour instead of returning wrong bytes', async () => {
    const { store } = await fresh();
    await store.put('r', Buffer.from('hello'));
    // s3rver treats `bytes=0-0` as `bytes=0-` (it tests the end for truthiness) and sends the
    // whole object; real S3 sends one byte. The store checks Content-Range and refuses.
    const error = await rejection(store.get('r', { start: 0, end: 0 }));
    expect(error).toBeInstanceOf(StorageBackendError);
    expect(error).toMatchObject({ code: 'RangeNotHonoured' });
  });

  describe('never leaks credentials in errors', () => {
    const SECRET = 'sEcReT-Sentinel-9f8e7d6c5b4a3210-do-not-leak';

    function assertClean(error: unknown) {
      expect(error).toBeInstanceOf(StorageBackendError);
      const e = error as StorageBackendError;
      for (const text of [e.message, e.stack ?? '', JSON.stringify(e), inspect(e, { depth: 10, showHidden: true }), String(e)]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toMatch(/X-Amz-Signature|Signature=|Credential=/i);
      }
      expect(e.cause).toBeUndefined();
    }

    it('wraps server-side authentication failures', async () => {
      // s3rver checks the access key id but does not verify SigV4 signatures, so a wrong secret
      // alone is accepted there; an unknown key id (with the wrong secret) gets a real 403.
      const { config } = await fresh();
      const store = new S3BlobStore({ ...config, accessKeyId: 'UNKNOWNKEYID', secretAccessKey: SECRET });
      stores.push(store);
      const errors = [
        await rejection(store.put('k', Buffer.from('x'))),
        await rejection(store.put('k', (async function* () { yield Buffer.from('x'); })())),
        await rejection(store.get('k')),
        await rejection(store.stat('k')),
        await rejection(store.delete(['k'])),
        await rejection(collect(store.list(''))),
        await rejection(store.localPath('k')),
        await rejection(store.sweepIncomplete(0)),
      ];
      for (const error of errors) assertClean(error);
      expect(errors[0]).toMatchObject({ code: 'InvalidAccessKeyId', httpStatus: 403, operation: 'put' });
      expect(inspect(store, { depth: 6 })).not.toContain(SECRET);
    });

    it('wraps network failures', async () => {
      const { config } = await fresh();
      const store = new S3BlobStore({ ...config, endpoint: 'http://127.0.0.1:9', secretAccessKey: SECRET });
      stores.push(store);
      const error = await rejection(store.stat('k'));
      assertClean(error);
      expect((error as StorageBackendError).code).toMatch(/^E[A-Z]+$/); // ECONNREFUSED
    });

    it('wraps a missing bucket', async () => {
      const { config } = await fresh();
      const store = new S3BlobStore({ ...config, bucket: 'no-such-bucket-here', secretAccessKey: SECRET });
      stores.push(store);
      const error = await rejection(store.put('k', Buffer.from('x')));
      assertClean(error);
      expect(error).toMatchObject({ code: 'NoSuchBucket', httpStatus: 404 });
    });
  });
});
