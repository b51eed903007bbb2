import type { Executor, Insertable, Selectable } from '@openfoundry/db';
import type { IdentityTables } from './identity.types.js';

export type SessionRow = Selectable<IdentityTables['identity.sessions']>;

/** SQL for browser sessions, setup tokens and the sign-in throttle. */
export class SessionRepository {
  async insert(db: Executor<IdentityTables>, row: Omit<Insertable<IdentityTables['identity.sessions']>, 'revoked_at'>): Promise<SessionRow> {
    return db.insertInto('identity.sessions').values({ ...row, revoked_at: null }).returningAll().executeTakeFirstOrThrow();
  }

  async findBySecretHash(db: Executor<IdentityTables>, secretHash: string): Promise<SessionRow | undefined> {
    return db.selectFrom('identity.sessions').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  }

  async revoke(db: Executor<IdentityTables>, id: string, now: Date): Promise<boolean> {
    const r = await db.updateTable('identity.sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async revokeAllOfUser(db: Executor<IdentityTables>, userId: string, now: Date, exceptId?: string): Promise<number> {
    let q = db.updateTable('identity.sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async insertSetupToken(db: Executor<IdentityTables>, row: { id: string; secret_hash: string; created_at: Date; expires_at: Date }): Promise<void> {
    await db.insertInto('identity.setup_tokens').values({ ...row, used_at: null }).execute();
  }

  /** Marks a live setup token used; returns whether it was (so each is consumed at most once). */
  async consumeSetupToken(db: Executor<IdentityTables>, secretHash: string, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('identity.setup_tokens')
      .set({ used_at: now })
      .where('secret_hash', '=', secretHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async throttleState(db: Executor<IdentityTables>, keys: string[]) {
    return db.selectFrom('identity.login_throttle').selectAll().where('key', 'in', keys).execute();
  }

  async saveThrottle(db: Executor<IdentityTables>, key: string, failures: number, windowStart: Date, lockedUntil: Date | null): Promise<void> {
    await db
      .insertInto('identity.login_throttle')
      .values({ key, failures, window_start: windowStart, locked_until: lockedUntil })
      .onConflict((oc) => oc.column('key').doUpdateSet({ failures, window_start: windowStart, locked_until: lockedUntil }))
      .execute();
  }

  async lockThrottleRows(db: Executor<IdentityTables>, keys: string[]) {
    return db.selectFrom('identity.login_throttle').selectAll().where('key', 'in', keys).forUpdate().execute();
  }

  async clearThrottle(db: Executor<IdentityTables>, key: string): Promise<void> {
    await db.deleteFrom('identity.login_throttle').where('key', '=', key).execute();
  }
}
