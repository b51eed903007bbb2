import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { convertToParquet } from '../src/convert.js';
import type { DatasetSchema } from '../src/engine.types.js';
import { importStream, RecordBoundaries, type StreamImportOptions } from '../src/import.js';
import { describeParquet, preview } from '../src/read.js';
import { useEngine } from './helpers.js';

const { engine, dir, file } = useEngine();

/** A deterministic generator, so a failing chunking can be reproduced. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** The body in chunks of random sizes (1 byte to 3 KiB), so boundaries fall anywhere. */
async function* chunks(bytes: Uint8Array, seed = 1): AsyncGenerator<Uint8Array> {
  const next = random(seed);
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(next() * 3072);
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

/** Rows with quoted commas, doubled quotes and line breaks inside quotes. */
function tricky(rows: number, bad?: number): string {
  const lines = ['id,amount,note,day'];
  for (let i = 1; i <= rows; i++) {
    const amount = i === bad ? 'abc' : String(i * 1.5);
    const note = i % 7 === 0 ? `"line one\nline two, with ""quotes"" ${i}"` : i % 3 === 0 ? `"a, b ${i}"` : `plain ${i}`;
    lines.push(`${i},${amount},${note},2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
  }
  return `${lines.join('\n')}\n`;
}

let n = 0;
async function run(body: string | Uint8Array, input: Parameters<typeof importStream>[2], options: Partial<StreamImportOptions> = {}, seed = 1) {
  const workDir = await mkdtemp(join(dir(), `import-${n++}-`));
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const seen: number[] = [];
  const result = await importStream(engine(), chunks(bytes, seed), input, { workDir, partBytes: 2048, onPart: async (p) => void seen.push(p.index), ...options });
  // Parts convert two at a time: each is handed over once, not necessarily in order.
  expect([...seen].sort((a, b) => a - b)).toEqual(result.parts.map((p) => p.index));
  expect(result.parts.map((p) => p.index)).toEqual(result.parts.map((_, i) => i));
  const page = await preview(engine(), { files: result.parts.map((p) => p.path) }, { limit: 10_000 });
  return { result, rows: page.rows, workDir };
}

/** The same upload converted whole, the way a small file is. */
async function whole(body: string, input: Parameters<typeof importStream>[2]) {
  const path = await file(`whole-${n++}.csv`, body);
  const out = join(dir(), `whole-${n++}.parquet`);
  const converted = await convertToParquet(engine(), { ...input, path }, out);
  return { converted, rows: (await preview(engine(), { files: [out] }, { limit: 10_000 })).rows };
}

describe('RecordBoundaries', () => {
  const scanAll = (text: string, quote: number | undefined, sizes: number[]) => {
    const b = new RecordBoundaries(quote);
    const bytes = Buffer.from(text);
    let i = 0;
    for (const size of sizes) {
      b.scan(bytes.subarray(i, i + size));
      i += size;
    }
    b.scan(bytes.subarray(i));
    return b.last;
  };

  it('finds the last line feed outside quotes, however the bytes are chunked', () => {
    const text = 'a,b\n1,"x\ny"\n2,"say ""hi""\n"\n3,"open\n';
    // Boundaries: after "a,b\n" (4), after `1,"x\ny"\n` (12), after `2,"say ""hi""\n"\n` (28); the last line is inside quotes.
    for (const sizes of [[], [1, 1, 1, 1, 1], [5, 7], [13, 1, 1], [27, 1]]) expect(scanAll(text, 0x22, sizes)).toBe(28);
    expect(scanAll('a,b\n1,2', 0x22, [])).toBe(4);
    expect(scanAll('no line feed', 0x22, [])).toBe(0);
    // Without quoting every line feed ends a record.
    expect(scanAll('a\n"b\nc', undefined, [2])).toBe(5);
  });
});

describe('importStream', () => {
  it('cuts a CSV upload into parts at record boundaries; the parts hold exactly the rows of the whole file, in order', async () => {
    const body = tricky(400);
    const expected = await whole(body, { format: 'csv' });
    for (const seed of [1, 2, 3]) {
      const { result, rows } = await run(body, { format: 'csv' }, {}, seed);
      expect(result.parts.length).toBeGreaterThan(2);
      expect(result.rowCount).toBe(400);
      expect(result.schema).toEqual(expected.converted.schema);
      expect(rows).toEqual(expected.rows);
    }
  });

  it('converts a small upload, JSON Lines and CSV it cannot cut safely whole, as one file', async () => {
    const small = await run('a,b\n1,2\n', { format: 'csv' });
    expect(small.result.parts).toHaveLength(1);
    expect(small.rows).toEqual([['1', '2']]);
    const jsonl = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, text: `row ${i}` })).join('\n');
    const json = await run(jsonl, { format: 'jsonl' });
    expect(json.result.parts).toHaveLength(1);
    expect(json.result.rowCount).toBe(300);
    // A backslash escape cannot be followed by counting quotes.
    const escaped = ['id,note', ...Array.from({ length: 300 }, (_, i) => `${i},"say \\"hi\\" ${i}"`)].join('\n');
    const backslash = await run(escaped, { format: 'csv', csv: { escape: '\\' } });
    expect(backslash.result.parts).toHaveLength(1);
    expect(backslash.rows[1]).toEqual(['1', 'say "hi" 1']);
  });

  it('names the row in the whole upload when a later part has a bad value, and leaves no half-written Parquet file', async () => {
    const body = tricky(400, 350);
    const workDir = await mkdtemp(join(dir(), 'bad-'));
    const error = await importStream(engine(), chunks(Buffer.from(body)), { format: 'csv' }, { workDir, partBytes: 2048 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).parameters).toMatchObject({ row: 350, column: 'amount', value: 'abc' });
    // The failed part's COPY output is removed; what is left (parts converted before the failure was
    // seen, which the caller deletes with the work directory) is whole Parquet.
    const left = (await readdir(workDir)).filter((f) => f.endsWith('.parquet'));
    for (const f of left) await expect(describeParquet(engine(), [join(workDir, f)])).resolves.toMatchObject({ rowCount: expect.any(Number) });
  });

  it('reads every part with a given schema and enforces its non-nullable fields', async () => {
    const schema: DatasetSchema = {
      fieldSchemaList: [
        { name: 'id', type: 'INTEGER', nullable: false },
        { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true },
        { name: 'note', type: 'STRING', nullable: true },
        { name: 'day', type: 'STRING', nullable: true },
      ],
    };
    const { result, rows } = await run(tricky(300), { format: 'csv', schema });
    expect(result.parts.length).toBeGreaterThan(3);
    expect(result.schema).toEqual(schema);
    expect(rows[299]).toEqual([300, '450.00', 'a, b 300', '2024-01-21']);
    const missing = `${tricky(300)}\n,1,x,y\n`;
    await expect(run(missing, { format: 'csv', schema })).rejects.toMatchObject({ errorName: 'InvalidFileContent', parameters: { column: 'id' } });
  });

  it('stops at the size limit', async () => {
    const workDir = await mkdtemp(join(dir(), 'limit-'));
    const tooLarge = () => new RangeError('too large');
    await expect(importStream(engine(), chunks(Buffer.from(tricky(400))), { format: 'csv' }, { workDir, partBytes: 2048, maxBytes: 5000, tooLarge })).rejects.toThrow('too large');
  });
});
