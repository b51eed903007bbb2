import type { AuditLog } from '@openfoundry/audit';
import type { Kysely } from '@openfoundry/db';
import type { App } from '@openfoundry/http';
import type { Clock } from '@openfoundry/kernel';
import { createOutboundFetch } from '@openfoundry/outbound';
import type { AuthService } from '../auth.service.js';
import type { UserService } from '../user.service.js';
import { IdentityProviderService } from './identity-provider.service.js';
import { OidcClients } from './oidc-client.js';
import { SecretBox } from './secret-box.js';
import { registerSsoRoutes } from './sso.routes.js';
import { SsoService } from './sso.service.js';
import type { SsoDb } from './sso.types.js';

/** What single sign-on needs from the identity service. */
export interface SsoDeps {
  db: Kysely<any>;
  audit: AuditLog;
  clock: Clock;
  secretKey: Buffer;
  /** Read per request: the composition root may learn the real URL after listening. */
  readonly publicUrl: string;
  secureCookies: boolean;
  sessionTtlMs: number;
  outboundAllowHosts: string[];
}

/**
 * Registers OpenID Connect single sign-on: identity provider management for org admins, the
 * public sign-in buttons, and the login/callback flow. Every request to an identity provider goes
 * through libs/outbound.
 */
export function registerSsoModule(app: App, deps: SsoDeps, core: { users: UserService; auth: AuthService }): void {
  const db = deps.db as Kysely<SsoDb>;
  const providerSecrets = new SecretBox(deps.secretKey, 'identity-provider-client-secret');
  const stateSecrets = new SecretBox(deps.secretKey, 'sso-login-state');
  const clients = new OidcClients(createOutboundFetch({ allowHosts: deps.outboundAllowHosts, timeoutMs: 10_000, maxBytes: 1024 * 1024 }));
  const providers = new IdentityProviderService(db, deps.audit, deps.clock, providerSecrets, deps);
  const sso = new SsoService(db, deps.audit, deps.clock, providerSecrets, stateSecrets, clients, core.users, core.auth, deps);
  registerSsoRoutes(app, { providers, sso, secureCookies: deps.secureCookies, sessionTtlMs: deps.sessionTtlMs });
}
