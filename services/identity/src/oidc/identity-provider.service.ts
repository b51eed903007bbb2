import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@openfoundry/audit';
import { requireOrgAdmin } from '@openfoundry/authz';
import type { Kysely } from '@openfoundry/db';
import { InvalidArgumentError, NotFoundError, decodePageToken, resolvePageSize, toPage, validateDisplayName, type Clock, type Page } from '@openfoundry/kernel';
import { parseAllowList } from '@openfoundry/outbound';
import { auditAs, type Caller } from '../identity.context.js';
import type { SecretBox } from './secret-box.js';
import { SsoRepository, type IdentityProviderRow } from './sso.repository.js';
import type { ClaimMapping, SsoDb } from './sso.types.js';

export const DEFAULT_SSO_SCOPES = ['openid', 'email', 'profile'];
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = { email: 'email', username: 'preferred_username', givenName: 'given_name', familyName: 'family_name', groups: null };

/** An identity provider as the API shows it: never its client secret. */
export interface IdentityProviderJson {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecretSet: true;
  scopes: string[];
  claimMapping: ClaimMapping;
  showOnLoginPage: boolean;
  emailDomains: string[];
  jitProvisioning: boolean;
  /** The redirect URI to register at the identity provider. */
  callbackUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface IdentityProviderInput {
  name: string;
  issuer: string;
  clientId: string;
  /** Required on create; absent on update keeps the stored one. */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  claimMapping?: Partial<ClaimMapping> | undefined;
  showOnLoginPage?: boolean | undefined;
  emailDomains?: string[] | undefined;
  jitProvisioning?: boolean | undefined;
}

export const identityProviderNotFound = (identityProviderId: string) => new NotFoundError('IdentityProviderNotFound', { identityProviderId });

const invalid = (parameter: string, problem: string, extra: Record<string, unknown> = {}) => new InvalidArgumentError('InvalidIdentityProvider', { parameter, problem, ...extra });

// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The realm of users and groups a provider manages. */
export function providerRealm(providerId: string): string {
  return `oidc:${providerId}`;
}

function providerPageKey(token: string | undefined): { createdAt: Date; id: string } | undefined {
  const key = decodePageToken(token);
  if (!key) return undefined;
  if (key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string' || Number.isNaN(Date.parse(key[0]))) {
    throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
  }
  return { createdAt: new Date(key[0]), id: key[1] };
}

/**
 * OpenID Connect identity providers of an organization, managed by its admins. The client secret
 * is write-only: sealed with AES-256-GCM under a key derived from the server key and bound to
 * the provider's id, and never returned.
 */
export class IdentityProviderService {
  private readonly repo = new SsoRepository();

  constructor(
    private readonly db: Kysely<SsoDb>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    private readonly deps: { readonly publicUrl: string; outboundAllowHosts: string[] },
  ) {}

  toJson(r: IdentityProviderRow): IdentityProviderJson {
    return {
      id: r.id,
      name: r.name,
      issuer: r.issuer,
      clientId: r.client_id,
      clientSecretSet: true,
      scopes: r.scopes,
      claimMapping: { email: r.claim_email, username: r.claim_username, givenName: r.claim_given_name, familyName: r.claim_family_name, groups: r.claim_groups },
      showOnLoginPage: r.show_on_login_page,
      emailDomains: r.email_domains,
      jitProvisioning: r.jit_provisioning,
      callbackUrl: `${this.deps.publicUrl}/api/v2/auth/sso/callback`,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }

  /**
   * Checks the issuer can be used: https, or plain http only for a host on the operator's
   * outbound allow-list (an intranet IdP, or the tests' loopback IdP). Addresses are checked
   * again, after DNS resolution, on every request libs/outbound makes.
   */
  private checkIssuer(issuer: string): string {
    let u: URL;
    try {
      u = new URL(issuer);
    } catch {
      throw invalid('issuer', 'must be an absolute URL');
    }
    if (u.username || u.password || u.search || u.hash) throw invalid('issuer', 'must not contain credentials, a query or a fragment');
    const allowList = parseAllowList(this.deps.outboundAllowHosts);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && allowList.allows(u.hostname, port))) {
      throw invalid('issuer', 'must use https (plain http only for hosts on OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS)');
    }
    // Kept exactly as given: issuers are compared character for character with the `iss` of
    // discovery documents and ID tokens, and some end in a slash.
    return issuer;
  }

  private normalise(input: IdentityProviderInput) {
    const name = validateDisplayName(input.name, 'name');
    const issuer = this.checkIssuer(input.issuer);
    const scopes = [...new Set(input.scopes ?? DEFAULT_SSO_SCOPES)];
    for (const s of scopes) if (!SCOPE_TOKEN.test(s)) throw invalid('scopes', 'contains a character not allowed in a scope', { scope: s.slice(0, 100) });
    if (!scopes.includes('openid')) throw invalid('scopes', 'must include openid');
    const mapping = { ...DEFAULT_CLAIM_MAPPING, ...input.claimMapping };
    const domains = [...new Set((input.emailDomains ?? []).map((d) => d.trim().toLowerCase()))];
    for (const d of domains) if (!DOMAIN.test(d)) throw invalid('emailDomains', 'must be domain names like example.com', { emailDomain: d.slice(0, 255) });
    return { name, issuer, scopes, mapping, domains };
  }

