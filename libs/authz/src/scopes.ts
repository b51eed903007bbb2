import { PermissionDeniedError } from '@openfoundry/kernel';
import type { Principal } from './principal.js';

/**
 * OAuth/token scopes, named as Foundry's (`api:<area>-read|write`). A credential with a scope
 * list may only call endpoints whose required scope is in it; a browser session (`scopes: null`)
 * is limited only by roles.
 */
export const SCOPES = [
  'api:admin-read',
  'api:admin-write',
  'api:filesystem-read',
  'api:filesystem-write',
  'api:audit-read',
  'api:datasets-read',
  'api:datasets-write',
  'api:sql-queries-read',
  'api:sql-queries-execute',
  'api:ontologies-read',
  'api:ontologies-write',
  'api:usage:admin-read',
  'offline_access',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Scopes an endpoint may require; `offline_access` only governs refresh tokens. */
export type ApiScope = Exclude<Scope, 'offline_access'>;

export function isKnownScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Throws 403 `MissingScope` unless the principal's credential carries `scope`. */
export function requireScope(principal: Principal, scope: ApiScope): void {
  if (principal.scopes === null) return;
  if (principal.scopes.includes(scope)) return;
  // A write scope implies the read scope of the same area.
  if (scope.endsWith('-read') && principal.scopes.includes(scope.replace(/-read$/, '-write'))) return;
  // Executing SQL queries implies reading their status and results (Foundry pairs the two).
  if (scope === 'api:sql-queries-read' && principal.scopes.includes('api:sql-queries-execute')) return;
  throw new PermissionDeniedError('MissingScope', { requiredScope: scope });
}
