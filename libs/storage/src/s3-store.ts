import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { FoundryError, systemClock, type Clock } from '@openfoundry/kernel';
import { bodyChunks, checkMaxBytes } from './blob-body.js';
import type { BlobBody, BlobEntry, BlobInfo, BlobStore } from './blob-store.js';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  InvalidBlobKeyError,
  InvalidBlobRangeError,
  StorageBackendError,
  validateBlobKey,
  validateBlobPrefix,
  validateBlobRange,
} from './storage.errors.js';

/** Configuration of an {@link S3BlobStore}. */
export interface S3BlobStoreConfig {
  /** S3-compatible endpoint (MinIO, Ceph, R2...); AWS's regional endpoint when absent. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (most non-AWS servers need it). */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket, empty or ending in `/` (e.g. `openfoundry/`), so a bucket can be shared. */
  prefix?: string;
  /** Directory of downloaded copies handed out by `localPath`. */
  cacheDir: string;
  /** Soft cap on the cache; least recently used copies are evicted above it. Unlimited when absent. */
  cacheMaxBytes?: number;
  /** Multipart part size (min 5 MiB). Memory per put is about `partSizeBytes × uploadConcurrency`. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel per put. Default 4. */
  uploadConcurrency?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
const DELETE_BATCH = 1000;
// A copy replaced between our HEAD and GET fails the If-Match; re-reading the new version is enough.
const LOCAL_PATH_ATTEMPTS = 3;
const CACHE_TEMP_PREFIX = '.tmp-';
const SAFE_TOKEN = /^[A-Za-z0-9_.:+/=-]{1,128}$/;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function statusOf(e: unknown): number | undefined {
  return (e as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function codeOf(e: unknown): string {
  const err = (e ?? {}) as SdkErrorShape;
  for (const candidate of [err.Code, err.code, err.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && SAFE_TOKEN.test(candidate)) return candidate;
  }
  return 'Unknown';
}

/**
 * Turns anything the SDK threw into a {@link StorageBackendError} built from scratch: only the
 * error code, status and request id survive. The SDK error itself (its message, its `$response`,
 * any request it references) is dropped, so credentials or signed URLs cannot ride along into a
 * log line or an error body.
 */
function backendError(operation: string, e: unknown): Error {
  if (e instanceof FoundryError || e instanceof StorageBackendError) return e;
  const requestId = (e as SdkErrorShape | undefined)?.$metadata?.requestId;
  return new StorageBackendError(operation, codeOf(e), statusOf(e), typeof requestId === 'string' && SAFE_TOKEN.test(requestId) ? requestId : undefined);
}

function isNotFound(e: unknown): boolean {
  const code = codeOf(e);
  return code === 'NoSuchKey' || code === 'NotFound' || statusOf(e) === 404;
}

/** Whether `Content-Range: bytes a-b/size` is exactly the requested range, clamped to the size. */
function rangeHonoured(range: { start: number; end?: number | undefined }, contentRange: string | undefined): boolean {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  if (!m) return false;
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return start === range.start && end === Math.min(range.end ?? size - 1, size - 1);
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

/**
 * {@link BlobStore} over an S3-compatible bucket: the production backend.
 *
 * Puts stream through `@aws-sdk/lib-storage`'s `Upload` (one PutObject for small bodies,
 * multipart above the part size), hashed and counted on the way. S3 makes an object visible only
 * when its PutObject or CompleteMultipartUpload succeeds, which gives the atomicity of the
 * contract; a refused or failed put aborts its multipart upload, and `sweepIncomplete` aborts the
 * ones a crash left behind. `localPath` downloads into a local cache (temp file + rename), keyed
 * by the object's ETag so an overwritten key is never served stale.
 *
 * Every SDK failure surfaces as {@link StorageBackendError} (see there for why).
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly cacheDir: string;
  private readonly cacheMaxBytes: number | undefined;
  private readonly partSize: number;
  private readonly concurrency: number;
  /** Identifies this bucket and prefix in cache file names, so stores may share a cache directory. */
  private readonly cacheNamespace: string;
  private readonly clock: Clock;
  private readonly downloads = new Map<string, Promise<void>>();

  /** @param deps.clock time source of `sweepIncomplete` and cache recency (tests). */
  constructor(config: S3BlobStoreConfig, deps: { clock?: Clock } = {}) {
    const prefix = config.prefix ?? '';
    try {
      validateBlobPrefix(prefix);
    } catch {
      throw new RangeError('S3 prefix must be empty or key segments ending in "/"');
    }
    if (config.partSizeBytes !== undefined && (!Number.isSafeInteger(config.partSizeBytes) || config.partSizeBytes < MIN_PART_SIZE)) {
      throw new RangeError(`partSizeBytes must be an integer of at least ${MIN_PART_SIZE}`);
    }
    // The secret goes into the client only; this object keeps no copy, so printing it shows none.
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // The SDK's default (checksums on every request, aws-chunked bodies) is refused or
      // misread by several S3-compatible servers; send checksums only where S3 demands them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = config.bucket;
    this.prefix = prefix;
    this.cacheDir = resolve(config.cacheDir);
    this.cacheMaxBytes = config.cacheMaxBytes;
    this.partSize = config.partSizeBytes ?? MIN_PART_SIZE;
    this.concurrency = Math.max(1, config.uploadConcurrency ?? DEFAULT_CONCURRENCY);
    this.cacheNamespace = `${config.endpoint ?? 'aws'}\n${config.region}\n${config.bucket}\n${prefix}`;
    this.clock = deps.clock ?? systemClock;
  }

  private objectKey(key: string): string {
    return this.prefix + validateBlobKey(key);
  }

  async put(key: string, body: BlobBody, options: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const objectKey = this.objectKey(key);
    const { maxBytes } = options;
    checkMaxBytes(maxBytes);

    if (body instanceof Uint8Array) {
      if (maxBytes !== undefined && body.byteLength > maxBytes) throw new BlobTooLargeError(maxBytes);
      await this.upload(objectKey, body);
      return { key, sizeBytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
    }

    const hash = createHash('sha256');
    let size = 0;
    // The first failure of ours or of the caller's body. Upload may reject with something else
    // (e.g. its own AbortMultipartUpload failing); the caller must see the real reason.
    let failure: { error: unknown } | undefined;
    async function* metered(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of bodyChunks(body)) {
          size += chunk.byteLength;
          if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLargeError(maxBytes);
          hash.update(chunk);
          yield chunk;
        }
      } catch (e) {
        failure ??= { error: e };
        throw e;
      }
    }
    const stream = Readable.from(metered(), { objectMode: false });
    try {
      await this.upload(objectKey, stream);
    } catch (e) {
      if (failure) throw failure.error;
      throw e;
    } finally {
      stream.destroy();
    }
    return { key, sizeBytes: size, sha256: hash.digest('hex') };
  }

  private async upload(objectKey: string, body: Uint8Array | Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentType: 'application/octet-stream' },
      partSize: this.partSize,
      queueSize: this.concurrency,
      // On any failure Upload sends AbortMultipartUpload itself, so refused parts are not kept.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      throw backendError('put', e);
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const objectKey = this.objectKey(key);
    validateBlobRange(key, range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      );
      const body = out.Body as Readable;
      if (range && !rangeHonoured(range, out.ContentRange)) {
        // Some servers get ranges wrong (s3rver answers `bytes=0-0` with the whole object);
        // wrong bytes handed on silently would corrupt whatever reads them.
        body.destroy();
        throw new StorageBackendError('get', 'RangeNotHonoured', statusOf(out));
      }
      return body;
    } catch (e) {
      if (isNotFound(e)) throw new BlobNotFoundError(key);
      if (statusOf(e) === 416) throw new InvalidBlobRangeError(key, range ?? { start: 0 });
      throw backendError('get', e);
    }
  }

