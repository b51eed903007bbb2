import type { RoleId } from '@openfoundry/authz';

/**
 * Node types this service creates itself. Any other `type` (for example `FOUNDRY_DATASET`) is a
 * resource registered by another service as the child of a folder: the column is open-ended on
 * purpose so later services need no migration here.
 */
export const CONTAINER_TYPES = ['SPACE', 'PROJECT', 'FOLDER'] as const;
export type ContainerType = (typeof CONTAINER_TYPES)[number];

import type { TrashStatus } from '@openfoundry/authz';
export type { TrashStatus };

/** Who a role grant names. `EVERYONE` means every member of the resource's organization. */
export type GrantPrincipalType = 'USER' | 'GROUP' | 'EVERYONE';

/** Tables of the `filesystem` schema, as Kysely sees them. */
export interface FilesystemTables {
  'filesystem.resources': ResourceRow;
  'filesystem.spaces': SpaceRow;
  'filesystem.role_grants': GrantRow;
}

/** One node of the tree: a space, project, folder or another service's resource. */
export interface ResourceRow {
  rid: string;
  org_rid: string;
  type: string;
  display_name: string;
  description: string | null;
  documentation: string | null;
  /** Null only for spaces (their parent is Foundry's root folder, which is not stored). */
  parent_rid: string | null;
  space_rid: string;
  /** Null only for spaces. */
  project_rid: string | null;
  /** Every ancestor, root first (space, project, folders...), excluding the node itself. */
  ancestor_rids: string[];
  /** `/<Space>/<Project>/<folder>/.../<name>`, kept in step with renames and moves. */
  path: string;
  created_by: string;
  created_time: Date;
  updated_by: string;
  updated_time: Date;
  /** Set when the node itself was moved to the trash. */
  trashed_time: Date | null;
  trashed_by: string | null;
  /** Derived from `trashed_time` of the node and its ancestors; stored so lists filter in SQL. */
  trash_status: TrashStatus;
  /** For projects: the last change anywhere inside (the home page's "recent projects"). */
  activity_time: Date;
}

/** Attributes only spaces have (Foundry's Space shape). */
export interface SpaceRow {
  rid: string;
  org_rid: string;
  enrollment_rid: string | null;
  usage_account_rid: string;
  file_system_id: string;
  organizations: string[];
  deletion_policy_organizations: string[];
  default_role_set_id: string;
  /** The space created automatically for an organization with none. */
  is_default: boolean;
}

export interface GrantRow {
  resource_rid: string;
  org_rid: string;
  principal_type: GrantPrincipalType;
  /** Empty for `EVERYONE`. */
  principal_id: string;
  role_id: RoleId;
  granted_by: string;
  granted_time: Date;
}

/** A role grant as the service handles it. */
export interface Grant {
  principalType: GrantPrincipalType;
  principalId: string;
  roleId: RoleId;
}
