import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConfigError,
  InvalidArgumentError,
  decodePageToken,
  encodePageToken,
  makeRid,
  parseDuration,
  parseRid,
  resolvePageSize,
  toPage,
  validateDisplayName,
} from '@openfoundry/kernel';

describe('rids', () => {
  it('round-trips through parse', () => {
    const rid = makeRid('compass', 'main', 'folder');
    expect(parseRid(rid)).toMatchObject({ service: 'compass', instance: 'main', type: 'folder' });
    expect(parseRid('ri.multipass..organization.abc')).toMatchObject({ instance: '' });
  });
  it('rejects what is not a RID', () => {
    for (const bad of ['', 'ri.', 'ri.compass.main.folder.', 'ri.compass.main.folder.a/b', 'xx.compass.main.folder.1', 'ri.compass.main.folder.1\n']) {
      expect(parseRid(bad)).toBeUndefined();
    }
  });
});

describe('page tokens', () => {
  it('round-trip any key of strings and numbers', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.integer())), (key) => {
        expect(decodePageToken(encodePageToken(key))).toEqual(key);
      }),
    );
  });
  it('reject malformed tokens with InvalidPageToken', () => {
    for (const bad of ['%%%', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[{"x":1}]').toString('base64url')]) {
      expect(() => decodePageToken(bad)).toThrow(InvalidArgumentError);
    }
    expect(decodePageToken(undefined)).toBeUndefined();
  });
  it('validates page sizes', () => {
    expect(resolvePageSize(undefined)).toBe(100);
    expect(resolvePageSize(1000)).toBe(1000);
    for (const bad of [0, -1, 1001, 1.5]) expect(() => resolvePageSize(bad)).toThrow(InvalidArgumentError);
  });
  it('builds pages from limit+1 rows', () => {
    const rows = [1, 2, 3];
    expect(toPage(rows, 2, (r) => [r], String)).toEqual({ data: ['1', '2'], nextPageToken: encodePageToken([2]) });
    expect(toPage(rows, 3, (r) => [r], String)).toEqual({ data: ['1', '2', '3'] });
  });
});

describe('display names', () => {
  it('accepts ordinary names', () => {
    expect(validateDisplayName('Quarterly report (v2) — ünïcode')).toBe('Quarterly report (v2) — ünïcode');
  });
  it.each([['a/b'], ['..'], ['.'], ['a\\b'], ['tab\there'], ['nul\u0000'], [' lead'], ['trail '], [''], ['x'.repeat(256)]])('refuses %j', (name) => {
    expect(() => validateDisplayName(name)).toThrow(InvalidArgumentError);
  });
});

describe('config helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1y')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });
  it('lists every problem in a ConfigError', () => {
    const e = new ConfigError(['A: bad', 'B: worse']);
    expect(e.message).toContain('A: bad');
    expect(e.message).toContain('B: worse');
  });
});
