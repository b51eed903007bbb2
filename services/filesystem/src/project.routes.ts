import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { CreateProjectBody, PageQuery, PreviewQuery, ProjectSchema, ReplaceProjectBody, pageOf } from './filesystem.schemas.js';
import type { FilesystemServices } from './filesystem.routes.js';

/** Foundry `filesystem/projects`: create, get, replace; plus OpenFoundry's recent projects. */
export function registerProjectRoutes(app: App, { projects }: FilesystemServices): void {
  app.post(
    '/api/v2/filesystem/projects/create',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Create a project in a space; the caller becomes an owner',
        querystring: PreviewQuery,
        body: CreateProjectBody,
        response: { 200: ProjectSchema },
      },
    },
    async (request) => projects.create({ principal: request.principal!, ctx: request.ctx }, request.body),
  );

  app.get(
    '/api/v2/filesystem/projects/recent',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'OpenFoundry: projects the caller can see, most recently active first',
        querystring: PageQuery.extend({ spaceRid: z.string().max(500).optional() }),
        response: { 200: pageOf(ProjectSchema) },
      },
    },
    async (request) => projects.listRecent({ principal: request.principal!, ctx: request.ctx }, request.query),
  );

  app.get(
    '/api/v2/filesystem/projects/:projectRid',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get a project',
        params: z.object({ projectRid: z.string() }),
        querystring: PreviewQuery,
        response: { 200: ProjectSchema },
      },
    },
    async (request) => projects.get({ principal: request.principal!, ctx: request.ctx }, request.params.projectRid),
  );

  app.put(
    '/api/v2/filesystem/projects/:projectRid',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: "Replace a project's display name and description (owners)",
        params: z.object({ projectRid: z.string() }),
        querystring: PreviewQuery,
        body: ReplaceProjectBody,
        response: { 200: ProjectSchema },
      },
    },
    async (request) => projects.replace({ principal: request.principal!, ctx: request.ctx }, request.params.projectRid, request.body),
  );
}
