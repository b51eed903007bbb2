import { FoundryError, InvalidArgumentError, NotFoundError } from '@openfoundry/kernel';

/** No object is stored under the key (404 `BlobNotFound`). */
export class BlobNotFoundError extends NotFoundError {
  constructor(key: string) {
    super('BlobNotFound', { key });
  }
}

/** A body longer than the caller's `maxBytes` (413 `FileTooLarge`); nothing was stored. */
export class BlobTooLargeError extends FoundryError {
  constructor(maxBytes: number) {
    super('REQUEST_ENTITY_TOO_LARGE', 'FileTooLarge', { maxBytes });
  }
}

/** A key or listing prefix outside the key grammar (400 `InvalidBlobKey`). */
export class InvalidBlobKeyError extends InvalidArgumentError {
  constructor(key: string, reason: string) {
    // The key may be hostile (control characters, huge): the envelope carries a bounded copy.
    super('InvalidBlobKey', { key: key.length > 200 ? `${key.slice(0, 200)}…` : key, reason });
  }
}

/** A byte range that does not overlap the object (400 `InvalidBlobRange`). */
export class InvalidBlobRangeError extends InvalidArgumentError {
  constructor(key: string, range: { start: number; end?: number | undefined }) {
    super('InvalidBlobRange', { key, start: range.start, ...(range.end === undefined ? {} : { end: range.end }) });
  }
}

/**
 * The storage backend failed (network, credentials, missing bucket, an operation the server does
 * not implement). Deliberately not a {@link FoundryError}: it becomes a generic 500 and its details
 * stay in the server log. It carries only the operation, the backend's error code and HTTP status
 * and request id, never the backend's message or the original error object: SDK errors can hold
 * request details (signed URLs, headers) and must not leak credentials into logs.
 */
export class StorageBackendError extends Error {
  readonly operation: string;
  /** The backend's error code (`NoSuchBucket`, `InvalidAccessKeyId`, `ECONNREFUSED`...). */
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;

  constructor(operation: string, code: string, httpStatus?: number, requestId?: string) {
    super(`storage backend ${operation} failed: ${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`);
    this.name = 'StorageBackendError';
    this.operation = operation;
    this.code = code;
    this.httpStatus = httpStatus;
    this.requestId = requestId;
  }
}

/** Longest key accepted, in characters (S3's own limit is 1024 bytes; keys are ASCII). */
export const MAX_BLOB_KEY_LENGTH = 1024;

/**
 * Longest segment, in characters: file systems cap a name at 255 bytes, and the local store adds
 * a one-character marker to directory segments. Keys must mean the same on every backend.
 */
export const MAX_BLOB_KEY_SEGMENT_LENGTH = 250;

const SEGMENT = /^[A-Za-z0-9._-]+$/;
// Checked before the segment grammar so the reason names the actual problem.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks a key against the grammar both stores share and returns it: `/`-separated segments of
 * `[A-Za-z0-9._-]`, no empty, `.` or `..` segment, no leading `/`, no backslash or control
 * character, at most {@link MAX_BLOB_KEY_LENGTH} characters and
 * {@link MAX_BLOB_KEY_SEGMENT_LENGTH} per segment. One function for every backend, so
 * a key that is safe as a local path is the only kind of key S3 ever sees too (and a dataset can
 * move between backends).
 *
 * @throws InvalidBlobKeyError naming the first rule the key breaks.
 */
export function validateBlobKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(String(key ?? ''), 'empty');
  if (key.length > MAX_BLOB_KEY_LENGTH) throw new InvalidBlobKeyError(key, 'tooLong');
  if (CONTROL.test(key)) throw new InvalidBlobKeyError(key, 'controlCharacter');
  if (key.includes('\\')) throw new InvalidBlobKeyError(key, 'backslash');
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'leadingSlash');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidBlobKeyError(key, 'emptySegment');
    if (segment === '.' || segment === '..') throw new InvalidBlobKeyError(key, 'dotSegment');
    if (segment.length > MAX_BLOB_KEY_SEGMENT_LENGTH) throw new InvalidBlobKeyError(key, 'segmentTooLong');
    if (!SEGMENT.test(segment)) throw new InvalidBlobKeyError(key, 'invalidCharacter');
  }
  return key;
}

/**
 * Checks a listing prefix: empty (everything) or a valid key followed by `/`. A prefix that ends
 * mid-segment is refused so both backends answer the same (a directory walk cannot match `ab*`).
 */
export function validateBlobPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) throw new InvalidBlobKeyError(String(prefix), 'prefixWithoutTrailingSlash');
  validateBlobKey(prefix.slice(0, -1));
  return prefix;
}

/** Checks an optional read range (`end` inclusive) before any I/O. */
export function validateBlobRange(key: string, range: { start: number; end?: number | undefined } | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new InvalidBlobRangeError(key, range);
  }
}
