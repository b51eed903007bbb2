import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { IconName } from '@blueprintjs/core';
import { api, ok, type Schemas } from './api';

export type Resource = Schemas['FilesystemResource'];
export type Space = Schemas['FilesystemSpace'];

/** Foundry's default roles, by the names people use. */
export const ROLES = [
  { id: 'compass:manage', label: 'Owner', description: 'Full control, including sharing and deleting' },
  { id: 'compass:edit', label: 'Editor', description: 'Create, edit, rename and move' },
  { id: 'compass:read', label: 'Viewer', description: 'View and use' },
  { id: 'compass:discover', label: 'Discoverer', description: 'See that it exists' },
] as const;

export function roleLabel(roleId: string): string {
  return ROLES.find((r) => r.id === roleId)?.label ?? roleId;
}

export type ResourceKind = 'space' | 'project' | 'folder' | 'resource';

/** Spaces and projects are folders in Foundry; their rid tells which one a resource is. */
export function kindOf(r: Pick<Resource, 'rid' | 'type' | 'projectRid' | 'spaceRid'>): ResourceKind {
  if (r.rid === r.spaceRid) return 'space';
  if (r.rid === r.projectRid) return 'project';
  if (r.type === 'COMPASS_FOLDER') return 'folder';
  return 'resource';
}

export function isContainer(r: Pick<Resource, 'rid' | 'type' | 'projectRid' | 'spaceRid'>): boolean {
  return kindOf(r) !== 'resource';
}

export const KIND_ICON: Record<ResourceKind, IconName> = { space: 'cube', project: 'projects', folder: 'folder-close', resource: 'document' };
export const KIND_LABEL: Record<ResourceKind, string> = { space: 'Space', project: 'Project', folder: 'Folder', resource: 'Resource' };

export const fsKeys = {
  spaces: ['fs', 'spaces'] as const,
  resource: (rid: string) => ['fs', 'resource', rid] as const,
  children: (rid: string) => ['fs', 'children', rid] as const,
  roles: (rid: string) => ['fs', 'roles', rid] as const,
  recent: ['fs', 'recent'] as const,
  trash: ['fs', 'trash'] as const,
};

/** After any change to the file system: everything under `fs` is refetched. */
export function invalidateFilesystem(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: ['fs'] });
}

export function useSpaces() {
  return useQuery({
    queryKey: fsKeys.spaces,
    queryFn: async () => {
      const all: Space[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/filesystem/spaces', { params: { query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
}

export function useResource(rid: string | undefined) {
  return useQuery({
    queryKey: fsKeys.resource(rid ?? ''),
    queryFn: () => ok(api.GET('/api/v2/filesystem/resources/{resourceRid}', { params: { path: { resourceRid: rid! } } })),
    enabled: !!rid,
  });
}

/** Every child of a folder, project or space (all pages). */
export function useChildren(rid: string | undefined) {
  return useQuery({
    queryKey: fsKeys.children(rid ?? ''),
    enabled: !!rid,
    queryFn: async () => {
      const all: Resource[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/filesystem/folders/{folderRid}/children', { params: { path: { folderRid: rid! }, query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
}

export type Folder = Schemas['FilesystemFolder'];

/** A space, project or folder seen as a folder (works for spaces, which are not resources). */
export function useFolder(rid: string | undefined) {
  return useQuery({
    queryKey: ['fs', 'folder', rid ?? ''],
    queryFn: () => ok(api.GET('/api/v2/filesystem/folders/{folderRid}', { params: { path: { folderRid: rid! } } })),
    enabled: !!rid,
  });
}

export const FOLDER_KIND: Record<Folder['type'], ResourceKind> = { SPACE: 'space', PROJECT: 'project', FOLDER: 'folder' };

/** The folders from the space down to `rid` (inclusive), for breadcrumbs. */
export function useFolderChain(rid: string | undefined) {
  return useQuery({
    queryKey: ['fs', 'chain', rid ?? ''],
    enabled: !!rid,
    queryFn: async () => {
      const chain: Folder[] = [];
      let current: string | undefined = rid;
      // Depth is bounded by the tree; the guard only protects against a malformed answer.
      for (let i = 0; current && i < 64; i++) {
        const f: Folder = await ok(api.GET('/api/v2/filesystem/folders/{folderRid}', { params: { path: { folderRid: current } } }));
        chain.unshift(f);
        if (f.type === 'SPACE') break;
        current = f.parentFolderRid;
      }
      return chain;
    },
  });
}

/** A folder seen as the resource the rename, move, trash and sharing endpoints take. */
export function folderAsResource(f: Folder): Resource {
  return { ...f, type: 'COMPASS_FOLDER', projectRid: f.projectRid ?? f.rid } as Resource;
}
