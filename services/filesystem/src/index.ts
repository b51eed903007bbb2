import type { Executor, Kysely, MigrationSet, Transaction } from '@openfoundry/db';
import type { App, RequestContext } from '@openfoundry/http';
import type { AuditLog } from '@openfoundry/audit';
import { roleAllows, type Operation, type Principal, type PrincipalDirectory, type RoleId } from '@openfoundry/authz';
import { isRid, systemClock, type Clock, type NotFoundError } from '@openfoundry/kernel';
import { AccessService } from './access.service.js';
import type { FilesystemDeps, PermanentDeleteHook } from './filesystem.deps.js';
import { filesystemMigrations } from './filesystem.migrations.js';
import { registerFilesystemRoutes } from './filesystem.routes.js';
import type { FilesystemTables, ResourceRow, TrashStatus } from './filesystem.types.js';
import { FolderService } from './folder.service.js';
import { ProjectService } from './project.service.js';
import { ResourceRepository } from './resource.repository.js';
import { ResourceService } from './resource.service.js';
import { RoleService } from './role.service.js';
import { SpaceService } from './space.service.js';
import { TrashService } from './trash.service.js';
import { TreeService } from './tree.service.js';

export type { TrashStatus } from './filesystem.types.js';
export type { PermanentDeleteHook } from './filesystem.deps.js';
export { ROOT_FOLDER_RID } from './resource.presenter.js';

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

/**
 * What later services (datasets, ontology...) use: they register their resources in folders and
 * ask, for any RID, whether and how a principal may use it. All access decisions stay here.
 */
export interface FilesystemResources {
  /** The resource and the principal's effective role; undefined when missing or of another organization. */
  resolve(principal: Principal, rid: string, executor?: Executor): Promise<ResolvedResource | undefined>;
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
  register(trx: Transaction<any>, actor: { principal: Principal; ctx?: RequestContext | undefined }, input: RegisterResourceInput): Promise<ResolvedResource>;
  /** Runs `hook` in the transaction that permanently deletes resources of `type`. */
  onPermanentDelete(type: string, hook: PermanentDeleteHook): void;
}

/** The filesystem service as the composition root sees it. */
export interface FilesystemModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  resources: FilesystemResources;
}

export interface FilesystemOptions {
  db: Kysely<any>;
  audit: AuditLog;
  directory: PrincipalDirectory;
  clock?: Clock;
}

function resolved(row: ResourceRow, role: RoleId | undefined): ResolvedResource {
  return {
    rid: row.rid,
    orgRid: row.org_rid,
    type: row.type,
    displayName: row.display_name,
    path: row.path,
    parentFolderRid: row.parent_rid,
    projectRid: row.project_rid,
    spaceRid: row.space_rid,
    trashStatus: row.trash_status,
    effectiveRole: role,
  };
}

/**
 * Creates the filesystem service: spaces, projects, folders and resources in one tree per
 * organization, role grants inherited down the tree, and Foundry's trash.
 */
export function createFilesystem(options: FilesystemOptions): FilesystemModule {
  const repo = new ResourceRepository(options.db as Kysely<FilesystemTables>);
  const access = new AccessService(repo);
  const deps: FilesystemDeps = {
    repo,
    access,
    audit: options.audit,
    directory: options.directory,
    clock: options.clock ?? systemClock,
    deleteHooks: new Map(),
  };
  const tree = new TreeService(deps);
  const roles = new RoleService(deps, tree);
  const services = {
    spaces: new SpaceService(deps),
    projects: new ProjectService(deps, tree, roles),
    folders: new FolderService(deps, tree),
    resources: new ResourceService(deps, tree),
    trash: new TrashService(deps, tree),
    roles,
  };
  const executor = (e?: Executor) => (e ?? repo.db) as Executor<FilesystemTables>;

  const resources: FilesystemResources = {
    async resolve(principal, rid, e) {
      if (!isRid(rid)) return undefined;
      const located = await access.locate(executor(e), principal, rid);
      return located && resolved(located.row, located.role);
    },
    async authorize(principal, rid, op, notFound, e) {
      const located = isRid(rid) ? await access.locate(executor(e), principal, rid) : undefined;
      const { row, role } = access.check(principal, located, op, notFound);
      return resolved(row, role);
    },
    async authorizedRids(principal, rids, op, e) {
      const rows = await repo.findMany(executor(e), principal.orgRid, [...new Set(rids)]);
      const roleOf = await access.rolesOn(executor(e), principal, rows);
      return new Set(
        rows
          .filter((r) => {
            const role = roleOf.get(r.rid);
            return role !== undefined && roleAllows(role, op);
          })
          .map((r) => r.rid),
      );
    },
    async register(trx, actor, input) {
      const row = await services.resources.register(trx as Transaction<FilesystemTables>, actor, input);
      return resolved(row, await access.roleOn(trx as Transaction<FilesystemTables>, actor.principal, row));
    },
    onPermanentDelete(type, hook) {
      deps.deleteHooks.set(type, [...(deps.deleteHooks.get(type) ?? []), hook]);
    },
  };

  return {
    migrations: filesystemMigrations,
    registerRoutes: (app) => registerFilesystemRoutes(app, services),
    resources,
  };
}
