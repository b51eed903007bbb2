import { z } from 'zod';
import type { App } from '@openfoundry/http';
import {
  GetResourcesBatchBody,
  MoveBody,
  PageQuery,
  PreviewQuery,
  RenameBody,
  ResourceRoleSchema,
  ResourceSchema,
  RolesBody,
  TrashedResourceSchema,
  pageOf,
} from './filesystem.schemas.js';
import type { FilesystemServices } from './filesystem.routes.js';

const ResourceParams = z.object({ resourceRid: z.string() });
const NoContent = z.null().describe('No content');

/**
 * Foundry `filesystem/resources`: get, getBatch, getByPath, trash/restore/permanentlyDelete and
 * roles; plus OpenFoundry's rename, move and trash listing.
 */
export function registerResourceRoutes(app: App, { resources, trash, roles }: FilesystemServices): void {
  app.get(
    '/api/v2/filesystem/resources/getByPath',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get a resource by its absolute path `/<Space>/<Project>/<folder>/...`',
        querystring: PreviewQuery.extend({ path: z.string().min(1) }),
        response: { 200: ResourceSchema },
      },
    },
    async (request) => resources.getByPath({ principal: request.principal!, ctx: request.ctx }, request.query.path),
  );

  app.post(
    '/api/v2/filesystem/resources/getBatch',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Get up to 1,000 resources; ones not found (and spaces) are left out',
        querystring: PreviewQuery,
        body: GetResourcesBatchBody,
        response: { 200: z.object({ data: z.record(z.string(), ResourceSchema) }) },
      },
    },
    async (request) => ({ data: await resources.getBatch({ principal: request.principal!, ctx: request.ctx }, request.body.map((e) => e.resourceRid)) }),
  );

  app.get(
    '/api/v2/filesystem/resources/:resourceRid',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: { tags: ['Filesystem'], summary: 'Get a resource', params: ResourceParams, querystring: PreviewQuery, response: { 200: ResourceSchema } },
    },
    async (request) => resources.get({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid),
  );

  app.delete(
    '/api/v2/filesystem/resources/:resourceRid',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Move a resource (and everything below it) to the trash',
        params: ResourceParams,
        querystring: PreviewQuery,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await trash.trash({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/restore',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Restore a resource and its directly trashed ancestors from the trash',
        params: ResourceParams,
        querystring: PreviewQuery,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await trash.restore({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/permanentlyDelete',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Permanently delete a directly trashed resource and everything below it (owners)',
        params: ResourceParams,
        querystring: PreviewQuery,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await trash.permanentlyDelete({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v2/filesystem/resources/:resourceRid/roles',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'List the roles granted on a resource (with `includeInherited`, also on its ancestors)',
        params: ResourceParams,
        querystring: PageQuery.extend({ includeInherited: z.stringbool().optional() }),
        response: { 200: pageOf(ResourceRoleSchema) },
      },
    },
    async (request) => roles.list({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid, request.query),
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/roles/add',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Grant roles on a resource to users, groups or everyone in the organization (owners)',
        params: ResourceParams,
        querystring: PreviewQuery,
        body: RolesBody,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await roles.add({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid, request.body.roles);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/roles/remove',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'Remove role grants from a resource (owners)',
        params: ResourceParams,
        querystring: PreviewQuery,
        body: RolesBody,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await roles.remove({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid, request.body.roles);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/rename',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'OpenFoundry: rename a folder or resource (editors) or a project (owners)',
        params: ResourceParams,
        querystring: PreviewQuery,
        body: RenameBody,
        response: { 200: ResourceSchema },
      },
    },
    async (request) => resources.rename({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid, request.body),
  );

  app.post(
    '/api/v2/filesystem/resources/:resourceRid/move',
    {
      config: { auth: { scope: 'api:filesystem-write' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'OpenFoundry: move a folder or resource to another folder of the same project (editors)',
        params: ResourceParams,
        querystring: PreviewQuery,
        body: MoveBody,
        response: { 200: ResourceSchema },
      },
    },
    async (request) => resources.move({ principal: request.principal!, ctx: request.ctx }, request.params.resourceRid, request.body),
  );

  app.get(
    '/api/v2/filesystem/trash',
    {
      config: { auth: { scope: 'api:filesystem-read' } },
      schema: {
        tags: ['Filesystem'],
        summary: 'OpenFoundry: directly trashed resources the caller can read, most recently trashed first',
        querystring: PageQuery,
        response: { 200: pageOf(TrashedResourceSchema) },
      },
    },
    async (request) => trash.list({ principal: request.principal!, ctx: request.ctx }, request.query),
  );
}
