import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { PermissionDeniedError, UnauthorizedError } from '@openfoundry/kernel';
import { requireScope } from '@openfoundry/authz';
import { CSRF_HEADER, SESSION_COOKIE, type Authentication, type Authenticator, type RouteAuth } from './context.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  // Basic credentials are OAuth client authentication (RFC 6749 §2.3.1), read by the token and
  // revocation endpoints themselves; they never authenticate a principal here.
  if (/^Basic\s/i.test(h)) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new UnauthorizedError('MalformedAuthorizationHeader');
  return m[1];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Refuses to register a route that does not declare how it is guarded, so an endpoint can never
 * be public by omission.
 */
export function requireAuthDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const auth = route.config?.auth as RouteAuth | undefined;
    if (!auth) throw new Error(`route ${String(route.method)} ${route.url} declares no auth guard (config.auth)`);
  });
}

/**
 * Authenticates a request that presents credentials and enforces its route's guard: principal
 * present, scope carried, CSRF token on cookie-authenticated writes. Runs in the request's first
 * hook, so a request that will be refused is refused before its body is read. Returns a promise
 * only when the authenticator has to look something up; a cached principal is applied
 * synchronously. Throws (or rejects) with the error to answer.
 */
export function authenticateRequest(request: FastifyRequest, authenticator: Authenticator): void | Promise<void> {
  const auth = request.routeOptions.config?.auth as RouteAuth | undefined;
  if (!auth) return; // 404 handler and framework routes
  const bearer = bearerOf(request);
  const sessionCookie = bearer ? undefined : request.cookies[SESSION_COOKIE];
  if (auth.public && !bearer && !sessionCookie) return;
  // A stale cookie on a public route (sign-in page) is not an error.
  const tolerate = auth.public && !bearer;
  let result: Authentication | undefined | Promise<Authentication | undefined>;
  try {
    result = authenticator.authenticate({ bearer, sessionCookie });
  } catch (e) {
    if (!tolerate) throw e;
    result = undefined;
  }
  if (result instanceof Promise) {
    return result.then(
      (r) => enforce(request, auth, r),
      (e) => {
        if (!tolerate) throw e;
        enforce(request, auth, undefined);
      },
    );
  }
  enforce(request, auth, result);
}

function enforce(request: FastifyRequest, auth: RouteAuth, result: Authentication | undefined): void {
  if (!result) {
    if (auth.public) return;
    throw new UnauthorizedError('MissingCredentials');
  }
  request.principal = result.principal;
  if (auth.public) return;
  if (result.principal.via === 'session') {
    if (auth.allowCookie === false) throw new PermissionDeniedError('BearerTokenRequired', {});
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !result.csrfToken || !sameSecret(header, result.csrfToken)) {
        throw new PermissionDeniedError('InvalidCsrfToken', { header: CSRF_HEADER });
      }
    }
  }
  if (auth.scope) requireScope(result.principal, auth.scope);
}
