import { InvalidArgumentError } from '@openfoundry/kernel';
import type { Executor } from '@openfoundry/db';
import { oauthClientNotFound } from './oauth-client.service.js';
import { disallowedScope, isPkceValue, parseScopeParam, sortScopes } from './oauth.policy.js';
import { OAuthRepository, type OAuthClientRow } from './oauth.repository.js';
import type { OAuthDb } from './oauth.types.js';

/** The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface AuthorizationParams {
  response_type?: string | undefined;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

/** A request that passed every check. */
export interface ValidAuthorization {
  client: OAuthClientRow;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | null;
}

/**
 * A problem that may be reported to the client by redirecting to its (verified) redirect URI,
 * as RFC 6749 §4.1.2.1 prescribes once client and redirect URI are known to be genuine.
 */
export class RedirectableAuthorizationError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly error: 'invalid_request' | 'unauthorized_client' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied',
    readonly description: string,
    readonly state: string | undefined,
    /** The parameter at fault, for the Foundry error of the consent API. */
    readonly parameter: string,
  ) {
    super(`${error}: ${description}`);
  }

  /** The same problem as a 400 naming the parameter (for the JSON consent API). */
  toFoundryError(): InvalidArgumentError {
    return new InvalidArgumentError('InvalidAuthorizationRequest', { parameter: this.parameter, error: this.error, problem: this.description });
  }
}

const repo = new OAuthRepository();

/**
 * Validates an authorization request. Problems with the client or redirect URI throw a Foundry
 * error (404 `OAuthClientNotFound`, 400 `InvalidRedirectUri`): the browser must never be sent to
 * an unverified address. Everything else throws {@link RedirectableAuthorizationError}.
 *
 * `orgRid`, when known (a signed-in user), limits clients to that organization, so another
 * organization's client is reported exactly like an unknown one.
 */
export async function validateAuthorizationRequest(db: Executor<OAuthDb>, p: AuthorizationParams, orgRid?: string): Promise<ValidAuthorization> {
  if (!p.client_id) throw new InvalidArgumentError('InvalidAuthorizationRequest', { parameter: 'client_id', problem: 'is required' });
  const client = orgRid ? await repo.findClientInOrg(db, orgRid, p.client_id) : await repo.findClient(db, p.client_id);
  if (!client) throw oauthClientNotFound(p.client_id);
  if (!p.redirect_uri) throw new InvalidArgumentError('InvalidRedirectUri', { parameter: 'redirect_uri', problem: 'is required' });
  // Exact string match: no prefix, host-only or normalised comparison an attacker could bend.
  if (!client.redirect_uris.includes(p.redirect_uri)) {
    throw new InvalidArgumentError('InvalidRedirectUri', { parameter: 'redirect_uri', problem: 'is not registered for this client' });
  }
  const fail = (error: RedirectableAuthorizationError['error'], parameter: string, description: string) =>
    new RedirectableAuthorizationError(p.redirect_uri!, error, description, p.state || undefined, parameter);

  if (p.response_type !== 'code') throw fail('unsupported_response_type', 'response_type', 'response_type must be "code"');
  if (!client.grant_types.includes('authorization_code')) throw fail('unauthorized_client', 'client_id', 'this client may not use the authorization code grant');
  if (!p.state) throw fail('invalid_request', 'state', 'state is required');
  if (p.state.length > 1024) throw fail('invalid_request', 'state', 'state must be at most 1024 characters');
  const scopes = parseScopeParam(p.scope);
  if (!scopes.length) throw fail('invalid_scope', 'scope', 'scope is required');
  const bad = disallowedScope(scopes, client.allowed_scopes);
  if (bad) throw fail('invalid_scope', 'scope', `scope "${bad.slice(0, 100)}" is not allowed for this client`);

  let codeChallenge: string | null = null;
  let codeChallengeMethod: 'S256' | null = null;
  if (p.code_challenge !== undefined || p.code_challenge_method !== undefined) {
    // "plain" gives no protection against a stolen code; only S256 is accepted.
    if (p.code_challenge_method !== 'S256') throw fail('invalid_request', 'code_challenge_method', 'code_challenge_method must be S256');
    if (!p.code_challenge || !isPkceValue(p.code_challenge)) throw fail('invalid_request', 'code_challenge', 'code_challenge must be 43-128 unreserved characters');
    codeChallenge = p.code_challenge;
    codeChallengeMethod = 'S256';
  } else if (client.type === 'PUBLIC') {
    throw fail('invalid_request', 'code_challenge', 'PKCE (code_challenge with S256) is required for public clients');
  }
  return { client, redirectUri: p.redirect_uri, scopes: sortScopes(scopes), state: p.state, codeChallenge, codeChallengeMethod };
}
