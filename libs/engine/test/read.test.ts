import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import fc from 'fast-check';
import { DATE, DuckDBDateValue, DuckDBTimestampTZValue, TIMESTAMP, TIMESTAMPTZ, dateValue, timestampTZValue, timestampValue } from '@duckdb/node-api';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { columnStats, csvField, describeParquet, jsonSafeValue, preview, readTable } from '../src/read.js';
import { useEngine } from './helpers.js';

const { engine, dir } = useEngine();

let typed: string;
let part1: string;
let part2: string;

beforeAll(async () => {
  typed = join(dir(), 'typed.parquet');
  part1 = join(dir(), 'part1.parquet');
  part2 = join(dir(), 'part2.parquet');
  await engine().withConnection(async (c) => {
    await c.run(`COPY (SELECT * FROM (VALUES
      (1, 9007199254740993::BIGINT, 12.50::DECIMAL(10,2), DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 12:34:56.789012+00', '\\x00\\xffhi'::BLOB, 'a,"b"' || chr(10) || 'c', 'NaN'::DOUBLE, [1, 2], {'x': 1, 'y': 'z'}, MAP {'k': 1}),
      (2, NULL, -0.01, NULL, TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', NULL, NULL, 1.5, [], NULL, NULL)
    ) v(id, big, amount, day, "at", bin, "text", dbl, arr, st, mp)) TO '${typed}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT i AS n, 'r' || i AS s FROM range(0, 3000) r(i)) TO '${part1}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT i AS n, 'r' || i AS s FROM range(3000, 5000) r(i)) TO '${part2}' (FORMAT parquet)`);
  });
});

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<{ parts: number; bytes: Buffer }> {
  const chunks: Uint8Array[] = [];
  for await (const c of iterable) chunks.push(c);
  return { parts: chunks.length, bytes: Buffer.concat(chunks) };
}

function thrown(fn: () => Promise<unknown>): Promise<InvalidArgumentError> {
  return fn().then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      return e as InvalidArgumentError;
    },
  );
}

describe('describeParquet', () => {
  it('gives the schema and the row count of all files from their footers', async () => {
    const d = await describeParquet(engine(), [part1, part2]);
    expect(d.rowCount).toBe(5000);
    expect(d.schema.fieldSchemaList).toEqual([
      { name: 'n', type: 'LONG', nullable: true },
      { name: 's', type: 'STRING', nullable: true },
    ]);
  });

  it('describes an empty file list as a table without columns or rows', async () => {
    expect(await describeParquet(engine(), [])).toEqual({ schema: { fieldSchemaList: [] }, rowCount: 0 });
  });
});

describe('preview', () => {
  it('returns JSON-safe values', async () => {
    const p = await preview(engine(), { files: [typed] });
    expect(p.schema.fieldSchemaList.map((f) => f.type)).toEqual(['INTEGER', 'LONG', 'DECIMAL', 'DATE', 'TIMESTAMP', 'BINARY', 'STRING', 'DOUBLE', 'ARRAY', 'STRUCT', 'MAP']);
    expect(p.rows).toEqual([
      [1, '9007199254740993', '12.50', '2024-02-29', '2024-02-29T12:34:56.789012Z', Buffer.from([0, 255, 104, 105]).toString('base64'), 'a,"b"\nc', 'NaN', [1, 2], { x: 1, y: 'z' }, [{ key: 'k', value: 1 }]],
      [2, null, '-0.01', null, '1969-12-31T23:59:59.999999Z', null, null, 1.5, [], null, null],
    ]);
    // What a JSON body can carry without loss.
    expect(JSON.parse(JSON.stringify(p.rows))).toEqual(p.rows);
  });

  it('pages in file order across files and picks columns in the requested order', async () => {
    const p = await preview(engine(), { files: [part1, part2] }, { offset: 2998, limit: 4, columns: ['s', 'n'] });
    expect(p.schema.fieldSchemaList.map((f) => f.name)).toEqual(['s', 'n']);
    expect(p.rows).toEqual([
      ['r2998', '2998'],
      ['r2999', '2999'],
      ['r3000', '3000'],
      ['r3001', '3001'],
    ]);
  });

  it('refuses an unknown column by name and a bad limit', async () => {
    const err = await thrown(() => preview(engine(), { files: [part1] }, { columns: ['n', 'nope'] }));
    expect(err.errorName).toBe('ColumnNotFound');
    expect(err.parameters).toEqual({ column: 'nope' });
    const bad = await thrown(() => preview(engine(), { files: [part1] }, { limit: 1e9 }));
    expect(bad.parameters.parameter).toBe('limit');
  });

  it('previews an empty source as nothing', async () => {
    expect(await preview(engine(), { files: [] })).toEqual({ schema: { fieldSchemaList: [] }, rows: [] });
  });
});

