import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { requireOrgAdmin } from '@openfoundry/authz';
import type { Kysely } from '@openfoundry/db';
import { InvalidArgumentError, NotFoundError, decodePageToken, resolvePageSize, toPage, validateDisplayName, type Clock, type Page } from '@openfoundry/kernel';
import { auditAs, type Caller } from '../identity.context.js';
import { GroupRepository } from '../group.repository.js';
import { hashSecret, newSecret } from '../secrets.js';
import { TokenRepository } from '../token.repository.js';
import { UserRepository } from '../user.repository.js';
import type { UserService } from '../user.service.js';
import { disallowedScope, redirectUriProblem, sortScopes } from './oauth.policy.js';
import { OAuthRepository, type OAuthClientRow } from './oauth.repository.js';
import { coreView, type GrantType, type OAuthClientType, type OAuthDb } from './oauth.types.js';

/** Prefix of client secrets, so leaked ones are recognisable by secret scanners. */
export const CLIENT_SECRET_PREFIX = 'ofcs';

/** An OAuth client as the API shows it; never its secret. */
export interface OAuthClientJson {
  clientId: string;
  name: string;
  type: OAuthClientType;
  redirectUris: string[];
  allowedScopes: string[];
  grantTypes: string[];
  serviceUserId?: string;
  createdAt: string;
  secretRotatedAt?: string;
}

export interface CreateOAuthClientInput {
  name: string;
  type: OAuthClientType;
  redirectUris: string[];
  allowedScopes: string[];
  grantTypes: GrantType[];
}

export function toOAuthClientJson(r: OAuthClientRow): OAuthClientJson {
  return {
    clientId: r.client_id,
    name: r.name,
    type: r.type,
    redirectUris: r.redirect_uris,
    allowedScopes: r.allowed_scopes,
    grantTypes: r.grant_types,
    ...(r.service_user_id ? { serviceUserId: r.service_user_id } : {}),
    createdAt: new Date(r.created_at).toISOString(),
    ...(r.secret_rotated_at ? { secretRotatedAt: new Date(r.secret_rotated_at).toISOString() } : {}),
  };
}

export const oauthClientNotFound = (clientId: string) => new NotFoundError('OAuthClientNotFound', { clientId });

function invalid(parameter: string, problem: string, extra: Record<string, unknown> = {}) {
  return new InvalidArgumentError('InvalidOAuthClient', { parameter, problem, ...extra });
}

/** Checks a client definition hangs together; throws a 400 naming the field. */
function checkDefinition(input: CreateOAuthClientInput): void {
  const grants = new Set(input.grantTypes);
  if (!grants.size) throw invalid('grantTypes', 'must name at least one grant type');
  if (input.type === 'PUBLIC' && grants.has('client_credentials')) throw invalid('grantTypes', 'a PUBLIC client cannot use client_credentials: it has no secret');
  if (grants.has('refresh_token') && !grants.has('authorization_code')) throw invalid('grantTypes', 'refresh_token needs authorization_code: refresh tokens are only issued to user sign-ins');
  if (grants.has('authorization_code') && !input.redirectUris.length) throw invalid('redirectUris', 'authorization_code needs at least one redirect URI');
  for (const uri of input.redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw invalid('redirectUris', problem, { redirectUri: uri });
  }
  if (!input.allowedScopes.length) throw invalid('allowedScopes', 'must name at least one scope');
  const bad = disallowedScope(input.allowedScopes, input.allowedScopes);
  if (bad) throw invalid('allowedScopes', 'unknown scope', { scope: bad });
  if (input.allowedScopes.includes('offline_access') && !grants.has('refresh_token')) {
    throw invalid('allowedScopes', 'offline_access needs the refresh_token grant type');
  }
}

function clientPageKey(token: string | undefined): { createdAt: Date; id: string } | undefined {
  const key = decodePageToken(token);
  if (!key) return undefined;
  if (key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string' || Number.isNaN(Date.parse(key[0]))) {
    throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
  }
  return { createdAt: new Date(key[0]), id: key[1] };
}

/**
 * OAuth clients of an organization, managed by its admins. A confidential client gets a secret
 * (shown once, stored as a SHA-256: it carries 256 random bits, and we only ever verify it) and a
 * service user that client-credentials tokens act as.
 */
export class OAuthClientService {
  private readonly repo = new OAuthRepository();
  private readonly userRepo = new UserRepository();
  private readonly groups = new GroupRepository();
  private readonly tokenRepo = new TokenRepository();

  constructor(
    private readonly db: Kysely<OAuthDb>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly users: UserService,
  ) {}

