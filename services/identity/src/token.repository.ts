import type { Executor, Insertable, Selectable } from '@openfoundry/db';
import type { IdentityTables, TokenKind } from './identity.types.js';

export type TokenRow = Selectable<IdentityTables['identity.tokens']>;

/** SQL for `identity.tokens`: every kind of bearer credential. */
export class TokenRepository {
  async insert(db: Executor<IdentityTables>, row: Insertable<IdentityTables['identity.tokens']>): Promise<TokenRow> {
    return db.insertInto('identity.tokens').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findBySecretHash(db: Executor<IdentityTables>, secretHash: string): Promise<TokenRow | undefined> {
    return db.selectFrom('identity.tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  }

  async findById(db: Executor<IdentityTables>, id: string): Promise<TokenRow | undefined> {
    return db.selectFrom('identity.tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Records use at most once a minute per token, so authentication is not a write per request. */
  async touch(db: Executor<IdentityTables>, id: string, now: Date): Promise<void> {
    const staleBefore = new Date(now.getTime() - 60_000);
    await db
      .updateTable('identity.tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
      .execute();
  }

  /** Revokes one token (and, for refresh tokens, what was issued from it). Returns whether it was live. */
  async revoke(db: Executor<IdentityTables>, id: string, now: Date): Promise<boolean> {
    const r = await db.updateTable('identity.tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    await db.updateTable('identity.tokens').set({ revoked_at: now }).where('parent_id', '=', id).where('revoked_at', 'is', null).execute();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Revokes every live token of a user; returns how many. */
  async revokeAllOfUser(db: Executor<IdentityTables>, userId: string, now: Date, kinds?: TokenKind[]): Promise<number> {
    let q = db.updateTable('identity.tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (kinds) q = q.where('kind', 'in', kinds);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** A user's tokens of one kind, newest first, keyset-paged on (created_at, id). */
  async listOfUser(db: Executor<IdentityTables>, userId: string, kind: TokenKind, limit: number, after?: { createdAt: Date; id: string }): Promise<TokenRow[]> {
    let q = db.selectFrom('identity.tokens').selectAll().where('user_id', '=', userId).where('kind', '=', kind);
    if (after) {
      q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
