import type { NotFoundError } from '@openfoundry/kernel';
import type { Executor } from '@openfoundry/db';
import type { Operation, RoleId } from './roles.js';
import type { Principal } from './principal.js';

/** Foundry's trash states: a resource is in the trash itself, below a trashed folder, or not. */
export type TrashStatus = 'NOT_TRASHED' | 'DIRECTLY_TRASHED' | 'ANCESTOR_TRASHED';

/** A node of the filesystem as other services see it, with the asking principal's role on it. */
export interface ResolvedResource {
  rid: string;
  orgRid: string;
  /** `SPACE`, `PROJECT`, `FOLDER`, or the type another service registered (`FOUNDRY_DATASET`...). */
  type: string;
  displayName: string;
  path: string;
  /** Null for spaces. */
  parentFolderRid: string | null;
  /** Null for spaces. */
  projectRid: string | null;
  spaceRid: string;
  trashStatus: TrashStatus;
  /** Own and inherited grants combined; org admins are owners of everything in their organization. */
  effectiveRole: RoleId | undefined;
}

/** Registration of another service's resource as a child of a folder. */
export interface RegisterResourceInput {
  /** The resource's RID, minted by the owning service. */
  rid: string;
  /** An upper-case Foundry-style resource type, e.g. `FOUNDRY_DATASET`. */
  type: string;
  parentFolderRid: string;
  displayName: string;
  description?: string | undefined;
}

/** Who acts, and the request facts the audit trail records (libs/http's RequestContext). */
export interface ResourceActor {
  principal: Principal;
  ctx?: { requestId: string; clientIp: string; userAgent: string | undefined } | undefined;
}

/**
 * Called in the transaction of a permanent delete with the RIDs of one type of resource being
 * deleted, so the service owning that type (datasets, ontology...) removes its own data with it.
 */
export type PermanentDeleteHook = (trx: Executor, rids: string[]) => Promise<void>;

/**
 * The filesystem as later services (datasets, ontology...) see it: they register their resources
 * in folders and ask, for any RID, whether and how a principal may use it. All access decisions
 * stay in the filesystem service; apps/server wires its implementation in.
 */
export interface ResourceDirectory {
  /** The resource and the principal's effective role; undefined when missing or of another organization. */
  resolve(principal: Principal, rid: string, executor?: Executor): Promise<ResolvedResource | undefined>;
  /** Resolves a live resource by its path (`/Space/Project/folder/name`) in the principal's organization. */
  resolvePath(principal: Principal, path: string, executor?: Executor): Promise<ResolvedResource | undefined>;
  /**
   * Resolves and authorizes `op`: throws `notFound()` when missing, of another organization or not
   * even discoverable, and 403 when the role is too weak.
   */
  authorize(principal: Principal, rid: string, op: Operation, notFound: () => NotFoundError, executor?: Executor): Promise<ResolvedResource>;
  /** The subset of `rids` on which the principal may do `op` (one query, for filtering lists). */
  authorizedRids(principal: Principal, rids: string[], op: Operation, executor?: Executor): Promise<Set<string>>;
  /**
   * Registers a resource in a folder inside the caller's transaction (editors of the folder;
   * unique name among live siblings), audited as `filesystem.resource.create`.
   */
  register(trx: Executor, actor: ResourceActor, input: RegisterResourceInput): Promise<ResolvedResource>;
  /**
   * Renames a resource its owning service renames (and replaces its description), inside the
   * caller's transaction: the name must be free among live siblings (`ResourceNameAlreadyExists`),
   * audited as `filesystem.resource.rename`. The owning service authorizes the caller first.
   */
  describe(trx: Executor, actor: ResourceActor, rid: string, input: { displayName: string; description?: string | undefined }): Promise<void>;
  /**
   * Removes a resource its owning service deletes (not a folder), inside the caller's transaction,
   * audited as `filesystem.resource.unregister`. The owning service authorizes the caller first.
   */
  unregister(trx: Executor, actor: ResourceActor, rid: string): Promise<void>;
  /**
   * Live resources of `type` the principal may discover, sorted by name, optionally matching
   * `query` (case-insensitive, in the name or the path). Filtered by access in SQL; `after` is the
   * `sortKey` of the last resource of the previous page.
   */
  search(
    principal: Principal,
    filter: { type: string; query?: string | undefined; after?: { sortKey: string; rid: string } | undefined; limit: number },
  ): Promise<Array<ResolvedResource & { sortKey: string }>>;
  /** Runs `hook` in the transaction that permanently deletes resources of `type`. */
  onPermanentDelete(type: string, hook: PermanentDeleteHook): void;
}
