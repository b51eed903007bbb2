import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { convertToParquet, detectEncoding } from '../src/convert.js';
import type { ConvertInput, DatasetSchema } from '../src/engine.types.js';
import { preview } from '../src/read.js';
import { useEngine } from './helpers.js';

const { engine, dir, file } = useEngine();

let n = 0;
async function convert(input: ConvertInput) {
  const out = join(dir(), `out-${n++}.parquet`);
  const result = await convertToParquet(engine(), input, out);
  const page = await preview(engine(), { files: [out] }, { limit: 10_000 });
  return { result, out, rows: page.rows, types: page.schema.fieldSchemaList.map((f) => f.type) };
}

async function failure(input: ConvertInput): Promise<InvalidArgumentError> {
  const out = join(dir(), `bad-${n++}.parquet`);
  try {
    await convertToParquet(engine(), input, out);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    // No partial output is left for the caller to pick up.
    expect(existsSync(out)).toBe(false);
    return e as InvalidArgumentError;
  }
  throw new Error('expected the conversion to fail');
}

const schema = (...fields: Array<[string, string, Record<string, unknown>?]>): DatasetSchema =>
  ({ fieldSchemaList: fields.map(([name, type, extra]) => ({ name, type, nullable: true, ...extra })) }) as DatasetSchema;

