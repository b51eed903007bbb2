import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { CreateFolderBody, FolderSchema, GetFoldersBatchBody, PageQuery, PreviewQuery, ResourceSchema, pageOf } from './filesystem.schemas.js';
import type { FilesystemServices } from './filesystem.routes.js';

/** Foundry `filesystem/folders`: create, get, getBatch, children. */
export function registerFolderRoutes(app: App, { folders }: FilesystemServices): void {
  app.post(
    '/api/v2/filesystem/folders',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Create a folder in a project or folder (editors)',
        querystring: PreviewQuery,
        body: CreateFolderBody,
        response: { 200: FolderSchema },
      },
    },
    async (request) => folders.create({ principal: request.principal!, ctx: request.ctx }, request.body),
  );

  app.post(
    '/api/v2/filesystem/folders/getBatch',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get up to 1,000 folders; ones not found are left out',
        querystring: PreviewQuery,
        body: GetFoldersBatchBody,
        response: { 200: z.object({ data: z.record(z.string(), FolderSchema) }) },
      },
    },
    async (request) => ({ data: await folders.getBatch({ principal: request.principal!, ctx: request.ctx }, request.body.map((e) => e.folderRid)) }),
  );

  app.get(
    '/api/v2/filesystem/folders/:folderRid',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get a folder (or a project or space seen as a folder)',
        params: z.object({ folderRid: z.string() }),
        querystring: PreviewQuery,
        response: { 200: FolderSchema },
      },
    },
    async (request) => folders.get({ principal: request.principal!, ctx: request.ctx }, request.params.folderRid),
  );

  app.get(
    '/api/v2/filesystem/folders/:folderRid/children',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'List the children of a folder (viewers), sorted by name; at most 2,000 per page',
        params: z.object({ folderRid: z.string() }),
        querystring: PageQuery,
        response: { 200: pageOf(ResourceSchema) },
      },
    },
    async (request) => folders.children({ principal: request.principal!, ctx: request.ctx }, request.params.folderRid, request.query),
  );
}
