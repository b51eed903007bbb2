import { describe, expect, it } from 'vitest';
import { type Date_, DateUnit, Decimal, List, Map_, Struct, Timestamp, TimeUnit, Type, tableFromIPC } from 'apache-arrow';
import { arrowIpcBytes, arrowIpcStream } from '../src/arrow.js';
import { jsonSafeValue, previewArrowIpc } from '../src/read.js';
import { useEngine } from './helpers.js';

const { engine } = useEngine();

async function ipcOf(sql: string, rowLimit?: number) {
  return engine().withConnection(async (c) => tableFromIPC(await arrowIpcBytes(await c.stream(sql), rowLimit === undefined ? {} : { rowLimit })));
}

// Arrow's Decimal128 is the unscaled value in four little-endian 32-bit words.
function unscaled(words: Uint32Array): bigint {
  let v = 0n;
  for (let i = 3; i >= 0; i--) v = (v << 32n) | BigInt(words[i]!);
  return BigInt.asIntN(128, v);
}

describe('arrowIpcStream', () => {
  it('round-trips scalar types and NULLs through apache-arrow', async () => {
    const t = await ipcOf(`
      SELECT * FROM (VALUES
        (true, 1::TINYINT, 2::SMALLINT, 3::INTEGER, 9007199254740993::BIGINT, 1.5::FLOAT, 2.25::DOUBLE, 'héllo', '\\x00\\xff'::BLOB,
         -1234.56::DECIMAL(10,2), 12345678901234567890.123456789::DECIMAL(38,9), DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 12:34:56.789012+00', TIMESTAMP '1969-12-31 23:59:59.5'),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
      ) v(bo, ti, si, i, bi, f, d, s, bl, dec, dec38, dt, tstz, ts)`);
    expect(t.numRows).toBe(2);
    const type = (name: string) => t.schema.fields.find((f) => f.name === name)!.type;
    expect(type('bo').typeId).toBe(Type.Bool);
    expect(type('bi').typeId).toBe(Type.Int);
    expect((type('dec') as Decimal).scale).toBe(2);
    expect((type('dec') as Decimal).precision).toBe(10);
    expect(type('dt').typeId).toBe(Type.Date);
    expect((type('dt') as Date_).unit).toBe(DateUnit.DAY);
    expect((type('tstz') as Timestamp).unit).toBe(TimeUnit.MICROSECOND);
    expect((type('tstz') as Timestamp).timezone).toBe('UTC');
    expect((type('ts') as Timestamp).timezone).toBeFalsy();

    const row = t.get(0)!;
    expect(row.bo).toBe(true);
    expect(row.ti).toBe(1);
    expect(row.si).toBe(2);
    expect(row.i).toBe(3);
    expect(row.bi).toBe(9007199254740993n);
    expect(row.f).toBe(1.5);
    expect(row.d).toBe(2.25);
    expect(row.s).toBe('héllo');
    expect(Array.from(row.bl as Uint8Array)).toEqual([0, 255]);
    expect(unscaled(row.dec as Uint32Array)).toBe(-123456n);
    expect(unscaled(row.dec38 as Uint32Array)).toBe(12345678901234567890123456789n);
    expect(t.getChild('dt')!.data[0]!.values[0]).toBe(19782); // days since epoch
    expect(t.getChild('tstz')!.data[0]!.values[0]).toBe(1709210096789012n); // exact microseconds
    expect(t.getChild('ts')!.data[0]!.values[0]).toBe(-500000n);

    for (const f of t.schema.fields) expect(t.get(1)![f.name], f.name).toBeNull();
  });

  it('round-trips lists, structs and maps, with NULLs at every level', async () => {
    const t = await ipcOf(`
      SELECT * FROM (VALUES
        ([1, NULL, 3]::INTEGER[], {'a': 1, 'b': 'x'}, MAP {'k1': 1.5::DECIMAL(4,1), 'k2': NULL}, [{'n': [DATE '2024-01-01']}]),
        ([]::INTEGER[], {'a': NULL, 'b': NULL}, MAP {}::MAP(VARCHAR, DECIMAL(4,1)), NULL),
        (NULL, NULL, NULL, [NULL])
      ) v(l, s, m, nested)`);
    expect(t.schema.fields.map((f) => f.type.constructor)).toEqual([List, Struct, Map_, List]);
    const l = t.getChild('l')!;
    expect(l.get(0)!.toArray()).toEqual(new Int32Array([1, 0, 3]));
    expect(l.get(0)!.get(1)).toBeNull();
    expect(l.get(1)!.length).toBe(0);
    expect(l.get(2)).toBeNull();
    expect(t.getChild('s')!.get(0)!.toJSON()).toEqual({ a: 1, b: 'x' });
    expect(t.getChild('s')!.get(1)!.toJSON()).toEqual({ a: null, b: null });
    expect(t.getChild('s')!.get(2)).toBeNull();
    const m = t.getChild('m')!.get(0)!;
    const entries = m.toJSON() as Record<string, unknown>;
    expect(Object.keys(entries)).toEqual(['k1', 'k2']);
    expect(unscaled(entries.k1 as Uint32Array)).toBe(15n);
    expect(entries.k2).toBeNull();
    expect(Object.keys(t.getChild('m')!.get(1)!.toJSON())).toEqual([]);
    const nested = t.getChild('nested')!;
    expect(nested.get(0)!.get(0)!.toJSON().n.toArray()).toEqual([Date.UTC(2024, 0, 1)]);
    expect(nested.get(1)).toBeNull();
    expect(nested.get(2)!.get(0)).toBeNull();
  });

  it('streams chunk by chunk and honours rowLimit', async () => {
    const parts = await engine().withConnection(async (c) => {
      const out: Uint8Array[] = [];
      for await (const part of arrowIpcStream(await c.stream('SELECT i, i::VARCHAR AS s FROM range(10000) r(i)'))) out.push(part);
      return out;
    });
    // 10000 rows in DuckDB's 2048-row chunks: 5 batches, each its own part, plus the end marker.
    expect(parts.length).toBe(6);
    const t = tableFromIPC(Buffer.concat(parts));
    expect(t.numRows).toBe(10000);
    expect(t.batches.length).toBe(5);
    expect(t.get(9999)!.s).toBe('9999');

    const limited = await ipcOf('SELECT i FROM range(10000) r(i)', 2050);
    expect(limited.numRows).toBe(2050);
    expect(limited.get(2049)!.i).toBe(2049n);
  });

  it('gives a schema and no rows for an empty result', async () => {
    const t = await ipcOf('SELECT 1::INTEGER AS a, [1]::INTEGER[] AS l, {x: 1} AS s FROM range(0)');
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['a', 'l', 's']);
  });

  it('sends types without an Arrow counterpart as text', async () => {
    const t = await ipcOf("SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, INTERVAL 3 DAY AS iv, TIME '10:30:00' AS tm");
    expect(t.schema.fields.map((f) => f.type.typeId)).toEqual([Type.Utf8, Type.Utf8, Type.Utf8]);
    expect(t.get(0)!.u).toBe('6ba7b810-9dad-11d1-80b4-00c04fd430c8');
    expect(t.get(0)!.tm).toBe('10:30:00');
  });
});

