import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { assertLocalPath, quoteIdentifier, quoteString } from '../src/duckdb.js';
import { useEngine } from './helpers.js';

const HOSTILE = [
  'plain',
  "it's",
  "''",
  "'; DROP TABLE x; --",
  'back\\slash',
  'trailing backslash\\',
  "\\'",
  'double "quote"',
  '"',
  'new\nline',
  'carriage\r\nreturn',
  'tab\there',
  'unicode ☃ 𝄞',
  '$1',
  '?',
  '',
];

describe('quoteString', () => {
  const { engine } = useEngine();

  it('doubles single quotes and leaves backslashes literal', () => {
    expect(quoteString("it's")).toBe("'it''s'");
    expect(quoteString('a\\b')).toBe("'a\\b'");
  });

  it.each(HOSTILE)('round-trips %j through DuckDB unchanged', async (value) => {
    const got = await engine().withConnection(async (c) => (await c.runAndReadAll(`SELECT ${quoteString(value)} AS v, 42 AS after`)).getRows()[0]);
    expect(got).toEqual([value, 42]);
  });

  it('refuses NUL, which would end the C string DuckDB receives', () => {
    expect(() => quoteString('a\0b')).toThrow(InvalidArgumentError);
  });
});

describe('quoteIdentifier', () => {
  const { engine } = useEngine();

  it.each(HOSTILE.filter((v) => v !== ''))('names a column %j exactly', async (name) => {
    const names = await engine().withConnection(async (c) => (await c.runAndReadAll(`SELECT 1 AS ${quoteIdentifier(name)}`)).columnNames());
    expect(names).toEqual([name]);
  });

  it('doubles double quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('refuses NUL', () => {
    expect(() => quoteIdentifier('a\0b')).toThrow(/NUL/);
  });
});

describe('assertLocalPath', () => {
  it.each(['relative/file.csv', '/data/*.csv', '/data/file?.csv', '/data/[ab].csv', 's3://bucket/x', '/a\0b'])('refuses %j', (p) => {
    expect(() => assertLocalPath(p)).toThrow(/refusing/);
  });

  it('accepts an absolute path with spaces and quotes', () => {
    expect(() => assertLocalPath("/tmp/it's a \"file\".csv")).not.toThrow();
  });
});
