import type { AuditLog } from '@openfoundry/audit';
import type { PrincipalDirectory } from '@openfoundry/authz';
import type { Kysely, MigrationSet } from '@openfoundry/db';
import { fenceChanges, type App, type Authenticator, type ZodTypeProvider } from '@openfoundry/http';
import type { Clock } from '@openfoundry/kernel';
import { AuthService } from './auth.service.js';
import { AuthCache } from './auth-cache.js';
import { AUTH_CHANGES_CHANNEL } from './auth-cache.migration.js';
import { registerAuthRoutes } from './auth.routes.js';
import { IdentityAuthenticator, IdentityDirectory } from './authenticator.js';
import { createBootstrap, type IdentityBootstrap } from './bootstrap.js';
import { identityMigrations } from './identity.migrations.js';
import type { IdentityTables } from './identity.types.js';
import { OrganizationService } from './organization.service.js';
import { PersonalTokenService } from './personal-token.service.js';
import { TokenService } from './token.service.js';
import { registerUserRoutes } from './user.routes.js';
import { GroupService } from './group.service.js';
import { registerGroupRoutes } from './group.routes.js';
import { registerOrganizationRoutes } from './organization.routes.js';
import { UserService } from './user.service.js';
import { registerOAuthModule } from './oauth/index.js';
import { registerSsoModule } from './oidc/index.js';

export type { IdentityBootstrap } from './bootstrap.js';
export { TokenService, TOKEN_PREFIX, type TokenRecord, type IssuedToken, type IssueTokenInput } from './token.service.js';
export type { IdentityTables, TokenKind, UserKind, UserStatus } from './identity.types.js';
export { MIN_PASSWORD_LENGTH } from './password.js';
export { EMAIL_THROTTLE, IP_THROTTLE } from './login-throttle.js';

/** What the identity service needs from the composition root. */
export interface IdentityDeps {
  db: Kysely<any>;
  audit: AuditLog;
  clock: Clock;
  /** 32+ byte server key (CSRF derivation; encryption of OAuth client secrets). */
  secretKey: Buffer;
  publicUrl: string;
  /** Whether cookies get `Secure` (public URL is https). */
  secureCookies: boolean;
  sessionTtlMs: number;
  /** Hosts libs/outbound may reach despite being private (OIDC issuers on an intranet). */
  outboundAllowHosts: string[];
  /** Database notifications (libs/db `Database.listen`); without it authentication is not cached. */
  listen?: (channel: string, onMessage: (payload: string) => void, onReset: () => void) => Promise<void>;
}

/** The identity service as the composition root sees it. */
export interface IdentityModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  /** Bearer token or session cookie → principal. */
  authenticator: Authenticator;
  /** Users and groups of one organization, for role grants. */
  directory: PrincipalDirectory;
  bootstrap: IdentityBootstrap;
  /** Token issue/verify/revoke shared with the OAuth endpoints. */
  tokens: TokenService;
}

/**
 * Organizations, users, groups, password sign-in, browser sessions and personal access tokens
 * (Foundry's `admin` API), with its schema `identity`.
 */
export function createIdentity(deps: IdentityDeps): IdentityModule {
  const db = deps.db as Kysely<IdentityTables>;
  const tokens = new TokenService(deps.clock);
  const cache = new AuthCache(deps.clock);
  const users = new UserService(db, deps.audit, deps.clock, tokens, cache);
  const orgs = new OrganizationService(db, deps.audit, deps.clock, users);
  const auth = new AuthService(db, deps.audit, deps.clock, deps.secretKey, deps.sessionTtlMs, orgs);
  const pats = new PersonalTokenService(db, deps.audit, deps.clock, tokens);
  const groups = new GroupService(db, deps.audit, deps.clock);
  return {
    migrations: identityMigrations,
    async registerRoutes(root) {
      if (deps.listen) {
        await deps.listen(AUTH_CHANGES_CHANNEL, (payload) => cache.invalidate(payload), () => cache.invalidate('*'));
        cache.enable();
      }
      // Identity routes live in their own scope so the fence below applies to them only.
      await root.register(async (scope) => {
        const app = scope.withTypeProvider<ZodTypeProvider>() as App;
        // Failed requests too: a replayed OAuth code revokes its grant and still answers 400.
        fenceChanges(app, () => cache.fence(db, AUTH_CHANGES_CHANNEL));
        registerUserRoutes(app, users);
        registerGroupRoutes(app, groups);
        registerOrganizationRoutes(app, orgs);
        registerAuthRoutes(app, { auth, users, orgs, pats, clock: deps.clock, secureCookies: deps.secureCookies, sessionTtlMs: deps.sessionTtlMs });
        await registerOAuthModule(app, deps, { tokens, users });
        registerSsoModule(app, deps, { users, auth });
      });
    },
    authenticator: new IdentityAuthenticator(db, deps.clock, tokens, auth, cache),
    directory: new IdentityDirectory(db),
    bootstrap: createBootstrap({ db, audit: deps.audit, clock: deps.clock, orgs, auth, pats }),
    tokens,
  };
}
