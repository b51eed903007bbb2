import { CacheCoherence, type Kysely } from '@openfoundry/db';
import type { Authentication } from '@openfoundry/http';
import type { Clock } from '@openfoundry/kernel';
import type { UserRow } from './user.repository.js';

interface Entry<T> {
  value: T;
  userId: string;
  validUntil: number;
}

/**
 * Keeps recent authentication results (credential hash → principal) and user rows in memory so
 * that an authenticated request needs no database round trip. Correctness rests on two rules:
 *
 * - every change that can alter a result is announced by database triggers on commit
 *   (`auth-cache.migration.ts`) and evicts here, on every replica;
 * - a result computed from reads that overlapped an eviction is not stored (the generation
 *   check), so a revocation racing a cache miss cannot be undone.
 *
 * Entries also expire on their own (TTL, token/session expiry, group membership expiry), and the
 * cache stays off until the change subscription is live.
 */
export class AuthCache {
  private readonly credentials = new Map<string, Entry<Authentication>>();
  private readonly users = new Map<string, Entry<UserRow>>();
  private readonly coherence = new CacheCoherence();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 20_000,
  ) {}

  /** Turns caching on (once change notifications are subscribed). */
  enable(): void {
    this.coherence.enable();
  }

  /** Current generation; pass it back to `set*` to store only if nothing was evicted since. */
  get generation(): number {
    return this.coherence.generation;
  }

  credential(key: string): Authentication | undefined {
    return this.read(this.credentials, key);
  }

  user(userId: string): UserRow | undefined {
    return this.read(this.users, userId);
  }

  setCredential(key: string, value: Authentication, validUntil: Date, generation: number): void {
    this.write(this.credentials, key, { value, userId: value.principal.userId, validUntil: validUntil.getTime() }, generation);
  }

  setUser(row: UserRow, generation: number): void {
    this.write(this.users, row.id, { value: row, userId: row.id, validUntil: Number.POSITIVE_INFINITY }, generation);
  }

  /**
   * Read-your-writes: resolves once every change committed before the call has been applied to
   * this cache. PostgreSQL delivers notifications in commit order, so when our own barrier
   * notification arrives, all earlier ones have. Called before answering an identity mutation, so
   * a client that revoked something cannot beat its own revocation to its next request.
   */
  async fence(db: Kysely<any>, channel: string, timeoutMs = 2000): Promise<void> {
    // A lost notification connection must not leave stale entries behind: drop everything.
    if (!(await this.coherence.fence(db, channel, timeoutMs))) this.invalidate('*');
  }

  /** Applies a change notification: `user:<id>` evicts that user, `barrier:<id>` releases a fence, anything else evicts all. */
  invalidate(payload: string): void {
    if (!this.coherence.changed(payload)) return;
    const userId = payload.startsWith('user:') ? payload.slice(5) : undefined;
    if (!userId) {
      this.credentials.clear();
      this.users.clear();
      return;
    }
    this.users.delete(userId);
    for (const [k, e] of this.credentials) if (e.userId === userId) this.credentials.delete(k);
  }

  private read<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    if (!this.coherence.enabled) return undefined;
    const e = map.get(key);
    if (!e) return undefined;
    if (e.validUntil <= this.clock.now().getTime()) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  private write<T>(map: Map<string, Entry<T>>, key: string, entry: Entry<T>, generation: number): void {
    if (!this.coherence.current(generation)) return;
    entry.validUntil = Math.min(entry.validUntil, this.clock.now().getTime() + this.ttlMs);
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value!);
    map.set(key, entry);
  }
}
