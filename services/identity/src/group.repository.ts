import { sql, type Executor, type Selectable } from '@openfoundry/db';
import type { IdentityTables } from './identity.types.js';
import { likePrefix } from './user.repository.js';

export type GroupRow = Selectable<IdentityTables['identity.groups']>;
export type GroupMemberRow = Selectable<IdentityTables['identity.group_members']>;

/** SQL for `identity.groups` and `identity.group_members`, always scoped to one organization. */
export class GroupRepository {
  async insert(db: Executor<IdentityTables>, row: { id: string; org_rid: string; name: string; description: string | null; realm: string; attributes: Record<string, string[]> }, now: Date): Promise<GroupRow> {
    return db
      .insertInto('identity.groups')
      .values({ ...row, attributes: JSON.stringify(row.attributes) as never, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async nameTaken(db: Executor<IdentityTables>, orgRid: string, name: string): Promise<boolean> {
    const r = await db
      .selectFrom('identity.groups')
      .select('id')
      .where('org_rid', '=', orgRid)
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    return !!r;
  }

  async findInOrg(db: Executor<IdentityTables>, orgRid: string, id: string): Promise<GroupRow | undefined> {
    return db.selectFrom('identity.groups').selectAll().where('org_rid', '=', orgRid).where('id', '=', id).executeTakeFirst();
  }

  async findManyInOrg(db: Executor<IdentityTables>, orgRid: string, ids: string[]): Promise<GroupRow[]> {
    if (!ids.length) return [];
    return db.selectFrom('identity.groups').selectAll().where('org_rid', '=', orgRid).where('id', 'in', ids).execute();
  }

  async list(db: Executor<IdentityTables>, orgRid: string, opts: { limit: number; after?: { name: string; id: string } | undefined; prefix?: string | undefined }): Promise<GroupRow[]> {
    let q = db.selectFrom('identity.groups').selectAll().where('org_rid', '=', orgRid);
    if (opts.prefix !== undefined) q = q.where('name', 'ilike', likePrefix(opts.prefix));
    if (opts.after) {
      const a = opts.after;
      q = q.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(a.name, a.id)));
    }
    return q.orderBy('name').orderBy('id').limit(opts.limit).execute();
  }

  /** Deletes a group, its memberships, and its membership in other groups. */
  async delete(db: Executor<IdentityTables>, id: string): Promise<void> {
    await db.deleteFrom('identity.group_members').where('principal_id', '=', id).execute();
    await db.deleteFrom('identity.groups').where('id', '=', id).execute();
  }

  /** Adds members, or updates the expiration of existing ones. */
  async upsertMembers(db: Executor<IdentityTables>, groupId: string, members: { principalId: string; principalType: 'USER' | 'GROUP' }[], expiration: Date | null, now: Date): Promise<void> {
    if (!members.length) return;
    await db
      .insertInto('identity.group_members')
      .values(members.map((m) => ({ group_id: groupId, principal_id: m.principalId, principal_type: m.principalType, expiration, created_at: now })))
      .onConflict((oc) => oc.columns(['group_id', 'principal_id']).doUpdateSet({ expiration }))
      .execute();
  }

  /** Removes members; returns the ids that were members. */
  async removeMembers(db: Executor<IdentityTables>, groupId: string, principalIds: string[]): Promise<string[]> {
    if (!principalIds.length) return [];
    const rows = await db
      .deleteFrom('identity.group_members')
      .where('group_id', '=', groupId)
      .where('principal_id', 'in', principalIds)
      .returning('principal_id')
      .execute();
    return rows.map((r) => r.principal_id);
  }

  /** Removes a principal from every group (user deleted). */
  async removePrincipalEverywhere(db: Executor<IdentityTables>, principalId: string): Promise<number> {
    const r = await db.deleteFrom('identity.group_members').where('principal_id', '=', principalId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Direct, unexpired members of a group, keyset-paged on principal id. */
  async listDirectMembers(db: Executor<IdentityTables>, groupId: string, now: Date, limit: number, after?: string): Promise<GroupMemberRow[]> {
    let q = db
      .selectFrom('identity.group_members')
      .selectAll()
      .where('group_id', '=', groupId)
      .where((eb) => eb.or([eb('expiration', 'is', null), eb('expiration', '>', now)]));
    if (after) q = q.where('principal_id', '>', after);
    return q.orderBy('principal_id').limit(limit).execute();
  }

  /**
   * Every principal reachable from a group through unexpired memberships (members of member
   * groups, recursively), keyset-paged on principal id. UNION makes cycles terminate.
   */
  async listTransitiveMembers(db: Executor<IdentityTables>, groupId: string, now: Date, limit: number, after?: string): Promise<{ principal_id: string; principal_type: 'USER' | 'GROUP' }[]> {
    const r = await sql<{ principal_id: string; principal_type: 'USER' | 'GROUP' }>`
      with recursive reach(principal_id, principal_type) as (
        select principal_id, principal_type from identity.group_members
         where group_id = ${groupId} and (expiration is null or expiration > ${now})
        union
        select m.principal_id, m.principal_type from identity.group_members m
          join reach r on r.principal_type = 'GROUP' and m.group_id = r.principal_id
         where m.expiration is null or m.expiration > ${now}
      )
      select distinct principal_id, principal_type from reach
       where principal_id <> ${groupId} ${after ? sql`and principal_id > ${after}` : sql``}
       order by principal_id limit ${limit}`.execute(db);
    return r.rows;
  }

  /**
   * Groups a principal belongs to through unexpired memberships, directly or through groups it
   * is a member of (a grant to a parent group applies to members of its member groups).
   */
  async groupIdsOf(db: Executor<IdentityTables>, principalId: string, now: Date): Promise<string[]> {
    const r = await sql<{ group_id: string }>`
      with recursive up(group_id) as (
        select group_id from identity.group_members
         where principal_id = ${principalId} and (expiration is null or expiration > ${now})
        union
        select m.group_id from identity.group_members m join up on m.principal_id = up.group_id
         where m.expiration is null or m.expiration > ${now}
      )
      select group_id from up order by group_id`.execute(db);
    return r.rows.map((x) => x.group_id);
  }

  /** When the first of these principals' unexpired memberships expires (it changes their groups). */
  async earliestMembershipExpiry(db: Executor<IdentityTables>, principalIds: string[], now: Date): Promise<Date | undefined> {
    const r = await db
      .selectFrom('identity.group_members')
      .select((eb) => eb.fn.min('expiration').as('first'))
      .where('principal_id', 'in', principalIds)
      .where('expiration', '>', now)
      .executeTakeFirst();
    return r?.first ? new Date(r.first as Date) : undefined;
  }
}
