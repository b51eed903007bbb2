import { randomUUID } from 'node:crypto';
import type { Executor } from '@openfoundry/db';
import { UnauthorizedError, type Clock } from '@openfoundry/kernel';
import type { IdentityTables, TokenKind } from './identity.types.js';
import { hashSecret, newSecret } from './secrets.js';
import { TokenRepository, type TokenRow } from './token.repository.js';

/** Recognisable prefixes of each kind of bearer secret. */
export const TOKEN_PREFIX: Record<TokenKind, string> = {
  pat: 'ofpat',
  oauth_access: 'ofoat',
  oauth_refresh: 'ofort',
};

/** A stored token as the rest of the service sees it. Never includes the secret. */
export interface TokenRecord {
  id: string;
  kind: TokenKind;
  userId: string;
  orgRid: string;
  clientId: string | null;
  name: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  parentId: string | null;
}

export interface IssueTokenInput {
  kind: TokenKind;
  userId: string;
  orgRid: string;
  scopes: string[];
  expiresAt: Date;
  name?: string | null | undefined;
  clientId?: string | null | undefined;
  /** For access tokens issued from a refresh token. */
  parentId?: string | null | undefined;
}

export interface IssuedToken {
  /** The secret; shown once, never stored. */
  token: string;
  record: TokenRecord;
}

export function toTokenRecord(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    kind: r.kind,
    userId: r.user_id,
    orgRid: r.org_rid,
    clientId: r.client_id,
    name: r.name,
    scopes: r.scopes ?? [],
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
    parentId: r.parent_id,
  };
}

/**
 * Issues and verifies bearer tokens of every kind (personal access tokens, OAuth access and
 * refresh tokens). Only a SHA-256 of each secret is stored; a presented secret is found by that
 * hash. The OAuth endpoints reuse this class so every kind is revoked and expired the same way.
 */
export class TokenService {
  private readonly repo = new TokenRepository();

  constructor(private readonly clock: Clock) {}

  /** Creates a token in the caller's transaction. */
  async issue(db: Executor<IdentityTables>, input: IssueTokenInput): Promise<IssuedToken> {
    const token = newSecret(TOKEN_PREFIX[input.kind]);
    const row = await this.repo.insert(db, {
      id: randomUUID(),
      kind: input.kind,
      user_id: input.userId,
      org_rid: input.orgRid,
      client_id: input.clientId ?? null,
      name: input.name ?? null,
      secret_hash: hashSecret(token),
      scopes: input.scopes,
      created_at: this.clock.now(),
      expires_at: input.expiresAt,
      revoked_at: null,
      last_used_at: null,
      parent_id: input.parentId ?? null,
    });
    return { token, record: toTokenRecord(row) };
  }

  /**
   * Returns the live token a secret belongs to, or throws 401: `InvalidToken` (unknown, or not
   * one of `kinds`), `TokenRevoked` or `TokenExpired`.
   */
  async verify(db: Executor<IdentityTables>, secret: string, kinds: TokenKind[]): Promise<TokenRecord> {
    const row = await this.repo.findBySecretHash(db, hashSecret(secret));
    if (!row || !kinds.includes(row.kind)) throw new UnauthorizedError('InvalidToken');
    const record = toTokenRecord(row);
    if (record.revokedAt) throw new UnauthorizedError('TokenRevoked', { tokenId: record.id });
    const now = this.clock.now();
    if (record.expiresAt.getTime() <= now.getTime()) throw new UnauthorizedError('TokenExpired', { tokenId: record.id, expiredAt: record.expiresAt.toISOString() });
    await this.repo.touch(db, record.id, now);
    return record;
  }

  async findById(db: Executor<IdentityTables>, id: string): Promise<TokenRecord | undefined> {
    const row = await this.repo.findById(db, id);
    return row && toTokenRecord(row);
  }

  /** Revokes a token (and tokens issued from it); returns whether it was live. */
  revoke(db: Executor<IdentityTables>, id: string): Promise<boolean> {
    return this.repo.revoke(db, id, this.clock.now());
  }

  /** Revokes every token of a user (optionally only some kinds); returns how many. */
  revokeAllOfUser(db: Executor<IdentityTables>, userId: string, kinds?: TokenKind[]): Promise<number> {
    return this.repo.revokeAllOfUser(db, userId, this.clock.now(), kinds);
  }

  async listOfUser(db: Executor<IdentityTables>, userId: string, kind: TokenKind, limit: number, after?: { createdAt: Date; id: string }): Promise<TokenRecord[]> {
    return (await this.repo.listOfUser(db, userId, kind, limit, after)).map(toTokenRecord);
  }
}
