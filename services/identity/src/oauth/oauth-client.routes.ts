import { z } from 'zod';
import { SCOPES } from '@openfoundry/authz';
import type { App } from '@openfoundry/http';
import { callerOf } from '../identity.context.js';
import { PageQuery, PreviewQuery, pageOf } from '../identity.schemas.js';
import type { OAuthClientService } from './oauth-client.service.js';
import { GRANT_TYPES } from './oauth.types.js';

const tags = ['Admin: OAuth clients'];

export const OAuthClientSchema = z
  .object({
    clientId: z.string(),
    name: z.string(),
    type: z.enum(['CONFIDENTIAL', 'PUBLIC']),
    redirectUris: z.array(z.string()),
    allowedScopes: z.array(z.string()),
    grantTypes: z.array(z.string()),
    serviceUserId: z.string().optional().describe('the service user client-credentials tokens act as (confidential clients)'),
    createdAt: z.string(),
    secretRotatedAt: z.string().optional(),
  })
  .meta({ id: 'OAuthClient' });

const WithSecret = OAuthClientSchema.extend({ clientSecret: z.string().describe('shown in this response only') });

const CreateBody = z
  .strictObject({
    name: z.string().max(255),
    type: z.enum(['CONFIDENTIAL', 'PUBLIC']).describe('CONFIDENTIAL clients hold a secret (servers); PUBLIC ones cannot (browser, native apps) and must use PKCE'),
    redirectUris: z.array(z.string().max(2000)).max(20).default([]).describe('exact URIs; https, or http with a loopback host'),
    allowedScopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    grantTypes: z.array(z.enum(GRANT_TYPES)).min(1).max(GRANT_TYPES.length),
  })
  .meta({ id: 'CreateOAuthClientRequest' });

const ClientParams = z.object({ clientId: z.string().min(1).max(100) });

/** Org admins register and manage the OAuth clients of their organization (OpenFoundry endpoints). */
export function registerOAuthClientRoutes(app: App, clients: OAuthClientService): void {
  app.post(
    '/api/v2/admin/oauthClients',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: {
        tags,
        summary: 'Register an OAuth client; a confidential client’s secret is in this response only',
        body: CreateBody,
        response: { 200: OAuthClientSchema.extend({ clientSecret: z.string().optional() }) },
      },
    },
    async (request) => clients.create(callerOf(request), request.body),
  );

  app.get(
    '/api/v2/admin/oauthClients',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'List the OAuth clients of the caller’s organization, newest first', querystring: PageQuery.merge(PreviewQuery), response: { 200: pageOf(OAuthClientSchema) } },
    },
    async (request) => clients.list(callerOf(request), request.query),
  );

  app.get(
    '/api/v2/admin/oauthClients/:clientId',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Get an OAuth client (never its secret)', params: ClientParams, querystring: PreviewQuery, response: { 200: OAuthClientSchema } },
    },
    async (request) => clients.get(callerOf(request), request.params.clientId),
  );

  app.delete(
    '/api/v2/admin/oauthClients/:clientId',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Delete an OAuth client, revoking its tokens and deleting its service user', params: ClientParams },
    },
    async (request, reply) => {
      await clients.delete(callerOf(request), request.params.clientId);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v2/admin/oauthClients/:clientId/rotateSecret',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Replace a confidential client’s secret; the old one stops working at once', params: ClientParams, response: { 200: WithSecret } },
    },
    async (request) => clients.rotateSecret(callerOf(request), request.params.clientId),
  );
}
