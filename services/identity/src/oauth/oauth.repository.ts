import type { Executor, Insertable, Selectable } from '@openfoundry/db';
import type { OAuthDb, OAuthTables } from './oauth.types.js';

export type OAuthClientRow = Selectable<OAuthTables['identity.oauth_clients']>;
export type OAuthCodeRow = Selectable<OAuthTables['identity.oauth_codes']>;
export type OAuthGrantRow = Selectable<OAuthTables['identity.oauth_grants']>;

/** SQL for OAuth clients, authorization codes and grants. Client reads are scoped by organization. */
export class OAuthRepository {
  async insertClient(db: Executor<OAuthDb>, row: Insertable<OAuthTables['identity.oauth_clients']>): Promise<OAuthClientRow> {
    return db.insertInto('identity.oauth_clients').values(row).returningAll().executeTakeFirstOrThrow();
  }

  /** A live client of an organization, by its public client id. */
  async findClientInOrg(db: Executor<OAuthDb>, orgRid: string, clientId: string): Promise<OAuthClientRow | undefined> {
    return db
      .selectFrom('identity.oauth_clients')
      .selectAll()
      .where('org_rid', '=', orgRid)
      .where('client_id', '=', clientId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** A live client by its public id, without org scoping: for the protocol endpoints, where the client id is the credential's name. */
  async findClient(db: Executor<OAuthDb>, clientId: string, forUpdate = false): Promise<OAuthClientRow | undefined> {
    let q = db.selectFrom('identity.oauth_clients').selectAll().where('client_id', '=', clientId).where('deleted_at', 'is', null);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** Live clients of an organization, newest first, keyset-paged on (created_at, id). */
  async listClients(db: Executor<OAuthDb>, orgRid: string, limit: number, after?: { createdAt: Date; id: string }): Promise<OAuthClientRow[]> {
    let q = db.selectFrom('identity.oauth_clients').selectAll().where('org_rid', '=', orgRid).where('deleted_at', 'is', null);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  async setClientSecret(db: Executor<OAuthDb>, id: string, secretHash: string, now: Date): Promise<OAuthClientRow> {
    return db
      .updateTable('identity.oauth_clients')
      .set({ secret_hash: secretHash, secret_rotated_at: now, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async markClientDeleted(db: Executor<OAuthDb>, id: string, now: Date): Promise<void> {
    await db.updateTable('identity.oauth_clients').set({ deleted_at: now, updated_at: now }).where('id', '=', id).execute();
  }

  /** Revokes every live token and grant issued to a client; returns how many tokens. */
  async revokeEverythingOfClient(db: Executor<OAuthDb>, clientId: string, now: Date): Promise<number> {
    await db.updateTable('identity.oauth_grants').set({ revoked_at: now }).where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
    const r = await db.updateTable('identity.tokens').set({ revoked_at: now }).where('client_id', '=', clientId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async insertCode(db: Executor<OAuthDb>, row: Insertable<OAuthTables['identity.oauth_codes']>): Promise<void> {
    await db.insertInto('identity.oauth_codes').values(row).execute();
  }

  /** The code row, locked, so two concurrent exchanges of one code are serialised. */
  async lockCode(db: Executor<OAuthDb>, codeHash: string): Promise<OAuthCodeRow | undefined> {
    return db.selectFrom('identity.oauth_codes').selectAll().where('code_hash', '=', codeHash).forUpdate().executeTakeFirst();
  }

  async markCodeUsed(db: Executor<OAuthDb>, id: string, now: Date, grantId: string): Promise<void> {
    await db.updateTable('identity.oauth_codes').set({ used_at: now, grant_id: grantId }).where('id', '=', id).execute();
  }

  /** Codes live a minute; rows past that are only kept a while to recognise a replay. */
  async deleteStaleCodes(db: Executor<OAuthDb>, before: Date): Promise<void> {
    await db.deleteFrom('identity.oauth_codes').where('expires_at', '<', before).execute();
  }

  async insertGrant(db: Executor<OAuthDb>, row: Insertable<OAuthTables['identity.oauth_grants']>): Promise<OAuthGrantRow> {
    return db.insertInto('identity.oauth_grants').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findGrant(db: Executor<OAuthDb>, id: string): Promise<OAuthGrantRow | undefined> {
    return db.selectFrom('identity.oauth_grants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Revokes a grant and every token of its family; returns how many tokens were live. */
  async revokeGrant(db: Executor<OAuthDb>, grantId: string, now: Date): Promise<number> {
    await db.updateTable('identity.oauth_grants').set({ revoked_at: now }).where('id', '=', grantId).where('revoked_at', 'is', null).execute();
    const r = await db.updateTable('identity.tokens').set({ revoked_at: now }).where('parent_id', '=', grantId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** A token row by its secret's hash, locked (refresh rotation and revocation). */
  async lockTokenByHash(db: Executor<OAuthDb>, secretHash: string) {
    return db.selectFrom('identity.tokens').selectAll().where('secret_hash', '=', secretHash).forUpdate().executeTakeFirst();
  }
}
