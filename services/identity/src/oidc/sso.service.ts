import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AuditEventInput, AuditLog } from '@openfoundry/audit';
import type { Executor, Kysely } from '@openfoundry/db';
import type { RequestContext } from '@openfoundry/http';
import { ConflictError, FailedPreconditionError, FoundryError, InvalidArgumentError, PermissionDeniedError, validateDisplayName, type Clock } from '@openfoundry/kernel';
import type { AuthService } from '../auth.service.js';
import { GroupRepository } from '../group.repository.js';
import { requestFacts } from '../identity.context.js';
import { hashSecret, newSecret } from '../secrets.js';
import type { UserService } from '../user.service.js';
import { UserRepository, type UserRow } from '../user.repository.js';
import { sameHash } from '../oauth/oauth.policy.js';
import { coreView } from '../oauth/oauth.types.js';
import { identityProviderNotFound, providerRealm } from './identity-provider.service.js';
import type { OidcClients } from './oidc-client.js';
import type { SecretBox } from './secret-box.js';
import { SsoRepository, type IdentityProviderRow, type SsoLoginStateRow } from './sso.repository.js';
import type { SsoDb } from './sso.types.js';

/** How long a started sign-in may take at the identity provider. */
export const SSO_LOGIN_TTL_MS = 10 * 60_000;
/** The path of the callback every provider redirects to (the state names the provider). */
export const SSO_CALLBACK_PATH = '/api/v2/auth/sso/callback';

const MAX_GROUPS = 200;

/** A sign-in button of the sign-in page. */
export interface SsoButton {
  id: string;
  name: string;
  loginUrl: string;
}

/** A claim as a trimmed, bounded string, or undefined. */
function claimString(claims: Record<string, unknown>, name: string, max = 320): string | undefined {
  const v = claims[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t && t.length <= max && !/[\u0000-\u001f\u007f-\u009f]/.test(t) ? t : undefined;
}

/** `email_verified` as a boolean when the IdP says anything (some send the string "true"). */
function emailVerified(claims: Record<string, unknown>): boolean | undefined {
  const v = claims.email_verified;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

/** Group names from a claim: an array of strings or one string; invalid names are left out. */
function groupNames(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  const out = new Map<string, string>();
  for (const v of raw) {
    if (typeof v !== 'string') continue;
    try {
      const name = validateDisplayName(v.trim());
      if (!out.has(name.toLowerCase())) out.set(name.toLowerCase(), name);
    } catch {
      // A name we could not store as a group name is skipped rather than failing the sign-in.
    }
    if (out.size >= MAX_GROUPS) break;
  }
  return [...out.values()];
}

const USERNAME_OK = (v: string | undefined): v is string => !!v && v.length <= 255 && !/[\s\u0000-\u001f\u007f-\u009f]/.test(v);

/**
 * openid-client wraps what its fetch threw; the outbound guard's own error (blocked address,
 * timeout...) says more than "something went wrong", so it is surfaced as it is.
 */
function outboundCause(e: unknown): FoundryError | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c instanceof FoundryError) return c;
  }
  return undefined;
}

/**
 * Why openid-client refused a response: the most specific message in the error's cause chain
 * (openid-client wraps oauth4webapi's), plus which claim failed a comparison. Only the claim's
 * name: the causes also carry expected values, which are secrets (the nonce).
 */
function validationProblem(e: unknown): string {
  let message = e instanceof Error ? e.message : 'unknown';
  let claim: unknown;
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof Error) message = c.message;
    else if (typeof (c as { claim?: unknown }).claim === 'string') claim = (c as { claim: string }).claim;
  }
  return `${message.slice(0, 300)}${typeof claim === 'string' ? ` (claim: ${claim.slice(0, 50)})` : ''}`;
}

/** Local path to go to after sign-in: a same-origin path only, never `//host` or `/\host`. */
export function safeReturnTo(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 2000) return '/';
  return next;
}

/** Errors of the sign-in flow, named so the sign-in page can explain them. */
const SsoErrors = {
  stateInvalid: (reason: string) => new InvalidArgumentError('SsoStateInvalid', { parameter: 'state', reason }),
  providerError: (error: string) => new PermissionDeniedError('SsoLoginRejected', { error }),
  tokenInvalid: (reason: string) => new InvalidArgumentError('SsoTokenValidationFailed', { reason }),
  accountConflict: () => new ConflictError('SsoAccountConflict', { reason: 'the email belongs to an account that cannot be linked to this identity provider' }),
  emailNotVerified: () => new PermissionDeniedError('SsoEmailNotVerified', { reason: 'the identity provider says the email address is not verified' }),
  domainNotAllowed: () => new PermissionDeniedError('SsoEmailDomainNotAllowed', { reason: 'the email domain is not one this identity provider may sign in' }),
  noAccount: () => new PermissionDeniedError('SsoAccountNotFound', { reason: 'no account is linked and just-in-time creation is off' }),
};

