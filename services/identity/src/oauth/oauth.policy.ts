import { createHash, timingSafeEqual } from 'node:crypto';
import { isKnownScope, SCOPES } from '@openfoundry/authz';

/** Lifetimes of what the authorization server issues. */
export const CODE_TTL_MS = 60_000;
export const ACCESS_TOKEN_TTL_MS = 3_600_000;
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000;

/** What the consent page tells a person each scope allows. */
export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[number], string> = {
  'api:admin-read': 'See users, groups and organizations',
  'api:admin-write': 'Manage users, groups and organizations',
  'api:filesystem-read': 'See projects, folders and files',
  'api:filesystem-write': 'Create and change projects, folders and files',
  'api:audit-read': "Read the organization's audit trail",
  'api:datasets-read': 'Read datasets: files, tables, schemas and history',
  'api:datasets-write': 'Create datasets and write to them',
  'api:sql-queries-read': 'Read the status and results of your SQL queries',
  'api:sql-queries-execute': 'Run SQL queries over datasets you can read',
  'api:ontologies-read': 'Read ontologies, object types and the objects you can see',
  'api:ontologies-write': 'Change ontologies: object, link and interface types',
  'api:usage:admin-read': 'See usage of the platform',
  offline_access: 'Stay signed in (refresh tokens) until access is revoked',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Why a redirect URI may not be registered, or `undefined`. Exact URIs only: absolute, no
 * fragment or credentials, https, or plain http to a loopback address (native apps, RFC 8252).
 */
export function redirectUriProblem(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (u.hash || uri.includes('#')) return 'must not contain a fragment';
  if (u.username || u.password) return 'must not contain credentials';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) return undefined;
  return 'must use https, or http with a loopback host (127.0.0.1, [::1], localhost)';
}

/** Splits an OAuth `scope` parameter (space-delimited, RFC 6749 §3.3) into distinct scopes. */
export function parseScopeParam(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/** Scopes in a stable order, for responses and storage. */
export function sortScopes(scopes: Iterable<string>): string[] {
  return [...new Set(scopes)].sort();
}

/** The first scope that is unknown or not allowed for the client, if any. */
export function disallowedScope(requested: string[], allowed: string[]): string | undefined {
  return requested.find((s) => !isKnownScope(s) || !allowed.includes(s));
}

const PKCE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636: verifiers and S256 challenges are 43–128 unreserved characters. */
export function isPkceValue(v: string): boolean {
  return PKCE_RE.test(v);
}

/** Checks `verifier` against a stored S256 challenge in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!isPkceValue(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** Compares two secrets' hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
