import { ROLE_IDS } from '@openfoundry/authz';
import { isUniqueViolation } from '@openfoundry/db';
import { decodePageToken, InvalidArgumentError, requireRid, resolvePageSize, toPage, validateDisplayName, type Page } from '@openfoundry/kernel';
import { recordEvent, viewerOf, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { Grant } from './filesystem.types.js';
import { toProject, type ProjectJson } from './resource.presenter.js';
import { requireRoleIds, type RoleService } from './role.service.js';
import type { TreeService } from './tree.service.js';

/** Foundry's `CreateProjectRequest` (the lists default to empty). */
export interface CreateProjectInput {
  displayName: string;
  description?: string | undefined;
  spaceRid: string;
  roleGrants?: Record<string, Array<{ principalId: string; principalType: 'USER' | 'GROUP' }>> | undefined;
  defaultRoles?: string[] | undefined;
  organizationRids?: string[] | undefined;
}

/** Projects: the unit of access control inside a space. The creator becomes an owner. */
export class ProjectService {
  constructor(
    private readonly deps: FilesystemDeps,
    private readonly tree: TreeService,
    private readonly roles: RoleService,
  ) {}

  async create(actor: Actor, input: CreateProjectInput): Promise<ProjectJson> {
    const { repo, access, audit } = this.deps;
    const { principal } = actor;
    const displayName = validateDisplayName(input.displayName);
    requireRid(input.spaceRid, 'spaceRid', 'compass', 'folder');
    const foreign = (input.organizationRids ?? []).filter((o) => o !== principal.orgRid);
    if (foreign.length) throw FilesystemErrors.organizationsNotFound([...new Set(foreign)]);
    const roleGrants = Object.entries(input.roleGrants ?? {});
    requireRoleIds([...roleGrants.map(([roleId]) => roleId), ...(input.defaultRoles ?? [])]);
    const named = roleGrants.flatMap(([, principals]) => principals);
    await this.roles.resolvePrincipals(principal.orgRid, named);

    const grants: Grant[] = [
      { principalType: 'USER', principalId: principal.userId, roleId: ROLE_IDS.owner },
      ...roleGrants.flatMap(([roleId, principals]) => principals.map((p): Grant => ({ principalType: p.principalType, principalId: p.principalId, roleId: roleId as Grant['roleId'] }))),
      // Foundry's default roles apply to every member of the project's organization.
      ...(input.defaultRoles ?? []).map((roleId): Grant => ({ principalType: 'EVERYONE', principalId: '', roleId: roleId as Grant['roleId'] })),
    ];

    try {
      return await repo.transaction(async (trx) => {
        const space = await access.locate(trx, principal, input.spaceRid);
        if (!space || space.row.type !== 'SPACE') throw FilesystemErrors.spaceNotFound(input.spaceRid);
        await this.tree.requireNameFree(trx, space.row, displayName);
        const row = this.tree.childRow(actor, space.row, { type: 'PROJECT', displayName, description: input.description });
        await repo.insert(trx, row);
        const added = await repo.addGrants(trx, { rid: row.rid, orgRid: row.org_rid }, grants, principal.userId, row.created_time);
        await recordEvent(audit, trx, actor, 'filesystem.project.create', [row.rid, space.row.rid], {
          displayName,
          spaceRid: space.row.rid,
          grants: added.map((g) => ({ principalType: g.principalType, principalId: g.principalId, roleId: g.roleId })),
        });
        return toProject(row);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.projectNameAlreadyExists(input.spaceRid, displayName);
      throw e;
    }
  }

  async get(actor: Actor, projectRid: string): Promise<ProjectJson> {
    requireRid(projectRid, 'projectRid', 'compass', 'folder');
    const { repo, access } = this.deps;
    const notFound = () => FilesystemErrors.projectNotFound(projectRid);
    const { row } = await access.require(repo.db, actor.principal, projectRid, 'discover', notFound);
    if (row.type !== 'PROJECT') throw notFound();
    return toProject(row);
  }

  /** Foundry's replace: new display name and description (absent description clears it). */
  async replace(actor: Actor, projectRid: string, input: { displayName: string; description?: string | undefined }): Promise<ProjectJson> {
    requireRid(projectRid, 'projectRid', 'compass', 'folder');
    const displayName = validateDisplayName(input.displayName);
    const { repo, audit } = this.deps;
    const notFound = () => FilesystemErrors.projectNotFound(projectRid);
    let spaceRid = '';
    try {
      return await repo.transaction(async (trx) => {
        // Anything but a project is answered as a missing project, before any permission check.
        const { row } = await this.tree.lockAndRequire(trx, actor, projectRid, (r) => (r.type === 'PROJECT' ? 'manage' : 'discover'), notFound, 'ReplaceProjectPermissionDenied');
        if (row.type !== 'PROJECT') throw notFound();
        spaceRid = row.space_rid;
        if (row.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(row.rid);
        const space = await this.tree.parentOf(trx, row);
        await this.tree.requireNameFree(trx, space, displayName, row.rid);
        await this.tree.rename(trx, actor, row, displayName, input.description ?? null);
        await recordEvent(audit, trx, actor, 'filesystem.project.replace', [row.rid], {
          displayName: { from: row.display_name, to: displayName },
          descriptionChanged: (input.description ?? null) !== row.description,
        });
        const updated = await repo.find(trx, row.rid);
        return toProject(updated!);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.projectNameAlreadyExists(spaceRid, displayName);
      throw e;
    }
  }

  /** Projects the caller can discover, most recent activity inside first ("recent projects"). */
  async listRecent(actor: Actor, query: { spaceRid?: string | undefined; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<ProjectJson>> {
    if (query.spaceRid !== undefined) requireRid(query.spaceRid, 'spaceRid', 'compass', 'folder');
    const pageSize = resolvePageSize(query.pageSize);
    const token = decodePageToken(query.pageToken);
    const after = token ? { time: new Date(String(token[0])), rid: String(token[1]) } : undefined;
    if (after && Number.isNaN(after.time.getTime())) throw new InvalidArgumentError('InvalidPageToken', { pageToken: query.pageToken });
    const { repo } = this.deps;
    const rows = await repo.listProjects(repo.db, viewerOf(actor.principal), query.spaceRid, after, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.activity_time.toISOString(), r.rid], toProject);
  }
}
