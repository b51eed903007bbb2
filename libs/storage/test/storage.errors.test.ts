import { describe, expect, it } from 'vitest';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  InvalidBlobKeyError,
  MAX_BLOB_KEY_LENGTH,
  createBlobStore,
  validateBlobKey,
  validateBlobPrefix,
} from '../src/index.js';

function reasonOf(key: string): unknown {
  try {
    validateBlobKey(key);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidBlobKeyError);
    return (e as InvalidBlobKeyError).parameters.reason;
  }
  return 'valid';
}

describe('key validation', () => {
  it('names the rule a key breaks', () => {
    expect(reasonOf('')).toBe('empty');
    expect(reasonOf('a'.repeat(MAX_BLOB_KEY_LENGTH + 1))).toBe('tooLong');
    expect(reasonOf('a\u0007b')).toBe('controlCharacter');
    expect(reasonOf('a\u007fb')).toBe('controlCharacter');
    expect(reasonOf('a\\b')).toBe('backslash');
    expect(reasonOf('/etc/passwd')).toBe('leadingSlash');
    expect(reasonOf('a//b')).toBe('emptySegment');
    expect(reasonOf('a/')).toBe('emptySegment');
    expect(reasonOf('a/../b')).toBe('dotSegment');
    expect(reasonOf('./a')).toBe('dotSegment');
    expect(reasonOf('x'.repeat(251))).toBe('segmentTooLong');
    expect(reasonOf('a b')).toBe('invalidCharacter');
    expect(reasonOf('%2e%2e/x')).toBe('invalidCharacter');
    expect(reasonOf('datasets/ri.foundry.main.dataset.0a1b/files/part-00000.snappy.parquet')).toBe('valid');
  });

  it('maps to the Foundry envelope with a bounded copy of the key', () => {
    const e = new InvalidBlobKeyError('k'.repeat(5000), 'tooLong');
    expect(e).toMatchObject({ errorCode: 'INVALID_ARGUMENT', errorName: 'InvalidBlobKey', statusCode: 400 });
    expect(String(e.parameters.key).length).toBeLessThanOrEqual(201);
    expect(new BlobNotFoundError('a/b')).toMatchObject({ errorCode: 'NOT_FOUND', errorName: 'BlobNotFound', statusCode: 404, parameters: { key: 'a/b' } });
    expect(new BlobTooLargeError(10)).toMatchObject({ errorCode: 'REQUEST_ENTITY_TOO_LARGE', errorName: 'FileTooLarge', statusCode: 413, parameters: { maxBytes: 10 } });
  });

  it('accepts only empty prefixes or keys ending in a slash', () => {
    expect(validateBlobPrefix('')).toBe('');
    expect(validateBlobPrefix('a/b/')).toBe('a/b/');
    for (const bad of ['a', '/', 'a//', '../', '/a/']) expect(() => validateBlobPrefix(bad), bad).toThrow(InvalidBlobKeyError);
  });
});

describe('createBlobStore', () => {
  it('builds the configured backend', async () => {
    const local = createBlobStore({ kind: 'local', dir: '/tmp/of-never-written' });
    expect(local.kind).toBe('local');
    const s3 = createBlobStore({ kind: 's3', region: 'us-east-1', bucket: 'b-x', accessKeyId: 'k', secretAccessKey: 's', cacheDir: '/tmp/of-never-written' });
    expect(s3.kind).toBe('s3');
    await local.close();
    await s3.close();
  });
});
