import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { copyOnClient, isCopyFromStdin } from './copy.js';

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
  /**
   * Subscribes to PostgreSQL notifications on `channel` (sent with `pg_notify`, delivered when the
   * sending transaction commits, to every process on the database). `onMessage` receives each
   * payload; `onReset` is called whenever messages may have been missed (a dropped connection),
   * so callers that cache must drop everything. Resolves once subscribed.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReset: () => void): Promise<void>;
  close(): Promise<void>;
}

export type Executor<DB = any> = Kysely<DB> | Transaction<DB>;

// BIGINT columns come back as strings from pg by default; our counters fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // Connections are replaced now and then (maxUses), so statements kept prepared for object
    // tables since dropped do not pile up on them.
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, maxUses: 100_000 });
    // An idle client losing its server connection must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    const listeners = new PgListeners(options.url);
    return {
      kind: 'postgres',
      db,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      listen: (channel, onMessage, onReset) => listeners.add(channel, onMessage, onReset),
      close: async () => {
        await listeners.close();
        await db.destroy();
      },
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
    // PGlite has one session: hold the (only) connection so LISTEN cannot land inside someone
    // else's open transaction. Messages cannot be missed in-process, so onReset is never needed.
    listen: async (channel, onMessage) => {
      await db.connection().execute(async () => {
        await pglite.listen(channel, onMessage);
      });
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

/** Statement texts kept prepared, with their names; the oldest make way when full. */
const preparedNames = new Map<string, string>();
const MAX_PREPARED = 1000;
/** At most this many statements prepared on one connection; beyond, texts run unprepared on it. */
const MAX_PREPARED_PER_CONNECTION = 200;

/**
 * Keeps the statement `text` prepared on each PostgreSQL connection that runs it: parsed and
 * planned once per connection instead of on every run (a primary key lookup that builds a JSON
 * object spends more time parsing and planning than executing). For fixed texts run very often
 * whose best plan does not depend on the parameters — PostgreSQL may settle on a generic plan.
 * No effect on PGlite.
 */
export function keepPrepared(text: string): void {
  if (preparedNames.has(text)) return;
  if (preparedNames.size >= MAX_PREPARED) preparedNames.delete(preparedNames.keys().next().value!);
  preparedNames.set(text, `of_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
}

/** The pool as Kysely sees it, whose clients run the texts of {@link keepPrepared} as named statements. */
function preparingPool(pool: pg.Pool): pg.Pool {
  const patched = new WeakSet<pg.PoolClient>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  return new Proxy(pool, {
    get(target, key, receiver) {
      if (key !== 'connect') return Reflect.get(target, key, receiver);
      return async () => {
        const client = await connect();
        if (!patched.has(client)) {
          patched.add(client);
          const prepared = new Set<string>();
          const query = client.query.bind(client) as (...args: unknown[]) => unknown;
          (client as { query: unknown }).query = (...args: unknown[]) => {
            if (typeof args[0] === 'string' && isCopyFromStdin(args[0])) return copyOnClient(client, args[0], String((args[1] as unknown[])[0]));
            let name = typeof args[0] === 'string' ? preparedNames.get(args[0]) : undefined;
            if (name && !prepared.has(name)) {
              if (prepared.size >= MAX_PREPARED_PER_CONNECTION) name = undefined;
              else prepared.add(name);
            }
            return name ? query({ name, text: args[0], values: args[1] }) : query(...args);
          };
        }
        return client;
      };
    },
  });
}

/** Runs `fn` in a transaction (or in the caller's one when `executor` already is one). */
export async function inTransaction<T>(executor: Executor, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return fn(executor as Transaction<any>);
  return (executor as Kysely<any>).transaction().execute(fn);
}

/**
 * One dedicated connection (outside the pool) holding LISTEN for every subscribed channel. When
 * it drops, subscribers are reset (they may have missed messages) and it reconnects with backoff.
 */
class PgListeners {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly subs = new Map<string, { onMessage: (p: string) => void; onReset: () => void }[]>();
  private retryMs = 100;

  constructor(private readonly url: string) {}

  async add(channel: string, onMessage: (payload: string) => void, onReset: () => void): Promise<void> {
    const list = this.subs.get(channel) ?? [];
    list.push({ onMessage, onReset });
    const isNew = !this.subs.has(channel);
    this.subs.set(channel, list);
    await this.connect();
    if (isNew) await this.client!.query(`listen ${pg.escapeIdentifier(channel)}`);
  }

  private connect(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (n) => {
        for (const s of this.subs.get(n.channel) ?? []) s.onMessage(n.payload ?? '');
      });
      client.on('error', () => this.dropped(client));
      client.on('end', () => this.dropped(client));
      await client.connect();
      for (const channel of this.subs.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      this.client = client;
      this.retryMs = 100;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    for (const list of this.subs.values()) for (const s of list) s.onReset();
    if (this.closed) return;
    const retry = () => {
      if (this.closed) return;
      this.connect().then(
        () => {
          for (const list of this.subs.values()) for (const s of list) s.onReset();
        },
        () => {
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          setTimeout(retry, this.retryMs).unref();
        },
      );
    };
    setTimeout(retry, this.retryMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
    }
  }
}

/** Whether a database error is a unique-constraint violation (a concurrent request took the name or slot first). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
