import type { Executor } from '@openfoundry/db';
import type { IdentityTables } from './identity.types.js';
import { SessionRepository } from './session.repository.js';

/** How many failures a key may accumulate before it is locked, and for how long. */
export interface ThrottlePolicy {
  /** Failures (within `windowMs`) after which the key is locked. */
  threshold: number;
  /** First lock; each further failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** Failures older than this (with no lock in force) are forgotten. */
  windowMs: number;
}

/** Per email address: a handful of tries, then an exponentially growing lock. */
export const EMAIL_THROTTLE: ThrottlePolicy = { threshold: 5, baseLockMs: 60_000, maxLockMs: 3_600_000, windowMs: 3_600_000 };
/** Per client IP: generous (offices share an address) but stops spraying many accounts. */
export const IP_THROTTLE: ThrottlePolicy = { threshold: 50, baseLockMs: 60_000, maxLockMs: 3_600_000, windowMs: 3_600_000 };

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** Keys of a sign-in attempt. The email key exists whether or not the account does. */
export function loginKeys(email: string, clientIp: string | undefined): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ key: `email:${email.trim().toLowerCase()}`, policy: EMAIL_THROTTLE }];
  if (clientIp) keys.push({ key: `ip:${clientIp}`, policy: IP_THROTTLE });
  return keys;
}

/**
 * Sign-in backoff. State lives in the database so every replica enforces the same locks. Locks
 * depend only on the attempted email and the client address, never on whether the account
 * exists, so a lock reveals nothing.
 */
export class LoginThrottle {
  private readonly repo = new SessionRepository();

  /** Seconds until every key is unlocked, or 0 when none is locked. */
  async lockedFor(db: Executor<IdentityTables>, keys: ThrottleKey[], now: Date): Promise<number> {
    const rows = await this.repo.throttleState(db, keys.map((k) => k.key));
    let until = 0;
    for (const r of rows) if (r.locked_until) until = Math.max(until, new Date(r.locked_until).getTime());
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
  }

  /** Counts a failure against each key, locking those over their threshold. */
  async recordFailure(trx: Executor<IdentityTables>, keys: ThrottleKey[], now: Date): Promise<void> {
    for (const { key, policy } of keys) {
      // Create the row if needed, then lock it so concurrent failures count exactly.
      await trx.insertInto('identity.login_throttle').values({ key, failures: 0, window_start: now, locked_until: null }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const [row] = await this.repo.lockThrottleRows(trx, [key]);
      const lockActive = row?.locked_until && new Date(row.locked_until).getTime() > now.getTime();
      const stale = !row || (!lockActive && now.getTime() - new Date(row.window_start).getTime() > policy.windowMs);
      const failures = (stale ? 0 : row.failures) + 1;
      const windowStart = stale ? now : new Date(row.window_start);
      const lockMs = failures >= policy.threshold ? Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** (failures - policy.threshold)) : 0;
      await this.repo.saveThrottle(trx, key, failures, windowStart, lockMs ? new Date(now.getTime() + lockMs) : null);
    }
  }

  /** A successful sign-in forgets the failures of its email (not of its address). */
  async recordSuccess(trx: Executor<IdentityTables>, keys: ThrottleKey[]): Promise<void> {
    for (const { key } of keys) if (key.startsWith('email:')) await this.repo.clearThrottle(trx, key);
  }
}
