import { sql, type Executor, type Kysely, type Transaction } from '@openfoundry/db';
import { ROLE_IDS, roleAllows, strongestRole, type Operation, type RoleId } from '@openfoundry/authz';
import type { FilesystemTables, Grant, GrantRow, ResourceRow, SpaceRow } from './filesystem.types.js';

type Db = Executor<FilesystemTables>;

/**
 * Who is looking, reduced to what the SQL filters need: the organization, whether the viewer
 * administers it, and the ids (user and groups) a grant may name.
 */
export interface Viewer {
  orgRid: string;
  isOrgAdmin: boolean;
  principalIds: string[];
}

const ALL_ROLES = Object.values(ROLE_IDS) as RoleId[];

/** Role ids strong enough for `op`, for filtering grants in SQL. */
export function rolesAllowing(op: Operation): RoleId[] {
  return ALL_ROLES.filter((r) => roleAllows(r, op));
}

/**
 * SQL condition: the viewer holds a role allowing `op` on the row `alias` through a grant on the
 * row itself or any ancestor, to the user, one of its groups, or everyone in the organization.
 * Org admins see everything in their organization. The organization itself is always checked, so
 * another organization's rows never match.
 */
export function visibleTo(viewer: Viewer, op: Operation, alias = 'r') {
  const rid = sql.ref(`${alias}.rid`);
  const ancestors = sql.ref(`${alias}.ancestor_rids`);
  const org = sql<boolean>`${sql.ref(`${alias}.org_rid`)} = ${viewer.orgRid}`;
  if (viewer.isOrgAdmin) return org;
  return sql<boolean>`(${org} and exists (
    select 1 from filesystem.role_grants g
    where g.org_rid = ${viewer.orgRid}
      and (g.resource_rid = ${rid} or g.resource_rid = any(${ancestors}))
      and g.role_id = any(${sql.val(rolesAllowing(op))}::text[])
      and (g.principal_type = 'EVERYONE' or g.principal_id = any(${sql.val(viewer.principalIds)}::text[]))))`;
}

/** A keyset position in a list sorted by name. */
export interface NameKey {
  name: string;
  rid: string;
}

/** A keyset position in a list sorted newest first. */
export interface TimeKey {
  time: Date;
  rid: string;
}

/**
 * Every SQL statement of the filesystem service. Methods take the executor (database or
 * transaction) so a service composes them inside one transaction.
 */
export class ResourceRepository {
  constructor(readonly db: Kysely<FilesystemTables>) {}

