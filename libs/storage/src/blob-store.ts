import type { Readable } from 'node:stream';

/** What a successful write stored. */
export interface BlobInfo {
  key: string;
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
}

/** A stored object as a listing sees it. */
export interface BlobEntry {
  key: string;
  sizeBytes: number;
  lastModified: Date;
}

/** Content to write: a byte buffer, or any stream/iterable of chunks (read once, never buffered whole). */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Immutable blob storage behind one interface: a local directory (embedded default) or an
 * S3-compatible bucket (production). Keys are relative paths of `[A-Za-z0-9._-]` segments
 * separated by `/` (no empty, `.` or `..` segment, no leading slash); anything else is refused.
 *
 * Writes are atomic: a reader sees either no object or the whole object, never a partial one, and
 * a crash mid-write leaves at most an unreferenced temporary/incomplete upload that
 * `sweepIncomplete` removes later.
 *
 * Every method taking a key refuses one outside the grammar with `InvalidBlobKeyError` before any
 * I/O (`validateBlobKey`); a key may be both an object and the prefix of other keys (`a`, `a/b`),
 * as in S3. S3 failures surface as `StorageBackendError`, which never carries credentials; local
 * file-system failures (disk full, permissions) pass through as Node errors.
 */
export interface BlobStore {
  /** `local` or `s3`, for diagnostics. */
  readonly kind: 'local' | 's3';
  /**
   * Streams `body` to `key`. With `maxBytes`, a body longer than that is refused with
   * `BlobTooLargeError` after reading at most `maxBytes + 1` bytes, and nothing is stored.
   */
  put(key: string, body: BlobBody, options?: { maxBytes?: number }): Promise<BlobInfo>;
  /**
   * The content as a stream; `BlobNotFoundError` when absent. `end` is inclusive and clamped to the
   * object; `InvalidBlobRangeError` when `start` is at or past the end (or the range is malformed).
   * A stream that is opened reads one version to its end, even if the key is overwritten meanwhile.
   */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** Size and time of an object, or undefined when absent. */
  stat(key: string): Promise<BlobEntry | undefined>;
  /** Deletes objects; absent keys are ignored. */
  delete(keys: string[]): Promise<void>;
  /** Every object whose key starts with `prefix` (which must end in `/` or be empty), in key order. */
  list(prefix: string): AsyncIterable<BlobEntry>;
  /**
   * A path on the local disk holding the object's content, for engines that read files (DuckDB).
   * Local store: the object's own file. S3: a cached download (objects are immutable, so a cached
   * copy never goes stale). `BlobNotFoundError` when absent.
   */
  localPath(key: string): Promise<string>;
  /** Removes temporary files / incomplete multipart uploads older than `olderThanMs`; returns how many. */
  sweepIncomplete(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}
