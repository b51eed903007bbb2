import type { Generated } from '@openfoundry/db';

/** Kinds of bearer credentials kept in `identity.tokens`. */
export type TokenKind = 'pat' | 'oauth_access' | 'oauth_refresh';

/** Foundry's user status; deleted users stay (their id may be referenced) but cannot sign in. */
export type UserStatus = 'ACTIVE' | 'DELETED';

/** `user` for people, `service` for the service user behind an OAuth client (client credentials). */
export type UserKind = 'user' | 'service';

/**
 * Tables of the `identity` schema, as Kysely sees them. Later migrations of this service (OAuth,
 * SSO) add their tables by declaration merging (`declare module '../identity.types.js' {
 * interface IdentityTables {...} }`), so one `Executor<IdentityTables>` reaches all of them and
 * transactions pass between the repositories without casts.
 */
export interface IdentityTables {
  'identity.organizations': {
    rid: string;
    name: string;
    description: string | null;
    host: string | null;
    marking_id: string;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  'identity.users': {
    id: string;
    org_rid: string;
    kind: UserKind;
    username: string;
    email: string | null;
    given_name: string | null;
    family_name: string | null;
    realm: string;
    status: UserStatus;
    is_org_admin: boolean;
    password_hash: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  'identity.groups': {
    id: string;
    org_rid: string;
    name: string;
    description: string | null;
    realm: string;
    attributes: Record<string, string[]>;
    created_at: Generated<Date>;
  };
  'identity.group_members': {
    group_id: string;
    principal_id: string;
    principal_type: 'USER' | 'GROUP';
    expiration: Date | null;
    created_at: Generated<Date>;
  };
  'identity.tokens': {
    id: string;
    kind: TokenKind;
    user_id: string;
    org_rid: string;
    client_id: string | null;
    name: string | null;
    secret_hash: string;
    scopes: string[];
    created_at: Generated<Date>;
    expires_at: Date;
    revoked_at: Date | null;
    last_used_at: Date | null;
    parent_id: string | null;
  };
  'identity.sessions': {
    id: string;
    user_id: string;
    org_rid: string;
    secret_hash: string;
    created_at: Generated<Date>;
    expires_at: Date;
    revoked_at: Date | null;
    client_ip: string | null;
    user_agent: string | null;
  };
  'identity.setup_tokens': {
    id: string;
    secret_hash: string;
    created_at: Generated<Date>;
    expires_at: Date;
    used_at: Date | null;
  };
  'identity.login_throttle': {
    key: string;
    failures: number;
    window_start: Date;
    locked_until: Date | null;
  };
}
