import { makeRid, type NotFoundError } from '@openfoundry/kernel';
import type { Operation } from '@openfoundry/authz';
import type { Transaction } from '@openfoundry/db';
import type { Actor, Located } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { FilesystemTables, ResourceRow } from './filesystem.types.js';

type Trx = Transaction<FilesystemTables>;

/**
 * Structural operations shared by projects, folders and resources: locating a node under its
 * project's lock, building child rows, keeping sibling names unique and renaming subtrees.
 */
export class TreeService {
  constructor(private readonly deps: FilesystemDeps) {}

  /**
   * Locates and authorizes a node inside a transaction, holding the lock of its project (or of
   * the node itself for spaces and projects) so concurrent moves, trashes and creations within
   * one project apply one after another and can never form a cycle or a stale path.
   */
  async lockAndRequire(trx: Trx, actor: Actor, rid: string, op: Operation | ((row: ResourceRow) => Operation), notFound: () => NotFoundError, deniedName?: string): Promise<Located> {
    const { repo, access } = this.deps;
    const first = await access.locate(trx, actor.principal, rid);
    if (first) await repo.lock(trx, first.row.project_rid ?? first.row.rid);
    // Read again under the lock: the first read only told which lock to take.
    const located = first && (await access.locate(trx, actor.principal, rid));
    const required = located ? (typeof op === 'function' ? op(located.row) : op) : 'discover';
    return access.check(actor.principal, located, required, notFound, deniedName);
  }

  /** Throws the Foundry conflict error when a live sibling already uses the name (any case). */
  async requireNameFree(trx: Trx, parent: ResourceRow, name: string, exceptRid?: string): Promise<void> {
    const taken = await this.deps.repo.siblingWithName(trx, { parentRid: parent.rid, orgRid: parent.org_rid }, name, exceptRid);
    if (!taken) return;
    throw parent.type === 'SPACE' ? FilesystemErrors.projectNameAlreadyExists(parent.rid, name) : FilesystemErrors.resourceNameAlreadyExists(parent.rid, name);
  }

  /** The row of a new child of `parent` (a project in a space, or anything in a project or folder). */
  childRow(actor: Actor, parent: ResourceRow, child: { rid?: string; type: string; displayName: string; description?: string | null | undefined }): ResourceRow {
    const now = this.deps.clock.now();
    const rid = child.rid ?? makeRid('compass', 'main', 'folder');
    const by = actor.principal.userId;
    return {
      rid,
      org_rid: parent.org_rid,
      type: child.type,
      display_name: child.displayName,
      description: child.description ?? null,
      documentation: null,
      parent_rid: parent.rid,
      space_rid: parent.space_rid,
      project_rid: child.type === 'PROJECT' ? rid : parent.project_rid,
      ancestor_rids: [...parent.ancestor_rids, parent.rid],
      path: `${parent.path}/${child.displayName}`,
      created_by: by,
      created_time: now,
      updated_by: by,
      updated_time: now,
      trashed_time: null,
      trashed_by: null,
      trash_status: 'NOT_TRASHED',
      activity_time: now,
    };
  }

  /** Renames a node (and rewrites the paths below it); `description` is replaced when given. */
  async rename(trx: Trx, actor: Actor, row: ResourceRow, displayName: string, description?: string | null): Promise<void> {
    const { repo, clock } = this.deps;
    const now = clock.now();
    await repo.updateMetadata(trx, row.rid, { displayName, ...(description !== undefined ? { description } : {}) }, actor.principal.userId, now);
    if (displayName !== row.display_name) {
      const parentPath = row.path.slice(0, row.path.length - row.display_name.length);
      await repo.rewriteSubtree(trx, row.rid, {
        oldAncestorCount: row.ancestor_rids.length,
        newAncestors: row.ancestor_rids,
        oldPath: row.path,
        newPath: `${parentPath}${displayName}`,
      });
    }
    await repo.touchProject(trx, row.project_rid, now);
  }

  /** The parent row of a node (which must exist: parents are only deleted with their subtree). */
  async parentOf(trx: Trx, row: ResourceRow): Promise<ResourceRow> {
    const parent = row.parent_rid ? await this.deps.repo.find(trx, row.parent_rid) : undefined;
    if (!parent) throw new Error(`filesystem node ${row.rid} has no parent row`);
    return parent;
  }
}
