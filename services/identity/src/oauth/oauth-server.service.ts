import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditLog } from '@openfoundry/audit';
import type { Principal } from '@openfoundry/authz';
import type { Executor, Kysely } from '@openfoundry/db';
import type { RequestContext } from '@openfoundry/http';
import { PermissionDeniedError, type Clock } from '@openfoundry/kernel';
import { auditAs, requestFacts, type Caller } from '../identity.context.js';
import { hashSecret, newSecret } from '../secrets.js';
import type { TokenService } from '../token.service.js';
import { UserRepository } from '../user.repository.js';
import { RedirectableAuthorizationError, validateAuthorizationRequest, type AuthorizationParams, type ValidAuthorization } from './authorization-request.js';
import { OAuthProtocolError } from './oauth.errors.js';
import {
  ACCESS_TOKEN_TTL_MS,
  CODE_TTL_MS,
  REFRESH_TOKEN_TTL_MS,
  SCOPE_DESCRIPTIONS,
  disallowedScope,
  parseScopeParam,
  pkceMatches,
  sameHash,
  sortScopes,
} from './oauth.policy.js';
import { OAuthRepository, type OAuthClientRow } from './oauth.repository.js';
import { coreView, type OAuthDb } from './oauth.types.js';

/** Client credentials as presented at the token or revocation endpoint. */
export interface PresentedClient {
  clientId: string;
  clientSecret?: string | undefined;
  /** How they were presented, for `WWW-Authenticate` on failure. */
  method: 'basic' | 'post' | 'none';
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** What the consent page shows. */
export interface ConsentDescription {
  client: { clientId: string; name: string; type: string };
  redirectUri: string;
  scopes: { scope: string; description: string }[];
  user: { id: string };
}

/** What the authorize endpoint does with a browser. */
export type AuthorizeOutcome = { kind: 'login' } | { kind: 'consent' } | { kind: 'redirect'; url: string };

/**
 * The authorization server: authorize and consent (authorization code with PKCE), the token
 * endpoint (authorization_code, client_credentials, refresh_token with rotation and reuse
 * detection) and revocation (RFC 7009). Tokens are rows of `identity.tokens`, issued by the core
 * TokenService, so the core authenticator accepts them as `via: 'oauth'`.
 */
export class OAuthServerService {
  private readonly repo = new OAuthRepository();
  private readonly users = new UserRepository();

  constructor(
    private readonly db: Kysely<OAuthDb>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly tokens: TokenService,
    /** The issuer identifier clients compute (`<publicUrl>/multipass`), read per request. */
    private readonly issuer: () => string,
  ) {}

  /** The redirect carrying an error back to a verified redirect URI. */
  errorRedirect(e: RedirectableAuthorizationError): string {
    const u = new URL(e.redirectUri);
    u.searchParams.set('error', e.error);
    u.searchParams.set('error_description', e.description);
    if (e.state) u.searchParams.set('state', e.state);
    u.searchParams.set('iss', this.issuer());
    return u.toString();
  }

  /**
   * The authorize endpoint's decision: send the browser to sign in, to the consent page, or back
   * to the client with an error. Only a browser session counts as the user being present.
   */
  async authorize(params: AuthorizationParams, principal: Principal | undefined): Promise<AuthorizeOutcome> {
    const session = principal?.via === 'session' ? principal : undefined;
    try {
      await validateAuthorizationRequest(this.db, params, session?.orgRid);
    } catch (e) {
      if (e instanceof RedirectableAuthorizationError) return { kind: 'redirect', url: this.errorRedirect(e) };
      throw e;
    }
    return session ? { kind: 'consent' } : { kind: 'login' };
  }

  private async validForConsent(caller: Caller, params: AuthorizationParams): Promise<ValidAuthorization> {
    if (caller.principal.via !== 'session' || caller.principal.kind !== 'user') throw new PermissionDeniedError('SessionRequired', { reason: 'consent is given by a signed-in person in the browser' });
    try {
      return await validateAuthorizationRequest(this.db, params, caller.principal.orgRid);
    } catch (e) {
      if (e instanceof RedirectableAuthorizationError) throw e.toFoundryError();
      throw e;
    }
  }

