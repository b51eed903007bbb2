import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { sql, type Executor, type Kysely } from '@openfoundry/db';
import type { RequestContext } from '@openfoundry/http';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, TooManyRequestsError, UnauthorizedError, type Clock } from '@openfoundry/kernel';
import { auditAs, requestFacts, type Caller } from './identity.context.js';
import { toUserJson, type UserJson } from './identity.presenters.js';
import type { IdentityTables } from './identity.types.js';
import { LoginThrottle, loginKeys } from './login-throttle.js';
import type { OrganizationService } from './organization.service.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.js';
import { csrfTokenFor, hashSecret, newSecret } from './secrets.js';
import { SessionRepository, type SessionRow } from './session.repository.js';
import { UserRepository, type UserRow } from './user.repository.js';

// An arbitrary constant naming the advisory lock that serialises first-start setup.
const SETUP_LOCK_ID = 7_301_442_019;

/** How long a setup link printed at first start stays valid. */
export const SETUP_TOKEN_TTL_MS = 24 * 3_600_000;

/** A new browser session: the cookie value is shown to the browser once and stored hashed. */
export interface NewSession {
  user: UserJson;
  sessionSecret: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface SetupInput {
  token: string;
  organizationName: string;
  email: string;
  password: string;
  givenName: string;
  familyName: string;
}

/** Sign-in with a password, browser sessions, sign-out, and first-start setup. */
export class AuthService {
  private readonly users = new UserRepository();
  private readonly sessions = new SessionRepository();
  private readonly throttle = new LoginThrottle();

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly secretKey: Buffer,
    private readonly sessionTtlMs: number,
    private readonly orgs: OrganizationService,
  ) {}

  /**
   * Signs in with email and password. Unknown email, wrong password and an account without a
   * password all fail with the same error after the same (argon2) work; a lock depends only on
   * the attempted email and the client address.
   */
  async login(input: { email: string; password: string }, ctx: RequestContext): Promise<NewSession> {
    const now = this.clock.now();
    const keys = loginKeys(input.email, ctx.clientIp);
    const found = await this.users.findActiveByEmail(this.db, input.email);
    // Service users authenticate with client credentials only.
    const user = found?.kind === 'user' ? found : undefined;
    const auditBase = {
      orgRid: user?.org_rid ?? null,
      actor: { kind: 'anonymous' as const, id: null },
      category: 'auth.login',
      resourceRids: user ? [user.id] : [],
      ...requestFacts(ctx),
    };

    const lockedFor = await this.throttle.lockedFor(this.db, keys, now);
    if (lockedFor > 0) {
      await this.audit.append(this.db, { ...auditBase, outcome: 'denied', details: { email: input.email.toLowerCase(), reason: 'locked', retryAfterSeconds: lockedFor } });
      throw new TooManyRequestsError('SignInTemporarilyLocked', lockedFor);
    }

    const ok = await verifyPassword(user?.password_hash, input.password);
    if (!ok || !user) {
      await this.db.transaction().execute(async (trx) => {
        await this.throttle.recordFailure(trx, keys, now);
        await this.audit.append(trx, {
          ...auditBase,
          outcome: 'failure',
          details: { email: input.email.toLowerCase(), reason: user ? 'wrong_password' : 'unknown_account' },
        });
      });
      throw new UnauthorizedError('InvalidCredentials');
    }

    return this.db.transaction().execute(async (trx) => {
      await this.throttle.recordSuccess(trx, keys);
      const session = await this.createSession(trx, user, ctx);
      await this.audit.append(trx, {
        ...auditBase,
        actor: { kind: 'user', id: user.id },
        outcome: 'success',
        details: { method: 'password', sessionId: session.id },
      });
      return session.result;
    });
  }

