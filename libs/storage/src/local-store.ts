import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '@openfoundry/kernel';
import { bodyChunks, checkMaxBytes } from './blob-body.js';
import type { BlobBody, BlobEntry, BlobInfo, BlobStore } from './blob-store.js';
import { BlobNotFoundError, BlobTooLargeError, InvalidBlobRangeError, validateBlobKey, validateBlobPrefix, validateBlobRange } from './storage.errors.js';

/**
 * Appended to the directory that holds the keys under a segment: key `a/b` is the file `a+/b`.
 * S3 lets `a` and `a/b` both exist; with a plain layout the file `a` and the directory `a` would
 * collide. `+` is outside the key alphabet, so an object file and a directory can never share a
 * name and both backends accept the same set of keys.
 */
export const LOCAL_DIR_MARK = '+';

/**
 * Directory of in-progress writes under the root. Its name holds `+` but does not end in it, so it
 * is neither a valid object file name nor a key directory: no key can ever collide with it.
 */
export const LOCAL_INCOMPLETE_DIR = '+incomplete';

const SEGMENT = /^[A-Za-z0-9._-]+$/;
// A directory emptied by delete may be removed by the pruning of another delete between a put's
// mkdir and its rename; the put then recreates it. A handful of rounds ends any realistic race.
const COMMIT_ATTEMPTS = 5;

/** Configuration of a {@link LocalBlobStore}. */
export interface LocalBlobStoreConfig {
  /** Root directory; created on first write. */
  dir: string;
}

function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename durable: without it a crash can forget the directory entry. Not all platforms can. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * {@link BlobStore} over a local directory: the embedded default. An object is one file, written
 * to `<dir>/+incomplete/<uuid>` (hashed and counted as it streams in), fsynced, then renamed into
 * place; rename is atomic within one file system, so readers see the old object, no object or the
 * new one, never a part. Non-final key segments are directories suffixed with {@link LOCAL_DIR_MARK}.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly root: string;
  private readonly incompleteDir: string;
  private readonly clock: Clock;

  /** @param deps.clock time source of `sweepIncomplete` (tests). */
  constructor(config: LocalBlobStoreConfig, deps: { clock?: Clock } = {}) {
    this.root = resolve(config.dir);
    this.incompleteDir = join(this.root, LOCAL_INCOMPLETE_DIR);
    this.clock = deps.clock ?? systemClock;
  }

  /** The file of a (validated) key. */
  private pathOf(key: string): string {
    const segments = validateBlobKey(key).split('/');
    const name = segments.pop()!;
    return join(this.root, ...segments.map((s) => s + LOCAL_DIR_MARK), name);
  }

  async put(key: string, body: BlobBody, options: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const target = this.pathOf(key);
    const { maxBytes } = options;
    checkMaxBytes(maxBytes);
    // A byte array is whole already: refuse it before touching the disk.
    if (body instanceof Uint8Array && maxBytes !== undefined && body.byteLength > maxBytes) throw new BlobTooLargeError(maxBytes);

    await mkdir(this.incompleteDir, { recursive: true });
    const temp = join(this.incompleteDir, randomUUID());
    const handle = await open(temp, 'wx');
    let open_ = true;
    let committed = false;
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of bodyChunks(body)) {
        size += chunk.byteLength;
        // Leaving the loop returns the source iterator, which stops the producer.
        if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLargeError(maxBytes);
        hash.update(chunk);
        await writeAll(handle, chunk);
      }
      await handle.sync();
      open_ = false;
      await handle.close();
      await this.commit(temp, target);
      committed = true;
      return { key, sizeBytes: size, sha256: hash.digest('hex') };
    } finally {
      if (open_) await handle.close().catch(() => {});
      if (!committed) await rm(temp, { force: true }).catch(() => {});
    }
  }

  private async commit(temp: string, target: string): Promise<void> {
    const dir = dirname(target);
    for (let attempt = 1; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        await rename(temp, target);
        break;
      } catch (e) {
        if (!isErrno(e, 'ENOENT') || attempt >= COMMIT_ATTEMPTS) throw e;
      }
    }
    await syncDirectory(dir);
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const path = this.pathOf(key);
    validateBlobRange(key, range);
    let handle: FileHandle;
    try {
      // Reading through the opened descriptor pins this version: an overwrite renames a new file
      // over the name and this stream keeps reading the old one to its end.
      handle = await open(path, 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new BlobNotFoundError(key);
      throw e;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new BlobNotFoundError(key);
      if (!range) return handle.createReadStream({ autoClose: true });
      if (range.start >= info.size) throw new InvalidBlobRangeError(key, range);
      const end = Math.min(range.end ?? info.size - 1, info.size - 1);
      return handle.createReadStream({ start: range.start, end, autoClose: true });
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  }

  async stat(key: string): Promise<BlobEntry | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { key, sizeBytes: info.size, lastModified: info.mtime } : undefined;
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const paths = keys.map((k) => this.pathOf(k));
    for (const path of paths) {
      await rm(path, { force: true });
      await this.pruneEmptyDirectories(dirname(path));
    }
  }

  /** Removes directories a delete left empty, up to the root, so deleted prefixes leave no trace. */
  private async pruneEmptyDirectories(dir: string): Promise<void> {
    while (dir.startsWith(this.root) && dir !== this.root) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone, or a put is filling it again)
      }
      dir = dirname(dir);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    validateBlobPrefix(prefix);
    const segments = prefix === '' ? [] : prefix.slice(0, -1).split('/');
    yield* this.walk(join(this.root, ...segments.map((s) => s + LOCAL_DIR_MARK)), prefix);
  }

  /**
   * Depth-first walk in key order. Sorting a directory's entries by their key form (a directory
   * `a+` as `a/`, a file as its name) gives the global byte order S3 lists in: everything under
   * `a/` sorts after `a.x` and before `a0`, exactly as the full keys do.
   */
  private async *walk(dir: string, keyPrefix: string): AsyncGenerator<BlobEntry> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return; // nothing stored under the prefix (or deleted meanwhile)
      throw e;
    }
    const items: { sortKey: string; name: string; isDir: boolean }[] = [];
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name.endsWith(LOCAL_DIR_MARK)) {
        const segment = entry.name.slice(0, -LOCAL_DIR_MARK.length);
        if (SEGMENT.test(segment) && segment !== '.' && segment !== '..') items.push({ sortKey: `${segment}/`, name: entry.name, isDir: true });
      } else if (entry.isFile() && SEGMENT.test(entry.name)) {
        items.push({ sortKey: entry.name, name: entry.name, isDir: false });
      }
      // Anything else (the incomplete directory, foreign files) is not an object.
    }
    items.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.isDir) {
        yield* this.walk(path, keyPrefix + item.sortKey);
        continue;
      }
      try {
        const info = await stat(path);
        if (info.isFile()) yield { key: keyPrefix + item.name, sizeBytes: info.size, lastModified: info.mtime };
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e; // deleted while listing
      }
    }
  }

  async localPath(key: string): Promise<string> {
    const path = this.pathOf(key);
    if (!(await this.stat(key))) throw new BlobNotFoundError(key);
    return path;
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const cutoff = this.clock.now().getTime() - olderThanMs;
    let names: string[];
    try {
      names = await readdir(this.incompleteDir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return 0;
      throw e;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.incompleteDir, name);
      try {
        // A live put writes continuously, so its temp file's mtime stays recent.
        if ((await stat(path)).mtimeMs > cutoff) continue;
        await rm(path, { force: true, recursive: true });
        removed++;
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}
