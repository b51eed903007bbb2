import type { Principal, PrincipalDirectory, PrincipalType } from '@openfoundry/authz';
import type { Kysely } from '@openfoundry/db';
import type { Authentication, Authenticator } from '@openfoundry/http';
import { UnauthorizedError, isUuid, type Clock } from '@openfoundry/kernel';
import type { AuthService } from './auth.service.js';
import type { AuthCache } from './auth-cache.js';
import { hashSecret } from './secrets.js';
import { GroupRepository } from './group.repository.js';
import type { IdentityTables } from './identity.types.js';
import type { TokenService } from './token.service.js';
import { UserRepository, type UserRow } from './user.repository.js';

/**
 * Resolves a bearer token (personal access token or OAuth access token) or a session cookie to
 * the principal making the request, with its organization, admin flag, groups and scopes.
 */
export class IdentityAuthenticator implements Authenticator {
  private readonly users = new UserRepository();
  private readonly groups = new GroupRepository();

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly clock: Clock,
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly cache: AuthCache,
  ) {}

  authenticate(credentials: { bearer?: string | undefined; sessionCookie?: string | undefined }): Authentication | undefined | Promise<Authentication | undefined> {
    const secret = credentials.bearer ?? credentials.sessionCookie;
    if (!secret) return undefined;
    // Keyed by the secret's hash: the cache never holds a usable credential.
    const key = `${credentials.bearer ? 'bearer' : 'session'}:${hashSecret(secret)}`;
    return this.cache.credential(key) ?? this.resolve(credentials, secret, key);
  }

  private async resolve(credentials: { bearer?: string | undefined }, secret: string, key: string): Promise<Authentication> {
    const generation = this.cache.generation;

    let result: Authentication;
    let validUntil: Date;
    let user: UserRow;
    if (credentials.bearer) {
      const token = await this.tokens.verify(this.db, credentials.bearer, ['pat', 'oauth_access']);
      user = await this.activeUser(token.userId, 'InvalidToken');
      const via = token.kind === 'pat' ? 'token' : 'oauth';
      result = { principal: await this.principalOf(user, { via, scopes: token.scopes, credentialId: token.id, clientId: token.clientId ?? undefined }) };
      validUntil = token.expiresAt;
    } else {
      const { session, csrfToken } = await this.auth.verifySession(secret);
      user = await this.activeUser(session.user_id, 'InvalidSession');
      result = { principal: await this.principalOf(user, { via: 'session', scopes: null, credentialId: session.id }), csrfToken };
      validUntil = new Date(session.expires_at);
    }
    const membershipExpiry = await this.groups.earliestMembershipExpiry(this.db, [user.id, ...result.principal.groupIds], this.clock.now());
    if (membershipExpiry && membershipExpiry < validUntil) validUntil = membershipExpiry;
    this.cache.setCredential(key, result, validUntil, generation);
    this.cache.setUser(user, generation);
    return result;
  }

  private async activeUser(userId: string, errorName: string): Promise<UserRow> {
    const user = await this.users.findById(this.db, userId);
    if (!user || user.status !== 'ACTIVE') throw new UnauthorizedError(errorName);
    return user;
  }

  private async principalOf(user: UserRow, c: Pick<Principal, 'via' | 'scopes' | 'credentialId' | 'clientId'>): Promise<Principal> {
    return {
      kind: user.kind,
      userId: user.id,
      orgRid: user.org_rid,
      groupIds: await this.groups.groupIdsOf(this.db, user.id, this.clock.now()),
      isOrgAdmin: user.is_org_admin,
      ...c,
    };
  }
}

/** Users and groups of one organization, for services that grant roles to principals. */
export class IdentityDirectory implements PrincipalDirectory {
  private readonly users = new UserRepository();
  private readonly groups = new GroupRepository();

  constructor(private readonly db: Kysely<IdentityTables>) {}

  async resolve(orgRid: string, ids: string[]): Promise<Map<string, PrincipalType>> {
    const valid = [...new Set(ids.filter(isUuid))];
    const out = new Map<string, PrincipalType>();
    for (const u of await this.users.findManyInOrg(this.db, orgRid, valid)) if (u.status === 'ACTIVE') out.set(u.id, 'USER');
    for (const g of await this.groups.findManyInOrg(this.db, orgRid, valid)) out.set(g.id, 'GROUP');
    return out;
  }
}
