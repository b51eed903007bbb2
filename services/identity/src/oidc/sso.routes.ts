import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '@openfoundry/http';
import { setSessionCookie } from '../session-cookie.js';
import { FoundryError } from '@openfoundry/kernel';
import { callerOf } from '../identity.context.js';
import { PageQuery, PreviewQuery, pageOf } from '../identity.schemas.js';
import type { IdentityProviderService } from './identity-provider.service.js';
import { SSO_CALLBACK_PATH, SSO_LOGIN_TTL_MS, type SsoService } from './sso.service.js';

const adminTags = ['Admin: Identity providers'];
const authTags = ['Authentication'];

/** Binds a started sign-in to the browser that started it. */
export const SSO_BINDING_COOKIE = 'of_sso';
const SSO_COOKIE_PATH = '/api/v2/auth/sso';
const SSO_RATE_LIMIT = { max: 60, timeWindow: '1 minute' };

const ClaimName = z.string().trim().min(1).max(100);

const ClaimMappingSchema = z
  .strictObject({
    email: ClaimName.optional(),
    username: ClaimName.optional(),
    givenName: ClaimName.optional(),
    familyName: ClaimName.optional(),
    groups: ClaimName.nullable().optional().describe('claim holding group names; null or absent: no group synchronisation'),
  })
  .describe('which claim fills which user field; defaults: email, preferred_username, given_name, family_name');

const ProviderFields = {
  name: z.string().max(255).describe('shown on the sign-in button'),
  issuer: z.string().max(2000).describe('OpenID Connect issuer URL (https)'),
  clientId: z.string().trim().min(1).max(500),
  scopes: z.array(z.string().max(100)).min(1).max(50).optional().describe('default: openid email profile'),
  claimMapping: ClaimMappingSchema.optional(),
  showOnLoginPage: z.boolean().optional().describe('default true'),
  emailDomains: z.array(z.string().max(255)).max(100).optional().describe('domains this provider signs in; also selects it on the sign-in page'),
  jitProvisioning: z.boolean().optional().describe('create unknown users on first sign-in (default false)'),
};

const CreateProviderBody = z
  .strictObject({ ...ProviderFields, clientSecret: z.string().min(1).max(2000).describe('write-only') })
  .meta({ id: 'CreateIdentityProviderRequest' });

const ReplaceProviderBody = z
  .strictObject({ ...ProviderFields, clientSecret: z.string().min(1).max(2000).optional().describe('write-only; absent keeps the current secret') })
  .meta({ id: 'ReplaceIdentityProviderRequest' });

const IdentityProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    clientSecretSet: z.literal(true),
    scopes: z.array(z.string()),
    claimMapping: z.object({ email: z.string(), username: z.string(), givenName: z.string(), familyName: z.string(), groups: z.string().nullable() }),
    showOnLoginPage: z.boolean(),
    emailDomains: z.array(z.string()),
    jitProvisioning: z.boolean(),
    callbackUrl: z.string().describe('register this redirect URI at the identity provider'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'IdentityProvider' });

const ProviderParams = z.object({ providerId: z.uuid() });

/** A browser navigating here wants a page, not JSON: errors go back to the sign-in page. */
function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(String(request.headers.accept ?? ''));
}

function failToLoginPage(request: FastifyRequest, reply: FastifyReply, e: unknown) {
  if (e instanceof FoundryError && wantsHtml(request)) return reply.redirect(`/login?ssoError=${encodeURIComponent(e.errorName)}`, 302);
  throw e;
}

export interface SsoRouteDeps {
  providers: IdentityProviderService;
  sso: SsoService;
  secureCookies: boolean;
  sessionTtlMs: number;
}