  async create(caller: Caller, input: IdentityProviderInput): Promise<IdentityProviderJson> {
    requireOrgAdmin(caller.principal);
    const n = this.normalise(input);
    if (!input.clientSecret) throw invalid('clientSecret', 'is required');
    const id = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const row = await this.repo.insertProvider(trx, {
        id,
        org_rid: caller.principal.orgRid,
        name: n.name,
        issuer: n.issuer,
        client_id: input.clientId,
        client_secret_enc: this.box.seal(input.clientSecret!, id),
        scopes: n.scopes,
        claim_email: n.mapping.email,
        claim_username: n.mapping.username,
        claim_given_name: n.mapping.givenName,
        claim_family_name: n.mapping.familyName,
        claim_groups: n.mapping.groups,
        show_on_login_page: input.showOnLoginPage ?? true,
        email_domains: n.domains,
        jit_provisioning: input.jitProvisioning ?? false,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      });
      await auditAs(this.audit, trx, caller, { category: 'identity_provider.create', resourceRids: [id], details: this.auditDetails(row) });
      return this.toJson(row);
    });
  }

  /** Replaces a provider's settings; the client secret changes only when one is given. */
  async update(caller: Caller, id: string, input: IdentityProviderInput): Promise<IdentityProviderJson> {
    requireOrgAdmin(caller.principal);
    const n = this.normalise(input);
    return this.db.transaction().execute(async (trx) => {
      const before = await this.repo.findProviderInOrg(trx, caller.principal.orgRid, id, true);
      if (!before) throw identityProviderNotFound(id);
      const row = await this.repo.updateProvider(trx, id, {
        name: n.name,
        issuer: n.issuer,
        client_id: input.clientId,
        ...(input.clientSecret ? { client_secret_enc: this.box.seal(input.clientSecret, id) } : {}),
        scopes: n.scopes,
        claim_email: n.mapping.email,
        claim_username: n.mapping.username,
        claim_given_name: n.mapping.givenName,
        claim_family_name: n.mapping.familyName,
        claim_groups: n.mapping.groups,
        show_on_login_page: input.showOnLoginPage ?? before.show_on_login_page,
        email_domains: n.domains,
        jit_provisioning: input.jitProvisioning ?? before.jit_provisioning,
        updated_at: this.clock.now(),
      });
      // Subjects are only unique per issuer: links made with another issuer could hand one
      // IdP's user the account of another's. They are dropped; people re-link by email.
      const linksRemoved = before.issuer !== row.issuer ? await this.repo.deleteLinksOfProvider(trx, id) : 0;
      await auditAs(this.audit, trx, caller, {
        category: 'identity_provider.update',
        resourceRids: [id],
        details: { ...this.auditDetails(row), clientSecretChanged: !!input.clientSecret, linksRemoved },
      });
      return this.toJson(row);
    });
  }

  async get(caller: Caller, id: string): Promise<IdentityProviderJson> {
    requireOrgAdmin(caller.principal);
    const row = await this.repo.findProviderInOrg(this.db, caller.principal.orgRid, id);
    if (!row) throw identityProviderNotFound(id);
    return this.toJson(row);
  }

  async list(caller: Caller, q: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<IdentityProviderJson>> {
    requireOrgAdmin(caller.principal);
    const pageSize = resolvePageSize(q.pageSize);
    const rows = await this.repo.listProviders(this.db, caller.principal.orgRid, pageSize + 1, providerPageKey(q.pageToken));
    return toPage(rows, pageSize, (r) => [new Date(r.created_at).toISOString(), r.id], (r) => this.toJson(r));
  }

  /** Removes a provider from sign-in. Users it created stay (they may hold resources). */
  async delete(caller: Caller, id: string): Promise<void> {
    requireOrgAdmin(caller.principal);
    await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.findProviderInOrg(trx, caller.principal.orgRid, id, true);
      if (!row) throw identityProviderNotFound(id);
      await this.repo.updateProvider(trx, id, { deleted_at: this.clock.now() });
      await auditAs(this.audit, trx, caller, { category: 'identity_provider.delete', resourceRids: [id], details: { identityProviderId: id, name: row.name } });
    });
  }

  private auditDetails(r: IdentityProviderRow): Record<string, unknown> {
    return {
      identityProviderId: r.id,
      name: r.name,
      issuer: r.issuer,
      clientId: r.client_id,
      scopes: r.scopes,
      showOnLoginPage: r.show_on_login_page,
      emailDomains: r.email_domains,
      jitProvisioning: r.jit_provisioning,
      claimGroups: r.claim_groups,
    };
  }
}
