import * as oidc from 'openid-client';
import type { OutboundFetch } from '@openfoundry/outbound';
import type { IdentityProviderRow } from './sso.repository.js';

/** How long a provider's discovery document is reused before being fetched again. */
const DISCOVERY_TTL_MS = 10 * 60_000;

interface Cached {
  key: string;
  config: oidc.Configuration;
  fetchedAt: number;
}

/**
 * openid-client configurations of identity providers, from their discovery documents, fetched
 * only through libs/outbound (the issuer URL is user-supplied). Cached per provider and
 * invalidated when the provider's settings change.
 */
export class OidcClients {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly fetch: OutboundFetch) {}

  async configuration(provider: IdentityProviderRow, clientSecret: string): Promise<oidc.Configuration> {
    const key = `${new Date(provider.updated_at).getTime()}`;
    const hit = this.cache.get(provider.id);
    if (hit && hit.key === key && Date.now() - hit.fetchedAt < DISCOVERY_TTL_MS) return hit.config;

    const issuer = new URL(provider.issuer);
    // Plain http passed the outbound policy only because the operator allow-listed the host.
    const insecure = issuer.protocol === 'http:';
    const options: oidc.DiscoveryRequestOptions = {
      [oidc.customFetch]: this.fetch as oidc.CustomFetch,
      timeout: 10,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    };
    let config = await oidc.discovery(issuer, provider.client_id, undefined, oidc.ClientSecretBasic(clientSecret), options);
    // client_secret_basic is the OIDC default; use client_secret_post only where that is all the IdP takes.
    const methods = config.serverMetadata().token_endpoint_auth_methods_supported;
    if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
      config = new oidc.Configuration(config.serverMetadata(), provider.client_id, undefined, oidc.ClientSecretPost(clientSecret));
      config[oidc.customFetch] = this.fetch as oidc.CustomFetch;
      config.timeout = 10;
      if (insecure) oidc.allowInsecureRequests(config);
    }
    this.cache.set(provider.id, { key, config, fetchedAt: Date.now() });
    return config;
  }
}