  transaction<T>(fn: (trx: Transaction<FilesystemTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async find(db: Db, rid: string): Promise<ResourceRow | undefined> {
    return db.selectFrom('filesystem.resources').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  /** Locks a node's row until the transaction ends; structural changes of a project take its lock. */
  async lock(db: Db, rid: string): Promise<void> {
    await db.selectFrom('filesystem.resources').select('rid').where('rid', '=', rid).forUpdate().execute();
  }

  async findMany(db: Db, orgRid: string, rids: string[]): Promise<ResourceRow[]> {
    if (!rids.length) return [];
    return db.selectFrom('filesystem.resources').selectAll().where('org_rid', '=', orgRid).where('rid', 'in', rids).execute();
  }

  async findLiveByPath(db: Db, orgRid: string, path: string): Promise<ResourceRow | undefined> {
    return db
      .selectFrom('filesystem.resources')
      .selectAll()
      .where('org_rid', '=', orgRid)
      .where('path', '=', path)
      .where('trash_status', '=', 'NOT_TRASHED')
      .executeTakeFirst();
  }

  async insert(db: Db, row: ResourceRow): Promise<void> {
    await db.insertInto('filesystem.resources').values(row).execute();
  }

  /** The live sibling (case-insensitive name, not itself in the trash) holding `name`, if any. */
  async siblingWithName(db: Db, parent: { parentRid: string | null; orgRid: string }, name: string, exceptRid?: string): Promise<string | undefined> {
    let q = db
      .selectFrom('filesystem.resources')
      .select('rid')
      .where('trashed_time', 'is', null)
      .where(sql<boolean>`lower(display_name) = lower(${name})`);
    q = parent.parentRid === null ? q.where('parent_rid', 'is', null).where('org_rid', '=', parent.orgRid) : q.where('parent_rid', '=', parent.parentRid);
    if (exceptRid) q = q.where('rid', '<>', exceptRid);
    return (await q.executeTakeFirst())?.rid;
  }

  // --- spaces -------------------------------------------------------------------------------

  async insertSpace(db: Db, row: SpaceRow): Promise<void> {
    await db.insertInto('filesystem.spaces').values(row).execute();
  }

  async findSpace(db: Db, rid: string): Promise<SpaceRow | undefined> {
    return db.selectFrom('filesystem.spaces').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  async countSpaces(db: Db, orgRid: string): Promise<number> {
    const r = await db.selectFrom('filesystem.spaces').select((eb) => eb.fn.countAll<number>().as('n')).where('org_rid', '=', orgRid).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Inserts the organization's default space unless one exists; false when another request won. */
  async insertDefaultSpace(db: Db, resource: ResourceRow, space: SpaceRow): Promise<boolean> {
    const taken = await db.selectFrom('filesystem.spaces').select('rid').where('org_rid', '=', space.org_rid).where('is_default', '=', true).executeTakeFirst();
    if (taken) return false;
    await this.insert(db, resource);
    await this.insertSpace(db, space);
    return true;
  }

  async listSpaces(db: Db, orgRid: string, after: NameKey | undefined, limit: number): Promise<Array<{ resource: ResourceRow; space: SpaceRow; sortName: string }>> {
    let q = db
      .selectFrom('filesystem.resources as r')
      .innerJoin('filesystem.spaces as s', 's.rid', 'r.rid')
      .selectAll('r')
      .select(sql<string>`lower(r.display_name)`.as('sort_name'))
      .select(['s.enrollment_rid', 's.usage_account_rid', 's.file_system_id', 's.organizations', 's.deletion_policy_organizations', 's.default_role_set_id', 's.is_default'])
      .where('r.org_rid', '=', orgRid)
      .where('r.type', '=', 'SPACE');
    if (after) q = q.where(sql<boolean>`(lower(r.display_name), r.rid) > (${after.name}::text, ${after.rid}::text)`);
    const rows = await q.orderBy(sql`lower(r.display_name)`).orderBy('r.rid').limit(limit).execute();
    return rows.map((row) => {
      const { enrollment_rid, usage_account_rid, file_system_id, organizations, deletion_policy_organizations, default_role_set_id, is_default, sort_name, ...resource } = row;
      return {
        sortName: sort_name,
        resource: resource as ResourceRow,
        space: { rid: row.rid, org_rid: row.org_rid, enrollment_rid, usage_account_rid, file_system_id, organizations, deletion_policy_organizations, default_role_set_id, is_default },
      };
    });
  }

  // --- lists filtered by access in SQL ------------------------------------------------------

  /**
   * Live children of a folder the viewer may discover, sorted by name. `sort_name` is the sort
   * key as the database computed it, for the page token.
   */
  async listChildren(db: Db, viewer: Viewer, parentRid: string, after: NameKey | undefined, limit: number): Promise<Array<ResourceRow & { sort_name: string }>> {
    let q = db
      .selectFrom('filesystem.resources as r')
      .selectAll('r')
      .select(sql<string>`lower(r.display_name)`.as('sort_name'))
      .where('r.parent_rid', '=', parentRid)
      .where('r.trash_status', '=', 'NOT_TRASHED')
      .where(visibleTo(viewer, 'discover'));
    if (after) q = q.where(sql<boolean>`(lower(r.display_name), r.rid) > (${after.name}::text, ${after.rid}::text)`);
    return q.orderBy(sql`lower(r.display_name)`).orderBy('r.rid').limit(limit).execute();
  }

  /** Live resources of a type the viewer may discover, by name, optionally matching a text in name or path. */
  async searchByType(db: Db, viewer: Viewer, type: string, query: string | undefined, after: NameKey | undefined, limit: number): Promise<Array<ResourceRow & { sort_name: string }>> {
    let q = db
      .selectFrom('filesystem.resources as r')
      .selectAll('r')
      .select(sql<string>`lower(r.display_name)`.as('sort_name'))
      .where('r.type', '=', type)
      .where('r.trash_status', '=', 'NOT_TRASHED')
      .where(visibleTo(viewer, 'discover'));
    if (query) {
      const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`(lower(r.display_name) like ${pattern} or lower(r.path) like ${pattern})`);
    }
    if (after) q = q.where(sql<boolean>`(lower(r.display_name), r.rid) > (${after.name}::text, ${after.rid}::text)`);
    return q.orderBy(sql`lower(r.display_name)`).orderBy('r.rid').limit(limit).execute();
  }

  /** Live projects the viewer may discover, most recent activity first. */
  async listProjects(db: Db, viewer: Viewer, spaceRid: string | undefined, after: TimeKey | undefined, limit: number): Promise<ResourceRow[]> {
    let q = db
      .selectFrom('filesystem.resources as r')
      .selectAll('r')
      .where('r.type', '=', 'PROJECT')
      .where('r.trash_status', '=', 'NOT_TRASHED')
      .where(visibleTo(viewer, 'discover'));
    if (spaceRid) q = q.where('r.space_rid', '=', spaceRid);
    if (after) q = q.where(sql<boolean>`(r.activity_time, r.rid) < (${after.time}::timestamptz, ${after.rid}::text)`);
    return q.orderBy('r.activity_time', 'desc').orderBy('r.rid', 'desc').limit(limit).execute();
  }

  /** Directly trashed nodes the viewer may read, most recently trashed first. */
  async listTrash(db: Db, viewer: Viewer, after: TimeKey | undefined, limit: number): Promise<ResourceRow[]> {
    let q = db
      .selectFrom('filesystem.resources as r')
      .selectAll('r')
      .where('r.trash_status', '=', 'DIRECTLY_TRASHED')
      .where(visibleTo(viewer, 'read'));
    if (after) q = q.where(sql<boolean>`(r.trashed_time, r.rid) < (${after.time}::timestamptz, ${after.rid}::text)`);
    return q.orderBy('r.trashed_time', 'desc').orderBy('r.rid', 'desc').limit(limit).execute();
  }

  // --- roles --------------------------------------------------------------------------------

  /**
   * The viewer's effective role on each row: the strongest grant on the row or an ancestor, to
   * the user, one of its groups or everyone. One query for any number of rows.
   */
  async effectiveRoles(db: Db, viewer: Viewer, rows: ResourceRow[]): Promise<Map<string, RoleId | undefined>> {
    const result = new Map<string, RoleId | undefined>();
    if (!rows.length) return result;
    const rids = [...new Set(rows.flatMap((r) => [r.rid, ...r.ancestor_rids]))];
    const grants = await db
      .selectFrom('filesystem.role_grants')
      .select(['resource_rid', 'role_id'])
      .where('org_rid', '=', viewer.orgRid)
      .where('resource_rid', 'in', rids)
      .where((eb) => eb.or([eb('principal_type', '=', 'EVERYONE'), ...(viewer.principalIds.length ? [eb('principal_id', 'in', viewer.principalIds)] : [])]))
      .execute();
    const byResource = new Map<string, string[]>();
    for (const g of grants) byResource.set(g.resource_rid, [...(byResource.get(g.resource_rid) ?? []), g.role_id]);
    for (const row of rows) {
      result.set(row.rid, strongestRole([row.rid, ...row.ancestor_rids].flatMap((rid) => byResource.get(rid) ?? [])));
    }
    return result;
  }

  /** Grants on `rids` (a node, plus its ancestors when listing inherited roles), one per principal and role. */
  async listGrants(db: Db, rids: string[], after: Grant | undefined, limit: number): Promise<Grant[]> {
    let q = db
      .selectFrom('filesystem.role_grants')
      .select(['principal_type', 'principal_id', 'role_id'])
      .distinct()
      .where('resource_rid', 'in', rids);
    if (after) q = q.where(sql<boolean>`(principal_type, principal_id, role_id) > (${after.principalType}::text, ${after.principalId}::text, ${after.roleId}::text)`);
    const rows = await q.orderBy('principal_type').orderBy('principal_id').orderBy('role_id').limit(limit).execute();
    return rows.map((r) => ({ principalType: r.principal_type, principalId: r.principal_id, roleId: r.role_id }));
  }

  /** Adds grants; returns those that did not exist yet. */
  async addGrants(db: Db, resource: { rid: string; orgRid: string }, grants: Grant[], by: string, time: Date): Promise<Grant[]> {
    if (!grants.length) return [];
    const rows: GrantRow[] = grants.map((g) => ({
      resource_rid: resource.rid,
      org_rid: resource.orgRid,
      principal_type: g.principalType,
      principal_id: g.principalId,
      role_id: g.roleId,
      granted_by: by,
      granted_time: time,
    }));
    const added = await db
      .insertInto('filesystem.role_grants')
      .values(rows)
      .onConflict((oc) => oc.columns(['resource_rid', 'principal_type', 'principal_id', 'role_id']).doNothing())
      .returning(['principal_type', 'principal_id', 'role_id'])
      .execute();
    return added.map((r) => ({ principalType: r.principal_type, principalId: r.principal_id, roleId: r.role_id }));
  }

  /**
   * Removes grants named by principal id (whatever its type: the caller does not say) or to
   * everyone; returns the grants that existed.
   */
  async removeGrants(db: Db, resourceRid: string, grants: Array<{ everyone: boolean; principalId: string; roleId: RoleId }>): Promise<Grant[]> {
    const removed: Grant[] = [];
    for (const g of grants) {
      const rows = await db
        .deleteFrom('filesystem.role_grants')
        .where('resource_rid', '=', resourceRid)
        .where('role_id', '=', g.roleId)
        .where((eb) =>
          g.everyone ? eb('principal_type', '=', 'EVERYONE') : eb.and([eb('principal_type', '<>', 'EVERYONE'), eb('principal_id', '=', g.principalId)]),
        )
        .returning(['principal_type', 'principal_id', 'role_id'])
        .execute();
      removed.push(...rows.map((r) => ({ principalType: r.principal_type, principalId: r.principal_id, roleId: r.role_id })));
    }
    return removed;
  }

  // --- structural changes -------------------------------------------------------------------

  async updateMetadata(db: Db, rid: string, set: { displayName?: string; description?: string | null }, by: string, time: Date): Promise<void> {
    await db
      .updateTable('filesystem.resources')
      .set({
        ...(set.displayName !== undefined ? { display_name: set.displayName } : {}),
        ...(set.description !== undefined ? { description: set.description } : {}),
        updated_by: by,
        updated_time: time,
      })
      .where('rid', '=', rid)
      .execute();
  }

  /**
   * Re-roots a node and its subtree: replaces the first `oldAncestorCount` ancestors of every
   * node with `newAncestors` and the `oldPath` prefix of their paths with `newPath`. Serves
   * renames (same ancestors, new path) and moves (both change).
   */
  async rewriteSubtree(db: Db, rid: string, change: { oldAncestorCount: number; newAncestors: string[]; oldPath: string; newPath: string }): Promise<void> {
    await sql`update filesystem.resources
      set ancestor_rids = ${sql.val(change.newAncestors)}::text[] || coalesce(ancestor_rids[(${change.oldAncestorCount + 1})::int:], '{}'),
          path = ${change.newPath} || substr(path, char_length(${change.oldPath}::text) + 1)
      where rid = ${rid} or ancestor_rids @> array[${rid}]::text[]`.execute(db);
  }

  async setParent(db: Db, rid: string, parentRid: string, by: string, time: Date): Promise<void> {
    await db.updateTable('filesystem.resources').set({ parent_rid: parentRid, updated_by: by, updated_time: time }).where('rid', '=', rid).execute();
  }

  async markTrashed(db: Db, rid: string, by: string, time: Date): Promise<void> {
    await db.updateTable('filesystem.resources').set({ trashed_time: time, trashed_by: by }).where('rid', '=', rid).execute();
  }

  async clearTrashed(db: Db, rids: string[]): Promise<void> {
    if (!rids.length) return;
    await db.updateTable('filesystem.resources').set({ trashed_time: null, trashed_by: null }).where('rid', 'in', rids).execute();
  }

  /** Recomputes the stored trash status of a node and its subtree from `trashed_time` of each node and its ancestors. */
  async recomputeTrashStatus(db: Db, rootRid: string): Promise<void> {
    await sql`update filesystem.resources r set trash_status = case
        when r.trashed_time is not null then 'DIRECTLY_TRASHED'
        when exists (select 1 from filesystem.resources a where a.rid = any(r.ancestor_rids) and a.trashed_time is not null) then 'ANCESTOR_TRASHED'
        else 'NOT_TRASHED' end
      where r.rid = ${rootRid} or r.ancestor_rids @> array[${rootRid}]::text[]`.execute(db);
  }

  /** A node and every node below it. */
  async subtree(db: Db, rid: string): Promise<Array<{ rid: string; type: string }>> {
    return db
      .selectFrom('filesystem.resources')
      .select(['rid', 'type'])
      .where((eb) => eb.or([eb('rid', '=', rid), eb('ancestor_rids', '@>', sql<string[]>`array[${rid}]::text[]`)]))
      .execute();
  }

  /** Deletes nodes (a whole subtree at once, so no child outlives its parent) and their grants. */
  async deleteNodes(db: Db, rids: string[]): Promise<void> {
    if (!rids.length) return;
    await db.deleteFrom('filesystem.role_grants').where('resource_rid', 'in', rids).execute();
    await db.deleteFrom('filesystem.spaces').where('rid', 'in', rids).execute();
    await db.deleteFrom('filesystem.resources').where('rid', 'in', rids).execute();
  }

  /** Marks activity inside a project, for "recent projects". */
  async touchProject(db: Db, projectRid: string | null, time: Date): Promise<void> {
    if (!projectRid) return;
    await db.updateTable('filesystem.resources').set({ activity_time: time }).where('rid', '=', projectRid).where('activity_time', '<', time).execute();
  }
}
