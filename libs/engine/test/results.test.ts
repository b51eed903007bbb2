import { describe, expect, it } from 'vitest';
import { describeParquet, openSandbox, preview, uniqueColumnNames, writeRowsToParquet } from '../src/index.js';
import { useEngine } from './helpers.js';

const ctx = useEngine();

describe('writeRowsToParquet', () => {
  it('writes a sandbox result, types and all, as one Parquet file', async () => {
    const sandbox = await openSandbox({ tables: [] });
    try {
      const result = await sandbox.query(
        "SELECT 1::BIGINT AS id, 'x' AS name, 1.25::DECIMAL(10,2) AS amount, [1, 2] AS list, {'k': 1} AS s, 2 AS id UNION ALL SELECT 2, NULL, NULL, NULL, NULL, 3",
        { rowLimit: 10, timeoutMs: 5000 },
      );
      const out = `${ctx.dir()}/rows.parquet`;
      const written = await writeRowsToParquet(ctx.engine(), result, out);
      expect(written.rowCount).toBe(2);
      const described = await describeParquet(ctx.engine(), [out]);
      expect(described.rowCount).toBe(2);
      expect(described.schema.fieldSchemaList.map((f) => [f.name, f.type])).toEqual([
        ['id', 'LONG'],
        ['name', 'STRING'],
        ['amount', 'DECIMAL'],
        ['list', 'ARRAY'],
        ['s', 'STRUCT'],
        ['id_1', 'INTEGER'], // the sandbox's wrapper renames repeated names
      ]);
      const rows = await preview(ctx.engine(), { files: [out] }, { limit: 10 });
      expect(rows.rows[0]).toEqual(['1', 'x', '1.25', [1, 2], { k: 1 }, 2]);
      expect(rows.rows[1]).toEqual(['2', null, null, null, null, 3]);
    } finally {
      await sandbox.close();
    }
  });

  it('makes repeated column names unique, case-insensitively', () => {
    expect(uniqueColumnNames(['a', 'A', 'a', '', 'b'])).toEqual(['a', 'A_2', 'a_3', 'column', 'b']);
  });
});
