import { z } from 'zod';
import { SESSION_COOKIE, type App } from '@openfoundry/http';
import { clearSessionCookie as clearCookie, setSessionCookie as setCookie } from './session-cookie.js';
import type { FastifyReply } from 'fastify';
import { SCOPES } from '@openfoundry/authz';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { AuthService, NewSession } from './auth.service.js';
import { callerOf } from './identity.context.js';
import { TokenInfoSchema, UserSchema } from './identity.presenters.js';
import { Email, PageQuery, Password, PersonName, pageOf } from './identity.schemas.js';
import type { OrganizationService } from './organization.service.js';
import type { PersonalTokenService } from './personal-token.service.js';
import type { UserService } from './user.service.js';
import type { Clock } from '@openfoundry/kernel';

const tags = ['Authentication'];

/** Sign-in requests per client address per minute, on top of the per-email lockout (generous: offices share addresses). */
const SIGN_IN_RATE_LIMIT = { max: 60, timeWindow: '1 minute' };

const LoginBody = z.strictObject({ email: z.string().min(1).max(320), password: z.string().max(1024) });
const SessionResponse = z.object({ user: UserSchema, csrfToken: z.string() });
const SetupBody = z.strictObject({
  token: z.string().min(1).max(200),
  organizationName: z.string().max(255),
  email: Email,
  password: Password,
  givenName: PersonName,
  familyName: PersonName,
});

const CreateTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    expiresInDays: z.number().int().min(1).max(366).optional(),
    scopes: z
      .array(z.enum(SCOPES))
      .max(SCOPES.length)
      .optional()
      .describe('defaults to every API scope the creating credential holds'),
  })
  .meta({ id: 'CreatePersonalAccessTokenRequest' });

export interface AuthRouteDeps {
  auth: AuthService;
  users: UserService;
  orgs: OrganizationService;
  pats: PersonalTokenService;
  clock: Clock;
  secureCookies: boolean;
  sessionTtlMs: number;
}

/** Sign-in, sessions, first-start setup and personal access tokens (OpenFoundry endpoints). */
export function registerAuthRoutes(app: App, d: AuthRouteDeps): void {
  const setSessionCookie = (reply: FastifyReply, s: NewSession) => setCookie(reply, d, s.sessionSecret);
  const clearSessionCookie = (reply: FastifyReply) => clearCookie(reply, d);

  app.post(
    '/api/v2/auth/login',
    {
      config: { auth: { public: true }, rateLimit: SIGN_IN_RATE_LIMIT },
      schema: { tags, summary: 'Sign in with email and password; sets the session cookie', body: LoginBody, response: { 200: SessionResponse } },
    },
    async (request, reply) => {
      const s = await d.auth.login(request.body, request.ctx);
      setSessionCookie(reply, s);
      return { user: s.user, csrfToken: s.csrfToken };
    },
  );

  app.post(
    '/api/v2/auth/setup',
    {
      config: { auth: { public: true }, rateLimit: SIGN_IN_RATE_LIMIT },
      schema: { tags, summary: 'Complete first-start setup with the one-time token: first organization and admin', body: SetupBody, response: { 200: SessionResponse } },
    },
    async (request, reply) => {
      const s = await d.auth.setup(request.body, request.ctx);
      setSessionCookie(reply, s);
      return { user: s.user, csrfToken: s.csrfToken };
    },
  );

  app.get(
    '/api/v2/auth/session',
    {
      config: { auth: { scope: null } },
      schema: {
        tags,
        summary: 'The signed-in user, its organization and the session’s CSRF token',
        response: { 200: z.object({ user: UserSchema, organization: z.object({ rid: z.string(), name: z.string() }), csrfToken: z.string().optional() }) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const user = await d.users.getCurrent(caller);
      const org = await d.orgs.get(caller, caller.principal.orgRid);
      const cookie = request.cookies[SESSION_COOKIE];
      return {
        user,
        organization: { rid: org.rid, name: org.name },
        ...(caller.principal.via === 'session' && cookie ? { csrfToken: d.auth.csrfTokenOf(cookie) } : {}),
      };
    },
  );

  app.post(
    '/api/v2/auth/logout',
    { config: { auth: { scope: null } }, schema: { tags, summary: 'Sign out of this browser session' } },
    async (request, reply) => {
      await d.auth.logout(callerOf(request));
      clearSessionCookie(reply);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v2/auth/logoutEverywhere',
    { config: { auth: { scope: null } }, schema: { tags, summary: 'Sign out of every browser session of the caller' } },
    async (request, reply) => {
      await d.auth.logoutEverywhere(callerOf(request));
      if (request.principal?.via === 'session') clearSessionCookie(reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v2/auth/tokens',
    {
      config: { auth: { scope: null } },
      schema: { tags, summary: 'The caller’s personal access tokens, newest first (never their secrets)', querystring: PageQuery, response: { 200: pageOf(TokenInfoSchema) } },
    },
    async (request) => d.pats.list(callerOf(request), request.query),
  );

  app.post(
    '/api/v2/auth/tokens',
    {
      config: { auth: { scope: null } },
      schema: {
        tags,
        summary: 'Create a personal access token; the secret is in this response only',
        body: CreateTokenBody,
        response: { 200: TokenInfoSchema.extend({ token: z.string() }) },
      },
    },
    async (request) => {
      const b = request.body;
      if ((b.expiresAt === undefined) === (b.expiresInDays === undefined)) {
        throw new InvalidArgumentError('InvalidExpiration', { parameter: 'expiresAt', problem: 'give exactly one of expiresAt and expiresInDays' });
      }
      const expiresAt = b.expiresAt !== undefined ? new Date(b.expiresAt) : new Date(d.clock.now().getTime() + b.expiresInDays! * 86_400_000);
      return d.pats.create(callerOf(request), { name: b.name, expiresAt, scopes: b.scopes });
    },
  );

  app.post(
    '/api/v2/auth/tokens/:tokenId/revoke',
    { config: { auth: { scope: null } }, schema: { tags, summary: 'Revoke one of the caller’s personal access tokens', params: z.object({ tokenId: z.string().max(100) }) } },
    async (request, reply) => {
      await d.pats.revoke(callerOf(request), request.params.tokenId);
      return reply.code(204).send();
    },
  );
}
