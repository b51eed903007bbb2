import { NotFoundError, PermissionDeniedError } from '@openfoundry/kernel';
import type { Principal } from './principal.js';

/**
 * Foundry's default project roles, by id. Roles are ordered: each includes what the ones below
 * it allow.
 */
export const ROLE_IDS = {
  owner: 'compass:manage',
  editor: 'compass:edit',
  viewer: 'compass:read',
  discoverer: 'compass:discover',
} as const;

export type RoleId = (typeof ROLE_IDS)[keyof typeof ROLE_IDS];

/** What a principal may do to a resource. */
export type Operation = 'discover' | 'read' | 'write' | 'manage';

const RANK: Record<RoleId, number> = {
  'compass:discover': 1,
  'compass:read': 2,
  'compass:edit': 3,
  'compass:manage': 4,
};

const REQUIRED_RANK: Record<Operation, number> = { discover: 1, read: 2, write: 3, manage: 4 };

export function isRoleId(s: string): s is RoleId {
  return s in RANK;
}

export function roleAllows(role: RoleId, op: Operation): boolean {
  return RANK[role] >= REQUIRED_RANK[op];
}

/** The strongest of several roles (roles inherited from ancestors and groups combine). */
export function strongestRole(roles: Iterable<string>): RoleId | undefined {
  let best: RoleId | undefined;
  for (const r of roles) if (isRoleId(r) && (!best || RANK[r] > RANK[best])) best = r;
  return best;
}

/** The operations a role allows, for showing in APIs. */
export function operationsOf(role: RoleId | undefined): Operation[] {
  return role ? (Object.keys(REQUIRED_RANK) as Operation[]).filter((op) => roleAllows(role, op)) : [];
}

/** What authz needs to know about a resource to decide. */
export interface ResourceAccess {
  rid: string;
  orgRid: string;
  /** The principal's effective role on the resource (own grants plus inherited ones). */
  effectiveRole: RoleId | undefined;
}

/**
 * The one decision: may `principal` do `op` to the resource? Another organization's resource,
 * or one the principal cannot even discover, is reported as missing (404) so that its existence
 * does not leak. Org admins may do everything inside their organization.
 */
export function authorize(principal: Principal, resource: ResourceAccess | undefined, op: Operation, notFound: () => NotFoundError): void {
  if (!resource || resource.orgRid !== principal.orgRid) throw notFound();
  if (principal.isOrgAdmin) return;
  const role = resource.effectiveRole;
  if (!role || !roleAllows(role, 'discover')) throw notFound();
  if (!roleAllows(role, op)) throw new PermissionDeniedError('PermissionDenied', { resourceRid: resource.rid, operation: op });
}

/** Org-level administration (users, groups, OAuth clients, audit): org admins only. */
export function requireOrgAdmin(principal: Principal): void {
  if (!principal.isOrgAdmin) throw new PermissionDeniedError('OrganizationAdminRequired', {});
}

/** A record of another organization is answered as missing. */
export function requireSameOrg(principal: Principal, orgRid: string | undefined, notFound: () => NotFoundError): void {
  if (!orgRid || orgRid !== principal.orgRid) throw notFound();
}
