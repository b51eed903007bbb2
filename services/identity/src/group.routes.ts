import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { callerOf } from './identity.context.js';
import { GroupMemberSchema, GroupSchema } from './identity.presenters.js';
import { PageQuery, PreviewQuery, PrincipalId, pageOf } from './identity.schemas.js';
import { MAX_MEMBERS_PER_REQUEST, type GroupService } from './group.service.js';

const tags = ['Admin: Groups'];
const GroupIdParams = z.object({ groupId: z.string().min(1).max(100) });

const CreateGroupBody = z.strictObject({
  name: z.string().max(255),
  organizations: z.array(z.string().max(200)).min(1).max(10),
  description: z.string().max(4000).optional(),
  attributes: z.record(z.string().min(1).max(255), z.array(z.string().max(1000)).max(100)).optional(),
});

const SearchBody = z.strictObject({
  where: z.strictObject({ type: z.literal('queryString'), value: z.string().max(255) }),
  pageSize: z.number().int().optional(),
  pageToken: z.string().max(2000).optional(),
});

const BatchBody = z.array(z.strictObject({ groupId: z.string().max(100) })).min(1).max(500);

const AddMembersBody = z.strictObject({
  principalIds: z.array(PrincipalId).min(1).max(MAX_MEMBERS_PER_REQUEST),
  expiration: z.iso.datetime({ offset: true }).optional(),
});
const RemoveMembersBody = z.strictObject({ principalIds: z.array(PrincipalId).min(1).max(MAX_MEMBERS_PER_REQUEST) });

/** Foundry's `admin/groups` and `admin/groups/{groupId}/groupMembers` endpoints. */
export function registerGroupRoutes(app: App, groups: GroupService): void {
  app.post(
    '/api/v2/admin/groups',
    { config: { auth: { scope: 'api:admin-write' } }, schema: { tags, summary: 'Create a group (org admins)', body: CreateGroupBody, response: { 200: GroupSchema } } },
    async (request) => groups.create(callerOf(request), request.body),
  );

  app.get(
    '/api/v2/admin/groups',
    { config: { auth: { scope: 'api:admin-read' } }, schema: { tags, summary: 'List the groups of the caller’s organization', querystring: PageQuery, response: { 200: pageOf(GroupSchema) } } },
    async (request) => groups.list(callerOf(request), request.query),
  );

  app.post(
    '/api/v2/admin/groups/search',
    { config: { auth: { scope: 'api:admin-read' } }, schema: { tags, summary: 'Case-insensitive prefix search on group names', body: SearchBody, response: { 200: pageOf(GroupSchema) } } },
    async (request) => groups.search(callerOf(request), { value: request.body.where.value, pageSize: request.body.pageSize, pageToken: request.body.pageToken }),
  );

  app.post(
    '/api/v2/admin/groups/getBatch',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Get up to 500 groups by id', body: BatchBody, response: { 200: z.object({ data: z.record(z.string(), GroupSchema) }) } },
    },
    async (request) => groups.getBatch(callerOf(request), request.body.map((e) => e.groupId)),
  );

  app.get(
    '/api/v2/admin/groups/:groupId',
    { config: { auth: { scope: 'api:admin-read' } }, schema: { tags, summary: 'Get a group', params: GroupIdParams, querystring: PreviewQuery, response: { 200: GroupSchema } } },
    async (request) => groups.get(callerOf(request), request.params.groupId),
  );

  app.delete(
    '/api/v2/admin/groups/:groupId',
    { config: { auth: { scope: 'api:admin-write' } }, schema: { tags, summary: 'Delete a group and its memberships (org admins)', params: GroupIdParams } },
    async (request, reply) => {
      await groups.delete(callerOf(request), request.params.groupId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v2/admin/groups/:groupId/groupMembers',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: {
        tags,
        summary: 'List the unexpired members of a group (all reachable ones with transitive=true)',
        params: GroupIdParams,
        querystring: PageQuery.extend({ transitive: z.stringbool().optional() }),
        response: { 200: pageOf(GroupMemberSchema) },
      },
    },
    async (request) => groups.listMembers(callerOf(request), request.params.groupId, request.query),
  );

  app.post(
    '/api/v2/admin/groups/:groupId/groupMembers/add',
    { config: { auth: { scope: 'api:admin-write' } }, schema: { tags, summary: 'Add users or groups to a group, optionally until an expiration (org admins)', params: GroupIdParams, body: AddMembersBody } },
    async (request, reply) => {
      await groups.addMembers(callerOf(request), request.params.groupId, request.body);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v2/admin/groups/:groupId/groupMembers/remove',
    { config: { auth: { scope: 'api:admin-write' } }, schema: { tags, summary: 'Remove members from a group (org admins)', params: GroupIdParams, body: RemoveMembersBody } },
    async (request, reply) => {
      await groups.removeMembers(callerOf(request), request.params.groupId, request.body);
      return reply.code(204).send();
    },
  );
}
