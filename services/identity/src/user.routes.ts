import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { PageQuery, PersonName, PreviewQuery, Email, Password, Username, UserStatusSchema, pageOf } from './identity.schemas.js';
import { callerOf } from './identity.context.js';
import { UserSchema } from './identity.presenters.js';
import type { UserService } from './user.service.js';

const tags = ['Admin: Users'];
const UserIdParams = z.object({ userId: z.string().min(1).max(100) });

const CreateUserBody = z.strictObject({
  email: Email,
  username: Username.optional(),
  givenName: PersonName.optional(),
  familyName: PersonName.optional(),
  password: Password.optional(),
  organizationAdmin: z.boolean().optional(),
});

const UpdateUserBody = z.strictObject({
  username: Username.optional(),
  email: Email.optional(),
  givenName: PersonName.nullable().optional(),
  familyName: PersonName.nullable().optional(),
  organizationAdmin: z.boolean().optional(),
  password: Password.optional(),
});

const SearchBody = z.strictObject({
  where: z.strictObject({ type: z.literal('queryString'), value: z.string().max(255) }),
  pageSize: z.number().int().optional(),
  pageToken: z.string().max(2000).optional(),
});

const BatchBody = z.array(z.strictObject({ userId: z.string().max(100), status: UserStatusSchema.optional() })).min(1).max(500);

/** Foundry's `admin/users` endpoints, plus OpenFoundry's create and update of password users. */
export function registerUserRoutes(app: App, users: UserService): void {
  app.post(
    '/api/v2/admin/users',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Create a user in the caller’s organization (org admins)', body: CreateUserBody, response: { 200: UserSchema } },
    },
    async (request) => users.create(callerOf(request), request.body),
  );

  app.get(
    '/api/v2/admin/users/getCurrent',
    { config: { auth: { scope: 'api:admin-read' } }, schema: { tags, summary: 'The user making the request', querystring: PreviewQuery, response: { 200: UserSchema } } },
    async (request) => users.getCurrent(callerOf(request)),
  );

  app.get(
    '/api/v2/admin/users',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'List the users of the caller’s organization', querystring: PageQuery.extend({ include: UserStatusSchema.optional() }), response: { 200: pageOf(UserSchema) } },
    },
    async (request) => users.list(callerOf(request), request.query),
  );

  app.post(
    '/api/v2/admin/users/search',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Case-insensitive prefix search on username, names and email', body: SearchBody, response: { 200: pageOf(UserSchema) } },
    },
    async (request) => users.search(callerOf(request), { value: request.body.where.value, pageSize: request.body.pageSize, pageToken: request.body.pageToken }),
  );

  app.post(
    '/api/v2/admin/users/getBatch',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Get up to 500 users by id', body: BatchBody, response: { 200: z.object({ data: z.record(z.string(), UserSchema) }) } },
    },
    async (request) => users.getBatch(callerOf(request), request.body),
  );

  app.get(
    '/api/v2/admin/users/:userId',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Get a user', params: UserIdParams, querystring: PreviewQuery.extend({ status: UserStatusSchema.optional() }), response: { 200: UserSchema } },
    },
    async (request) => users.get(callerOf(request), request.params.userId, request.query.status),
  );

  app.patch(
    '/api/v2/admin/users/:userId',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Update a user: names, email, admin flag, or reset its password (org admins)', params: UserIdParams, body: UpdateUserBody, response: { 200: UserSchema } },
    },
    async (request) => users.update(callerOf(request), request.params.userId, request.body),
  );

  app.delete(
    '/api/v2/admin/users/:userId',
    { config: { auth: { scope: 'api:admin-write' } }, schema: { tags, summary: 'Delete a user (org admins)', params: UserIdParams } },
    async (request, reply) => {
      await users.delete(callerOf(request), request.params.userId);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v2/admin/users/:userId/revokeAllTokens',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Revoke every token and browser session of a user', params: UserIdParams, querystring: PreviewQuery },
    },
    async (request, reply) => {
      await users.revokeAllTokens(callerOf(request), request.params.userId);
      return reply.code(204).send();
    },
  );
}
