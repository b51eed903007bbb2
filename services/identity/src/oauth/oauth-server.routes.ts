import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '@openfoundry/http';
import { callerOf } from '../identity.context.js';
import type { AuthorizationParams } from './authorization-request.js';
import { OAuthProtocolError } from './oauth.errors.js';
import type { OAuthServerService, PresentedClient } from './oauth-server.service.js';

const tags = ['OAuth2'];

/** Token and revocation requests are small; anything larger is not a genuine client. */
const FORM_BODY_LIMIT = 16 * 1024;
const TOKEN_RATE_LIMIT = { max: 120, timeWindow: '1 minute' };

const AuthorizeQuery = z.object({
  response_type: z.string().max(100).optional(),
  client_id: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  scope: z.string().max(2000).optional(),
  state: z.string().max(2000).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
});

const ConsentBody = z
  .strictObject({
    clientId: z.string().min(1).max(200),
    redirectUri: z.string().min(1).max(2000),
    scope: z.string().min(1).max(2000),
    state: z.string().min(1).max(2000),
    responseType: z.literal('code').default('code'),
    codeChallenge: z.string().max(200).optional(),
    codeChallengeMethod: z.string().max(20).optional(),
    approve: z.boolean().describe('true to grant the client access, false to deny'),
  })
  .meta({ id: 'OAuthConsentDecision' });

const ConsentDescriptionSchema = z
  .object({
    client: z.object({ clientId: z.string(), name: z.string(), type: z.string() }),
    redirectUri: z.string(),
    scopes: z.array(z.object({ scope: z.string(), description: z.string() })),
    user: z.object({ id: z.string() }),
  })
  .meta({ id: 'OAuthConsentDescription' });

const TokenForm = z
  .object({
    grant_type: z.enum(['authorization_code', 'client_credentials', 'refresh_token']),
    code: z.string().optional(),
    redirect_uri: z.string().optional(),
    code_verifier: z.string().optional(),
    refresh_token: z.string().optional(),
    scope: z.string().optional().describe('space-separated'),
    client_id: z.string().optional().describe('when not using HTTP Basic'),
    client_secret: z.string().optional().describe('when not using HTTP Basic'),
  })
  .describe('application/x-www-form-urlencoded (RFC 6749 §4)');

const RevokeForm = z
  .object({
    token: z.string(),
    token_type_hint: z.enum(['access_token', 'refresh_token']).optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
  })
  .describe('application/x-www-form-urlencoded (RFC 7009)');

const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
    refresh_token: z.string().optional(),
  })
  .meta({ id: 'OAuthTokenResponse' });

const OAuthErrorSchema = z.object({ error: z.string(), error_description: z.string() }).meta({ id: 'OAuthError' });

function toAuthorizationParams(b: z.infer<typeof ConsentBody>): AuthorizationParams {
  return {
    response_type: b.responseType,
    client_id: b.clientId,
    redirect_uri: b.redirectUri,
    scope: b.scope,
    state: b.state,
    code_challenge: b.codeChallenge,
    code_challenge_method: b.codeChallengeMethod,
  };
}

/** The form parameters of a token or revocation request, each given once (RFC 6749 §3.2). */
function formOf(request: FastifyRequest): Record<string, string> {
  const type = String(request.headers['content-type'] ?? '');
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new OAuthProtocolError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  const body = request.body as Record<string, string | string[]> | undefined;
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (Array.isArray(v)) throw new OAuthProtocolError('invalid_request', `parameter ${k.slice(0, 50)} must be given once`);
    if (v !== '') form[k] = v;
  }
  return form;
}

/** RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
function formDecode(v: string): string {
  return decodeURIComponent(v.replace(/\+/g, ' '));
}

/** Client credentials from the Authorization header (Basic) or the form; never both. */
function presentedClient(request: FastifyRequest, form: Record<string, string>): PresentedClient | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m) throw new OAuthProtocolError('invalid_request', 'the Authorization header must use the Basic scheme');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw new OAuthProtocolError('invalid_request', 'malformed Basic credentials');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(decoded.slice(0, i));
      clientSecret = formDecode(decoded.slice(i + 1));
    } catch {
      throw new OAuthProtocolError('invalid_request', 'malformed Basic credentials');
    }
    if (form.client_secret !== undefined) throw new OAuthProtocolError('invalid_request', 'use one client authentication method, not both Basic and client_secret');
    if (form.client_id !== undefined && form.client_id !== clientId) throw new OAuthProtocolError('invalid_request', 'client_id does not match the Basic credentials');
    return { clientId, clientSecret, method: 'basic' };
  }
  if (form.client_id === undefined) return undefined;
  return { clientId: form.client_id, clientSecret: form.client_secret, method: form.client_secret === undefined ? 'none' : 'post' };
}

