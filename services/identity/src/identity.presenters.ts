import { z } from 'zod';
import type { GroupRow } from './group.repository.js';
import type { OrganizationRow } from './organization.repository.js';
import type { UserRow } from './user.repository.js';
import type { TokenRecord } from './token.service.js';

/** Realm of accounts that sign in with a password held by OpenFoundry. */
export const INTERNAL_REALM = 'openfoundry-internal-realm';

const Attributes = z.record(z.string(), z.array(z.string()));

/**
 * Foundry's `User`, plus `organizationAdmin` (an OpenFoundry addition the web app needs; Foundry
 * clients ignore unknown fields).
 */
export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    givenName: z.string().optional(),
    familyName: z.string().optional(),
    email: z.string().optional(),
    realm: z.string(),
    organization: z.string().optional(),
    status: z.enum(['ACTIVE', 'DELETED']),
    attributes: Attributes,
    organizationAdmin: z.boolean(),
  })
  .meta({ id: 'User' });

export const GroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    realm: z.string(),
    organizations: z.array(z.string()),
    attributes: Attributes,
  })
  .meta({ id: 'Group' });

export const GroupMemberSchema = z.object({ principalType: z.enum(['USER', 'GROUP']), principalId: z.string() }).meta({ id: 'GroupMember' });

export const OrganizationSchema = z
  .object({
    rid: z.string(),
    name: z.string(),
    description: z.string().optional(),
    markingId: z.string(),
    host: z.string().optional(),
  })
  .meta({ id: 'Organization' });

export const TokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().optional(),
    revokedAt: z.string().optional(),
    status: z.enum(['ACTIVE', 'EXPIRED', 'REVOKED']),
  })
  .meta({ id: 'PersonalAccessToken' });

export type UserJson = z.infer<typeof UserSchema>;
export type GroupJson = z.infer<typeof GroupSchema>;
export type OrganizationJson = z.infer<typeof OrganizationSchema>;
export type TokenInfoJson = z.infer<typeof TokenInfoSchema>;

const opt = <K extends string>(key: K, v: string | null | undefined) => (v === null || v === undefined ? {} : ({ [key]: v } as Record<K, string>));

export function toUserJson(u: UserRow): UserJson {
  // Foundry exposes a user's profile as multipass attributes too; clients read either.
  const attributes: Record<string, string[]> = { 'multipass:realm': [u.realm], 'multipass:organization-rid': [u.org_rid] };
  if (u.email) attributes['multipass:email:primary'] = [u.email];
  if (u.given_name) attributes['multipass:given-name'] = [u.given_name];
  if (u.family_name) attributes['multipass:family-name'] = [u.family_name];
  return {
    id: u.id,
    username: u.username,
    ...opt('givenName', u.given_name),
    ...opt('familyName', u.family_name),
    ...opt('email', u.email),
    realm: u.realm,
    organization: u.org_rid,
    status: u.status,
    attributes,
    organizationAdmin: u.is_org_admin,
  };
}

export function toGroupJson(g: GroupRow): GroupJson {
  return {
    id: g.id,
    name: g.name,
    ...opt('description', g.description),
    realm: g.realm,
    organizations: [g.org_rid],
    attributes: (typeof g.attributes === 'string' ? JSON.parse(g.attributes) : g.attributes) ?? {},
  };
}

export function toOrganizationJson(o: OrganizationRow): OrganizationJson {
  return { rid: o.rid, name: o.name, ...opt('description', o.description), markingId: o.marking_id, ...opt('host', o.host) };
}

export function toTokenInfoJson(t: TokenRecord, now: Date): TokenInfoJson {
  return {
    id: t.id,
    name: t.name ?? '',
    scopes: t.scopes,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    ...(t.lastUsedAt ? { lastUsedAt: t.lastUsedAt.toISOString() } : {}),
    ...(t.revokedAt ? { revokedAt: t.revokedAt.toISOString() } : {}),
    status: t.revokedAt ? 'REVOKED' : t.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'ACTIVE',
  };
}
