import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { readAhead, readKeyed } from '../src/keyed.js';
import { useEngine } from './helpers.js';

const { engine, dir } = useEngine();
let file: string;
let big: string;

beforeAll(async () => {
  file = join(dir(), 'keyed.parquet');
  big = join(dir(), 'big.parquet');
  await engine().withConnection(async (c) => {
    await c.run(`COPY (SELECT * FROM (VALUES
      ('a', 1, 9007199254740993::BIGINT, 12.50::DECIMAL(10,2), DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 12:34:56.789012+00', 'NaN'::DOUBLE, ['x', 'y'], '52.5, 13.4', 'plain'),
      ('b', 2, NULL, NULL, NULL, NULL, 1.5, [], NULL, 'with' || chr(0) || 'nul'),
      ('c', 3, 1, 1, NULL, NULL, 'inf'::DOUBLE, NULL, NULL, 'ok'),
      ('f', 8, 1, 1, NULL, NULL, 0, NULL, 'not a point', 'ok'),
      ('d', 4, 1, 1, NULL, NULL, 0, NULL, '95,10', 'ok'),
      ('e', 5, 1, 1, NULL, NULL, 0, NULL, NULL, 'ok'),
      ('e', 6, 1, 1, NULL, NULL, 0, NULL, NULL, 'ok'),
      (NULL, 7, 1, 1, NULL, NULL, 0, NULL, NULL, 'ok')
    ) v(id, n, big, amount, day, "at", dbl, tags, loc, txt)) TO '${file}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT i AS id, 'name ' || i AS name FROM range(0, 12345) r(i)) TO '${big}' (FORMAT parquet)`);
  });
});

const fields = ['n', 'big', 'amount', 'day', 'at', 'dbl', 'tags', 'loc', 'txt'].map((column) => ({ column, as: column === 'loc' ? ('geopoint' as const) : ('value' as const) }));

describe('readKeyed', () => {
  it('describes every invalid row with its reason and streams only the valid ones, values exact', async () => {
    const read = await readKeyed(engine(), { files: [file] }, { key: 'id', fields, maxInvalidExamples: 10 });
    expect(read.validCount).toBe(2);
    expect(read.invalidCount).toBe(6);
    const reasons = Object.fromEntries(read.invalidExamples.map((x) => [x.key ?? 'null', x.reason]));
    expect(reasons).toEqual({
      b: 'column `txt`: contains a NUL character',
      f: `column \`loc\`: 'not a point' is not a geopoint ("lat,lon")`,
      d: `column \`loc\`: '95,10' is out of range (latitude within ±90, longitude within ±180)`,
      e: "primary key `id` value 'e' appears in 2 rows",
      null: 'primary key `id` is null',
    });
    expect(read.invalidExamples.find((x) => x.key === 'f')!.values).toMatchObject({ id: 'f', n: 8, loc: 'not a point' });
    const rows: any[] = [];
    for await (const b of read.batches()) rows.push(...JSON.parse(b.data));
    expect(rows).toHaveLength(2);
    const a = rows.find((r) => r.c0 === 1);
    // Exact beyond 2^53 in the JSON text, geopoint as PostgreSQL point text (lon,lat), NaN as text.
    expect(a).toMatchObject({ c2: 12.5, c3: '2024-02-29', c5: 'nan', c6: ['x', 'y'], c7: '(13.4,52.5)', c8: 'plain' });
    expect(a.c4).toMatch(/^2024-02-29 12:34:56\.789012\+00/);
    expect(rows.find((r) => r.c0 === 3)).toMatchObject({ c5: 'inf', c7: null });
    const raw: string[] = [];
    for await (const b of read.batches()) raw.push(b.data);
    expect(raw.join('')).toContain('9007199254740993');
  });

  it('streams the valid rows as CSV lines for COPY: every value quoted as PostgreSQL reads it, null as nothing', async () => {
    const read = await readKeyed(engine(), { files: [file] }, { key: 'id', fields, maxInvalidExamples: 0, format: 'csv' });
    let csv = '';
    for await (const b of read.batches()) csv += b.data;
    const lines = csv.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.sort()).toEqual(['"1","9007199254740993","12.5","2024-02-29","2024-02-29 12:34:56.789012+00","nan","[""x"",""y""]","(13.4,52.5)","plain"', '"3","1","1.0",,,"inf",,,"ok"']);
  });

  it('reports only the first examples but counts all, and batches the valid rows', async () => {
    const read = await readKeyed(engine(), { files: [big, big] }, { key: 'id', fields: [{ column: 'name' }], maxInvalidExamples: 3, batchRows: 1000 });
    expect(read.invalidCount).toBe(24690);
    expect(read.invalidExamples).toHaveLength(3);
    const one = await readKeyed(engine(), { files: [big] }, { key: 'id', fields: [{ column: 'name' }], maxInvalidExamples: 3, batchRows: 1000 });
    let rows = 0;
    let batches = 0;
    for await (const b of one.batches()) {
      rows += b.rows;
      batches++;
    }
    expect(rows).toBe(12345);
    expect(batches).toBe(13);
  });

  it('reads one batch ahead: the next is produced while the caller works on this one; a caller may stop early', async () => {
    const asked: string[] = [];
    async function* source() {
      for (const x of ['a', 'b', 'c']) {
        asked.push(x);
        yield x;
      }
      asked.push('end');
    }
    const it = readAhead(source());
    expect((await it.next()).value).toBe('a');
    // The caller holds 'a' (its insert): 'b' is already on its way.
    await new Promise((r) => setImmediate(r));
    expect(asked).toEqual(['a', 'b']);
    expect((await it.next()).value).toBe('b');
    await it.return(undefined);
    expect(asked).toEqual(['a', 'b', 'c']);

    // On DuckDB: a loop that breaks closes the stream each time, and a whole read still sees every row.
    const read = await readKeyed(engine(), { files: [big] }, { key: 'id', fields: [{ column: 'name' }], maxInvalidExamples: 0, batchRows: 1000 });
    for (let i = 0; i < 3; i++) {
      let batches = 0;
      for await (const _ of read.batches()) if (++batches === 2) break;
      expect(batches).toBe(2);
    }
    const names = new Set<string>();
    for await (const b of read.batches()) for (const r of JSON.parse(b.data) as Array<{ c0: string }>) names.add(r.c0);
    expect(names.size).toBe(12345);
  });

  it('refuses a column that is not there, and reads nothing from no files', async () => {
    await expect(readKeyed(engine(), { files: [file] }, { key: 'nope', fields, maxInvalidExamples: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(readKeyed(engine(), { files: [file] }, { key: 'id', fields: [{ column: 'missing' }], maxInvalidExamples: 1 })).rejects.toMatchObject({ parameters: { column: 'missing' } });
    const none = await readKeyed(engine(), { files: [] }, { key: 'id', fields, maxInvalidExamples: 1 });
    expect(none).toMatchObject({ validCount: 0, invalidCount: 0 });
  });
});
