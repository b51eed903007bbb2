import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Executor } from './database.js';

/**
 * `copy … from stdin …` whose one parameter is the data: how {@link copyCsv} reaches each
 * engine's COPY through Kysely (the PostgreSQL pool's clients stream it, PGlite reads it as a blob).
 */
const COPY_FROM_STDIN = /^copy\s[\s\S]*\sfrom\s+stdin\b/i;

export function isCopyFromStdin(text: string): boolean {
  return COPY_FROM_STDIN.test(text);
}

/** The statement for PGlite, which reads the data of `copy … from '/dev/blob'` from a Blob. */
export function copyFromBlob(text: string): string {
  return text.replace(/(\sfrom\s+)stdin\b/i, "$1'/dev/blob'");
}

/** Runs a COPY FROM STDIN on a node-postgres client, streaming `data` to it. */
export async function copyOnClient(client: pg.PoolClient, text: string, data: string): Promise<{ rows: never[]; rowCount: number; command: string }> {
  const stream = client.query(copyFrom(text));
  await pipeline(Readable.from([Buffer.from(data)]), stream);
  return { rows: [], rowCount: stream.rowCount, command: 'COPY' };
}

/**
 * Loads `csv` (PostgreSQL's CSV: a quoted field is a value, an unquoted empty one is null) into
 * `columns` of `table` with COPY, in the caller's transaction if it is one: several times
 * faster than an insert that reads the rows from JSON, on PostgreSQL and on PGlite.
 */
export async function copyCsv(db: Executor, table: RawBuilder<unknown>, columns: string[], csv: string): Promise<void> {
  const { sql: text } = sql`copy ${table} (${sql.join(columns.map((c) => sql.id(c)))}) from stdin with (format csv)`.compile(db);
  await db.executeQuery(CompiledQuery.raw(text, [csv]));
}
