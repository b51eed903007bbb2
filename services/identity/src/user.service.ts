import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { requireOrgAdmin } from '@openfoundry/authz';
import { isUniqueViolation, type Executor, type Kysely } from '@openfoundry/db';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  decodePageToken,
  isUuid,
  resolvePageSize,
  toPage,
  type Clock,
  type Page,
} from '@openfoundry/kernel';
import { auditAs, type Caller } from './identity.context.js';
import { IdentityErrors } from './identity.errors.js';
import { INTERNAL_REALM, toUserJson, type UserJson } from './identity.presenters.js';
import type { IdentityTables, UserKind, UserStatus } from './identity.types.js';
import { checkPasswordPolicy, hashPassword } from './password.js';
import { GroupRepository } from './group.repository.js';
import { SessionRepository } from './session.repository.js';
import type { AuthCache } from './auth-cache.js';
import type { TokenService } from './token.service.js';
import { UserRepository, type UserRow } from './user.repository.js';

/** What an org admin gives to create a user. */
export interface CreateUserInput {
  email: string;
  username?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  password?: string | undefined;
  organizationAdmin?: boolean | undefined;
}

/** What an org admin may change on a user; absent fields stay as they are. */
export interface UpdateUserInput {
  username?: string | undefined;
  email?: string | undefined;
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
  organizationAdmin?: boolean | undefined;
  password?: string | undefined;
}

/** Users of a new org, created by bootstrap or by an admin; written in the caller's transaction. */
export interface NewUser {
  orgRid: string;
  kind: UserKind;
  email: string | null;
  username: string;
  givenName: string | null;
  familyName: string | null;
  isOrgAdmin: boolean;
  passwordHash: string | null;
}

