/**
 * The only HTTP client for user-supplied URLs (ARCHITECTURE §5): webhooks, REST connectors and
 * OIDC issuers go through {@link createOutboundFetch}, never through the global `fetch`.
 */
export { createOutboundFetch, vetDestination, type OutboundFetch, type OutboundOptions, type Resolver, type ResolvedAddress, type Destination } from './outbound-fetch.js';
export { blockedReason, isPublicAddress, type BlockReason } from './address-policy.js';
export { parseAllowList, type AllowList } from './allow-list.js';
export { OutboundError, type OutboundFailure } from './outbound.errors.js';