/** Identity provider management (org admins) and the OIDC sign-in flow (OpenFoundry endpoints). */
export function registerSsoRoutes(app: App, d: SsoRouteDeps): void {
  app.post(
    '/api/v2/admin/identityProviders',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags: adminTags, summary: 'Add an OpenID Connect identity provider to the caller’s organization', body: CreateProviderBody, response: { 200: IdentityProviderSchema } },
    },
    async (request) => d.providers.create(callerOf(request), request.body),
  );

  app.get(
    '/api/v2/admin/identityProviders',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags: adminTags, summary: 'List the organization’s identity providers, newest first', querystring: PageQuery.merge(PreviewQuery), response: { 200: pageOf(IdentityProviderSchema) } },
    },
    async (request) => d.providers.list(callerOf(request), request.query),
  );

  app.get(
    '/api/v2/admin/identityProviders/:providerId',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags: adminTags, summary: 'Get an identity provider (never its client secret)', params: ProviderParams, response: { 200: IdentityProviderSchema } },
    },
    async (request) => d.providers.get(callerOf(request), request.params.providerId),
  );

  app.put(
    '/api/v2/admin/identityProviders/:providerId',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags: adminTags, summary: 'Replace an identity provider’s settings', params: ProviderParams, body: ReplaceProviderBody, response: { 200: IdentityProviderSchema } },
    },
    async (request) => d.providers.update(callerOf(request), request.params.providerId, request.body),
  );

  app.delete(
    '/api/v2/admin/identityProviders/:providerId',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags: adminTags, summary: 'Remove an identity provider from sign-in (its users stay)', params: ProviderParams },
    },
    async (request, reply) => {
      await d.providers.delete(callerOf(request), request.params.providerId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v2/auth/sso/providers',
    {
      config: { auth: { public: true } },
      schema: {
        tags: authTags,
        summary: 'Single sign-on buttons for the sign-in page',
        querystring: z.object({ email: z.string().max(320).optional().describe('also list the provider owning this address’s domain') }),
        response: { 200: z.object({ data: z.array(z.object({ id: z.string(), name: z.string(), loginUrl: z.string() })) }) },
      },
    },
    async (request) => ({ data: await d.sso.buttons(request.query.email) }),
  );

  app.get(
    '/api/v2/auth/sso/:providerId/login',
    {
      config: { auth: { public: true }, rateLimit: SSO_RATE_LIMIT },
      schema: {
        tags: authTags,
        summary: 'Start single sign-on: redirects to the identity provider',
        params: ProviderParams,
        querystring: z.object({ next: z.string().max(2000).optional().describe('local path to return to after sign-in') }),
      },
    },
    async (request, reply) => {
      try {
        const { redirectUrl, bindingSecret } = await d.sso.start(request.params.providerId, request.query.next, request.ctx);
        reply.setCookie(SSO_BINDING_COOKIE, bindingSecret, {
          httpOnly: true,
          // Lax: the IdP's redirect back is a top-level navigation, which Lax cookies accompany.
          sameSite: 'lax',
          path: SSO_COOKIE_PATH,
          secure: d.secureCookies,
          maxAge: Math.floor(SSO_LOGIN_TTL_MS / 1000),
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(redirectUrl, 302);
      } catch (e) {
        return failToLoginPage(request, reply, e);
      }
    },
  );

  app.get(
    SSO_CALLBACK_PATH,
    {
      config: { auth: { public: true }, rateLimit: SSO_RATE_LIMIT },
      schema: {
        tags: authTags,
        summary: 'Single sign-on callback: validates the response, signs in and redirects home',
        querystring: z.object({
          code: z.string().max(4000).optional(),
          state: z.string().max(2000).optional(),
          iss: z.string().max(2000).optional(),
          error: z.string().max(200).optional(),
          error_description: z.string().max(2000).optional(),
        }),
      },
    },
    async (request, reply) => {
      const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      reply.clearCookie(SSO_BINDING_COOKIE, { path: SSO_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: d.secureCookies });
      reply.header('cache-control', 'no-store');
      try {
        const { sessionSecret, returnTo } = await d.sso.callback(request.query, rawQuery, request.cookies[SSO_BINDING_COOKIE], request.ctx);
        setSessionCookie(reply, d, sessionSecret);
        return reply.redirect(returnTo, 302);
      } catch (e) {
        return failToLoginPage(request, reply, e);
      }
    },
  );
}
