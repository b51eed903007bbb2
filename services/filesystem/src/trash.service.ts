import { decodePageToken, InvalidArgumentError, requireRid, resolvePageSize, toPage, type Page } from '@openfoundry/kernel';
import { isUniqueViolation } from '@openfoundry/db';
import { recordEvent, viewerOf, type Actor } from './access.service.js';
import { FilesystemErrors } from './filesystem.errors.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import type { ResourceRow } from './filesystem.types.js';
import { toTrashed } from './resource.presenter.js';
import type { TreeService } from './tree.service.js';

type TrashedJson = ReturnType<typeof toTrashed>;

/** Editors trash and restore inside a project; the project itself needs its owner. */
const editOp = (row: ResourceRow) => (row.type === 'PROJECT' ? 'manage' : row.type === 'SPACE' ? 'discover' : 'write');

/**
 * Foundry's trash: trashing marks a node DIRECTLY_TRASHED and everything below it
 * ANCESTOR_TRASHED; restoring brings back the node and its directly trashed ancestors; only a
 * directly trashed node can be deleted permanently, with its whole subtree.
 */
export class TrashService {
  constructor(
    private readonly deps: FilesystemDeps,
    private readonly tree: TreeService,
  ) {}

  async trash(actor: Actor, resourceRid: string): Promise<void> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, audit, clock } = this.deps;
    await repo.transaction(async (trx) => {
      const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, editOp, () => FilesystemErrors.resourceNotFound(resourceRid), 'DeleteResourcePermissionDenied');
      if (row.type === 'SPACE') throw FilesystemErrors.trashingSpaceNotSupported(row.rid);
      if (row.trash_status === 'DIRECTLY_TRASHED') return;
      const now = clock.now();
      await repo.markTrashed(trx, row.rid, actor.principal.userId, now);
      await repo.recomputeTrashStatus(trx, row.rid);
      await repo.touchProject(trx, row.project_rid, now);
      await recordEvent(audit, trx, actor, 'filesystem.resource.trash', [row.rid], { type: row.type, path: row.path, trashStatusBefore: row.trash_status });
    });
  }

  async restore(actor: Actor, resourceRid: string): Promise<void> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, access, audit, clock } = this.deps;
    const notFound = () => FilesystemErrors.resourceNotFound(resourceRid);
    let top: ResourceRow | undefined;
    try {
      await repo.transaction(async (trx) => {
        const { row } = await this.tree.lockAndRequire(trx, actor, resourceRid, editOp, notFound, 'RestoreResourcePermissionDenied');
        if (row.trash_status === 'NOT_TRASHED') return;
        const trashedAncestors = (await repo.findMany(trx, row.org_rid, row.ancestor_rids)).filter((a) => a.trashed_time !== null);
        const restored = [...trashedAncestors, ...(row.trashed_time !== null ? [row] : [])].sort((a, b) => a.ancestor_rids.length - b.ancestor_rids.length);
        top = restored[0];
        // Restoring an ancestor brings back everything below it: it needs the same access as trashing it.
        for (const node of trashedAncestors) {
          access.check(actor.principal, { row: node, role: await access.roleOn(trx, actor.principal, node) }, editOp(node), notFound, 'RestoreResourcePermissionDenied');
        }
        // A live sibling may have taken the name meanwhile; the user renames one of them first.
        for (const node of restored) await this.tree.requireNameFree(trx, await this.tree.parentOf(trx, node), node.display_name, node.rid);
        await repo.clearTrashed(
          trx,
          restored.map((n) => n.rid),
        );
        await repo.recomputeTrashStatus(trx, restored[0]!.rid);
        await repo.touchProject(trx, row.project_rid, clock.now());
        await recordEvent(
          audit,
          trx,
          actor,
          'filesystem.resource.restore',
          restored.map((n) => n.rid),
          { type: row.type, path: row.path, restored: restored.map((n) => ({ rid: n.rid, path: n.path })) },
        );
      });
    } catch (e) {
      // A concurrent request took the name between the check and the write.
      if (isUniqueViolation(e) && top) {
        throw top.type === 'PROJECT'
          ? FilesystemErrors.projectNameAlreadyExists(top.space_rid, top.display_name)
          : FilesystemErrors.resourceNameAlreadyExists(top.parent_rid!, top.display_name);
      }
      throw e;
    }
  }

  async permanentlyDelete(actor: Actor, resourceRid: string): Promise<void> {
    requireRid(resourceRid, 'resourceRid');
    const { repo, audit, clock, deleteHooks } = this.deps;
    await repo.transaction(async (trx) => {
      const { row } = await this.tree.lockAndRequire(
        trx,
        actor,
        resourceRid,
        (r) => (r.type === 'SPACE' ? 'discover' : 'manage'),
        () => FilesystemErrors.resourceNotFound(resourceRid),
        'PermanentlyDeleteResourcePermissionDenied',
      );
      if (row.trash_status === 'NOT_TRASHED') throw FilesystemErrors.resourceNotTrashed(row.rid);
      if (row.trash_status === 'ANCESTOR_TRASHED') throw FilesystemErrors.resourceNotDirectlyTrashed(row.rid);
      const nodes = await repo.subtree(trx, row.rid);
      const byType = new Map<string, string[]>();
      for (const n of nodes) byType.set(n.type, [...(byType.get(n.type) ?? []), n.rid]);
      // Owners of other resource types delete their data in this same transaction.
      for (const [type, rids] of byType) for (const hook of deleteHooks.get(type) ?? []) await hook(trx, rids);
      await repo.deleteNodes(
        trx,
        nodes.map((n) => n.rid),
      );
      if (row.type !== 'PROJECT') await repo.touchProject(trx, row.project_rid, clock.now());
      await recordEvent(
        audit,
        trx,
        actor,
        'filesystem.resource.permanentlyDelete',
        nodes.map((n) => n.rid),
        { type: row.type, path: row.path, deletedCount: nodes.length },
      );
    });
  }

  /** Directly trashed nodes the caller can read, most recently trashed first. */
  async list(actor: Actor, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<TrashedJson>> {
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    const after = token ? { time: new Date(String(token[0])), rid: String(token[1]) } : undefined;
    if (after && Number.isNaN(after.time.getTime())) throw new InvalidArgumentError('InvalidPageToken', { pageToken: page.pageToken });
    const { repo } = this.deps;
    const rows = await repo.listTrash(repo.db, viewerOf(actor.principal), after, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.trashed_time!.toISOString(), r.rid], toTrashed);
  }
}