describe('CSV', () => {
  it('infers Foundry types and keeps row order', async () => {
    const path = await file('basic.csv', 'id,amount,name,day,at,flag\n3,1.5,"Smith, J",2024-01-31,2024-01-31 10:00:00,true\n1,-2,"say ""hi""",2024-02-01,2024-02-01 00:00:00.123456,false\n2,,,,,\n');
    const { result, rows, types } = await convert({ path, format: 'csv' });
    expect(result.rowCount).toBe(3);
    expect(result.sizeBytes).toBeGreaterThan(0);
    expect(result.schema.fieldSchemaList.map((f) => [f.name, f.type])).toEqual([
      ['id', 'LONG'],
      ['amount', 'DOUBLE'],
      ['name', 'STRING'],
      ['day', 'DATE'],
      ['at', 'TIMESTAMP'],
      ['flag', 'BOOLEAN'],
    ]);
    expect(types).toEqual(['LONG', 'DOUBLE', 'STRING', 'DATE', 'TIMESTAMP', 'BOOLEAN']);
    expect(rows).toEqual([
      ['3', 1.5, 'Smith, J', '2024-01-31', '2024-01-31T10:00:00.000Z', true],
      ['1', -2, 'say "hi"', '2024-02-01', '2024-02-01T00:00:00.123456Z', false],
      ['2', null, null, null, null, null],
    ]);
  });

  it('takes hostile file names and column names literally', async () => {
    const path = await file(`it's a "file"; --.csv`, '"it\'s","a""b","back\\slash"\n1,2,3\n');
    const { result, rows } = await convert({ path, format: 'csv' });
    expect(result.schema.fieldSchemaList.map((f) => f.name)).toEqual(["it's", 'a"b', 'back\\slash']);
    expect(rows).toEqual([['1', '2', '3']]);
  });

  it('reads TSV and honours a given delimiter, quote and header', async () => {
    const tsv = await convert({ path: await file('t.tsv', 'a\tb\nx,y\t1\n'), format: 'tsv' });
    expect(tsv.rows).toEqual([['x,y', '1']]);
    const semi = await convert({ path: await file('s.csv', "1;'a;b'\n2;'c'\n"), format: 'csv', csv: { delimiter: ';', quote: "'", header: false } });
    expect(semi.result.schema.fieldSchemaList.map((f) => f.name)).toEqual(['column0', 'column1']);
    expect(semi.rows).toEqual([
      ['1', 'a;b'],
      ['2', 'c'],
    ]);
  });

  it('stores TIME as its text and zoned timestamps as UTC instants', async () => {
    const { rows, types } = await convert({ path: await file('tz.csv', 'at,t\n2024-01-01 10:00:00+02,10:30\n2024-06-01T00:00:00Z,23:59\n'), format: 'csv' });
    expect(types).toEqual(['TIMESTAMP', 'STRING']);
    expect(rows[0]).toEqual(['2024-01-01T08:00:00.000Z', '10:30']);
  });

  it('reads columns as the types of a user schema, positionally', async () => {
    const { result, rows, types } = await convert({
      path: await file('typed.csv', 'ID,Amount,Note\n7,12.345,001\n'),
      format: 'csv',
      schema: schema(['id', 'INTEGER'], ['amount', 'DECIMAL', { precision: 10, scale: 2 }], ['note', 'STRING']),
    });
    expect(types).toEqual(['INTEGER', 'DECIMAL', 'STRING']);
    expect(result.schema.fieldSchemaList[1]).toEqual({ name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true });
    expect(rows).toEqual([[7, '12.35', '001']]);
  });

  it('names row, column, value and type of a value that does not parse as the schema type', async () => {
    const lines = ['id,amount'];
    for (let i = 1; i <= 20_000; i++) lines.push(`${i},${i === 10_422 ? 'abc' : (i / 100).toFixed(2)}`);
    const err = await failure({ path: await file('bad-decimal.csv', lines.join('\n') + '\n'), format: 'csv', schema: schema(['id', 'LONG'], ['amount', 'DECIMAL', { precision: 12, scale: 2 }]) });
    expect(err.errorName).toBe('InvalidFileContent');
    expect(err.parameters).toEqual({ row: 10_422, line: 10_423, column: 'amount', value: 'abc', expectedType: 'DECIMAL', problem: "row 10422, column `amount`: 'abc' is not a decimal" });
    expect(err.message).toBe("row 10422, column `amount`: 'abc' is not a decimal");
  });

  it('names the row when a value after the sniffed sample breaks the inferred type', async () => {
    const lines = ['n,label'];
    for (let i = 1; i <= 60_000; i++) lines.push(`${i === 50_000 ? 'n/a' : i},x`);
    const err = await failure({ path: await file('late.csv', lines.join('\n') + '\n'), format: 'csv' });
    expect(err.parameters).toMatchObject({ row: 50_000, column: 'n', value: 'n/a', expectedType: 'LONG' });
    expect(err.parameters.problem).toBe("row 50000, column `n`: 'n/a' is not an integer");
  });

  it('refuses a ragged row with its row number', async () => {
    const lines = ['a,b'];
    for (let i = 1; i <= 40_000; i++) lines.push(i === 30_000 ? '1,2,3' : `${i},${i}`);
    const err = await failure({ path: await file('ragged.csv', lines.join('\n') + '\n'), format: 'csv' });
    expect(err.parameters).toEqual({ row: 30_000, line: 30_001, expectedColumns: 2, foundColumns: 3, problem: 'row 30000 has 3 columns, expected 2' });
  });

  it('refuses a file whose layout cannot be detected instead of importing whole lines', async () => {
    const err = await failure({ path: await file('ragged-small.csv', 'id,amount\n1,2\n2,3,4\n3,4\n'), format: 'csv' });
    expect(err.parameters.problem).toMatch(/could not detect the CSV layout/);
  });

  it('refuses a quote that is never closed', async () => {
    const err = await failure({ path: await file('unterminated.csv', 'a,b\n1,"x\n2,y\n'), format: 'csv', csv: { quote: '"', delimiter: ',', header: true } });
    expect(err.errorName).toBe('InvalidFileContent');
    expect(String(err.parameters.problem)).toMatch(/quote|layout/);
  });

  it('refuses invalid UTF-8 in a file declared UTF-8, naming the row', async () => {
    const bytes = Buffer.concat([Buffer.from('id,name\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n3,ok\n')]);
    const err = await failure({ path: await file('latin-declared-utf8.csv', bytes), format: 'csv', csv: { encoding: 'utf-8' } });
    // The sniffer meets the bad byte, before a header is known: the file line is named.
    expect(err.parameters).toEqual({ line: 3, problem: "line 3 is not valid UTF-8; declare the file's encoding (latin-1, utf-16) or convert it to UTF-8" });
    const late = ['id,name'];
    for (let i = 1; i <= 30_000; i++) late.push(`${i},ok`);
    const bytes2 = Buffer.concat([Buffer.from(late.join('\n') + '\n30001,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const err2 = await failure({ path: await file('late-latin.csv', bytes2), format: 'csv', csv: { encoding: 'utf-8' } });
    expect(err2.parameters).toMatchObject({ row: 30_001, line: 30_002 });
  });

  it('refuses an empty file unless a schema says what it holds', async () => {
    const path = await file('empty.csv', '');
    const err = await failure({ path, format: 'csv' });
    expect(err.parameters).toEqual({ problem: 'the file is empty' });
    const { result, rows, types } = await convert({ path, format: 'csv', schema: schema(['a', 'LONG'], ['b', 'STRING']) });
    expect(result.rowCount).toBe(0);
    expect(rows).toEqual([]);
    expect(types).toEqual(['LONG', 'STRING']);
  });

  it('imports a header-only file as an empty table', async () => {
    const { result } = await convert({ path: await file('header-only.csv', 'a,b\n'), format: 'csv' });
    expect(result.rowCount).toBe(0);
  });

  it('fails on NULL in a non-nullable schema field, naming the column', async () => {
    const err = await failure({ path: await file('nulls.csv', 'a\n1\n\n'), format: 'csv', csv: { header: true }, schema: { fieldSchemaList: [{ name: 'a', type: 'LONG', nullable: false }] } });
    expect(err.parameters).toMatchObject({ column: 'a' });
  });
});

describe('encodings', () => {
  const text = 'id,name\n1,café ☃\n';

  it.each([
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['utf-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
  ])('detects %s', async (_label, bytes) => {
    const { rows, result } = await convert({ path: await file(`enc-${n}.csv`, bytes), format: 'csv' });
    expect(result.schema.fieldSchemaList.map((f) => f.name)).toEqual(['id', 'name']);
    expect(rows).toEqual([['1', 'café ☃']]);
  });

  it('falls back to latin-1 when the head is not UTF-8', async () => {
    const { rows } = await convert({ path: await file('latin1.csv', Buffer.from('id,name\n1,café\n', 'latin1')), format: 'csv' });
    expect(rows).toEqual([['1', 'café']]);
  });

  it('sniffs encodings from bytes', () => {
    expect(detectEncoding(Buffer.from('plain ascii'))).toBe('utf-8');
    // A multi-byte character cut off at the end of the sample is still UTF-8.
    expect(detectEncoding(Buffer.from('é').subarray(0, 1))).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0x61, 0xe9, 0x62]))).toBe('latin-1');
    expect(() => detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x61]))).toThrow(/big-endian/);
  });
});

