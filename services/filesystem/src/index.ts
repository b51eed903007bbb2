import type { Executor, Kysely, MigrationSet, Transaction } from '@openfoundry/db';
import { fenceChanges, type App } from '@openfoundry/http';
import type { AuditLog } from '@openfoundry/audit';
import { roleAllows, type Principal, type PrincipalDirectory, type ResolvedResource, type ResourceDirectory, type RoleId } from '@openfoundry/authz';
import { isRid, systemClock, type Clock } from '@openfoundry/kernel';
import { FILESYSTEM_CHANGES_CHANNEL, RoleCache } from './role-cache.js';
import { AccessService, viewerOf } from './access.service.js';
import type { FilesystemDeps } from './filesystem.deps.js';
import { filesystemMigrations } from './filesystem.migrations.js';
import { registerFilesystemRoutes } from './filesystem.routes.js';
import type { FilesystemTables, ResourceRow } from './filesystem.types.js';
import { FolderService } from './folder.service.js';
import { ProjectService } from './project.service.js';
import { ResourceRepository } from './resource.repository.js';
import { ResourceService } from './resource.service.js';
import { RoleService } from './role.service.js';
import { SpaceService } from './space.service.js';
import { TrashService } from './trash.service.js';
import { TreeService } from './tree.service.js';

export type { TrashStatus, PermanentDeleteHook, ResolvedResource, RegisterResourceInput, ResourceDirectory } from '@openfoundry/authz';
export { ROOT_FOLDER_RID } from './resource.presenter.js';

/** The filesystem service as the composition root sees it. */
export interface FilesystemModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  resources: ResourceDirectory;
}

export interface FilesystemOptions {
  db: Kysely<any>;
  audit: AuditLog;
  directory: PrincipalDirectory;
  clock?: Clock;
  /** Database notifications (libs/db `Database.listen`); without it roles are not cached. */
  listen?: (channel: string, onMessage: (payload: string) => void, onReset: () => void) => Promise<void>;
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
  const roleCache = new RoleCache(deps.clock);

  /** The principal's role on each of `rids` (null: none, or no such resource in the organization). */
  async function rolesOf(e: Executor<FilesystemTables>, principal: Principal, rids: string[]): Promise<Map<string, RoleId | null>> {
    const rows = await repo.findMany(e, principal.orgRid, rids);
    const found = await access.rolesOn(e, principal, rows);
    return new Map(rids.map((rid) => [rid, found.get(rid) ?? null]));
  }

  const resources: ResourceDirectory = {
    async resolve(principal, rid, e) {
      if (!isRid(rid)) return undefined;
      const located = await access.locate(executor(e), principal, rid);
      return located && resolved(located.row, located.role);
    },
    async resolvePath(principal, path, e) {
      const row = await repo.findLiveByPath(executor(e), principal.orgRid, path);
      if (!row) return undefined;
      return resolved(row, await access.roleOn(executor(e), principal, row));
    },
    async authorize(principal, rid, op, notFound, e) {
      const located = isRid(rid) ? await access.locate(executor(e), principal, rid) : undefined;
      const { row, role } = access.check(principal, located, op, notFound);
      return resolved(row, role);
    },
    async authorizedRids(principal, rids, op, e) {
      const unique = [...new Set(rids)];
      let roles: Map<string, RoleId | null>;
      if (e) {
        // Inside the caller's transaction: its own uncommitted changes count, the cache can't know them.
        roles = await rolesOf(executor(e), principal, unique);
      } else {
        const key = RoleCache.keyOf(principal);
        const generation = roleCache.generation;
        const cached = roleCache.lookup(key, unique);
        roles = cached.roles;
        if (cached.missing.length) {
          const read = await rolesOf(repo.db, principal, cached.missing);
          roleCache.store(key, read, generation);
          for (const [rid, role] of read) roles.set(rid, role);
        }
      }
      return new Set(unique.filter((rid) => {
        const role = roles.get(rid);
        return role != null && roleAllows(role, op);
      }));
    },
    async register(trx, actor, input) {
      const row = await services.resources.register(trx as Transaction<FilesystemTables>, actor, input);
      return resolved(row, await access.roleOn(trx as Transaction<FilesystemTables>, actor.principal, row));
    },
    async describe(trx, actor, rid, input) {
      await services.resources.describe(trx as Transaction<FilesystemTables>, actor, rid, input);
    },
    async unregister(trx, actor, rid) {
      await services.resources.unregister(trx as Transaction<FilesystemTables>, actor, rid);
    },
    async search(principal, filter) {
      const rows = await repo.searchByType(repo.db, viewerOf(principal), filter.type, filter.query, filter.after && { name: filter.after.sortKey, rid: filter.after.rid }, filter.limit);
      const roles = await access.rolesOn(repo.db, principal, rows);
      return rows.map((row) => ({ ...resolved(row, roles.get(row.rid)), sortKey: row.sort_name }));
    },
    onPermanentDelete(type, hook) {
      deps.deleteHooks.set(type, [...(deps.deleteHooks.get(type) ?? []), hook]);
    },
  };

  return {
    migrations: filesystemMigrations,
    async registerRoutes(root) {
      if (options.listen) {
        await options.listen(FILESYSTEM_CHANGES_CHANNEL, (payload) => roleCache.invalidate(payload), () => roleCache.invalidate('*'));
        roleCache.enable();
      }
      // A scope of their own, so the fence applies to the filesystem's routes only.
      await root.register(async (app) => {
        fenceChanges(app as App, () => roleCache.fence(repo.db));
        await registerFilesystemRoutes(app as App, services);
      });
    },
    resources,
  };
}
