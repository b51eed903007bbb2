import { isRoleId, type RoleId } from '@openfoundry/authz';
import { decodePageToken, isUuid, requireRid, resolvePageSize, toPage, type Page } from '@openfoundry/kernel';
import { recordEvent, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { Grant, GrantPrincipalType } from './filesystem.types.js';
import type { TreeService } from './tree.service.js';

/** Foundry's `ResourceRolePrincipalIdentifier`: a user or group by id, or everyone. */
export type PrincipalIdentifier = { type: 'principalIdOnly'; principalId: string } | { type: 'everyone' };

/** Foundry's `ResourceRoleIdentifier`. */
export interface RoleIdentifier {
  resourceRolePrincipal: PrincipalIdentifier;
  roleId: string;
}

/** Foundry's `ResourceRole`. */
export interface ResourceRoleJson {
  resourceRolePrincipal: { type: 'principalWithId'; principalId: string; principalType: 'USER' | 'GROUP' } | { type: 'everyone' };
  roleId: string;
}

/** Throws Foundry's `InvalidRoleIds` unless every id is one of the four roles. */
export function requireRoleIds(ids: string[]): RoleId[] {
  const invalid = ids.filter((id) => !isRoleId(id));
  if (invalid.length) throw FilesystemErrors.invalidRoleIds([...new Set(invalid)]);
  return ids as RoleId[];
}

function toRoleJson(g: Grant): ResourceRoleJson {
  return {
    resourceRolePrincipal: g.principalType === 'EVERYONE' ? { type: 'everyone' } : { type: 'principalWithId', principalId: g.principalId, principalType: g.principalType },
    roleId: g.roleId,
  };
}

/**
 * Role grants on projects, folders and resources. Grants are inherited down the tree; the
 * effective role is the strongest grant on the node or an ancestor to the user, its groups or
 * everyone in the organization.
 */
export class RoleService {
  constructor(
    private readonly deps: FilesystemDeps,
    private readonly tree: TreeService,
  ) {}

  /**
   * Resolves principal ids in the caller's organization. An unknown id, another organization's
   * id, or an id of the wrong type (when the caller says which) are all answered with the same
   * `PrincipalNotFound`.
   */
  async resolvePrincipals(orgRid: string, requested: Array<{ principalId: string; principalType?: 'USER' | 'GROUP' }>): Promise<Map<string, 'USER' | 'GROUP'>> {
    const ids = [...new Set(requested.map((p) => p.principalId))];
    const wellFormed = ids.filter(isUuid);
    const found = wellFormed.length ? await this.deps.directory.resolve(orgRid, wellFormed) : new Map<string, 'USER' | 'GROUP'>();
    const missing = requested.filter((p) => {
      const type = found.get(p.principalId);
      return !type || (p.principalType !== undefined && p.principalType !== type);
    });
    if (missing.length) throw FilesystemErrors.principalsNotFound([...new Set(missing.map((p) => p.principalId))]);
    return found;
  }

  async list(actor: Actor, resourceRid: string, query: { includeInherited?: boolean | undefined; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<ResourceRoleJson>> {
    requireRid(resourceRid, 'resourceRid');
    const pageSize = resolvePageSize(query.pageSize);
    const token = decodePageToken(query.pageToken);
    const after = token ? { principalType: String(token[0]) as GrantPrincipalType, principalId: String(token[1]), roleId: String(token[2]) as RoleId } : undefined;
    const { repo, access } = this.deps;
    const { row } = await access.require(repo.db, actor.principal, resourceRid, 'read', () => FilesystemErrors.resourceNotFound(resourceRid));
    if (row.type === 'SPACE') throw FilesystemErrors.spaceOperationNotSupported(row.rid, 'listRoles');
    const rids = query.includeInherited ? [row.rid, ...row.ancestor_rids] : [row.rid];
    const grants = await repo.listGrants(repo.db, rids, after, pageSize + 1);
    return toPage(grants, pageSize, (g) => [g.principalType, g.principalId, g.roleId], toRoleJson);
  }

  async add(actor: Actor, resourceRid: string, roles: RoleIdentifier[]): Promise<void> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, access, audit, clock } = this.deps;
    const notFound = () => FilesystemErrors.resourceNotFound(resourceRid);
    const deniedName = 'AddResourceRolesPermissionDenied';
    // Decide access before looking anyone up, so a caller without it learns nothing about principals.
    const { row: seen } = await access.require(repo.db, actor.principal, resourceRid, 'manage', notFound, deniedName);
    if (seen.type === 'SPACE') throw FilesystemErrors.spaceOperationNotSupported(seen.rid, 'addRoles');
    const roleIds = requireRoleIds(roles.map((r) => r.roleId));
    // The directory is asked outside the transaction: on embedded PGlite there is one connection,
    // which the transaction would be holding.
    const named = roles.flatMap((r) => (r.resourceRolePrincipal.type === 'principalIdOnly' ? [{ principalId: r.resourceRolePrincipal.principalId }] : []));
    const types = await this.resolvePrincipals(actor.principal.orgRid, named);
    const grants: Grant[] = roles.map((r, i) =>
      r.resourceRolePrincipal.type === 'everyone'
        ? { principalType: 'EVERYONE', principalId: '', roleId: roleIds[i]! }
        : { principalType: types.get(r.resourceRolePrincipal.principalId)!, principalId: r.resourceRolePrincipal.principalId, roleId: roleIds[i]! },
    );
    await repo.transaction(async (trx) => {
      const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, 'manage', notFound, deniedName);
      const now = clock.now();
      const added = await repo.addGrants(trx, { rid: row.rid, orgRid: row.org_rid }, grants, actor.principal.userId, now);
      await repo.touchProject(trx, row.project_rid, now);
      await recordEvent(audit, trx, actor, 'filesystem.role.add', [row.rid], {
        requested: grants.map(toRoleJson),
        added: added.map(toRoleJson),
      });
    });
  }

  async remove(actor: Actor, resourceRid: string, roles: RoleIdentifier[]): Promise<void> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, audit, clock } = this.deps;
    const notFound = () => FilesystemErrors.resourceNotFound(resourceRid);
    await repo.transaction(async (trx) => {
      const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, 'manage', notFound, 'RemoveResourceRolesPermissionDenied');
      if (row.type === 'SPACE') throw FilesystemErrors.spaceOperationNotSupported(row.rid, 'removeRoles');
      const roleIds = requireRoleIds(roles.map((r) => r.roleId));
      // No directory lookup: a grant of a since-deleted user must stay removable, and only grants
      // on this (same-organization) resource can match.
      const removed = await repo.removeGrants(
        trx,
        row.rid,
        roles.map((r, i) => ({
          everyone: r.resourceRolePrincipal.type === 'everyone',
          principalId: r.resourceRolePrincipal.type === 'principalIdOnly' ? r.resourceRolePrincipal.principalId : '',
          roleId: roleIds[i]!,
        })),
      );
      await repo.touchProject(trx, row.project_rid, clock.now());
      await recordEvent(audit, trx, actor, 'filesystem.role.remove', [row.rid], {
        requested: roles.map((r) => ({ resourceRolePrincipal: r.resourceRolePrincipal, roleId: r.roleId })),
        removed: removed.map(toRoleJson),
      });
    });
  }
}