/**
 * Sign-in with an organization's OpenID Connect provider: starts the code flow (PKCE, state,
 * nonce, kept server-side and bound to the browser by a cookie), then on the callback validates
 * the response and ID token with openid-client, maps the claims to a user (linked subject, else
 * email in the provider's organization, else a just-in-time account) and to groups, and opens a
 * browser session through the core's session code.
 */
export class SsoService {
  private readonly repo = new SsoRepository();
  private readonly userRepo = new UserRepository();
  private readonly groupRepo = new GroupRepository();

  constructor(
    private readonly db: Kysely<SsoDb>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly providerSecrets: SecretBox,
    private readonly stateSecrets: SecretBox,
    private readonly clients: OidcClients,
    private readonly users: UserService,
    private readonly auth: AuthService,
    private readonly deps: { readonly publicUrl: string },
  ) {}

  private callbackUrl(): string {
    return `${this.deps.publicUrl}${SSO_CALLBACK_PATH}`;
  }

  /** Buttons for the sign-in page: shown providers, plus those owning the typed email's domain. */
  async buttons(email: string | undefined): Promise<SsoButton[]> {
    const domain = email?.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : undefined;
    const rows = await this.repo.listSignInProviders(this.db, domain, 100);
    return rows.map((r) => ({ id: r.id, name: r.name, loginUrl: `/api/v2/auth/sso/${r.id}/login` }));
  }

  private async configuration(provider: IdentityProviderRow) {
    return this.clients.configuration(provider, this.providerSecrets.open(provider.client_secret_enc, provider.id));
  }

