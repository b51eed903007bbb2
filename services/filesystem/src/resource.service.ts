import { isRid, requireRid, validateDisplayName } from '@openfoundry/kernel';
import { isUniqueViolation, type Transaction } from '@openfoundry/db';
import { recordEvent, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { FilesystemTables, ResourceRow } from './filesystem.types.js';
import { isFolderLike, toResource, type ResourceJson } from './resource.presenter.js';
import type { TreeService } from './tree.service.js';

/** Longest path getByPath accepts (a deep tree of long names still fits comfortably). */
export const MAX_PATH_LENGTH = 8192;

/** Splits and checks a Foundry path `/<Space>/<Project>/<folder>/...` into normalised segments. */
export function parsePath(path: string): string[] {
  if (path.length > MAX_PATH_LENGTH) throw FilesystemErrors.invalidPath(path.slice(0, 200), `must be at most ${MAX_PATH_LENGTH} characters`);
  if (!path.startsWith('/')) throw FilesystemErrors.invalidPath(path, 'must start with /');
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '')) throw FilesystemErrors.invalidPath(path, 'components must be separated by a single /');
  return segments.map((s) => {
    try {
      return validateDisplayName(s, 'path');
    } catch {
      throw FilesystemErrors.invalidPath(path, `component "${s}" is not a valid name`);
    }
  });
}

/** Get, batch get, get by path, rename and move, for anything inside a project (and projects). */
export class ResourceService {
  constructor(
    private readonly deps: FilesystemDeps,
    private readonly tree: TreeService,
  ) {}