  async create(caller: Caller, input: CreateOAuthClientInput): Promise<OAuthClientJson & { clientSecret?: string }> {
    requireOrgAdmin(caller.principal);
    const name = validateDisplayName(input.name, 'name');
    checkDefinition(input);
    const clientId = randomBytes(16).toString('hex');
    const secret = input.type === 'CONFIDENTIAL' ? newSecret(CLIENT_SECRET_PREFIX) : undefined;
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const serviceUser =
        input.type === 'CONFIDENTIAL'
          ? await this.users.insertUser(coreView(trx), {
              orgRid: caller.principal.orgRid,
              kind: 'service',
              email: null,
              username: clientId,
              givenName: name,
              familyName: null,
              isOrgAdmin: false,
              passwordHash: null,
            })
          : undefined;
      const row = await this.repo.insertClient(trx, {
        id: randomUUID(),
        client_id: clientId,
        org_rid: caller.principal.orgRid,
        name,
        type: input.type,
        secret_hash: secret ? hashSecret(secret) : null,
        redirect_uris: [...new Set(input.redirectUris)],
        allowed_scopes: sortScopes(input.allowedScopes),
        grant_types: [...new Set(input.grantTypes)].sort(),
        service_user_id: serviceUser?.id ?? null,
        created_by: caller.principal.userId,
        created_at: now,
        updated_at: now,
        secret_rotated_at: null,
        deleted_at: null,
      });
      if (serviceUser) {
        await auditAs(this.audit, trx, caller, {
          category: 'user.create',
          resourceRids: [serviceUser.id],
          details: { userId: serviceUser.id, username: serviceUser.username, kind: 'service', oauthClientId: clientId },
        });
      }
      await auditAs(this.audit, trx, caller, {
        category: 'oauth_client.create',
        resourceRids: [clientId, ...(serviceUser ? [serviceUser.id] : [])],
        details: { clientId, name, type: row.type, redirectUris: row.redirect_uris, allowedScopes: row.allowed_scopes, grantTypes: row.grant_types },
      });
      return { ...toOAuthClientJson(row), ...(secret ? { clientSecret: secret } : {}) };
    });
  }

  async get(caller: Caller, clientId: string): Promise<OAuthClientJson> {
    requireOrgAdmin(caller.principal);
    const row = await this.repo.findClientInOrg(this.db, caller.principal.orgRid, clientId);
    if (!row) throw oauthClientNotFound(clientId);
    return toOAuthClientJson(row);
  }

  async list(caller: Caller, q: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<OAuthClientJson>> {
    requireOrgAdmin(caller.principal);
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.repo.listClients(this.db, caller.principal.orgRid, pageSize + 1, clientPageKey(q.pageToken));
    return toPage(rows, pageSize, (r) => [new Date(r.created_at).toISOString(), r.id], toOAuthClientJson);
  }

  /** Replaces a confidential client's secret; the old one stops working at once. */
  async rotateSecret(caller: Caller, clientId: string): Promise<OAuthClientJson & { clientSecret: string }> {
    requireOrgAdmin(caller.principal);
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repo.findClientInOrg(trx, caller.principal.orgRid, clientId);
      if (!row) throw oauthClientNotFound(clientId);
      if (row.type !== 'CONFIDENTIAL') throw new InvalidArgumentError('OAuthClientHasNoSecret', { clientId, type: row.type });
      const secret = newSecret(CLIENT_SECRET_PREFIX);
      const after = await this.repo.setClientSecret(trx, row.id, hashSecret(secret), this.clock.now());
      await auditAs(this.audit, trx, caller, { category: 'oauth_client.rotate_secret', resourceRids: [clientId], details: { clientId } });
      return { ...toOAuthClientJson(after), clientSecret: secret };
    });
  }

  /**
   * Deletes a client: its tokens and grants are revoked and its service user is deleted, so
   * nothing it was given keeps working.
   */
  async delete(caller: Caller, clientId: string): Promise<void> {
    requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.findClientInOrg(trx, caller.principal.orgRid, clientId);
      if (!row) throw oauthClientNotFound(clientId);
      const now = this.clock.now();
      await this.repo.markClientDeleted(trx, row.id, now);
      let tokensRevoked = await this.repo.revokeEverythingOfClient(trx, clientId, now);
      if (row.service_user_id) {
        await this.userRepo.update(coreView(trx), row.service_user_id, { status: 'DELETED' }, now);
        tokensRevoked += await this.tokenRepo.revokeAllOfUser(coreView(trx), row.service_user_id, now);
        const groupMembershipsRemoved = await this.groups.removePrincipalEverywhere(coreView(trx), row.service_user_id);
        await auditAs(this.audit, trx, caller, {
          category: 'user.delete',
          resourceRids: [row.service_user_id],
          details: { userId: row.service_user_id, kind: 'service', oauthClientId: clientId, groupMembershipsRemoved },
        });
      }
      await auditAs(this.audit, trx, caller, {
        category: 'oauth_client.delete',
        resourceRids: [clientId, ...(row.service_user_id ? [row.service_user_id] : [])],
        details: { clientId, name: row.name, tokensRevoked },
      });
    });
  }
}
