import { stat } from 'node:fs/promises';
import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { quoteIdentifier, quoteString, type Engine } from './duckdb.js';

/** Rows already computed (a sandbox's answer): column metadata and DuckDB data chunks. */
export interface ComputedRows {
  columnNames(): string[];
  columnTypes(): DuckDBType[];
  chunks: DuckDBDataChunk[];
}

/** Column names made unique (`a`, `a_2`...), as a table needs; results may repeat a name. */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let candidate = name || 'column';
    for (let k = 2; used.has(candidate.toLowerCase()); k++) candidate = `${name || 'column'}_${k}`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

/**
 * Writes computed rows to one Parquet file with the trusted engine: the chunks are appended,
 * as they are, into a temporary table of the same types, which is then copied out. Used to keep
 * SQL results (and export them as datasets) in the platform's one table format.
 */
export async function writeRowsToParquet(engine: Engine, rows: ComputedRows, outputPath: string): Promise<{ rowCount: number; sizeBytes: number }> {
  const names = uniqueColumnNames(rows.columnNames());
  const types = rows.columnTypes();
  await engine.withConnection(async (conn) => {
    const columns = names.map((n, i) => `${quoteIdentifier(n)} ${types[i]!.toString()}`).join(', ');
    await conn.run(`CREATE TEMP TABLE computed_rows (${columns})`);
    const appender = await conn.createAppender('computed_rows', null, 'temp');
    try {
      for (const chunk of rows.chunks) appender.appendDataChunk(chunk);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await conn.run(`COPY computed_rows TO ${quoteString(outputPath)} (FORMAT parquet, COMPRESSION zstd)`);
    await conn.run('DROP TABLE computed_rows');
  });
  return { rowCount: rows.chunks.reduce((n, c) => n + c.rowCount, 0), sizeBytes: (await stat(outputPath)).size };
}