  async get(actor: Actor, resourceRid: string): Promise<ResourceJson> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, access } = this.deps;
    const { row } = await access.require(repo.db, actor.principal, resourceRid, 'discover', () => FilesystemErrors.resourceNotFound(resourceRid));
    if (row.type === 'SPACE') throw FilesystemErrors.getSpaceResourceNotSupported(row.rid);
    return toResource(row);
  }

  /** Resources the caller can discover, by RID; missing, invisible ones and spaces are left out (as Foundry). */
  async getBatch(actor: Actor, resourceRids: string[]): Promise<Record<string, ResourceJson>> {
    resourceRids.forEach((rid, i) => requireRid(rid, `body[${i}].resourceRid`));
    const { repo, access } = this.deps;
    const rows = (await repo.findMany(repo.db, actor.principal.orgRid, [...new Set(resourceRids)])).filter((r) => r.type !== 'SPACE');
    const roles = await access.rolesOn(repo.db, actor.principal, rows);
    const data: Record<string, ResourceJson> = {};
    for (const row of rows) if (roles.get(row.rid)) data[row.rid] = toResource(row);
    return data;
  }

  /** The live resource at `/<Space>/<Project>/...`; trashed ones are not found. */
  async getByPath(actor: Actor, path: string): Promise<ResourceJson> {
    const segments = parsePath(path);
    const normalised = `/${segments.join('/')}`;
    const { repo, access } = this.deps;
    const notFound = () => FilesystemErrors.pathNotFound(path);
    const row = await repo.findLiveByPath(repo.db, actor.principal.orgRid, normalised);
    const located = row && { row, role: await access.roleOn(repo.db, actor.principal, row) };
    access.check(actor.principal, located, 'discover', notFound);
    if (row!.type === 'SPACE') throw FilesystemErrors.getSpaceResourceNotSupported(row!.rid);
    return toResource(row!);
  }

  /** OpenFoundry: renames a project (owners), folder or resource (editors). */
  async rename(actor: Actor, resourceRid: string, input: { displayName: string }): Promise<ResourceJson> {
    requireRid(resourceRid, 'resourceRid');
    const displayName = validateDisplayName(input.displayName);
    const { repo, audit } = this.deps;
    const notFound = () => FilesystemErrors.resourceNotFound(resourceRid);
    let parentRid = '';
    try {
      return await repo.transaction(async (trx) => {
        const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, (r) => (r.type === 'PROJECT' || r.type === 'SPACE' ? 'manage' : 'write'), notFound, 'RenameResourcePermissionDenied');
        if (row.type === 'SPACE') throw FilesystemErrors.spaceOperationNotSupported(row.rid, 'rename');
        if (row.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(row.rid);
        const parent = await this.tree.parentOf(trx, row);
        parentRid = parent.rid;
        await this.tree.requireNameFree(trx, parent, displayName, row.rid);
        await this.tree.rename(trx, actor, row, displayName);
        await recordEvent(audit, trx, actor, 'filesystem.resource.rename', [row.rid], { type: row.type, displayName: { from: row.display_name, to: displayName } });
        return toResource((await repo.find(trx, row.rid))!);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.resourceNameAlreadyExists(parentRid, displayName);
      throw e;
    }
  }

  /**
   * OpenFoundry: moves a folder or resource to another folder of the same project. Needs edit
   * access on both; refuses moving a node into itself or its own subtree.
   */
  async move(actor: Actor, resourceRid: string, input: { parentFolderRid: string }): Promise<ResourceJson> {
    requireRid(resourceRid, 'resourceRid');
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const { repo, access, audit, clock } = this.deps;
    let movedName = '';
    try {
      return await repo.transaction(async (trx) => {
        const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, 'write', () => FilesystemErrors.resourceNotFound(resourceRid), 'MoveResourcePermissionDenied');
        movedName = row.display_name;
        if (row.type === 'SPACE' || row.type === 'PROJECT') throw FilesystemErrors.moveNotSupported(row.rid, row.type);
        // The lock of the resource's project is held; a target in another project is refused below.
        const { row: target } = await access.require(trx, actor.principal, input.parentFolderRid, 'write', () => FilesystemErrors.folderNotFound(input.parentFolderRid), 'MoveResourcePermissionDenied');
        if (!isFolderLike(target.type)) throw FilesystemErrors.invalidFolder(target.rid);
        if (target.project_rid !== row.project_rid) throw FilesystemErrors.moveAcrossProjects(row.rid, target.rid);
        if (target.rid === row.rid || target.ancestor_rids.includes(row.rid)) throw FilesystemErrors.moveIntoOwnDescendant(row.rid, target.rid);
        if (row.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(row.rid);
        if (target.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(target.rid);
        if (target.rid === row.parent_rid) return toResource(row);
        await this.tree.requireNameFree(trx, target, row.display_name, row.rid);
        const now = clock.now();
        await repo.setParent(trx, row.rid, target.rid, actor.principal.userId, now);
        await repo.rewriteSubtree(trx, row.rid, {
          oldAncestorCount: row.ancestor_rids.length,
          newAncestors: [...target.ancestor_rids, target.rid],
          oldPath: row.path,
          newPath: `${target.path}/${row.display_name}`,
        });
        await repo.touchProject(trx, row.project_rid, now);
        await recordEvent(audit, trx, actor, 'filesystem.resource.move', [row.rid, row.parent_rid!, target.rid], {
          type: row.type,
          fromParentFolderRid: row.parent_rid,
          toParentFolderRid: target.rid,
        });
        return toResource((await repo.find(trx, row.rid))!);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.resourceNameAlreadyExists(input.parentFolderRid, movedName);
      throw e;
    }
  }

  /**
   * Registers another service's resource (a dataset, an object type...) as a child of a folder,
   * inside the caller's transaction, after checking edit access on the folder.
   */
  async register(
    trx: Transaction<FilesystemTables>,
    actor: Actor,
    input: { rid: string; type: string; parentFolderRid: string; displayName: string; description?: string | undefined },
  ): Promise<ResourceRow> {
    if (!isRid(input.rid)) throw new Error(`register: ${input.rid} is not a RID`);
    if (isFolderLike(input.type) || !/^[A-Z][A-Z0-9_]*$/.test(input.type)) throw new Error(`register: invalid resource type ${input.type}`);
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const displayName = validateDisplayName(input.displayName);
    const { repo, audit } = this.deps;
    const { row: parent } = await this.tree.lockAndRequire(trx, actor, input.parentFolderRid, 'write', () => FilesystemErrors.folderNotFound(input.parentFolderRid), 'CreateResourcePermissionDenied');
    if (parent.type === 'SPACE') throw FilesystemErrors.createFolderOutsideProject(parent.rid);
    if (!isFolderLike(parent.type)) throw FilesystemErrors.invalidFolder(parent.rid);
    if (parent.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(parent.rid);
    await this.tree.requireNameFree(trx, parent, displayName);
    const row = this.tree.childRow(actor, parent, { rid: input.rid, type: input.type, displayName, description: input.description });
    await repo.insert(trx, row);
    await repo.touchProject(trx, row.project_rid, row.created_time);
    await recordEvent(audit, trx, actor, 'filesystem.resource.create', [row.rid, parent.rid], { type: row.type, displayName, parentFolderRid: parent.rid });
    return row;
  }

  /**
   * Renames another service's resource (and replaces its description) when its owner renames it
   * (an object type given another display name), inside the owner's transaction. The owner has
   * authorized the caller; the name must still be free among the live siblings.
   */
  async describe(trx: Transaction<FilesystemTables>, actor: Actor, rid: string, input: { displayName: string; description?: string | undefined }): Promise<void> {
    const displayName = validateDisplayName(input.displayName);
    const { repo, audit } = this.deps;
    const current = await repo.find(trx, rid);
    if (!current || current.org_rid !== actor.principal.orgRid) return;
    if (isFolderLike(current.type)) throw new Error(`describe: ${rid} is a folder`);
    // Under the project's lock, as every rename and move: the sibling check below then holds until commit.
    await repo.lock(trx, current.project_rid ?? current.rid);
    const row = (await repo.find(trx, rid))!;
    const description = input.description ?? null;
    if (row.display_name === displayName && row.description === description) return;
    if (row.display_name !== displayName) await this.tree.requireNameFree(trx, await this.tree.parentOf(trx, row), displayName, row.rid);
    await this.tree.rename(trx, actor, row, displayName, description);
    await recordEvent(audit, trx, actor, 'filesystem.resource.rename', [row.rid], {
      type: row.type,
      displayName: { from: row.display_name, to: displayName },
      ...(row.description !== description ? { descriptionChanged: true } : {}),
    });
  }

  /**
   * Removes another service's resource whose owner deletes it (an object type taken out of an
   * ontology), inside the owner's transaction. The owner has authorized the caller; folders and
   * resources with children are not removed this way.
   */
  async unregister(trx: Transaction<FilesystemTables>, actor: Actor, rid: string): Promise<void> {
    const { repo, audit, clock } = this.deps;
    const row = await repo.find(trx, rid);
    if (!row || row.org_rid !== actor.principal.orgRid) return;
    if (isFolderLike(row.type)) throw new Error(`unregister: ${rid} is a folder`);
    await repo.deleteNodes(trx, [rid]);
    await repo.touchProject(trx, row.project_rid, clock.now());
    await recordEvent(audit, trx, actor, 'filesystem.resource.unregister', [rid, row.parent_rid!], { type: row.type, path: row.path });
  }
}
