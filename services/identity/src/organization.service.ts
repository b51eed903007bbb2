import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { requireOrgAdmin } from '@openfoundry/authz';
import type { Executor, Kysely } from '@openfoundry/db';
import { makeRid, validateDisplayName, type Clock } from '@openfoundry/kernel';
import { auditAs, requestFacts, type Caller } from './identity.context.js';
import { IdentityErrors } from './identity.errors.js';
import { toOrganizationJson, type OrganizationJson } from './identity.presenters.js';
import type { IdentityTables } from './identity.types.js';
import { OrganizationRepository, type OrganizationRow } from './organization.repository.js';
import type { UserService } from './user.service.js';
import type { UserRow } from './user.repository.js';
import type { RequestContext } from '@openfoundry/http';

/** Foundry's organization RID: platform-wide, so the instance part is empty. */
export function newOrganizationRid(): string {
  return makeRid('multipass', '', 'organization', randomUUID());
}

export interface NewOrganizationWithAdmin {
  orgName: string;
  email: string;
  passwordHash: string;
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
}

/** Organizations (tenants): creation with a first admin, and Foundry's get / replace. */
export class OrganizationService {
  private readonly orgs = new OrganizationRepository();

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly users: UserService,
  ) {}

  /**
   * Creates an organization and its first admin in the caller's transaction (bootstrap, CLI and
   * the setup page). Audited as an act of the system, or of the person completing setup.
   */
  async createWithAdmin(trx: Executor<IdentityTables>, input: NewOrganizationWithAdmin, ctx?: RequestContext): Promise<{ org: OrganizationRow; admin: UserRow }> {
    const name = validateDisplayName(input.orgName, 'organizationName');
    const org = await this.orgs.insert(trx, { rid: newOrganizationRid(), name, description: null, marking_id: randomUUID(), now: this.clock.now() });
    const admin = await this.users.insertUser(trx, {
      orgRid: org.rid,
      kind: 'user',
      email: input.email,
      username: input.email,
      givenName: input.givenName ?? null,
      familyName: input.familyName ?? null,
      isOrgAdmin: true,
      passwordHash: input.passwordHash,
    });
    const base = { orgRid: org.rid, actor: { kind: 'system' as const, id: null }, outcome: 'success' as const, ...requestFacts(ctx) };
    await this.audit.append(trx, { ...base, category: 'organization.create', resourceRids: [org.rid], details: { organizationRid: org.rid, name } });
    await this.audit.append(trx, {
      ...base,
      category: 'user.create',
      resourceRids: [admin.id],
      details: { userId: admin.id, username: admin.username, organizationAdmin: true, passwordSet: true },
    });
    return { org, admin };
  }

  async get(caller: Caller, rid: string): Promise<OrganizationJson> {
    if (rid !== caller.principal.orgRid) throw IdentityErrors.organizationNotFound(rid);
    const org = await this.orgs.find(this.db, rid);
    if (!org) throw IdentityErrors.organizationNotFound(rid);
    return toOrganizationJson(org);
  }

  /** Replaces name, description and host (Foundry's `replace`: absent optional fields are cleared). */
  async replace(caller: Caller, rid: string, input: { name: string; description?: string | undefined; host?: string | undefined }): Promise<OrganizationJson> {
    if (rid !== caller.principal.orgRid) throw IdentityErrors.organizationNotFound(rid);
    requireOrgAdmin(caller.principal);
    const name = validateDisplayName(input.name, 'name');
    return this.db.transaction().execute(async (trx) => {
      const before = await this.orgs.find(trx, rid);
      if (!before) throw IdentityErrors.organizationNotFound(rid);
      const after = await this.orgs.update(trx, rid, { name, description: input.description ?? null, host: input.host ?? null, now: this.clock.now() });
      await auditAs(this.audit, trx, caller, {
        category: 'organization.update',
        resourceRids: [rid],
        details: {
          organizationRid: rid,
          from: { name: before.name, description: before.description, host: before.host },
          to: { name: after.name, description: after.description, host: after.host },
        },
      });
      return toOrganizationJson(after);
    });
  }

  async find(rid: string): Promise<OrganizationRow | undefined> {
    return this.orgs.find(this.db, rid);
  }
}
