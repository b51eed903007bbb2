import type { AuditLog } from '@openfoundry/audit';
import type { Kysely } from '@openfoundry/db';
import { InvalidArgumentError, NotFoundError, type Clock } from '@openfoundry/kernel';
import { z } from 'zod';
import type { AuthService } from './auth.service.js';
import type { IdentityTables } from './identity.types.js';
import type { OrganizationService } from './organization.service.js';
import { checkPasswordPolicy, hashPassword } from './password.js';
import { checkPatExpiry, resolvePatScopes, type PersonalTokenService } from './personal-token.service.js';
import { UserRepository } from './user.repository.js';

/** Operator actions that run outside any request: first start, CLI, tests. */
export interface IdentityBootstrap {
  hasUsers(): Promise<boolean>;
  createOrganizationWithAdmin(i: { orgName: string; email: string; password: string }): Promise<{ orgRid: string; userId: string }>;
  /** One-time token for `${publicUrl}/setup?token=...`; stored hashed, valid 24 hours. */
  createSetupToken(): Promise<string>;
  createPersonalAccessToken(i: { email: string; name: string; expiresInMs: number; scopes?: string[] | undefined }): Promise<{ token: string; id: string; expiresAt: string }>;
}

export function createBootstrap(d: { db: Kysely<IdentityTables>; audit: AuditLog; clock: Clock; orgs: OrganizationService; auth: AuthService; pats: PersonalTokenService }): IdentityBootstrap {
  const users = new UserRepository();
  return {
    hasUsers: () => users.anyExists(d.db),

    async createOrganizationWithAdmin(i) {
      if (!z.email().safeParse(i.email).success) throw new InvalidArgumentError('InvalidEmail', { parameter: 'email' });
      checkPasswordPolicy(i.password);
      const passwordHash = await hashPassword(i.password);
      const { org, admin } = await d.db.transaction().execute((trx) => d.orgs.createWithAdmin(trx, { orgName: i.orgName, email: i.email, passwordHash }));
      return { orgRid: org.rid, userId: admin.id };
    },

    createSetupToken: () => d.auth.createSetupToken(),

    async createPersonalAccessToken(i) {
      const name = i.name.trim();
      if (!name || name.length > 100) throw new InvalidArgumentError('InvalidTokenName', { parameter: 'name' });
      const now = d.clock.now();
      const expiresAt = new Date(now.getTime() + i.expiresInMs);
      checkPatExpiry(expiresAt, now);
      const scopes = resolvePatScopes(i.scopes, null);
      return d.db.transaction().execute(async (trx) => {
        const user = await users.findActiveByEmail(trx, i.email);
        if (!user) throw new NotFoundError('UserNotFound', { email: i.email });
        const issued = await d.pats.issueFor(trx, { id: user.id, orgRid: user.org_rid }, { name, expiresAt, scopes }, (tokenId) =>
          d.audit.append(trx, {
            orgRid: user.org_rid,
            actor: { kind: 'system', id: null },
            category: 'token.create',
            outcome: 'success',
            resourceRids: [user.id],
            details: { tokenId, kind: 'pat', name, scopes, expiresAt: expiresAt.toISOString(), userId: user.id },
          }),
        );
        return { token: issued.token, id: issued.record.id, expiresAt: issued.record.expiresAt.toISOString() };
      });
    },
  };
}
