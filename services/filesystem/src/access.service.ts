import { authorize, principalIds, ROLE_IDS, type Operation, type Principal, type RoleId } from '@openfoundry/authz';
import { PermissionDeniedError, type NotFoundError } from '@openfoundry/kernel';
import type { Executor } from '@openfoundry/db';
import type { RequestContext } from '@openfoundry/http';
import { successEvent, type AuditLog } from '@openfoundry/audit';
import type { FilesystemTables, ResourceRow } from './filesystem.types.js';
import type { ResourceRepository, Viewer } from './resource.repository.js';

/** Who performs an operation, and the request it came with (for the audit trail). */
export interface Actor {
  principal: Principal;
  ctx?: RequestContext | undefined;
}

/** A node together with the principal's effective role on it. */
export interface Located {
  row: ResourceRow;
  role: RoleId | undefined;
}

/** The SQL filters' view of a principal: organization, admin flag, and the ids grants may name. */
export function viewerOf(principal: Principal): Viewer {
  return { orgRid: principal.orgRid, isOrgAdmin: principal.isOrgAdmin, principalIds: principalIds(principal) };
}

/**
 * Finds nodes and decides access through libs/authz. Spaces carry no grants: every member of the
 * organization may see a space and list (in it) the projects it can discover; org admins manage.
 */
export class AccessService {
  constructor(private readonly repo: ResourceRepository) {}

  /** The node and the principal's role on it; undefined when missing or of another organization. */
  async locate(db: Executor<FilesystemTables>, principal: Principal, rid: string): Promise<Located | undefined> {
    const row = await this.repo.find(db, rid);
    if (!row || row.org_rid !== principal.orgRid) return undefined;
    return { row, role: await this.roleOn(db, principal, row) };
  }

  async roleOn(db: Executor<FilesystemTables>, principal: Principal, row: ResourceRow): Promise<RoleId | undefined> {
    if (principal.isOrgAdmin) return ROLE_IDS.owner;
    if (row.type === 'SPACE') return ROLE_IDS.viewer;
    return (await this.repo.effectiveRoles(db, viewerOf(principal), [row])).get(row.rid);
  }

  /** Roles of many rows in one query (batch endpoints). */
  async rolesOn(db: Executor<FilesystemTables>, principal: Principal, rows: ResourceRow[]): Promise<Map<string, RoleId | undefined>> {
    // An org admin owns every row of the organization: no grants to look up.
    const roles = principal.isOrgAdmin ? new Map<string, RoleId | undefined>() : await this.repo.effectiveRoles(db, viewerOf(principal), rows);
    for (const row of rows) {
      if (principal.isOrgAdmin) roles.set(row.rid, ROLE_IDS.owner);
      else if (row.type === 'SPACE') roles.set(row.rid, ROLE_IDS.viewer);
    }
    return roles;
  }

  /**
   * Authorizes `op` on a located node: missing, another organization's, or undiscoverable nodes
   * throw `notFound()`; too weak a role throws 403 under Foundry's operation-specific name.
   */
  check(principal: Principal, located: Located | undefined, op: Operation, notFound: () => NotFoundError, deniedName?: string): Located {
    const access = located && { rid: located.row.rid, orgRid: located.row.org_rid, effectiveRole: located.role };
    try {
      authorize(principal, access, op, notFound);
    } catch (e) {
      if (deniedName && e instanceof PermissionDeniedError) throw new PermissionDeniedError(deniedName, e.parameters);
      throw e;
    }
    return located!;
  }

  async require(
    db: Executor<FilesystemTables>,
    principal: Principal,
    rid: string,
    op: Operation,
    notFound: () => NotFoundError,
    deniedName?: string,
  ): Promise<Located> {
    return this.check(principal, await this.locate(db, principal, rid), op, notFound, deniedName);
  }
}

/** Appends a successful filesystem event to the audit chain, inside the change's transaction. */
export async function recordEvent(
  audit: AuditLog,
  trx: Executor,
  actor: Actor,
  category: string,
  resourceRids: string[],
  details: Record<string, unknown>,
): Promise<void> {
  await audit.append(trx, successEvent(actor, category, resourceRids, details));
}
