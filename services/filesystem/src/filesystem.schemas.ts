import { z } from 'zod';
import { PageQuery, PreviewQuery, pageOf } from '@openfoundry/http';

export { PageQuery, PreviewQuery, pageOf };

/**
 * Request and response schemas of the filesystem endpoints, shaped as Foundry's published
 * `@osdk/foundry.filesystem` types. Request bodies are strict: an unknown field is a 400 naming it.
 */

const MAX_DESCRIPTION = 10_000;
const MAX_BATCH = 1000;

/** A RID as sent by a client; its format is checked by the service to name the parameter. */
const Rid = z.string().min(1).max(500);
const Name = z.string().max(1000);
const Description = z.string().max(MAX_DESCRIPTION);


export const TrashStatusSchema = z.enum(['NOT_TRASHED', 'DIRECTLY_TRASHED', 'ANCESTOR_TRASHED']);

const audited = {
  createdBy: z.string(),
  updatedBy: z.string(),
  createdTime: z.string(),
  updatedTime: z.string(),
  trashStatus: TrashStatusSchema,
};

export const SpaceSchema = z
  .object({
    rid: z.string(),
    displayName: z.string(),
    description: z.string().optional(),
    path: z.string(),
    fileSystemId: z.string(),
    usageAccountRid: z.string(),
    organizations: z.array(z.string()),
    deletionPolicyOrganizations: z.array(z.string()),
    defaultRoleSetId: z.string(),
  })
  .meta({ id: 'FilesystemSpace' });

export const ProjectSchema = z
  .object({
    rid: z.string(),
    displayName: z.string(),
    description: z.string().optional(),
    documentation: z.string().optional(),
    path: z.string(),
    ...audited,
    spaceRid: z.string(),
  })
  .meta({ id: 'FilesystemProject' });

export const FolderSchema = z
  .object({
    rid: z.string(),
    displayName: z.string(),
    description: z.string().optional(),
    documentation: z.string().optional(),
    path: z.string(),
    type: z.enum(['FOLDER', 'SPACE', 'PROJECT']),
    ...audited,
    parentFolderRid: z.string(),
    projectRid: z.string().optional(),
    spaceRid: z.string(),
  })
  .meta({ id: 'FilesystemFolder' });

export const ResourceSchema = z
  .object({
    rid: z.string(),
    displayName: z.string(),
    description: z.string().optional(),
    documentation: z.string().optional(),
    path: z.string(),
    type: z.string().describe('Foundry ResourceType: COMPASS_FOLDER for projects and folders, or the type of another service’s resource'),
    ...audited,
    parentFolderRid: z.string(),
    projectRid: z.string(),
    spaceRid: z.string(),
  })
  .meta({ id: 'FilesystemResource' });

export const TrashedResourceSchema = ResourceSchema.extend({ trashedBy: z.string(), trashedTime: z.string() }).meta({ id: 'FilesystemTrashedResource' });

export const ResourceRoleSchema = z
  .object({
    resourceRolePrincipal: z.discriminatedUnion('type', [
      z.object({ type: z.literal('principalWithId'), principalId: z.string(), principalType: z.enum(['USER', 'GROUP']) }),
      z.object({ type: z.literal('everyone') }),
    ]),
    roleId: z.string(),
  })
  .meta({ id: 'FilesystemResourceRole' });


// --- request bodies ----------------------------------------------------------------------------

export const CreateSpaceBody = z.strictObject({
  enrollmentRid: Rid,
  usageAccountRid: Rid.optional(),
  fileSystemId: z.string().max(200).optional(),
  displayName: Name,
  organizations: z.array(Rid).min(1).max(100),
  description: Description.optional(),
  deletionPolicyOrganizations: z.array(Rid).max(100),
  defaultRoleSetId: z.string().max(200).optional(),
});

const PrincipalWithId = z.strictObject({ principalId: z.string().min(1).max(200), principalType: z.enum(['USER', 'GROUP']) });

export const CreateProjectBody = z.strictObject({
  displayName: Name,
  description: Description.optional(),
  spaceRid: Rid,
  roleGrants: z.record(z.string().max(200), z.array(PrincipalWithId).max(MAX_BATCH)).optional(),
  defaultRoles: z.array(z.string().max(200)).max(10).optional(),
  organizationRids: z.array(Rid).max(100).optional(),
});

export const ReplaceProjectBody = z.strictObject({ displayName: Name, description: Description.optional() });

export const CreateFolderBody = z.strictObject({ parentFolderRid: Rid, displayName: Name });

export const GetFoldersBatchBody = z.array(z.strictObject({ folderRid: Rid })).max(MAX_BATCH);
export const GetResourcesBatchBody = z.array(z.strictObject({ resourceRid: Rid })).max(MAX_BATCH);

const RoleIdentifier = z.strictObject({
  resourceRolePrincipal: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('principalIdOnly'), principalId: z.string().min(1).max(200) }),
    z.strictObject({ type: z.literal('everyone') }),
  ]),
  roleId: z.string().min(1).max(200),
});

export const RolesBody = z.strictObject({ roles: z.array(RoleIdentifier).min(1).max(MAX_BATCH) });

export const RenameBody = z.strictObject({ displayName: Name });
export const MoveBody = z.strictObject({ parentFolderRid: Rid });
