import { requireOrgAdmin } from '@openfoundry/authz';
import { isUniqueViolation } from '@openfoundry/db';
import { decodePageToken, makeRid, PermissionDeniedError, requireRid, resolvePageSize, toPage, validateDisplayName, type Page } from '@openfoundry/kernel';
import { recordEvent, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { ResourceRow, SpaceRow } from './filesystem.types.js';
import { DEFAULT_ROLE_SET_ID, FILE_SYSTEM_ID, toSpace, type SpaceJson } from './resource.presenter.js';

/** Name of the space created automatically for an organization that has none. */
export const DEFAULT_SPACE_NAME = 'Default';

/** Foundry's `CreateSpaceRequest`. */
export interface CreateSpaceInput {
  enrollmentRid: string;
  usageAccountRid?: string | undefined;
  fileSystemId?: string | undefined;
  displayName: string;
  organizations: string[];
  description?: string | undefined;
  deletionPolicyOrganizations: string[];
  defaultRoleSetId?: string | undefined;
}

/** Spaces: the top level of an organization's tree. Every member sees them; org admins create them. */
export class SpaceService {
  constructor(private readonly deps: FilesystemDeps) {}

  private rows(actor: Actor, input: { displayName: string; description: string | null; enrollmentRid: string | null; usageAccountRid?: string | undefined; organizations: string[]; deletionPolicyOrganizations: string[]; isDefault: boolean }): { resource: ResourceRow; space: SpaceRow } {
    const now = this.deps.clock.now();
    const rid = makeRid('compass', 'main', 'folder');
    const by = actor.principal.userId;
    return {
      resource: {
        rid,
        org_rid: actor.principal.orgRid,
        type: 'SPACE',
        display_name: input.displayName,
        description: input.description,
        documentation: null,
        parent_rid: null,
        space_rid: rid,
        project_rid: null,
        ancestor_rids: [],
        path: `/${input.displayName}`,
        created_by: by,
        created_time: now,
        updated_by: by,
        updated_time: now,
        trashed_time: null,
        trashed_by: null,
        trash_status: 'NOT_TRASHED',
        activity_time: now,
      },
      space: {
        rid,
        org_rid: actor.principal.orgRid,
        enrollment_rid: input.enrollmentRid,
        // Usage accounts are not modelled; each space gets its own identifier so clients can tell them apart.
        usage_account_rid: input.usageAccountRid ?? makeRid('resource-policy-manager', 'global', 'usage-account'),
        file_system_id: FILE_SYSTEM_ID,
        organizations: input.organizations,
        deletion_policy_organizations: input.deletionPolicyOrganizations,
        default_role_set_id: DEFAULT_ROLE_SET_ID,
        is_default: input.isDefault,
      },
    };
  }

  /**
   * Creates the organization's default space when it has no space at all, so a fresh
   * organization can create projects right away.
   */
  async ensureDefault(actor: Actor): Promise<void> {
    const { repo, audit } = this.deps;
    if ((await repo.countSpaces(repo.db, actor.principal.orgRid)) > 0) return;
    const { resource, space } = this.rows(actor, {
      displayName: DEFAULT_SPACE_NAME,
      description: null,
      enrollmentRid: null,
      organizations: [actor.principal.orgRid],
      deletionPolicyOrganizations: [actor.principal.orgRid],
      isDefault: true,
    });
    try {
      await repo.transaction(async (trx) => {
        if (!(await repo.insertDefaultSpace(trx, resource, space))) return;
        await recordEvent(audit, trx, actor, 'filesystem.space.create', [resource.rid], { displayName: resource.display_name, default: true });
      });
    } catch (e) {
      // A concurrent first request created it (or a space of that name) meanwhile: nothing to do.
      if (!isUniqueViolation(e)) throw e;
    }
  }

  async list(actor: Actor, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<SpaceJson>> {
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    const after = token ? { name: String(token[0]), rid: String(token[1]) } : undefined;
    await this.ensureDefault(actor);
    const { repo } = this.deps;
    const rows = await repo.listSpaces(repo.db, actor.principal.orgRid, after, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.sortName, r.resource.rid], (r) => toSpace(r.resource, r.space));
  }

  async get(actor: Actor, spaceRid: string): Promise<SpaceJson> {
    requireRid(spaceRid, 'spaceRid', 'compass', 'folder');
    const { repo } = this.deps;
    const row = await repo.find(repo.db, spaceRid);
    const space = row && row.org_rid === actor.principal.orgRid && row.type === 'SPACE' ? await repo.findSpace(repo.db, spaceRid) : undefined;
    if (!row || !space) throw FilesystemErrors.spaceNotFound(spaceRid);
    return toSpace(row, space);
  }

  async create(actor: Actor, input: CreateSpaceInput): Promise<SpaceJson> {
    try {
      requireOrgAdmin(actor.principal);
    } catch (e) {
      if (e instanceof PermissionDeniedError) throw new PermissionDeniedError('CreateSpacePermissionDenied', {});
      throw e;
    }
    const displayName = validateDisplayName(input.displayName);
    requireRid(input.enrollmentRid, 'enrollmentRid');
    if (input.usageAccountRid !== undefined) requireRid(input.usageAccountRid, 'usageAccountRid');
    // One organization per space: naming any other (existing or not) is answered alike.
    const foreign = [...input.organizations, ...input.deletionPolicyOrganizations].filter((o) => o !== actor.principal.orgRid);
    if (foreign.length) throw FilesystemErrors.organizationsNotFound([...new Set(foreign)]);
    if (input.fileSystemId !== undefined && input.fileSystemId !== FILE_SYSTEM_ID) {
      throw FilesystemErrors.fileSystemNotFound(input.fileSystemId);
    }
    if (input.defaultRoleSetId !== undefined && input.defaultRoleSetId !== DEFAULT_ROLE_SET_ID) throw FilesystemErrors.roleSetNotFound(input.defaultRoleSetId);
    const { repo, audit } = this.deps;
    const { resource, space } = this.rows(actor, {
      displayName,
      description: input.description ?? null,
      enrollmentRid: input.enrollmentRid,
      usageAccountRid: input.usageAccountRid,
      organizations: [...new Set(input.organizations)],
      deletionPolicyOrganizations: [...new Set(input.deletionPolicyOrganizations)],
      isDefault: false,
    });
    try {
      await repo.transaction(async (trx) => {
        if (await repo.siblingWithName(trx, { parentRid: null, orgRid: actor.principal.orgRid }, displayName)) {
          throw FilesystemErrors.spaceNameAlreadyExists(displayName);
        }
        await repo.insert(trx, resource);
        await repo.insertSpace(trx, space);
        await recordEvent(audit, trx, actor, 'filesystem.space.create', [resource.rid], { displayName });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.spaceNameAlreadyExists(displayName);
      throw e;
    }
    return toSpace(resource, space);
  }
}
