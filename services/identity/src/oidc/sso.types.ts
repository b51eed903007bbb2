import type { OAuthDb } from '../oauth/oauth.types.js';

/** Which claim of the IdP fills which user field. */
export interface ClaimMapping {
  email: string;
  username: string;
  givenName: string;
  familyName: string;
  /** Absent: group memberships are not synchronised. */
  groups: string | null;
}

/** Tables added by migration `0002_oauth_oidc` for OpenID Connect single sign-on. */
export interface SsoTables {
  'identity.identity_providers': {
    id: string;
    org_rid: string;
    name: string;
    issuer: string;
    client_id: string;
    /** AES-256-GCM ciphertext (see secret-box.ts); never returned by the API. */
    client_secret_enc: string;
    scopes: string[];
    claim_email: string;
    claim_username: string;
    claim_given_name: string;
    claim_family_name: string;
    claim_groups: string | null;
    show_on_login_page: boolean;
    email_domains: string[];
    jit_provisioning: boolean;
    created_at: Date;
    updated_at: Date;
    deleted_at: Date | null;
  };
  'identity.sso_links': {
    provider_id: string;
    subject: string;
    user_id: string;
    org_rid: string;
    created_at: Date;
    last_login_at: Date;
  };
  'identity.sso_login_states': {
    id: string;
    /** SHA-256 of the `state` sent to the IdP. */
    state_hash: string;
    /** SHA-256 of the browser-binding cookie set when the flow started. */
    binding_hash: string;
    provider_id: string;
    nonce: string;
    /** AES-256-GCM ciphertext of the PKCE code verifier. */
    code_verifier_enc: string;
    /** Relative path to land on after sign-in. */
    return_to: string;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
  };
}

/** The identity schema as the SSO code sees it. */
export type SsoDb = OAuthDb & SsoTables;
