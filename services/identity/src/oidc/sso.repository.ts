import { sql, type Executor, type Insertable, type Selectable, type Updateable } from '@openfoundry/db';
import type { SsoDb, SsoTables } from './sso.types.js';

export type IdentityProviderRow = Selectable<SsoTables['identity.identity_providers']>;
export type SsoLoginStateRow = Selectable<SsoTables['identity.sso_login_states']>;
export type SsoLinkRow = Selectable<SsoTables['identity.sso_links']>;

/** SQL for identity providers, subject links, pending sign-ins, and the SSO side of users and groups. */
export class SsoRepository {
  async insertProvider(db: Executor<SsoDb>, row: Insertable<SsoTables['identity.identity_providers']>): Promise<IdentityProviderRow> {
    return db.insertInto('identity.identity_providers').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async updateProvider(db: Executor<SsoDb>, id: string, set: Updateable<SsoTables['identity.identity_providers']>): Promise<IdentityProviderRow> {
    return db.updateTable('identity.identity_providers').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async findProviderInOrg(db: Executor<SsoDb>, orgRid: string, id: string, forUpdate = false): Promise<IdentityProviderRow | undefined> {
    let q = db.selectFrom('identity.identity_providers').selectAll().where('org_rid', '=', orgRid).where('id', '=', id).where('deleted_at', 'is', null);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** A live provider by id, for the public sign-in flow (the id is all the browser has). */
  async findProvider(db: Executor<SsoDb>, id: string): Promise<IdentityProviderRow | undefined> {
    return db.selectFrom('identity.identity_providers').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  }

  async listProviders(db: Executor<SsoDb>, orgRid: string, limit: number, after?: { createdAt: Date; id: string }): Promise<IdentityProviderRow[]> {
    let q = db.selectFrom('identity.identity_providers').selectAll().where('org_rid', '=', orgRid).where('deleted_at', 'is', null);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Providers for the sign-in page: those shown as buttons, plus those owning `emailDomain`. */
  async listSignInProviders(db: Executor<SsoDb>, emailDomain: string | undefined, limit: number): Promise<IdentityProviderRow[]> {
    return db
      .selectFrom('identity.identity_providers')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where((eb) =>
        eb.or([eb('show_on_login_page', '=', true), ...(emailDomain ? [eb(sql<string>`${emailDomain}`, '=', eb.fn.any('email_domains'))] : [])]),
      )
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async insertLoginState(db: Executor<SsoDb>, row: Insertable<SsoTables['identity.sso_login_states']>): Promise<void> {
    await db.insertInto('identity.sso_login_states').values(row).execute();
  }

  async lockLoginState(db: Executor<SsoDb>, stateHash: string): Promise<SsoLoginStateRow | undefined> {
    return db.selectFrom('identity.sso_login_states').selectAll().where('state_hash', '=', stateHash).forUpdate().executeTakeFirst();
  }

  async markLoginStateUsed(db: Executor<SsoDb>, id: string, now: Date): Promise<void> {
    await db.updateTable('identity.sso_login_states').set({ used_at: now }).where('id', '=', id).execute();
  }

  async deleteStaleLoginStates(db: Executor<SsoDb>, before: Date): Promise<void> {
    await db.deleteFrom('identity.sso_login_states').where('expires_at', '<', before).execute();
  }

  async findLink(db: Executor<SsoDb>, providerId: string, subject: string): Promise<SsoLinkRow | undefined> {
    return db.selectFrom('identity.sso_links').selectAll().where('provider_id', '=', providerId).where('subject', '=', subject).executeTakeFirst();
  }

  /** Points (provider, subject) at a user, creating or moving the link; records the sign-in time. */
  async upsertLink(db: Executor<SsoDb>, row: { provider_id: string; subject: string; user_id: string; org_rid: string }, now: Date): Promise<void> {
    await db
      .insertInto('identity.sso_links')
      .values({ ...row, created_at: now, last_login_at: now })
      .onConflict((oc) => oc.columns(['provider_id', 'subject']).doUpdateSet({ user_id: row.user_id, org_rid: row.org_rid, last_login_at: now }))
      .execute();
  }

  async deleteLinksOfProvider(db: Executor<SsoDb>, providerId: string): Promise<number> {
    const r = await db.deleteFrom('identity.sso_links').where('provider_id', '=', providerId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Users made by just-in-time provisioning carry the provider's realm, as Foundry's SSO users do. */
  async setUserRealm(db: Executor<SsoDb>, userId: string, realm: string): Promise<void> {
    await db.updateTable('identity.users').set({ realm }).where('id', '=', userId).execute();
  }

  async setUserNames(db: Executor<SsoDb>, userId: string, givenName: string | null, familyName: string | null, now: Date): Promise<void> {
    await db.updateTable('identity.users').set({ given_name: givenName, family_name: familyName, updated_at: now }).where('id', '=', userId).execute();
  }

  /** Groups of an org by case-insensitive name. */
  async groupsByName(db: Executor<SsoDb>, orgRid: string, names: string[]) {
    if (!names.length) return [];
    return db
      .selectFrom('identity.groups')
      .selectAll()
      .where('org_rid', '=', orgRid)
      .where(
        sql<string>`lower(name)`,
        'in',
        names.map((n) => n.toLowerCase()),
      )
      .execute();
  }

  /** Ids of groups of `realm` the user is a direct member of. */
  async realmGroupIdsOfUser(db: Executor<SsoDb>, userId: string, realm: string): Promise<string[]> {
    const rows = await db
      .selectFrom('identity.group_members as m')
      .innerJoin('identity.groups as g', 'g.id', 'm.group_id')
      .select('g.id')
      .where('m.principal_id', '=', userId)
      .where('g.realm', '=', realm)
      .execute();
    return rows.map((r) => r.id);
  }
}