/** Answers a protocol error as RFC 6749 JSON; anything else goes to the Foundry error handler. */
function sendOAuthError(reply: FastifyReply, e: unknown, presented: PresentedClient | undefined) {
  if (!(e instanceof OAuthProtocolError)) throw e;
  if (e.error === 'invalid_client' && presented?.method === 'basic') reply.header('www-authenticate', 'Basic realm="OpenFoundry", charset="UTF-8"');
  return reply.code(e.status).type('application/json').send(e.toJSON());
}

/**
 * The authorization server's endpoints at the paths Palantir's `@osdk/oauth` computes
 * (`<baseUrl>/multipass/api/oauth2/...`), and the consent API the web app's consent page calls.
 */
export async function registerOAuthServerRoutes(app: App, server: OAuthServerService): Promise<void> {
  app.get(
    '/multipass/api/oauth2/authorize',
    {
      config: { auth: { public: true } },
      schema: {
        tags,
        summary: 'Authorization endpoint (code flow with PKCE): sends the browser to sign-in, to the consent page, or back with an error',
        querystring: AuthorizeQuery,
      },
    },
    async (request, reply) => {
      const outcome = await server.authorize(request.query, request.principal);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      reply.header('cache-control', 'no-store');
      if (outcome.kind === 'redirect') return reply.redirect(outcome.url, 302);
      // Relative targets: the web app is served from the same origin, and `next` must stay a
      // local path so the sign-in page cannot be turned into an open redirect.
      if (outcome.kind === 'login') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
      return reply.redirect(`/oauth/consent?${query}`, 302);
    },
  );

  app.get(
    '/api/v2/auth/oauth/consent',
    {
      config: { auth: { scope: null } },
      schema: {
        tags,
        summary: 'Describe an authorization request (client, scopes) for the consent page; takes the authorize endpoint’s parameters',
        querystring: AuthorizeQuery,
        response: { 200: ConsentDescriptionSchema },
      },
    },
    async (request) => server.describeConsent(callerOf(request), request.query),
  );

  app.post(
    '/api/v2/auth/oauth/consent',
    {
      config: { auth: { scope: null } },
      schema: {
        tags,
        summary: 'Approve or deny an authorization request (browser session with CSRF token); returns where to send the browser',
        body: ConsentBody,
        response: { 200: z.object({ redirectUrl: z.string() }) },
      },
    },
    async (request) => server.decideConsent(callerOf(request), toAuthorizationParams(request.body), request.body.approve),
  );

  // Token and revocation endpoints take forms; the parser is registered for them only.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });

    scope.post(
      '/multipass/api/oauth2/token',
      {
        config: { auth: { public: true }, rateLimit: TOKEN_RATE_LIMIT },
        // Validation is done by the handler so that failures are RFC 6749 errors, not envelopes.
        attachValidation: true,
        schema: {
          tags,
          summary: 'Token endpoint: authorization_code (with PKCE), client_credentials, refresh_token (rotated)',
          consumes: ['application/x-www-form-urlencoded'],
          body: TokenForm,
          response: { 200: TokenResponseSchema, 400: OAuthErrorSchema, 401: OAuthErrorSchema },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        let presented: PresentedClient | undefined;
        try {
          const form = formOf(request);
          presented = presentedClient(request, form);
          return await server.token(form, presented, request.ctx);
        } catch (e) {
          return sendOAuthError(reply, e, presented);
        }
      },
    );

    scope.post(
      '/multipass/api/oauth2/revoke_token',
      {
        config: { auth: { public: true }, rateLimit: TOKEN_RATE_LIMIT },
        attachValidation: true,
        schema: {
          tags,
          summary: 'Revocation endpoint (RFC 7009): a refresh token revokes its whole grant',
          consumes: ['application/x-www-form-urlencoded'],
          body: RevokeForm,
          response: { 200: z.object({}).describe('the token is revoked, or was not a live token of this client'), 400: OAuthErrorSchema, 401: OAuthErrorSchema },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        let presented: PresentedClient | undefined;
        try {
          const form = formOf(request);
          presented = presentedClient(request, form);
          await server.revoke(form, presented, request.ctx);
          return {};
        } catch (e) {
          return sendOAuthError(reply, e, presented);
        }
      },
    );
  });
}
