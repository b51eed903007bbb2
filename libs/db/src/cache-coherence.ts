import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * What keeps an in-memory cache coherent with the database when triggers announce changes with
 * `pg_notify` (delivered on commit, to every replica):
 *
 * - off until the cache's subscription is live (`enable`);
 * - a generation that every eviction advances: a result read from the database is stored only if
 *   no eviction arrived meanwhile (`current`), so a change racing a cache miss cannot be undone;
 * - read-your-writes (`fence`): PostgreSQL delivers notifications in commit order, so when a
 *   barrier this process sends on the cache's channel comes back, every change committed before
 *   it has been applied. Barrier payloads (`barrier:<id>`) belong here; the cache hands each
 *   payload to `changed` and evicts only when it returns true.
 */
export class CacheCoherence {
  private readonly barriers = new Map<string, () => void>();
  private generationCounter = 0;
  private on = false;

  /** Turns caching on (once change notifications are subscribed). */
  enable(): void {
    this.on = true;
  }

  get enabled(): boolean {
    return this.on;
  }

  /** The current generation; pass it back to `current` to store only if nothing was evicted since. */
  get generation(): number {
    return this.generationCounter;
  }

  /** Whether a result read since `generation` may be stored. */
  current(generation: number): boolean {
    return this.on && generation === this.generationCounter;
  }

  /** A notification: false for a barrier (released here); true for a change, which the cache must evict. */
  changed(payload = '*'): boolean {
    if (payload.startsWith('barrier:')) {
      this.barriers.get(payload.slice(8))?.();
      return false;
    }
    this.generationCounter++;
    return true;
  }

  /** Resolves true once every change committed before the call has arrived (at once when off), false after `timeoutMs`. */
  async fence(db: Kysely<any>, channel: string, timeoutMs = 2000): Promise<boolean> {
    if (!this.on) return true;
    const id = randomUUID();
    const arrived = new Promise<true>((resolve) => this.barriers.set(id, () => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      await sql`select pg_notify(${channel}, ${`barrier:${id}`})`.execute(db);
      return await Promise.race([arrived, timedOut]);
    } finally {
      clearTimeout(timer);
      this.barriers.delete(id);
    }
  }
}
