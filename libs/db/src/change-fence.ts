import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * Read-your-writes for an in-memory cache evicted by database notifications. PostgreSQL delivers
 * notifications in commit order, so when a barrier this process sends on the cache's channel
 * comes back, every change committed before it has been applied. Payloads `barrier:<id>` belong
 * to the fence; the cache passes each payload to {@link release} first.
 */
export class ChangeFence {
  private readonly barriers = new Map<string, () => void>();

  /** True when `payload` is a barrier (and releases its waiter); the cache handles anything else. */
  release(payload: string): boolean {
    if (!payload.startsWith('barrier:')) return false;
    this.barriers.get(payload.slice(8))?.();
    return true;
  }

  /** Resolves true once the barrier came back, false after `timeoutMs` (the caller then drops everything). */
  async wait(db: Kysely<any>, channel: string, timeoutMs = 2000): Promise<boolean> {
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