describe('previewArrowIpc', () => {
  // Every type arrowIpcStream writes, NULLs at every level, values at the edges of JSON: the page
  // read back from Arrow must equal what jsonSafeValue gives for DuckDB's own values.
  const query = `
    SELECT * FROM (VALUES
      (true, -1::TINYINT, 2::SMALLINT, 3::INTEGER, 9007199254740993::BIGINT, 200::UTINYINT, 60000::USMALLINT, 4000000000::UINTEGER, 18446744073709551615::UBIGINT,
       170141183460469231731687303715884105727::HUGEINT, 1.5::FLOAT, 'NaN'::DOUBLE, 'héllo', '\\x00\\xff'::BLOB,
       -0.05::DECIMAL(10,2), -12345678901234567890.123456789::DECIMAL(38,9), DATE '2024-02-29', 'infinity'::DATE, TIMESTAMPTZ '2024-02-29 12:34:56.789012+00',
       TIMESTAMP '1969-12-31 23:59:59.5', TIMESTAMP_S '2001-01-01 00:00:01', TIMESTAMP_MS '2001-01-01 00:00:01.5', TIMESTAMP_NS '1960-01-01 00:00:00.000001999',
       uuid '4ac7a9e9-607c-4c8a-84f3-843f0191e3fd', TIME '12:00:01', INTERVAL 3 DAY,
       [1, NULL, 3], {'a': 1, 'b': [DATE '2020-01-01']}, MAP {'k': 1.25::DECIMAL(5,2), 'n': NULL}),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (false, 0, 0, 0, -1, 0, 0, 0, 0, -1, -0.0, '-inf'::DOUBLE, '', ''::BLOB, 0, 0, DATE '0001-01-01', '-infinity'::DATE, TIMESTAMPTZ '1970-01-01 00:00:00+00',
       TIMESTAMP '9999-12-31 23:59:59.999999', NULL, NULL, NULL, NULL, NULL, NULL, [], {'a': NULL, 'b': NULL}, MAP {})
    ) v(bo, ti, si, i, bi, ut, us, ui, ub, hi, f, d, s, bl, dec, dec38, dt, dtinf, tstz, ts, tss, tsms, tsns, u, tm, iv, l, st, m)`;

  it('gives the JSON values and schema preview gives for the same rows', async () => {
    const { expected, names, ipc } = await engine().withConnection(async (c) => {
      const reader = await c.runAndReadAll(query);
      const types = reader.columnTypes();
      return {
        expected: reader.getRows().map((row) => row.map((v, i) => jsonSafeValue(v, types[i]!))),
        names: reader.columnNames(),
        ipc: await arrowIpcBytes(await c.stream(query)),
      };
    });
    const page = previewArrowIpc(ipc, { limit: 10 });
    expect(page.rows).toEqual(expected);
    expect(page.schema.fieldSchemaList.map((f) => f.name)).toEqual(names);
    expect(page.schema.fieldSchemaList.find((f) => f.name === 'dec38')).toMatchObject({ type: 'DECIMAL', precision: 38, scale: 9 });
    expect(page.schema.fieldSchemaList.find((f) => f.name === 'l')).toMatchObject({ type: 'ARRAY' });
    expect(expected[0]![4]).toBe('9007199254740993');
    expect(expected[0]![14]).toBe('-0.05');
  });

  it('pages across record batches', async () => {
    const ipc = await engine().withConnection(async (c) => arrowIpcBytes(await c.stream('SELECT i, i * 2 AS j FROM range(5000) t(i)')));
    const page = previewArrowIpc(ipc, { offset: 2040, limit: 20 });
    expect(page.rows.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, k) => String(2040 + k)));
    expect(previewArrowIpc(ipc, { offset: 4990 }).rows).toHaveLength(10);
    expect(previewArrowIpc(ipc, { offset: 6000 }).rows).toEqual([]);
    expect(() => previewArrowIpc(ipc, { limit: -1 })).toThrow(/limit/);
  });
});
