import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';

/** Which engine backs the metadata database. */
export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseOptions {
  /** `postgres://...` to use a PostgreSQL server; absent for embedded PGlite. */
  url?: string | undefined;
  /** Directory for PGlite's files; absent (with no url) for an in-memory database. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  poolSize?: number | undefined;
}

export interface Database {
  readonly kind: DatabaseKind;
  /** Untyped handle; each service narrows it to its own tables with `as Kysely<ItsTables>`. */
  readonly db: Kysely<any>;
  /** Checks the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type Executor<DB = any> = Kysely<DB> | Transaction<DB>;

// BIGINT columns come back as strings from pg by default; our counters fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client losing its server connection must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: 'postgres',
      db,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('./pglite-dialect.js');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

/** Runs `fn` in a transaction (or in the caller's one when `executor` already is one). */
export async function inTransaction<T>(executor: Executor, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return fn(executor as Transaction<any>);
  return (executor as Kysely<any>).transaction().execute(fn);
}
