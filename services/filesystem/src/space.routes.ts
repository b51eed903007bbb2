import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { CreateSpaceBody, PageQuery, PreviewQuery, SpaceSchema, pageOf } from './filesystem.schemas.js';
import type { FilesystemServices } from './filesystem.routes.js';

/** Foundry `filesystem/spaces`: list, get, create. */
export function registerSpaceRoutes(app: App, { spaces }: FilesystemServices): void {
  app.get(
    '/api/v2/filesystem/spaces',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: "List the organization's spaces (creates the default space of an organization that has none)",
        querystring: PageQuery,
        response: { 200: pageOf(SpaceSchema) },
      },
    },
    async (request) => spaces.list({ principal: request.principal!, ctx: request.ctx }, request.query),
  );

  app.get(
    '/api/v2/filesystem/spaces/:spaceRid',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get a space',
        params: z.object({ spaceRid: z.string() }),
        querystring: PreviewQuery,
        response: { 200: SpaceSchema },
      },
    },
    async (request) => spaces.get({ principal: request.principal!, ctx: request.ctx }, request.params.spaceRid),
  );

  app.post(
    '/api/v2/filesystem/spaces',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Create a space (organization administrators)',
        querystring: PreviewQuery,
        body: CreateSpaceBody,
        response: { 200: SpaceSchema },
      },
    },
    async (request) => spaces.create({ principal: request.principal!, ctx: request.ctx }, request.body),
  );
}
