import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { requireOrgAdmin } from '@openfoundry/authz';
import { isUniqueViolation, type Executor, type Kysely } from '@openfoundry/db';
import { InvalidArgumentError, decodePageToken, isUuid, resolvePageSize, toPage, validateDisplayName, type Clock, type Page } from '@openfoundry/kernel';
import { auditAs, type Caller } from './identity.context.js';
import { IdentityErrors } from './identity.errors.js';
import { INTERNAL_REALM, toGroupJson, type GroupJson } from './identity.presenters.js';
import type { IdentityTables } from './identity.types.js';
import { GroupRepository, type GroupRow } from './group.repository.js';
import { UserRepository } from './user.repository.js';

export interface CreateGroupInput {
  name: string;
  organizations: string[];
  description?: string | undefined;
  attributes?: Record<string, string[]> | undefined;
}

/** Greatest number of principals added or removed in one request. */
export const MAX_MEMBERS_PER_REQUEST = 500;

function groupPageKey(token: string | undefined): { name: string; id: string } | undefined {
  const key = decodePageToken(token);
  if (!key) return undefined;
  if (key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string') throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
  return { name: key[0], id: key[1] };
}

function memberPageKey(token: string | undefined): string | undefined {
  const key = decodePageToken(token);
  if (!key) return undefined;
  if (key.length !== 1 || typeof key[0] !== 'string' || !isUuid(key[0])) throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
  return key[0];
}

/** Groups of users (and of other groups) inside one organization: Foundry's `admin/groups`. */
export class GroupService {
  private readonly groups = new GroupRepository();
  private readonly users = new UserRepository();

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async create(caller: Caller, input: CreateGroupInput): Promise<GroupJson> {
    requireOrgAdmin(caller.principal);
    // A group belongs to the caller's organization only. Any other RID gets the same answer,
    // so the error says nothing about whether that organization exists.
    if (!input.organizations.length || input.organizations.some((rid) => rid !== caller.principal.orgRid)) {
      throw new InvalidArgumentError('InvalidGroupOrganizations', { parameter: 'organizations', problem: 'must list exactly the caller’s organization' });
    }
    const name = validateDisplayName(input.name, 'name');
    return this.db.transaction().execute(async (trx) => {
      if (await this.groups.nameTaken(trx, caller.principal.orgRid, name)) throw IdentityErrors.groupNameTaken(name);
      let row: GroupRow;
      try {
        row = await this.groups.insert(
          trx,
          { id: randomUUID(), org_rid: caller.principal.orgRid, name, description: input.description ?? null, realm: INTERNAL_REALM, attributes: input.attributes ?? {} },
          this.clock.now(),
        );
      } catch (e) {
        if (isUniqueViolation(e)) throw IdentityErrors.groupNameTaken(name);
        throw e;
      }
      await auditAs(this.audit, trx, caller, { category: 'group.create', resourceRids: [row.id], details: { groupId: row.id, name } });
      return toGroupJson(row);
    });
  }

  async get(caller: Caller, groupId: string): Promise<GroupJson> {
    return toGroupJson(await this.groupOf(this.db, caller, groupId));
  }

  async list(caller: Caller, q: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<GroupJson>> {
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.groups.list(this.db, caller.principal.orgRid, { limit: pageSize + 1, after: groupPageKey(q.pageToken) });
    return toPage(rows, pageSize, (r) => [r.name, r.id], toGroupJson);
  }

  /** Case-insensitive prefix search on the group name. */
  async search(caller: Caller, q: { value: string; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<GroupJson>> {
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.groups.list(this.db, caller.principal.orgRid, { limit: pageSize + 1, after: groupPageKey(q.pageToken), prefix: q.value });
    return toPage(rows, pageSize, (r) => [r.name, r.id], toGroupJson);
  }

  async getBatch(caller: Caller, groupIds: string[]): Promise<{ data: Record<string, GroupJson> }> {
    const rows = await this.groups.findManyInOrg(this.db, caller.principal.orgRid, [...new Set(groupIds.filter(isUuid))]);
    return { data: Object.fromEntries(rows.map((r) => [r.id, toGroupJson(r)])) };
  }

  async delete(caller: Caller, groupId: string): Promise<void> {
    requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const group = await this.groupOf(trx, caller, groupId);
      await this.groups.delete(trx, group.id);
      await auditAs(this.audit, trx, caller, { category: 'group.delete', resourceRids: [group.id], details: { groupId: group.id, name: group.name } });
    });
  }

  /** Direct (or, with `transitive`, all reachable) unexpired members. */
  async listMembers(caller: Caller, groupId: string, q: { transitive?: boolean | undefined; pageSize?: number | undefined; pageToken?: string | undefined }) {
    const group = await this.groupOf(this.db, caller, groupId);
    const pageSize = resolvePageSize(q.pageSize);
    const after = memberPageKey(q.pageToken);
    const now = this.clock.now();
    const rows = q.transitive
      ? await this.groups.listTransitiveMembers(this.db, group.id, now, pageSize + 1, after)
      : await this.groups.listDirectMembers(this.db, group.id, now, pageSize + 1, after);
    return toPage(rows, pageSize, (r) => [r.principal_id], (r) => ({ principalType: r.principal_type, principalId: r.principal_id }));
  }

  /**
   * Adds users or groups of the caller's organization (an id of another organization is
   * reported as not found); re-adding a member sets its new expiration.
   */
  async addMembers(caller: Caller, groupId: string, input: { principalIds: string[]; expiration?: string | undefined }): Promise<void> {
    requireOrgAdmin(caller.principal);
    const now = this.clock.now();
    const expiration = input.expiration !== undefined ? new Date(input.expiration) : null;
    if (expiration && expiration.getTime() <= now.getTime()) throw new InvalidArgumentError('InvalidGroupMembershipExpiration', { parameter: 'expiration', problem: 'must be in the future' });
    const ids = [...new Set(input.principalIds)];
    await this.db.transaction().execute(async (trx) => {
      const group = await this.groupOf(trx, caller, groupId);
      const members = await this.resolvePrincipals(trx, caller.principal.orgRid, ids);
      if (ids.includes(group.id)) throw new InvalidArgumentError('GroupCannotContainItself', { groupId: group.id });
      await this.groups.upsertMembers(trx, group.id, members, expiration, now);
      await auditAs(this.audit, trx, caller, {
        category: 'group.members.add',
        resourceRids: [group.id, ...ids],
        details: { groupId: group.id, principalIds: ids, expiration: expiration?.toISOString() ?? null },
      });
    });
  }

  /** Removes members; ids that are not members are ignored (removal is idempotent). */
  async removeMembers(caller: Caller, groupId: string, input: { principalIds: string[] }): Promise<void> {
    requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const group = await this.groupOf(trx, caller, groupId);
      const removed = await this.groups.removeMembers(trx, group.id, [...new Set(input.principalIds.filter(isUuid))]);
      await auditAs(this.audit, trx, caller, { category: 'group.members.remove', resourceRids: [group.id, ...removed], details: { groupId: group.id, principalIds: removed } });
    });
  }

  private async groupOf(db: Executor<IdentityTables>, caller: Caller, groupId: string): Promise<GroupRow> {
    const row = isUuid(groupId) ? await this.groups.findInOrg(db, caller.principal.orgRid, groupId) : undefined;
    if (!row) throw IdentityErrors.groupNotFound(groupId);
    return row;
  }

  private async resolvePrincipals(db: Executor<IdentityTables>, orgRid: string, ids: string[]) {
    for (const id of ids) if (!isUuid(id)) throw IdentityErrors.principalNotFound(id);
    const users = new Set((await this.users.findManyInOrg(db, orgRid, ids)).filter((u) => u.status === 'ACTIVE').map((u) => u.id));
    const groups = new Set((await this.groups.findManyInOrg(db, orgRid, ids)).map((g) => g.id));
    return ids.map((id) => {
      if (users.has(id)) return { principalId: id, principalType: 'USER' as const };
      if (groups.has(id)) return { principalId: id, principalType: 'GROUP' as const };
      throw IdentityErrors.principalNotFound(id);
    });
  }
}