  /** Starts a sign-in: returns the IdP URL and the secret of the browser-binding cookie. */
  async start(providerId: string, next: string | undefined, ctx: RequestContext): Promise<{ redirectUrl: string; bindingSecret: string }> {
    const provider = await this.repo.findProvider(this.db, providerId);
    if (!provider) throw identityProviderNotFound(providerId);
    let config: oidc.Configuration;
    try {
      config = await this.configuration(provider);
    } catch (e) {
      throw outboundCause(e) ?? new FailedPreconditionError('SsoDiscoveryFailed', { identityProviderId: provider.id, reason: validationProblem(e) });
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const binding = newSecret('ofsso');
    const id = randomUUID();
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await this.repo.deleteStaleLoginStates(trx, new Date(now.getTime() - 3_600_000));
      await this.repo.insertLoginState(trx, {
        id,
        state_hash: hashSecret(state),
        binding_hash: hashSecret(binding),
        provider_id: provider.id,
        nonce,
        code_verifier_enc: this.stateSecrets.seal(verifier, id),
        return_to: safeReturnTo(next),
        created_at: now,
        expires_at: new Date(now.getTime() + SSO_LOGIN_TTL_MS),
        used_at: null,
      });
      await this.audit.append(trx, {
        orgRid: provider.org_rid,
        actor: { kind: 'anonymous', id: null },
        category: 'auth.sso_start',
        outcome: 'success',
        resourceRids: [provider.id],
        details: { method: 'oidc', identityProviderId: provider.id, loginStateId: id },
        ...requestFacts(ctx),
      });
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl(),
      scope: provider.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { redirectUrl: url.href, bindingSecret: binding };
  }

  private async auditFailure(provider: IdentityProviderRow | undefined, reason: string, ctx: RequestContext, extra: Record<string, unknown> = {}) {
    const event: AuditEventInput = {
      orgRid: provider?.org_rid ?? null,
      actor: { kind: 'anonymous', id: null },
      category: 'auth.login',
      outcome: 'failure',
      resourceRids: provider ? [provider.id] : [],
      details: { method: 'oidc', identityProviderId: provider?.id ?? null, reason, ...extra },
      ...requestFacts(ctx),
    };
    await this.audit.append(this.db, event);
  }

  /** Consumes the state: it works once, whatever happens afterwards. */
  private async consumeState(state: string | undefined, binding: string | undefined): Promise<{ row?: SsoLoginStateRow; problem?: string }> {
    if (!state) return { problem: 'missing' };
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const row = await this.repo.lockLoginState(trx, hashSecret(state));
      if (!row) return { problem: 'unknown' };
      if (row.used_at) return { row, problem: 'already_used' };
      await this.repo.markLoginStateUsed(trx, row.id, now);
      if (new Date(row.expires_at).getTime() <= now.getTime()) return { row, problem: 'expired' };
      // The flow must finish in the browser that started it (no login CSRF with someone else's code).
      if (!binding || !sameHash(hashSecret(binding), row.binding_hash)) return { row, problem: 'browser_mismatch' };
      return { row };
    });
  }

  /**
   * Completes a sign-in from the IdP's redirect. Returns the new session's cookie secret and the
   * local path to land on.
   */
  async callback(query: Record<string, string | undefined>, rawQuery: string, binding: string | undefined, ctx: RequestContext): Promise<{ sessionSecret: string; returnTo: string }> {
    const consumed = await this.consumeState(query.state, binding);
    const provider = consumed.row ? await this.repo.findProvider(this.db, consumed.row.provider_id) : undefined;
    if (consumed.problem || !consumed.row) {
      await this.auditFailure(provider, `state_${consumed.problem}`, ctx);
      throw SsoErrors.stateInvalid(consumed.problem ?? 'unknown');
    }
    const row = consumed.row;
    if (!provider) {
      await this.auditFailure(undefined, 'provider_deleted', ctx);
      throw identityProviderNotFound(row.provider_id);
    }
    if (query.error) {
      const error = query.error.replace(/[^\w.-]/g, '').slice(0, 100);
      await this.auditFailure(provider, 'provider_error', ctx, { error });
      throw SsoErrors.providerError(error);
    }

    let claims: Record<string, unknown>;
    try {
      const config = await this.configuration(provider);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${this.callbackUrl()}?${rawQuery}`), {
        pkceCodeVerifier: this.stateSecrets.open(row.code_verifier_enc, row.id),
        expectedState: query.state!,
        expectedNonce: row.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      claims = { ...idClaims };
      // Many IdPs keep profile claims out of the ID token; the userinfo endpoint has them.
      if (config.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (e) {
      const outbound = outboundCause(e);
      const reason = outbound ? outbound.errorName : validationProblem(e);
      await this.auditFailure(provider, 'token_validation_failed', ctx, { problem: reason });
      throw outbound ?? SsoErrors.tokenInvalid(reason);
    }

    try {
      const sessionSecret = await this.signIn(provider, claims, ctx);
      return { sessionSecret, returnTo: row.return_to };
    } catch (e) {
      if (e instanceof FoundryError) await this.auditFailure(provider, e.errorName, ctx, { subject: String(claims.sub).slice(0, 255) });
      throw e;
    }
  }

  /** Maps claims to a user and groups and opens a session, in one transaction with its audit events. */
  private async signIn(provider: IdentityProviderRow, claims: Record<string, unknown>, ctx: RequestContext): Promise<string> {
    const subject = String(claims.sub);
    const email = claimString(claims, provider.claim_email);
    const verified = emailVerified(claims);
    const username = claimString(claims, provider.claim_username, 255);
    const givenName = claimString(claims, provider.claim_given_name, 255) ?? null;
    const familyName = claimString(claims, provider.claim_family_name, 255) ?? null;
    const groups = provider.claim_groups ? groupNames(claims[provider.claim_groups]) : undefined;
    const realm = providerRealm(provider.id);
    const domainAllowed = !provider.email_domains.length || (!!email && provider.email_domains.includes(email.slice(email.lastIndexOf('@') + 1).toLowerCase()));
    const system = { orgRid: provider.org_rid, actor: { kind: 'system' as const, id: null }, outcome: 'success' as const, ...requestFacts(ctx) };

    return this.db.transaction().execute(async (trx) => {
      const core = coreView(trx);
      const now = this.clock.now();
      let user: UserRow | undefined;
      let linkedBy: 'subject' | 'email' | 'created' = 'subject';

      const link = await this.repo.findLink(trx, provider.id, subject);
      if (link) {
        const u = await this.userRepo.findById(core, link.user_id);
        if (u && u.status === 'ACTIVE' && u.kind === 'user' && u.org_rid === provider.org_rid) user = u;
      }
      if (!user && email) {
        const existing = await this.userRepo.findActiveByEmail(core, email);
        if (existing) {
          if (existing.org_rid !== provider.org_rid || existing.kind !== 'user') throw SsoErrors.accountConflict();
          // Linking by email trusts the IdP's email: only for addresses it vouches for, in its domains.
          if (verified === false) throw SsoErrors.emailNotVerified();
          if (!domainAllowed) throw SsoErrors.domainNotAllowed();
          user = existing;
          linkedBy = 'email';
        }
      }
      if (!user) {
        if (!provider.jit_provisioning) throw SsoErrors.noAccount();
        if (!domainAllowed) throw SsoErrors.domainNotAllowed();
        if (email && verified === false) throw SsoErrors.emailNotVerified();
        const name = [username, email, `oidc-${subject}`].find(USERNAME_OK);
        if (!name) throw SsoErrors.tokenInvalid('no usable username claim');
        user = await this.users.insertUser(core, {
          orgRid: provider.org_rid,
          kind: 'user',
          email: email ?? null,
          username: name,
          givenName,
          familyName,
          isOrgAdmin: false,
          passwordHash: null,
        });
        await this.repo.setUserRealm(trx, user.id, realm);
        await this.audit.append(trx, {
          ...system,
          category: 'user.create',
          resourceRids: [user.id],
          details: { userId: user.id, username: user.username, identityProviderId: provider.id, justInTime: true },
        });
        linkedBy = 'created';
      } else if (user.realm === realm && (user.given_name !== givenName || user.family_name !== familyName)) {
        // Accounts the provider created follow its profile; others are managed here.
        await this.repo.setUserNames(trx, user.id, givenName, familyName, now);
      }
      await this.repo.upsertLink(trx, { provider_id: provider.id, subject, user_id: user.id, org_rid: provider.org_rid }, now);

      const sync = groups ? await this.syncGroups(trx, provider, user.id, groups, now, system) : undefined;
      const session = await this.auth.createSession(core, user, ctx);
      await this.audit.append(trx, {
        orgRid: provider.org_rid,
        actor: { kind: 'user', id: user.id },
        category: 'auth.login',
        outcome: 'success',
        resourceRids: [user.id, provider.id],
        details: { method: 'oidc', identityProviderId: provider.id, sessionId: session.id, linkedBy, ...(sync ? { groups: sync } : {}) },
        ...requestFacts(ctx),
      });
      return session.result.sessionSecret;
    });
  }

  /**
   * Makes the user's memberships in the provider's groups (realm `oidc:<id>`) match the claim:
   * missing groups are created, memberships added and removed. A group of the same name managed
   * elsewhere (another realm) is never joined: an IdP must not grant local group rights.
   */
  private async syncGroups(
    trx: Executor<SsoDb>,
    provider: IdentityProviderRow,
    userId: string,
    names: string[],
    now: Date,
    system: Pick<AuditEventInput, 'orgRid' | 'actor' | 'outcome' | 'requestId' | 'clientIp' | 'userAgent'>,
  ): Promise<{ added: string[]; removed: string[]; created: string[]; skipped: string[] }> {
    const core = coreView(trx);
    const realm = providerRealm(provider.id);
    const existing = new Map((await this.repo.groupsByName(trx, provider.org_rid, names)).map((g) => [g.name.toLowerCase(), g]));
    const target: string[] = [];
    const created: string[] = [];
    const skipped: string[] = [];
    for (const name of names) {
      const g = existing.get(name.toLowerCase());
      if (g && g.realm !== realm) {
        skipped.push(name);
        continue;
      }
      if (g) {
        target.push(g.id);
        continue;
      }
      const row = await this.groupRepo.insert(core, { id: randomUUID(), org_rid: provider.org_rid, name, description: null, realm, attributes: {} }, now);
      await this.audit.append(trx, { ...system, category: 'group.create', resourceRids: [row.id], details: { groupId: row.id, name, identityProviderId: provider.id } });
      created.push(row.id);
      target.push(row.id);
    }
    const current = new Set(await this.repo.realmGroupIdsOfUser(trx, userId, realm));
    const added = target.filter((id) => !current.has(id));
    const removed = [...current].filter((id) => !target.includes(id));
    for (const groupId of added) {
      await this.groupRepo.upsertMembers(core, groupId, [{ principalId: userId, principalType: 'USER' }], null, now);
      await this.audit.append(trx, {
        ...system,
        category: 'group.members.add',
        resourceRids: [groupId, userId],
        details: { groupId, principalIds: [userId], expiration: null, identityProviderId: provider.id },
      });
    }
    for (const groupId of removed) {
      await this.groupRepo.removeMembers(core, groupId, [userId]);
      await this.audit.append(trx, { ...system, category: 'group.members.remove', resourceRids: [groupId, userId], details: { groupId, principalIds: [userId], identityProviderId: provider.id } });
    }
    return { added, removed, created, skipped };
  }
}
