import type { Principal, ApiScope } from '@openfoundry/authz';

/** How a route is guarded. Every route must say; the app refuses to start otherwise. */
export type RouteAuth =
  /** No principal needed (health, sign-in, OAuth token endpoint...). */
  | { public: true }
  /** A principal is needed; `scope` is what a scoped token must carry (`null`: any credential). */
  | { public?: false; scope: ApiScope | null; allowCookie?: boolean };

/** Facts about the request that audit events record. */
export interface RequestContext {
  requestId: string;
  clientIp: string;
  userAgent: string | undefined;
}

/** Result of authenticating a request's credentials. */
export interface Authentication {
  principal: Principal;
  /** The session's CSRF token when authenticated by cookie. */
  csrfToken?: string | undefined;
}

/**
 * Resolves credentials to a principal. Implemented by the identity service; `undefined` means
 * no credentials were presented, a thrown UnauthorizedError means bad ones.
 */
export interface Authenticator {
  /**
   * Resolves credentials; may answer synchronously when the result is already known (cached),
   * which spares the hot path a promise.
   */
  authenticate(credentials: { bearer?: string | undefined; sessionCookie?: string | undefined }): Authentication | undefined | Promise<Authentication | undefined>;
}

export const SESSION_COOKIE = 'of_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** Set on every guarded route; absent on public ones unless a credential was sent. */
    principal?: Principal;
    ctx: RequestContext;
  }
}