  /** Describes a valid authorization request for the consent page. */
  async describeConsent(caller: Caller, params: AuthorizationParams): Promise<ConsentDescription> {
    const v = await this.validForConsent(caller, params);
    return {
      client: { clientId: v.client.client_id, name: v.client.name, type: v.client.type },
      redirectUri: v.redirectUri,
      scopes: v.scopes.map((s) => ({ scope: s, description: SCOPE_DESCRIPTIONS[s as keyof typeof SCOPE_DESCRIPTIONS] ?? s })),
      user: { id: caller.principal.userId },
    };
  }

  /**
   * Records the person's decision. Approval issues a single-use code (stored hashed, valid 60 s,
   * bound to client, redirect URI, user and PKCE challenge); denial sends `access_denied`.
   */
  async decideConsent(caller: Caller, params: AuthorizationParams, approve: boolean): Promise<{ redirectUrl: string }> {
    const v = await this.validForConsent(caller, params);
    const redirect = new URL(v.redirectUri);
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      if (!approve) {
        await auditAs(this.audit, trx, caller, {
          category: 'oauth.consent',
          outcome: 'denied',
          resourceRids: [v.client.client_id],
          details: { clientId: v.client.client_id, scopes: v.scopes, decision: 'deny' },
        });
        redirect.searchParams.set('error', 'access_denied');
        redirect.searchParams.set('error_description', 'the user denied the request');
      } else {
        const code = newSecret('ofac');
        await this.repo.deleteStaleCodes(trx, new Date(now.getTime() - 3_600_000));
        await this.repo.insertCode(trx, {
          id: randomUUID(),
          code_hash: hashSecret(code),
          client_id: v.client.client_id,
          org_rid: v.client.org_rid,
          user_id: caller.principal.userId,
          redirect_uri: v.redirectUri,
          scopes: v.scopes,
          code_challenge: v.codeChallenge,
          code_challenge_method: v.codeChallengeMethod,
          created_at: now,
          expires_at: new Date(now.getTime() + CODE_TTL_MS),
          used_at: null,
          grant_id: null,
        });
        await auditAs(this.audit, trx, caller, {
          category: 'oauth.consent',
          resourceRids: [v.client.client_id],
          details: { clientId: v.client.client_id, scopes: v.scopes, decision: 'approve', pkce: v.codeChallenge !== null },
        });
        redirect.searchParams.set('code', code);
      }
      redirect.searchParams.set('state', v.state);
      redirect.searchParams.set('iss', this.issuer());
      return { redirectUrl: redirect.toString() };
    });
  }

  /** Audits a refused protocol request in its own transaction (nothing else changes). */
  private async auditFailure(client: OAuthClientRow | undefined, clientId: string | undefined, category: string, reason: string, ctx: RequestContext, extra: Record<string, unknown> = {}) {
    const event: AuditEventInput = {
      orgRid: client?.org_rid ?? null,
      actor: { kind: 'anonymous', id: null },
      category,
      outcome: 'failure',
      resourceRids: clientId && client ? [clientId] : [],
      details: { clientId: clientId?.slice(0, 100) ?? null, reason, ...extra },
      ...requestFacts(ctx),
    };
    await this.audit.append(this.db, event);
  }

  /**
   * Authenticates the client of a token or revocation request: a confidential client by its
   * secret (compared by hash in constant time), a public one by its id alone.
   */
  async authenticateClient(presented: PresentedClient | undefined, ctx: RequestContext, category: string): Promise<OAuthClientRow> {
    if (!presented) throw new OAuthProtocolError('invalid_client', 'client authentication is required (HTTP Basic or client_id and client_secret)');
    const client = await this.repo.findClient(this.db, presented.clientId);
    if (!client) {
      await this.auditFailure(undefined, presented.clientId, category, 'unknown_client', ctx);
      throw new OAuthProtocolError('invalid_client', 'client authentication failed');
    }
    if (client.type === 'CONFIDENTIAL') {
      if (presented.clientSecret === undefined || !client.secret_hash || !sameHash(hashSecret(presented.clientSecret), client.secret_hash)) {
        await this.auditFailure(client, client.client_id, category, presented.clientSecret === undefined ? 'missing_secret' : 'wrong_secret', ctx);
        throw new OAuthProtocolError('invalid_client', 'client authentication failed');
      }
    } else if (presented.clientSecret !== undefined) {
      await this.auditFailure(client, client.client_id, category, 'secret_for_public_client', ctx);
      throw new OAuthProtocolError('invalid_client', 'a public client has no secret');
    }
    return client;
  }

  /** The token endpoint: dispatches on `grant_type`. */
  async token(form: Record<string, string>, presented: PresentedClient | undefined, ctx: RequestContext): Promise<TokenResponse> {
    const grantType = form.grant_type;
    if (!grantType) throw new OAuthProtocolError('invalid_request', 'grant_type is required');
    if (grantType !== 'authorization_code' && grantType !== 'client_credentials' && grantType !== 'refresh_token') {
      throw new OAuthProtocolError('unsupported_grant_type', 'grant_type must be authorization_code, client_credentials or refresh_token');
    }
    const client = await this.authenticateClient(presented, ctx, 'oauth.token');
    if (!client.grant_types.includes(grantType)) {
      await this.auditFailure(client, client.client_id, 'oauth.token', 'grant_type_not_allowed', ctx, { grantType });
      throw new OAuthProtocolError('unauthorized_client', `this client may not use the ${grantType} grant`);
    }
    if (grantType === 'client_credentials') return this.clientCredentials(client, form, ctx);
    if (grantType === 'authorization_code') return this.authorizationCode(client, form, ctx);
    return this.refresh(client, form, ctx);
  }

  private async clientCredentials(client: OAuthClientRow, form: Record<string, string>, ctx: RequestContext): Promise<TokenResponse> {
    // Only confidential clients can hold this grant (checked when the client was created).
    const requested = parseScopeParam(form.scope);
    const allowed = client.allowed_scopes.filter((s) => s !== 'offline_access');
    if (requested.includes('offline_access')) throw new OAuthProtocolError('invalid_scope', 'offline_access is not available with client_credentials');
    const bad = disallowedScope(requested, allowed);
    if (bad) {
      await this.auditFailure(client, client.client_id, 'oauth.token', 'invalid_scope', ctx, { grantType: 'client_credentials', scope: bad.slice(0, 100) });
      throw new OAuthProtocolError('invalid_scope', `scope "${bad.slice(0, 100)}" is not allowed for this client`);
    }
    const scopes = sortScopes(requested.length ? requested : allowed);
    const serviceUser = client.service_user_id ? await this.users.findById(coreView(this.db), client.service_user_id) : undefined;
    if (!serviceUser || serviceUser.status !== 'ACTIVE') throw new OAuthProtocolError('invalid_client', 'the client has no active service user');
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const access = await this.tokens.issue(coreView(trx), {
        kind: 'oauth_access',
        userId: serviceUser.id,
        orgRid: client.org_rid,
        scopes,
        expiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_MS),
        clientId: client.client_id,
        name: client.name,
      });
      await this.auditSuccess(trx, client, { kind: 'service', id: serviceUser.id }, ctx, {
        grantType: 'client_credentials',
        scopes,
        accessTokenId: access.record.id,
      });
      return { access_token: access.token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_MS / 1000, scope: scopes.join(' ') };
    });
  }

  private auditSuccess(trx: Executor<OAuthDb>, client: OAuthClientRow, actor: AuditEventInput['actor'], ctx: RequestContext, details: Record<string, unknown>) {
    return this.audit.append(trx, {
      orgRid: client.org_rid,
      actor,
      category: 'oauth.token',
      outcome: 'success',
      resourceRids: [client.client_id, ...(actor.id ? [actor.id] : [])],
      details: { clientId: client.client_id, ...details },
      ...requestFacts(ctx),
    });
  }

  /** Issues the access token (and, with `offline_access`, a refresh token) of a grant. */
  private async issueForGrant(trx: Executor<OAuthDb>, client: OAuthClientRow, grant: { id: string; userId: string; scopes: string[] }, accessScopes: string[]) {
    const now = this.clock.now();
    const access = await this.tokens.issue(coreView(trx), {
      kind: 'oauth_access',
      userId: grant.userId,
      orgRid: client.org_rid,
      scopes: accessScopes,
      expiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_MS),
      clientId: client.client_id,
      name: client.name,
      parentId: grant.id,
    });
    const refresh =
      grant.scopes.includes('offline_access') && client.grant_types.includes('refresh_token')
        ? await this.tokens.issue(coreView(trx), {
            kind: 'oauth_refresh',
            userId: grant.userId,
            orgRid: client.org_rid,
            scopes: grant.scopes,
            expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
            clientId: client.client_id,
            name: client.name,
            parentId: grant.id,
          })
        : undefined;
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_MS / 1000, scope: accessScopes.join(' ') };
    if (refresh) response.refresh_token = refresh.token;
    return { response, accessTokenId: access.record.id, refreshTokenId: refresh?.record.id };
  }

  private async authorizationCode(client: OAuthClientRow, form: Record<string, string>, ctx: RequestContext): Promise<TokenResponse> {
    if (!form.code) throw new OAuthProtocolError('invalid_request', 'code is required');
    if (!form.redirect_uri) throw new OAuthProtocolError('invalid_request', 'redirect_uri is required');
    const outcome = await this.db.transaction().execute(async (trx): Promise<{ error: OAuthProtocolError; reason: string } | { ok: TokenResponse }> => {
      const now = this.clock.now();
      const code = await this.repo.lockCode(trx, hashSecret(form.code!));
      const invalid = (reason: string, description = 'the authorization code is invalid, expired or was already used') => ({
        error: new OAuthProtocolError('invalid_grant', description),
        reason,
      });
      // A code of another client is answered exactly like an unknown one.
      if (!code || code.client_id !== client.client_id) return invalid('unknown_code');
      if (code.used_at) {
        // RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
        const tokensRevoked = code.grant_id ? await this.repo.revokeGrant(trx, code.grant_id, now) : 0;
        await this.audit.append(trx, {
          orgRid: client.org_rid,
          actor: { kind: 'anonymous', id: null },
          category: 'oauth.code_reuse',
          outcome: 'denied',
          resourceRids: [client.client_id, code.user_id],
          details: { clientId: client.client_id, userId: code.user_id, grantId: code.grant_id, tokensRevoked },
          ...requestFacts(ctx),
        });
        return invalid('code_reused');
      }
      if (new Date(code.expires_at).getTime() <= now.getTime()) return invalid('code_expired');
      if (code.redirect_uri !== form.redirect_uri) return invalid('redirect_uri_mismatch', 'redirect_uri does not match the authorization request');
      if (code.code_challenge) {
        if (!form.code_verifier) return invalid('missing_code_verifier', 'code_verifier is required');
        if (!pkceMatches(form.code_verifier, code.code_challenge)) return invalid('bad_code_verifier', 'code_verifier does not match the code challenge');
      } else if (form.code_verifier) {
        return invalid('unexpected_code_verifier', 'code_verifier given but the authorization request had no code_challenge');
      }
      const user = await this.users.findById(coreView(trx), code.user_id);
      if (!user || user.status !== 'ACTIVE' || user.org_rid !== client.org_rid) return invalid('user_inactive');

      const grant = await this.repo.insertGrant(trx, {
        id: randomUUID(),
        org_rid: client.org_rid,
        client_id: client.client_id,
        user_id: user.id,
        scopes: code.scopes,
        created_at: now,
        revoked_at: null,
      });
      await this.repo.markCodeUsed(trx, code.id, now, grant.id);
      const issued = await this.issueForGrant(trx, client, { id: grant.id, userId: user.id, scopes: code.scopes }, code.scopes);
      await this.auditSuccess(trx, client, { kind: 'user', id: user.id }, ctx, {
        grantType: 'authorization_code',
        scopes: code.scopes,
        grantId: grant.id,
        accessTokenId: issued.accessTokenId,
        refreshTokenId: issued.refreshTokenId ?? null,
      });
      return { ok: issued.response };
    });
    if ('ok' in outcome) return outcome.ok;
    if (outcome.reason !== 'code_reused') await this.auditFailure(client, client.client_id, 'oauth.token', outcome.reason, ctx, { grantType: 'authorization_code' });
    throw outcome.error;
  }

  private async refresh(client: OAuthClientRow, form: Record<string, string>, ctx: RequestContext): Promise<TokenResponse> {
    if (!form.refresh_token) throw new OAuthProtocolError('invalid_request', 'refresh_token is required');
    const outcome = await this.db.transaction().execute(async (trx): Promise<{ error: OAuthProtocolError; reason: string } | { ok: TokenResponse }> => {
      const now = this.clock.now();
      const invalid = (reason: string, error: OAuthProtocolError = new OAuthProtocolError('invalid_grant', 'the refresh token is invalid, expired or revoked')) => ({ error, reason });
      const row = await this.repo.lockTokenByHash(trx, hashSecret(form.refresh_token!));
      if (!row || row.kind !== 'oauth_refresh' || row.client_id !== client.client_id || !row.parent_id) return invalid('unknown_refresh_token');
      const grant = await this.repo.findGrant(trx, row.parent_id);
      if (!grant || grant.revoked_at) return invalid('grant_revoked');
      if (row.revoked_at) {
        // A rotated refresh token came back: someone holds a copy. Revoke the whole family.
        const tokensRevoked = await this.repo.revokeGrant(trx, grant.id, now);
        await this.audit.append(trx, {
          orgRid: client.org_rid,
          actor: { kind: 'anonymous', id: null },
          category: 'oauth.refresh_token_reuse',
          outcome: 'denied',
          resourceRids: [client.client_id, grant.user_id],
          details: { clientId: client.client_id, userId: grant.user_id, grantId: grant.id, tokensRevoked },
          ...requestFacts(ctx),
        });
        return invalid('refresh_token_reused');
      }
      if (new Date(row.expires_at).getTime() <= now.getTime()) return invalid('refresh_token_expired');
      const user = await this.users.findById(coreView(trx), grant.user_id);
      if (!user || user.status !== 'ACTIVE') return invalid('user_inactive');

      const requested = parseScopeParam(form.scope);
      const bad = disallowedScope(requested, grant.scopes);
      if (bad) return invalid('invalid_scope', new OAuthProtocolError('invalid_scope', `scope "${bad.slice(0, 100)}" was not granted`));
      const accessScopes = requested.length ? sortScopes(requested) : grant.scopes;

      await this.tokens.revoke(coreView(trx), row.id);
      const issued = await this.issueForGrant(trx, client, { id: grant.id, userId: grant.user_id, scopes: grant.scopes }, accessScopes);
      await this.auditSuccess(trx, client, { kind: 'user', id: grant.user_id }, ctx, {
        grantType: 'refresh_token',
        scopes: accessScopes,
        grantId: grant.id,
        rotatedRefreshTokenId: row.id,
        accessTokenId: issued.accessTokenId,
        refreshTokenId: issued.refreshTokenId ?? null,
      });
      return { ok: issued.response };
    });
    if ('ok' in outcome) return outcome.ok;
    if (outcome.reason !== 'refresh_token_reused') await this.auditFailure(client, client.client_id, 'oauth.token', outcome.reason, ctx, { grantType: 'refresh_token' });
    throw outcome.error;
  }

  /**
   * RFC 7009 revocation. A refresh token takes its whole grant with it (every access token of
   * the same authorization); an access token only itself. Unknown tokens, and tokens of another
   * client, are answered with success and left alone, as §2.2 asks.
   */
  async revoke(form: Record<string, string>, presented: PresentedClient | undefined, ctx: RequestContext): Promise<void> {
    if (!form.token) throw new OAuthProtocolError('invalid_request', 'token is required');
    const client = await this.authenticateClient(presented, ctx, 'oauth.revoke');
    await this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const row = await this.repo.lockTokenByHash(trx, hashSecret(form.token!));
      const ours = row && (row.kind === 'oauth_access' || row.kind === 'oauth_refresh') && row.client_id === client.client_id;
      if (!row || !ours) {
        await this.audit.append(trx, {
          orgRid: client.org_rid,
          actor: { kind: 'anonymous', id: null },
          category: 'oauth.revoke',
          outcome: 'failure',
          resourceRids: [client.client_id],
          details: { clientId: client.client_id, reason: row ? 'token_of_another_client' : 'unknown_token' },
          ...requestFacts(ctx),
        });
        return;
      }
      let tokensRevoked: number;
      if (row.kind === 'oauth_refresh' && row.parent_id) {
        tokensRevoked = await this.repo.revokeGrant(trx, row.parent_id, now);
      } else {
        tokensRevoked = (await this.tokens.revoke(coreView(trx), row.id)) ? 1 : 0;
      }
      await this.audit.append(trx, {
        orgRid: client.org_rid,
        // The client acts: as its service user when confidential, for the token's user when public.
        actor: client.service_user_id ? { kind: 'service', id: client.service_user_id } : { kind: 'user', id: row.user_id },
        category: 'oauth.revoke',
        outcome: 'success',
        resourceRids: [client.client_id, row.user_id],
        details: { clientId: client.client_id, tokenId: row.id, kind: row.kind, grantId: row.parent_id, tokensRevoked },
        ...requestFacts(ctx),
      });
    });
  }
}