  /** Opens a session for a user in the caller's transaction (password sign-in, setup, SSO). */
  async createSession(trx: Executor<IdentityTables>, user: UserRow, ctx: RequestContext | undefined): Promise<{ id: string; result: NewSession }> {
    const sessionSecret = newSecret('ofs');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs);
    const id = randomUUID();
    await this.sessions.insert(trx, {
      id,
      user_id: user.id,
      org_rid: user.org_rid,
      secret_hash: hashSecret(sessionSecret),
      created_at: now,
      expires_at: expiresAt,
      client_ip: ctx?.clientIp ?? null,
      user_agent: ctx?.userAgent?.slice(0, 500) ?? null,
    });
    return { id, result: { user: toUserJson(user), sessionSecret, csrfToken: csrfTokenFor(this.secretKey, sessionSecret), expiresAt } };
  }

  /**
   * The live session a cookie belongs to, or 401: `InvalidSession` (unknown), `SessionRevoked`
   * (signed out) or `SessionExpired`.
   */
  async verifySession(sessionSecret: string): Promise<{ session: SessionRow; csrfToken: string }> {
    const session = await this.sessions.findBySecretHash(this.db, hashSecret(sessionSecret));
    if (!session) throw new UnauthorizedError('InvalidSession');
    if (session.revoked_at) throw new UnauthorizedError('SessionRevoked');
    if (new Date(session.expires_at).getTime() <= this.clock.now().getTime()) throw new UnauthorizedError('SessionExpired');
    return { session, csrfToken: csrfTokenFor(this.secretKey, sessionSecret) };
  }

  /** The CSRF token of a session cookie (for the session endpoint). */
  csrfTokenOf(sessionSecret: string): string {
    return csrfTokenFor(this.secretKey, sessionSecret);
  }

  /** Ends the caller's browser session. */
  async logout(caller: Caller): Promise<void> {
    if (caller.principal.via !== 'session') throw new InvalidArgumentError('NotASession', { reason: 'sign-out ends a browser session; revoke tokens instead' });
    await this.db.transaction().execute(async (trx) => {
      await this.sessions.revoke(trx, caller.principal.credentialId, this.clock.now());
      await auditAs(this.audit, trx, caller, { category: 'auth.logout', resourceRids: [caller.principal.userId], details: { sessionId: caller.principal.credentialId } });
    });
  }

  /** Ends every browser session of the caller, including the current one. */
  async logoutEverywhere(caller: Caller): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const sessionsRevoked = await this.sessions.revokeAllOfUser(trx, caller.principal.userId, this.clock.now());
      await auditAs(this.audit, trx, caller, { category: 'auth.logout_everywhere', resourceRids: [caller.principal.userId], details: { sessionsRevoked } });
      return sessionsRevoked;
    });
  }

  /** A one-time setup token (stored hashed) for the first organization and admin. */
  async createSetupToken(): Promise<string> {
    const secret = newSecret('ofsetup');
    const now = this.clock.now();
    await this.sessions.insertSetupToken(this.db, { id: randomUUID(), secret_hash: hashSecret(secret), created_at: now, expires_at: new Date(now.getTime() + SETUP_TOKEN_TTL_MS) });
    return secret;
  }

  /**
   * Completes first-start setup: consumes the one-time token, creates the first organization and
   * its admin, and signs the admin in. Refused once any user exists.
   */
  async setup(input: SetupInput, ctx: RequestContext): Promise<NewSession> {
    checkPasswordPolicy(input.password);
    const passwordHash = await hashPassword(input.password);
    const refuse = async (error: Error, reason: string) => {
      await this.audit.append(this.db, { orgRid: null, actor: { kind: 'anonymous', id: null }, category: 'auth.setup', outcome: 'denied', details: { reason }, ...requestFacts(ctx) });
      throw error;
    };
    const result = await this.db.transaction().execute(async (trx) => {
      // Serialise setups so two different valid tokens cannot both create a "first" organization.
      await sql`select pg_advisory_xact_lock(${SETUP_LOCK_ID})`.execute(trx);
      if (await this.users.anyExists(trx)) return 'already_completed' as const;
      if (!(await this.sessions.consumeSetupToken(trx, hashSecret(input.token), this.clock.now()))) return 'invalid_token' as const;
      const { org, admin } = await this.orgs.createWithAdmin(
        trx,
        { orgName: input.organizationName, email: input.email, passwordHash, givenName: input.givenName, familyName: input.familyName },
        ctx,
      );
      const session = await this.createSession(trx, admin, ctx);
      await this.audit.append(trx, {
        orgRid: org.rid,
        actor: { kind: 'user', id: admin.id },
        category: 'auth.setup',
        outcome: 'success',
        resourceRids: [org.rid, admin.id],
        details: { sessionId: session.id },
        ...requestFacts(ctx),
      });
      return session.result;
    });
    if (result === 'already_completed') return refuse(new FailedPreconditionError('SetupAlreadyCompleted', {}), result);
    if (result === 'invalid_token') return refuse(new PermissionDeniedError('InvalidSetupToken', { parameter: 'token' }), result);
    return result;
  }
}
