import type { IdentityTables } from '../identity.types.js';

/** `CONFIDENTIAL` clients hold a secret (servers); `PUBLIC` ones cannot (browser and native apps). */
export type OAuthClientType = 'CONFIDENTIAL' | 'PUBLIC';

/** Grants a client may use at the token endpoint. */
export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Tables added by migration `0002_oauth_oidc` for the OAuth2 authorization server. */
export interface OAuthTables {
  'identity.oauth_clients': {
    id: string;
    client_id: string;
    org_rid: string;
    name: string;
    type: OAuthClientType;
    /** SHA-256 of the client secret (256 random bits), null for public clients. */
    secret_hash: string | null;
    redirect_uris: string[];
    allowed_scopes: string[];
    grant_types: string[];
    /** The service user client-credentials tokens act as (confidential clients only). */
    service_user_id: string | null;
    created_by: string | null;
    created_at: Date;
    updated_at: Date;
    secret_rotated_at: Date | null;
    deleted_at: Date | null;
  };
  'identity.oauth_codes': {
    id: string;
    code_hash: string;
    client_id: string;
    org_rid: string;
    user_id: string;
    redirect_uri: string;
    scopes: string[];
    code_challenge: string | null;
    code_challenge_method: string | null;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
    /** The grant the code was exchanged for, so a replayed code can revoke its tokens. */
    grant_id: string | null;
  };
  'identity.oauth_grants': {
    id: string;
    org_rid: string;
    client_id: string;
    user_id: string;
    scopes: string[];
    created_at: Date;
    revoked_at: Date | null;
  };
}

/** The identity schema as the OAuth and SSO code sees it. */
export type OAuthDb = IdentityTables & OAuthTables;

/**
 * The same database handle seen through the core's narrower table map: Kysely's types are
 * invariant in the table map, so a handle typed for more tables needs this view to be passed to
 * the core repositories and services.
 */
export function coreView<DB extends IdentityTables>(db: import('@openfoundry/db').Executor<DB>): import('@openfoundry/db').Executor<IdentityTables> {
  return db as unknown as import('@openfoundry/db').Executor<IdentityTables>;
}