describe('columnStats', () => {
  it('computes nulls, distinct estimates and min/max in one pass', async () => {
    const stats = await columnStats(engine(), { files: [typed] });
    const by = Object.fromEntries(stats.map((s) => [s.name, s]));
    expect(by.id).toEqual({ name: 'id', type: 'INTEGER', nullCount: 0, distinctCount: 2, min: 1, max: 2 });
    expect(by.big).toEqual({ name: 'big', type: 'LONG', nullCount: 1, distinctCount: 1, min: '9007199254740993', max: '9007199254740993' });
    expect(by.amount).toMatchObject({ min: '-0.01', max: '12.50' });
    expect(by.at).toMatchObject({ min: '1969-12-31T23:59:59.999999Z', max: '2024-02-29T12:34:56.789012Z' });
    expect(by.arr).toEqual({ name: 'arr', type: 'ARRAY', nullCount: 0, distinctCount: 2 });
    expect(by.st).toEqual({ name: 'st', type: 'STRUCT', nullCount: 1, distinctCount: 1 });
  });

  it('leaves min and max out for an all-NULL column', async () => {
    const path = join(dir(), 'nulls.parquet');
    await engine().withConnection((c) => c.run(`COPY (SELECT NULL::INTEGER AS a FROM range(3)) TO '${path}' (FORMAT parquet)`));
    expect(await columnStats(engine(), { files: [path] })).toEqual([{ name: 'a', type: 'INTEGER', nullCount: 3, distinctCount: 0 }]);
  });
});

describe('readTable', () => {
  it('streams Arrow IPC batch by batch', async () => {
    const { parts, bytes } = await collect(await readTable(engine(), { files: [part1, part2] }, { format: 'ARROW' }));
    expect(parts).toBeGreaterThan(2);
    const t = tableFromIPC(bytes);
    expect(t.numRows).toBe(5000);
    expect(t.get(4999)!.toJSON()).toEqual({ n: 4999n, s: 'r4999' });
  });

  it('selects columns and limits rows', async () => {
    const t = tableFromIPC((await collect(await readTable(engine(), { files: [part1, part2] }, { format: 'ARROW', columns: ['s'], rowLimit: 3001 }))).bytes);
    expect(t.numRows).toBe(3001);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['s']);
  });

  it('writes CSV with a header and RFC 4180 quoting', async () => {
    const { bytes } = await collect(await readTable(engine(), { files: [typed] }, { format: 'CSV', columns: ['id', 'text', 'amount', 'arr', 'st', 'at'] }));
    expect(bytes.toString('utf8')).toBe(
      'id,text,amount,arr,st,at\r\n' + '1,"a,""b""\nc",12.50,"[1,2]","{""x"":1,""y"":""z""}",2024-02-29T12:34:56.789012Z\r\n' + '2,,-0.01,[],,1969-12-31T23:59:59.999999Z\r\n',
    );
  });

  it('refuses an unknown column before streaming anything', async () => {
    const err = await thrown(() => readTable(engine(), { files: [part1] }, { format: 'CSV', columns: ['missing'] }));
    expect(err.errorName).toBe('ColumnNotFound');
    expect(err.parameters).toEqual({ column: 'missing' });
  });

  it('can be abandoned midway', async () => {
    let seen = 0;
    for await (const part of await readTable(engine(), { files: [part1, part2] }, { format: 'CSV' })) {
      seen += part.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    // The connection was released: the engine still serves reads.
    expect((await describeParquet(engine(), [part1])).rowCount).toBe(3000);
  });

  it('reads an empty source as an empty Arrow schema or an empty CSV', async () => {
    const t = tableFromIPC((await collect(await readTable(engine(), { files: [] }, { format: 'ARROW' }))).bytes);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields).toEqual([]);
    expect((await collect(await readTable(engine(), { files: [] }, { format: 'CSV' }))).bytes.length).toBe(0);
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\r', '"cr\r"'],
    ['', ''],
  ])('%j → %j', (input, output) => {
    expect(csvField(input)).toBe(output);
  });
});

describe('jsonSafeValue dates and timestamps', () => {
  // Date/toISOString is the reference for the hand-written calendar arithmetic, over the whole
  // four-digit-year range and around the epoch, where floor division must go the right way.
  const MIN_DAY = -719_528; // 0000-01-01
  const MAX_DAY = 2_932_896; // 9999-12-31

  it('formats every kind of day like Date does', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_DAY, max: MAX_DAY }), (days) => {
        expect(jsonSafeValue(dateValue(days), DATE)).toBe(new Date(days * 86_400_000).toISOString().slice(0, 10));
      }),
      { numRuns: 2000 },
    );
  });

  it('formats timestamps to the microsecond', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(MIN_DAY) * 86_400_000_000n, max: BigInt(MAX_DAY + 1) * 86_400_000_000n - 1n }), (micros) => {
        const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
        const sub = Number(micros - ms * 1000n);
        const iso = new Date(Number(ms)).toISOString();
        const expected = sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
        expect(jsonSafeValue(timestampTZValue(micros), TIMESTAMPTZ)).toBe(expected);
        expect(jsonSafeValue(timestampValue(micros), TIMESTAMP)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(jsonSafeValue(timestampTZValue(-1n), TIMESTAMPTZ)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it("leaves years beyond 9999 and infinities to DuckDB's text", () => {
    expect(jsonSafeValue(dateValue(MAX_DAY + 1), DATE)).toBe('10000-01-01');
    expect(jsonSafeValue(DuckDBDateValue.PosInf, DATE)).toBe('infinity');
    expect(jsonSafeValue(DuckDBTimestampTZValue.NegInf, TIMESTAMPTZ)).toBe('-infinity');
  });
});
