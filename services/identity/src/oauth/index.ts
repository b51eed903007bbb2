import type { AuditLog } from '@openfoundry/audit';
import type { Kysely } from '@openfoundry/db';
import type { App } from '@openfoundry/http';
import type { Clock } from '@openfoundry/kernel';
import type { TokenService } from '../token.service.js';
import type { UserService } from '../user.service.js';
import { OAuthClientService } from './oauth-client.service.js';
import { registerOAuthClientRoutes } from './oauth-client.routes.js';
import { OAuthServerService } from './oauth-server.service.js';
import { registerOAuthServerRoutes } from './oauth-server.routes.js';
import type { OAuthDb } from './oauth.types.js';

export { oauthOidcMigration } from './oauth-oidc.migration.js';

/** What the OAuth2 authorization server needs from the identity service. */
export interface OAuthDeps {
  db: Kysely<any>;
  audit: AuditLog;
  clock: Clock;
  /** Read per request: the composition root may learn the real URL after listening. */
  readonly publicUrl: string;
}

/**
 * Registers the OAuth2 authorization server: client management for org admins, the
 * authorize/token/revoke endpoints `@osdk/oauth` talks to, and the consent API.
 */
export async function registerOAuthModule(app: App, deps: OAuthDeps, core: { tokens: TokenService; users: UserService }): Promise<void> {
  const db = deps.db as Kysely<OAuthDb>;
  const clients = new OAuthClientService(db, deps.audit, deps.clock, core.users);
  // The issuer @osdk/oauth derives from the base URL it is given: `<baseUrl>/multipass`.
  const server = new OAuthServerService(db, deps.audit, deps.clock, core.tokens, () => `${deps.publicUrl}/multipass`);
  registerOAuthClientRoutes(app, clients);
  await registerOAuthServerRoutes(app, server);
}
