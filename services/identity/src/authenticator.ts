import type { Principal, PrincipalDirectory, PrincipalType } from '@openfoundry/authz';
import type { Kysely } from '@openfoundry/db';
import type { Authentication, Authenticator } from '@openfoundry/http';
import { UnauthorizedError, isUuid, type Clock } from '@openfoundry/kernel';
import type { AuthService } from './auth.service.js';
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
  ) {}

  async authenticate(credentials: { bearer?: string | undefined; sessionCookie?: string | undefined }): Promise<Authentication | undefined> {
    if (credentials.bearer) {
      const token = await this.tokens.verify(this.db, credentials.bearer, ['pat', 'oauth_access']);
      const user = await this.activeUser(token.userId, 'InvalidToken');
      const via = token.kind === 'pat' ? 'token' : 'oauth';
      return { principal: await this.principalOf(user, { via, scopes: token.scopes, credentialId: token.id, clientId: token.clientId ?? undefined }) };
    }
    if (credentials.sessionCookie) {
      const { session, csrfToken } = await this.auth.verifySession(credentials.sessionCookie);
      const user = await this.activeUser(session.user_id, 'InvalidSession');
      return { principal: await this.principalOf(user, { via: 'session', scopes: null, credentialId: session.id }), csrfToken };
    }
    return undefined;
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
