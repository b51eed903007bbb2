import type { AuditLog } from '@openfoundry/audit';
import { SCOPES, isKnownScope, type Principal } from '@openfoundry/authz';
import type { Executor, Kysely } from '@openfoundry/db';
import { InvalidArgumentError, PermissionDeniedError, decodePageToken, isUuid, resolvePageSize, toPage, type Clock, type Page } from '@openfoundry/kernel';
import { auditAs, type Caller } from './identity.context.js';
import { IdentityErrors } from './identity.errors.js';
import { toTokenInfoJson, type TokenInfoJson } from './identity.presenters.js';
import type { IdentityTables } from './identity.types.js';
import type { TokenService } from './token.service.js';

/** Longest lifetime of a personal access token. */
export const MAX_PAT_LIFETIME_MS = 366 * 86_400_000;

/** Scopes a personal access token gets when none are asked for: every API scope. */
export const DEFAULT_PAT_SCOPES: string[] = SCOPES.filter((s) => s !== 'offline_access');

/** Whether a credential carrying `held` may hand out `scope` (a write scope covers its read scope). */
function covers(held: string[] | null, scope: string): boolean {
  if (held === null) return true;
  return held.includes(scope) || (scope.endsWith('-read') && held.includes(scope.replace(/-read$/, '-write')));
}

/** Validates requested scopes: known, not `offline_access`, and no more than the creating credential holds. */
export function resolvePatScopes(requested: string[] | undefined, held: string[] | null): string[] {
  const scopes = requested ?? (held === null ? DEFAULT_PAT_SCOPES : DEFAULT_PAT_SCOPES.filter((s) => covers(held, s)));
  for (const s of scopes) {
    if (!isKnownScope(s) || s === 'offline_access') throw new InvalidArgumentError('InvalidScope', { parameter: 'scopes', scope: s, allowed: DEFAULT_PAT_SCOPES });
    if (!covers(held, s)) throw new PermissionDeniedError('ScopeNotHeld', { scope: s });
  }
  return [...new Set(scopes)].sort();
}

/** Checks a requested expiry is in the future and within the maximum lifetime. */
export function checkPatExpiry(expiresAt: Date, now: Date): void {
  if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) throw new InvalidArgumentError('InvalidExpiration', { parameter: 'expiresAt', problem: 'must be in the future' });
  if (expiresAt.getTime() - now.getTime() > MAX_PAT_LIFETIME_MS) {
    throw new InvalidArgumentError('InvalidExpiration', { parameter: 'expiresAt', problem: `must be at most ${MAX_PAT_LIFETIME_MS / 86_400_000} days away` });
  }
}

/** A user's own personal access tokens: create (secret shown once), list, revoke. */
export class PersonalTokenService {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly tokens: TokenService,
  ) {}

  /** Issues a token for a user in the caller's transaction and audits it. */
  async issueFor(trx: Executor<IdentityTables>, user: { id: string; orgRid: string }, input: { name: string; expiresAt: Date; scopes: string[] }, audit: (tokenId: string) => Promise<unknown>) {
    const issued = await this.tokens.issue(trx, { kind: 'pat', userId: user.id, orgRid: user.orgRid, name: input.name, scopes: input.scopes, expiresAt: input.expiresAt });
    await audit(issued.record.id);
    return issued;
  }

  async create(caller: Caller, input: { name: string; expiresAt: Date; scopes?: string[] | undefined }): Promise<TokenInfoJson & { token: string }> {
    // An OAuth client must not turn its (revocable, short-lived) grant into a token that outlives it.
    if (caller.principal.via === 'oauth') throw new PermissionDeniedError('OAuthTokenCannotCreateTokens', { clientId: caller.principal.clientId ?? null });
    const now = this.clock.now();
    checkPatExpiry(input.expiresAt, now);
    const scopes = resolvePatScopes(input.scopes, caller.principal.scopes);
    const p: Principal = caller.principal;
    return this.db.transaction().execute(async (trx) => {
      const issued = await this.issueFor(trx, { id: p.userId, orgRid: p.orgRid }, { name: input.name, expiresAt: input.expiresAt, scopes }, (tokenId) =>
        auditAs(this.audit, trx, caller, {
          category: 'token.create',
          resourceRids: [p.userId],
          details: { tokenId, kind: 'pat', name: input.name, scopes, expiresAt: input.expiresAt.toISOString() },
        }),
      );
      return { token: issued.token, ...toTokenInfoJson(issued.record, now) };
    });
  }

  async list(caller: Caller, q: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<TokenInfoJson>> {
    const pageSize = resolvePageSize(q.pageSize);
    const key = decodePageToken(q.pageToken);
    if (key && (key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string' || Number.isNaN(Date.parse(key[0])))) {
      throw new InvalidArgumentError('InvalidPageToken', { pageToken: q.pageToken });
    }
    const after = key ? { createdAt: new Date(key[0] as string), id: key[1] as string } : undefined;
    const rows = await this.tokens.listOfUser(this.db, caller.principal.userId, 'pat', pageSize + 1, after);
    const now = this.clock.now();
    return toPage(rows, pageSize, (t) => [t.createdAt.toISOString(), t.id], (t) => toTokenInfoJson(t, now));
  }

  /** Revokes one of the caller's own tokens; anyone else's is reported as missing. */
  async revoke(caller: Caller, tokenId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const t = isUuid(tokenId) ? await this.tokens.findById(trx, tokenId) : undefined;
      if (!t || t.kind !== 'pat' || t.userId !== caller.principal.userId) throw IdentityErrors.tokenNotFound(tokenId);
      const wasLive = await this.tokens.revoke(trx, t.id);
      await auditAs(this.audit, trx, caller, { category: 'token.revoke', resourceRids: [caller.principal.userId], details: { tokenId: t.id, kind: 'pat', wasLive } });
    });
  }
}
