import type { App } from '@openfoundry/http';
import type { FolderService } from './folder.service.js';
import type { ProjectService } from './project.service.js';
import type { ResourceService } from './resource.service.js';
import type { RoleService } from './role.service.js';
import type { SpaceService } from './space.service.js';
import type { TrashService } from './trash.service.js';
import { registerFolderRoutes } from './folder.routes.js';
import { registerProjectRoutes } from './project.routes.js';
import { registerResourceRoutes } from './resource.routes.js';
import { registerSpaceRoutes } from './space.routes.js';

/** The filesystem's services, as the route modules use them. */
export interface FilesystemServices {
  spaces: SpaceService;
  projects: ProjectService;
  folders: FolderService;
  resources: ResourceService;
  trash: TrashService;
  roles: RoleService;
}

/** Mounts the filesystem endpoints (Foundry's `filesystem` API plus OpenFoundry's extensions). */
export async function registerFilesystemRoutes(app: App, services: FilesystemServices): Promise<void> {
  registerSpaceRoutes(app, services);
  registerProjectRoutes(app, services);
  registerFolderRoutes(app, services);
  registerResourceRoutes(app, services);
}
