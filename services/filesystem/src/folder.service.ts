import { decodePageToken, requireRid, resolvePageSize, toPage, validateDisplayName, type Page } from '@openfoundry/kernel';
import { isUniqueViolation } from '@openfoundry/db';
import { recordEvent, viewerOf, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import { isFolderLike, toFolder, toResource, type FolderJson, type ResourceJson } from './resource.presenter.js';
import type { TreeService } from './tree.service.js';

/** Foundry's page size limit for folder children. */
export const MAX_CHILDREN_PAGE_SIZE = 2000;

/** Folders (and spaces and projects seen as folders): create, get, children. */
export class FolderService {
  constructor(
    private readonly deps: FilesystemDeps,
    private readonly tree: TreeService,
  ) {}

  async create(actor: Actor, input: { parentFolderRid: string; displayName: string }): Promise<FolderJson> {
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const displayName = validateDisplayName(input.displayName);
    const { repo, audit } = this.deps;
    const notFound = () => FilesystemErrors.folderNotFound(input.parentFolderRid);
    try {
      return await repo.transaction(async (trx) => {
        const { row: parent } = await this.tree.lockAndRequire(trx, actor, input.parentFolderRid, 'write', notFound, 'CreateFolderPermissionDenied');
        if (parent.type === 'SPACE') throw FilesystemErrors.createFolderOutsideProject(parent.rid);
        if (!isFolderLike(parent.type)) throw FilesystemErrors.invalidFolder(parent.rid);
        if (parent.trash_status !== 'NOT_TRASHED') throw FilesystemErrors.resourceTrashed(parent.rid);
        await this.tree.requireNameFree(trx, parent, displayName);
        const row = this.tree.childRow(actor, parent, { type: 'FOLDER', displayName });
        await repo.insert(trx, row);
        await repo.touchProject(trx, row.project_rid, row.created_time);
        await recordEvent(audit, trx, actor, 'filesystem.folder.create', [row.rid, parent.rid], { displayName, parentFolderRid: parent.rid });
        return toFolder(row);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw FilesystemErrors.resourceNameAlreadyExists(input.parentFolderRid, displayName);
      throw e;
    }
  }

  async get(actor: Actor, folderRid: string): Promise<FolderJson> {
    requireRid(folderRid, 'folderRid');
    const { repo, access } = this.deps;
    const notFound = () => FilesystemErrors.folderNotFound(folderRid);
    const { row } = await access.require(repo.db, actor.principal, folderRid, 'discover', notFound);
    if (!isFolderLike(row.type)) throw notFound();
    return toFolder(row);
  }

  /** Folders the caller can discover, by RID; others (missing, not folders, not visible) are left out. */
  async getBatch(actor: Actor, folderRids: string[]): Promise<Record<string, FolderJson>> {
    folderRids.forEach((rid, i) => requireRid(rid, `body[${i}].folderRid`));
    const { repo, access } = this.deps;
    const rows = (await repo.findMany(repo.db, actor.principal.orgRid, [...new Set(folderRids)])).filter((r) => isFolderLike(r.type));
    const roles = await access.rolesOn(repo.db, actor.principal, rows);
    const data: Record<string, FolderJson> = {};
    for (const row of rows) if (actor.principal.isOrgAdmin || roles.get(row.rid)) data[row.rid] = toFolder(row);
    return data;
  }

  /**
   * Live children the caller can discover, sorted by name. Needs read access on the folder: a
   * discoverer knows the folder exists but not what is in it.
   */
  async children(actor: Actor, folderRid: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<ResourceJson>> {
    requireRid(folderRid, 'folderRid');
    const pageSize = resolvePageSize(page.pageSize, MAX_CHILDREN_PAGE_SIZE);
    const token = decodePageToken(page.pageToken);
    const after = token ? { name: String(token[0]), rid: String(token[1]) } : undefined;
    const { repo, access } = this.deps;
    const notFound = () => FilesystemErrors.folderNotFound(folderRid);
    const located = await access.locate(repo.db, actor.principal, folderRid);
    // Only folders have children: anything else reads as a missing folder, before any permission check.
    const { row } = access.check(actor.principal, located && isFolderLike(located.row.type) ? located : undefined, 'read', notFound);
    const rows = await repo.listChildren(repo.db, viewerOf(actor.principal), row.rid, after, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.sort_name, r.rid], toResource);
  }
}
