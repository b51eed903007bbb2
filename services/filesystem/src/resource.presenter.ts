import type { ResourceRow, SpaceRow, TrashStatus } from './filesystem.types.js';

/**
 * Foundry's root folder: the parent every space reports. It is a fixed, well-known RID in
 * Foundry and is never stored or returned as a resource itself.
 */
export const ROOT_FOLDER_RID = 'ri.compass.main.folder.0';

/** The only filesystem of an OpenFoundry installation (Foundry's `FileSystemId`). */
export const FILE_SYSTEM_ID = 'openfoundry';

/** The one role set (owner/editor/viewer/discoverer) every space uses. */
export const DEFAULT_ROLE_SET_ID = 'default';

/** Spaces, projects and folders are all compass folders in Foundry's resource type list. */
export const FOLDER_RESOURCE_TYPE = 'COMPASS_FOLDER';

/** Foundry `Space` JSON. */
export interface SpaceJson {
  rid: string;
  displayName: string;
  description?: string;
  path: string;
  fileSystemId: string;
  usageAccountRid: string;
  organizations: string[];
  deletionPolicyOrganizations: string[];
  defaultRoleSetId: string;
}

interface Audited {
  createdBy: string;
  updatedBy: string;
  createdTime: string;
  updatedTime: string;
  trashStatus: TrashStatus;
}

/** Foundry `Project` JSON. */
export interface ProjectJson extends Audited {
  rid: string;
  displayName: string;
  description?: string;
  documentation?: string;
  path: string;
  spaceRid: string;
}

/** Foundry `Folder` JSON (a space, project or folder seen as a folder). */
export interface FolderJson extends Audited {
  rid: string;
  displayName: string;
  description?: string;
  documentation?: string;
  path: string;
  type: 'FOLDER' | 'SPACE' | 'PROJECT';
  parentFolderRid: string;
  projectRid?: string;
  spaceRid: string;
}

/** Foundry `Resource` JSON. */
export interface ResourceJson extends Audited {
  rid: string;
  displayName: string;
  description?: string;
  documentation?: string;
  path: string;
  type: string;
  parentFolderRid: string;
  projectRid: string;
  spaceRid: string;
}

function texts(row: ResourceRow): { description?: string; documentation?: string } {
  return {
    ...(row.description !== null ? { description: row.description } : {}),
    ...(row.documentation !== null ? { documentation: row.documentation } : {}),
  };
}

function audited(row: ResourceRow): Audited {
  return {
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdTime: row.created_time.toISOString(),
    updatedTime: row.updated_time.toISOString(),
    trashStatus: row.trash_status,
  };
}

export function isFolderLike(type: string): type is 'SPACE' | 'PROJECT' | 'FOLDER' {
  return type === 'SPACE' || type === 'PROJECT' || type === 'FOLDER';
}

export function toSpace(row: ResourceRow, space: SpaceRow): SpaceJson {
  return {
    rid: row.rid,
    displayName: row.display_name,
    ...(row.description !== null ? { description: row.description } : {}),
    path: row.path,
    fileSystemId: space.file_system_id,
    usageAccountRid: space.usage_account_rid,
    organizations: space.organizations,
    deletionPolicyOrganizations: space.deletion_policy_organizations,
    defaultRoleSetId: space.default_role_set_id,
  };
}

export function toProject(row: ResourceRow): ProjectJson {
  return { rid: row.rid, displayName: row.display_name, ...texts(row), path: row.path, ...audited(row), spaceRid: row.space_rid };
}

export function toFolder(row: ResourceRow): FolderJson {
  return {
    rid: row.rid,
    displayName: row.display_name,
    ...texts(row),
    path: row.path,
    type: row.type as FolderJson['type'],
    ...audited(row),
    parentFolderRid: row.parent_rid ?? ROOT_FOLDER_RID,
    ...(row.project_rid !== null ? { projectRid: row.project_rid } : {}),
    spaceRid: row.space_rid,
  };
}

/** A project or anything inside one (spaces are not resources in Foundry's API). */
export function toResource(row: ResourceRow): ResourceJson {
  return {
    rid: row.rid,
    displayName: row.display_name,
    ...texts(row),
    path: row.path,
    type: isFolderLike(row.type) ? FOLDER_RESOURCE_TYPE : row.type,
    ...audited(row),
    parentFolderRid: row.parent_rid!,
    projectRid: row.project_rid!,
    spaceRid: row.space_rid,
  };
}

/** A node of the trash: the resource plus who trashed it and when. */
export function toTrashed(row: ResourceRow): ResourceJson & { trashedBy: string; trashedTime: string } {
  return { ...toResource(row), trashedBy: row.trashed_by!, trashedTime: row.trashed_time!.toISOString() };
}
