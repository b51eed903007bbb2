import { ConflictError, InvalidArgumentError, NotFoundError } from '@openfoundry/kernel';

/**
 * The filesystem's named errors. Names and parameters follow Foundry's (`@osdk/foundry.filesystem`
 * `_errors.d.ts`) wherever Foundry defines one, so its clients can match on them.
 */
export const FilesystemErrors = {
  resourceNotFound: (resourceRid: string) => new NotFoundError('ResourceNotFound', { resourceRid }),
  folderNotFound: (folderRid: string) => new NotFoundError('FolderNotFound', { folderRid }),
  projectNotFound: (projectRid: string) => new NotFoundError('ProjectNotFound', { projectRid }),
  spaceNotFound: (spaceRid: string) => new NotFoundError('SpaceNotFound', { spaceRid }),
  pathNotFound: (path: string) => new NotFoundError('PathNotFound', { path }),
  /** The same answer for an unknown id and one of another organization. */
  principalsNotFound: (principalIds: string[]) => new NotFoundError('PrincipalNotFound', { principalIds }),
  organizationsNotFound: (organizationRids: string[]) => new NotFoundError('OrganizationsNotFound', { organizationRids }),
  fileSystemNotFound: (fileSystemId: string) => new NotFoundError('FileSystemNotFound', { fileSystemId }),
  roleSetNotFound: (roleSetId: string) => new NotFoundError('RoleSetNotFound', { roleSetId }),

  resourceNameAlreadyExists: (parentFolderRid: string, displayName: string) =>
    new ConflictError('ResourceNameAlreadyExists', { parentFolderRid, displayName }),
  projectNameAlreadyExists: (spaceRid: string, displayName: string) => new ConflictError('ProjectNameAlreadyExists', { spaceRid, displayName }),
  spaceNameAlreadyExists: (displayName: string) => new ConflictError('SpaceNameAlreadyExists', { displayName }),

  invalidRoleIds: (requestedRoleIds: string[]) => new InvalidArgumentError('InvalidRoleIds', { requestedRoleIds }),
  invalidPath: (path: string, problem: string) => new InvalidArgumentError('InvalidPath', { path, problem }),
  invalidFolder: (resourceRid: string) => new InvalidArgumentError('InvalidFolder', { resourceRid }),
  createFolderOutsideProject: (parentFolderRid: string) => new InvalidArgumentError('CreateFolderOutsideProjectNotSupported', { parentFolderRid }),
  getSpaceResourceNotSupported: (spaceRid: string) => new InvalidArgumentError('GetSpaceResourceNotSupported', { spaceRid }),
  trashingSpaceNotSupported: (resourceRid: string) => new InvalidArgumentError('TrashingSpaceNotSupported', { resourceRid }),
  resourceNotTrashed: (resourceRid: string) => new InvalidArgumentError('ResourceNotTrashed', { resourceRid }),
  resourceNotDirectlyTrashed: (resourceRid: string) => new InvalidArgumentError('ResourceNotDirectlyTrashed', { resourceRid }),
  /** Renaming, moving or creating inside something that is in the trash: restore it first. */
  resourceTrashed: (resourceRid: string) => new InvalidArgumentError('ResourceTrashed', { resourceRid }),
  /** Spaces are managed through the spaces endpoints, not as resources (Foundry behaves the same). */
  spaceOperationNotSupported: (spaceRid: string, operation: string) => new InvalidArgumentError('SpaceOperationNotSupported', { spaceRid, operation }),
  moveNotSupported: (resourceRid: string, type: string) => new InvalidArgumentError('MoveNotSupported', { resourceRid, type }),
  moveAcrossProjects: (resourceRid: string, parentFolderRid: string) =>
    new InvalidArgumentError('MoveAcrossProjectsNotSupported', { resourceRid, parentFolderRid }),
  moveIntoOwnDescendant: (resourceRid: string, parentFolderRid: string) =>
    new InvalidArgumentError('MoveIntoOwnDescendant', { resourceRid, parentFolderRid }),
};