  async stat(key: string): Promise<BlobEntry | undefined> {
    const head = await this.head(key);
    return head && { key, sizeBytes: head.size, lastModified: head.lastModified };
  }

  private async head(key: string): Promise<{ size: number; lastModified: Date; etag: string } | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0), etag: out.ETag ?? '' };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw backendError('stat', e);
    }
  }

  async delete(keys: string[]): Promise<void> {
    const objectKeys = keys.map((k) => this.objectKey(k));
    for (let i = 0; i < objectKeys.length; i += DELETE_BATCH) {
      const batch = objectKeys.slice(i, i + DELETE_BATCH);
      let errors: unknown[] | undefined;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        errors = out.Errors;
      } catch (e) {
        throw backendError('delete', e);
      }
      // DeleteObjects answers 200 even when single keys failed (e.g. AccessDenied).
      if (errors?.length) throw new StorageBackendError('delete', codeOf(errors[0]));
    }
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    validateBlobPrefix(prefix);
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (e) {
        throw backendError('list', e);
      }
      for (const object of out.Contents ?? []) {
        if (!object.Key?.startsWith(this.prefix)) continue;
        const key = object.Key.slice(this.prefix.length);
        try {
          validateBlobKey(key);
        } catch (e) {
          // Something else wrote into our prefix; we could not get it back by key, so hide it.
          if (e instanceof InvalidBlobKeyError) continue;
          throw e;
        }
        yield { key, sizeBytes: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Downloads the object into the cache (once per version) and returns the copy's path. Every
   * call asks S3 for the current ETag first: that one HEAD is what makes a deleted key answer
   * {@link BlobNotFoundError} and an overwritten key get its new content. The path stays valid
   * until LRU eviction removes it; engines should open it right away (an open file survives
   * eviction on POSIX).
   */
  async localPath(key: string): Promise<string> {
    const objectKey = this.objectKey(key);
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(key);
      if (!head) throw new BlobNotFoundError(key);
      const path = this.cachePath(objectKey, head.etag);
      try {
        const cached = await stat(path);
        if (cached.size === head.size) {
          const now = this.clock.now();
          await utimes(path, now, now).catch(() => {}); // recency for LRU eviction
          return path;
        }
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
      let download = this.downloads.get(path);
      if (!download) {
        download = this.download(key, objectKey, head.etag, path).finally(() => this.downloads.delete(path));
        this.downloads.set(path, download);
      }
      try {
        await download;
        return path;
      } catch (e) {
        // Replaced between HEAD and GET: look again (bounded, so a key rewritten nonstop fails).
        if (statusOf(e) === 412 && attempt < LOCAL_PATH_ATTEMPTS) continue;
        if (isNotFound(e)) throw new BlobNotFoundError(key);
        throw backendError('localPath', e);
      }
    }
  }

  /** `<hash of bucket+key>-<hash of etag>-<last key segment>`: unique per version, keeps the extension engines look at. */
  private cachePath(objectKey: string, etag: string): string {
    const keyHash = createHash('sha256').update(`${this.cacheNamespace}\n${objectKey}`).digest('hex').slice(0, 32);
    const versionHash = createHash('sha256').update(etag).digest('hex').slice(0, 16);
    const name = objectKey.slice(objectKey.lastIndexOf('/') + 1).slice(-100);
    return join(this.cacheDir, `${keyHash}-${versionHash}-${name}`);
  }

  private async download(key: string, objectKey: string, etag: string, path: string): Promise<void> {
    await mkdir(this.cacheDir, { recursive: true });
    const temp = join(this.cacheDir, `${CACHE_TEMP_PREFIX}${randomUUID()}`);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ...(etag ? { IfMatch: etag } : {}) }));
      await pipeline(out.Body as Readable, createWriteStream(temp, { flags: 'wx' }));
      // A connection cut at a message boundary can end a body early without an error.
      if (out.ContentLength !== undefined && (await stat(temp)).size !== out.ContentLength) {
        throw new StorageBackendError('localPath', 'IncompleteDownload');
      }
      await rename(temp, path);
      const now = this.clock.now();
      await utimes(path, now, now); // recency for LRU eviction, on the same clock as cache hits
    } catch (e) {
      await rm(temp, { force: true }).catch(() => {});
      throw e;
    }
    await this.evict(path);
  }

  /** Deletes least recently used copies (oldest mtime) until the cache fits, sparing `keep`. */
  private async evict(keep: string): Promise<void> {
    if (this.cacheMaxBytes === undefined) return;
    const files: { path: string; size: number; usedAt: number }[] = [];
    for (const name of await readdir(this.cacheDir)) {
      if (name.startsWith(CACHE_TEMP_PREFIX)) continue;
      const path = join(this.cacheDir, name);
      try {
        const info = await stat(path);
        if (info.isFile()) files.push({ path, size: info.size, usedAt: info.mtimeMs });
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
    let total = files.reduce((sum, f) => sum + f.size, 0);
    files.sort((a, b) => a.usedAt - b.usedAt);
    for (const file of files) {
      if (total <= this.cacheMaxBytes) break;
      if (file.path === keep) continue;
      await rm(file.path, { force: true });
      total -= file.size;
    }
  }

  /**
   * Aborts multipart uploads of this prefix initiated more than `olderThanMs` ago (their parts
   * are billed and invisible) and removes stale partial downloads from the cache directory.
   */
  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const cutoff = this.clock.now().getTime() - olderThanMs;
    let removed = await this.sweepCacheTemps(cutoff);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            ...(this.prefix ? { Prefix: this.prefix } : {}),
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        );
      } catch (e) {
        throw backendError('sweepIncomplete', e);
      }
      for (const upload of out.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated.getTime() > cutoff) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          removed++;
        } catch (e) {
          if (codeOf(e) !== 'NoSuchUpload') throw backendError('sweepIncomplete', e); // NoSuchUpload: completed or aborted meanwhile
        }
      }
      if (!out.IsTruncated) return removed;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }

  private async sweepCacheTemps(cutoff: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.cacheDir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return 0;
      throw e;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.startsWith(CACHE_TEMP_PREFIX)) continue;
      const path = join(this.cacheDir, name);
      try {
        if ((await stat(path)).mtimeMs > cutoff) continue;
        await rm(path, { force: true });
        removed++;
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