describe('JSON', () => {
  it('imports JSON Lines with nested values', async () => {
    const path = await file('rows.jsonl', '{"id":1,"tags":["a","b"],"addr":{"city":"Oslo","zip":"0150"},"at":"2024-01-01T10:00:00Z"}\n{"id":2,"tags":[],"addr":null,"at":null}\n');
    const { result, rows } = await convert({ path, format: 'jsonl' });
    expect(result.schema.fieldSchemaList.map((f) => f.type)).toEqual(['LONG', 'ARRAY', 'STRUCT', 'TIMESTAMP']);
    expect(rows).toEqual([
      ['1', ['a', 'b'], { city: 'Oslo', zip: '0150' }, '2024-01-01T10:00:00.000Z'],
      ['2', [], null, null],
    ]);
  });

  it('imports a JSON array, with a schema', async () => {
    const path = await file('rows.json', '[{"a": 1.25, "b": "x"}, {"a": 2, "b": null}]');
    expect((await convert({ path, format: 'json' })).rows).toEqual([
      [1.25, 'x'],
      [2, null],
    ]);
    const typed = await convert({ path, format: 'json', schema: schema(['a', 'DECIMAL', { precision: 5, scale: 1 }], ['b', 'STRING']) });
    expect(typed.rows).toEqual([
      ['1.3', 'x'],
      ['2.0', null],
    ]);
  });

  it('names the line of malformed JSON', async () => {
    const err = await failure({ path: await file('broken.jsonl', '{"a":1}\n{"a":2}\n{"a": tru}\n{"a":4}\n'), format: 'jsonl' });
    expect(err.parameters.row).toBe(3);
    expect(err.parameters.problem).toMatch(/^malformed JSON in row 3/);
    expect(String(err.parameters.problem)).not.toContain(dir());
  });
});

describe('Parquet', () => {
  it('copies a Parquet file and casts types Foundry lacks', async () => {
    const src = join(dir(), 'src.parquet');
    await engine().withConnection((c) =>
      c.run(`COPY (SELECT i::UINTEGER AS u, TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS t, uuid() IS NOT NULL AS ok FROM range(3) r(i)) TO '${src}' (FORMAT parquet)`),
    );
    const { result, rows } = await convert({ path: src, format: 'parquet' });
    expect(result.rowCount).toBe(3);
    expect(result.schema.fieldSchemaList.map((f) => f.type)).toEqual(['LONG', 'TIMESTAMP', 'BOOLEAN']);
    expect(rows[2]).toEqual(['2', '2024-01-01T00:00:02.000Z', true]);
    const typed = await convert({ path: src, format: 'parquet', schema: schema(['U', 'STRING']) });
    expect(typed.rows).toEqual([['0'], ['1'], ['2']]);
    const missing = await failure({ path: src, format: 'parquet', schema: schema(['nope', 'STRING']) });
    expect(missing.errorName).toBe('ColumnNotFound');
  });

  it('refuses a file that is not Parquet', async () => {
    const err = await failure({ path: await file('fake.parquet', 'id,name\n1,x\n'), format: 'parquet' });
    expect(err.parameters).toEqual({ problem: 'the file is not a Parquet file' });
  });
});