function userPageKey(token: string | undefined): { username: string; id: string } | undefined {
  const key = decodePageToken(token);
  if (!key) return undefined;
  if (key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string') throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
  return { username: key[0], id: key[1] };
}

/** Users: the admin API (`/api/v2/admin/users`) and account creation for bootstrap. */
export class UserService {
  private readonly users = new UserRepository();
  private readonly groups = new GroupRepository();
  private readonly sessions = new SessionRepository();

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly tokens: TokenService,
    /** Users seen by the authenticator; spares getCurrent a query. */
    private readonly cache?: AuthCache,
  ) {}

  /** Inserts a user after checking email and username are free; maps a concurrent duplicate to 409. */
  async insertUser(trx: Executor<IdentityTables>, u: NewUser): Promise<UserRow> {
    const conflicts = await this.users.findConflicts(trx, u.email, u.username);
    if (conflicts.email) throw IdentityErrors.emailTaken();
    if (conflicts.username) throw IdentityErrors.usernameTaken(u.username);
    try {
      return await this.users.insert(
        trx,
        {
          id: randomUUID(),
          org_rid: u.orgRid,
          kind: u.kind,
          username: u.username,
          email: u.email,
          given_name: u.givenName,
          family_name: u.familyName,
          realm: INTERNAL_REALM,
          is_org_admin: u.isOrgAdmin,
          password_hash: u.passwordHash,
        },
        this.clock.now(),
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw IdentityErrors.emailTaken();
      throw e;
    }
  }

  async create(caller: Caller, input: CreateUserInput): Promise<UserJson> {
    requireOrgAdmin(caller.principal);
    if (input.password !== undefined) checkPasswordPolicy(input.password);
    // Hash before the transaction: argon2 is slow and must not hold database locks.
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
    return this.db.transaction().execute(async (trx) => {
      const row = await this.insertUser(trx, {
        orgRid: caller.principal.orgRid,
        kind: 'user',
        email: input.email,
        username: input.username ?? input.email,
        givenName: input.givenName ?? null,
        familyName: input.familyName ?? null,
        isOrgAdmin: input.organizationAdmin ?? false,
        passwordHash,
      });
      await auditAs(this.audit, trx, caller, {
        category: 'user.create',
        resourceRids: [row.id],
        details: { userId: row.id, username: row.username, organizationAdmin: row.is_org_admin, passwordSet: passwordHash !== null },
      });
      return toUserJson(row);
    });
  }

  async getCurrent(caller: Caller): Promise<UserJson> {
    const cached = this.cache?.user(caller.principal.userId);
    const row = cached?.org_rid === caller.principal.orgRid ? cached : await this.users.findInOrg(this.db, caller.principal.orgRid, caller.principal.userId);
    if (!row) throw IdentityErrors.userNotFound(caller.principal.userId);
    return toUserJson(row);
  }

  /** A user of the caller's org with the given status (ACTIVE unless asked otherwise). */
  async get(caller: Caller, userId: string, status: UserStatus = 'ACTIVE'): Promise<UserJson> {
    const row = isUuid(userId) ? await this.users.findInOrg(this.db, caller.principal.orgRid, userId) : undefined;
    if (!row || row.status !== status) throw IdentityErrors.userNotFound(userId);
    return toUserJson(row);
  }

  async list(caller: Caller, q: { include?: UserStatus | undefined; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<UserJson>> {
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.users.list(this.db, caller.principal.orgRid, { status: q.include ?? 'ACTIVE', limit: pageSize + 1, after: userPageKey(q.pageToken) });
    return toPage(rows, pageSize, (r) => [r.username, r.id], toUserJson);
  }

  /** Case-insensitive prefix search on username, given name, family name, full name and email. */
  async search(caller: Caller, q: { value: string; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<UserJson>> {
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.users.list(this.db, caller.principal.orgRid, { status: 'ACTIVE', limit: pageSize + 1, after: userPageKey(q.pageToken), prefix: q.value });
    return toPage(rows, pageSize, (r) => [r.username, r.id], toUserJson);
  }

  /** Users found among the requested ids; ids that are missing (or of another org) are left out. */
  async getBatch(caller: Caller, elements: { userId: string; status?: UserStatus | undefined }[]): Promise<{ data: Record<string, UserJson> }> {
    const ids = [...new Set(elements.map((e) => e.userId).filter(isUuid))];
    const rows = new Map((await this.users.findManyInOrg(this.db, caller.principal.orgRid, ids)).map((r) => [r.id, r]));
    const data: Record<string, UserJson> = {};
    for (const e of elements) {
      const r = rows.get(e.userId);
      if (r && r.status === (e.status ?? 'ACTIVE')) data[r.id] = toUserJson(r);
    }
    return { data };
  }

  async update(caller: Caller, userId: string, input: UpdateUserInput): Promise<UserJson> {
    requireOrgAdmin(caller.principal);
    if (input.password !== undefined) checkPasswordPolicy(input.password);
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
    return this.db.transaction().execute(async (trx) => {
      const before = await this.activeUserOf(trx, caller, userId);
      if (input.organizationAdmin === false && before.is_org_admin) await this.ensureAnotherAdmin(trx, before);
      const username = input.username ?? before.username;
      const email = input.email ?? before.email;
      if (input.username !== undefined || input.email !== undefined) {
        const conflicts = await this.users.findConflicts(trx, input.email ?? null, username, before.id);
        if (conflicts.email) throw IdentityErrors.emailTaken();
        if (conflicts.username) throw IdentityErrors.usernameTaken(username);
      }
      const set: Parameters<UserRepository['update']>[2] = {};
      if (input.username !== undefined) set.username = username;
      if (input.email !== undefined) set.email = email;
      if (input.givenName !== undefined) set.given_name = input.givenName;
      if (input.familyName !== undefined) set.family_name = input.familyName;
      if (input.organizationAdmin !== undefined) set.is_org_admin = input.organizationAdmin;
      if (passwordHash !== undefined) set.password_hash = passwordHash;
      let after: UserRow;
      try {
        after = await this.users.update(trx, before.id, set, this.clock.now());
      } catch (e) {
        if (isUniqueViolation(e)) throw IdentityErrors.emailTaken();
        throw e;
      }
      // A reset password ends the sessions signed in with the old one.
      const sessionsRevoked = passwordHash !== undefined ? await this.sessions.revokeAllOfUser(trx, before.id, this.clock.now()) : 0;
      const changed = Object.keys(input).filter((k) => k !== 'password');
      await auditAs(this.audit, trx, caller, {
        category: 'user.update',
        resourceRids: [before.id],
        details: {
          userId: before.id,
          changed,
          passwordReset: passwordHash !== undefined,
          sessionsRevoked,
          ...(input.organizationAdmin !== undefined ? { organizationAdmin: { from: before.is_org_admin, to: after.is_org_admin } } : {}),
        },
      });
      return toUserJson(after);
    });
  }

  /** Marks a user deleted: signs it out everywhere, revokes its tokens and removes it from groups. */
  async delete(caller: Caller, userId: string): Promise<void> {
    requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const user = await this.activeUserOf(trx, caller, userId);
      if (user.is_org_admin) await this.ensureAnotherAdmin(trx, user);
      const now = this.clock.now();
      await this.users.update(trx, user.id, { status: 'DELETED' }, now);
      const tokensRevoked = await this.tokens.revokeAllOfUser(trx, user.id);
      const sessionsRevoked = await this.sessions.revokeAllOfUser(trx, user.id, now);
      const groupMembershipsRemoved = await this.groups.removePrincipalEverywhere(trx, user.id);
      await auditAs(this.audit, trx, caller, {
        category: 'user.delete',
        resourceRids: [user.id],
        details: { userId: user.id, username: user.username, tokensRevoked, sessionsRevoked, groupMembershipsRemoved },
      });
    });
  }

  /** Revokes every token and browser session of a user. Org admins for anyone, users for themselves. */
  async revokeAllTokens(caller: Caller, userId: string): Promise<void> {
    if (userId !== caller.principal.userId) requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const user = await this.activeUserOf(trx, caller, userId);
      const tokensRevoked = await this.tokens.revokeAllOfUser(trx, user.id);
      const sessionsRevoked = await this.sessions.revokeAllOfUser(trx, user.id, this.clock.now());
      await auditAs(this.audit, trx, caller, {
        category: 'user.revoke_all_tokens',
        resourceRids: [user.id],
        details: { userId: user.id, tokensRevoked, sessionsRevoked },
      });
    });
  }

  private async activeUserOf(trx: Executor<IdentityTables>, caller: Caller, userId: string): Promise<UserRow> {
    const row = isUuid(userId) ? await this.users.findInOrg(trx, caller.principal.orgRid, userId) : undefined;
    if (!row || row.status !== 'ACTIVE') throw IdentityErrors.userNotFound(userId);
    return row;
  }

  /** An organization must keep at least one active admin, or nobody could administer it again. */
  private async ensureAnotherAdmin(trx: Executor<IdentityTables>, user: UserRow): Promise<void> {
    const admins = await this.users.lockActiveAdmins(trx, user.org_rid);
    if (!admins.some((id) => id !== user.id)) throw new FailedPreconditionError('LastOrganizationAdmin', { userId: user.id });
  }
}
