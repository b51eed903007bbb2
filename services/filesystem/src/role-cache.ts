import { CacheCoherence, type Kysely } from '@openfoundry/db';
import { principalIds, type Principal, type RoleId } from '@openfoundry/authz';
import type { Clock } from '@openfoundry/kernel';

/** Where changes that can alter a principal's role on a resource are announced (migration 0002). */
export const FILESYSTEM_CHANGES_CHANNEL = 'filesystem_changes';

/**
 * Keeps principals' effective roles on resources in memory, so that authorizing a read of many
 * resources (an ontology and its object types and datasets, say) needs no query. A role follows
 * from the resource rows (organization, ancestors, type) and the role grants; triggers announce
 * every change to either on commit, to every replica, and each one empties the cache. A result
 * read while a change arrived is not stored (the generation check); the filesystem's own changes
 * are fenced (`fence`) before they answer, so their client reads its writes. Entries also expire
 * on their own, and the cache is off until the subscription is live.
 */
export class RoleCache {
  /** `principal key \0 rid` → role, `null` when the principal has none (or the resource is missing). */
  private readonly roles = new Map<string, { role: RoleId | null; until: number }>();
  private readonly coherence = new CacheCoherence();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 100_000,
  ) {}

  enable(): void {
    this.coherence.enable();
  }

  get generation(): number {
    return this.coherence.generation;
  }

  /** What decides a principal's roles: organization, admin flag and the ids grants may name. */
  static keyOf(principal: Principal): string {
    return `${principal.orgRid}\u0000${principal.isOrgAdmin ? 1 : 0}\u0000${[...principalIds(principal)].sort().join(',')}`;
  }

  /** The cached roles of `key` on `rids`, and the rids not cached. */
  lookup(key: string, rids: string[]): { roles: Map<string, RoleId | null>; missing: string[] } {
    const roles = new Map<string, RoleId | null>();
    if (!this.coherence.enabled) return { roles, missing: rids };
    const now = this.clock.now().getTime();
    const missing: string[] = [];
    for (const rid of rids) {
      const e = this.roles.get(`${key}\u0000${rid}`);
      if (e && e.until > now) roles.set(rid, e.role);
      else missing.push(rid);
    }
    return { roles, missing };
  }

  store(key: string, roles: Map<string, RoleId | null>, generation: number): void {
    if (!this.coherence.current(generation)) return;
    const until = this.clock.now().getTime() + this.ttlMs;
    for (const [rid, role] of roles) {
      if (this.roles.size >= this.maxEntries) this.roles.delete(this.roles.keys().next().value!);
      this.roles.set(`${key}\u0000${rid}`, { role, until });
    }
  }

  /** Waits until every change committed before the call has reached this cache (drops everything if it can't tell). */
  async fence(db: Kysely<any>, timeoutMs = 2000): Promise<void> {
    if (!(await this.coherence.fence(db, FILESYSTEM_CHANGES_CHANNEL, timeoutMs))) this.invalidate('*');
  }

  /** Applies a notification: a barrier releases its fence; any change empties the cache. */
  invalidate(payload: string): void {
    if (this.coherence.changed(payload)) this.roles.clear();
  }
}
