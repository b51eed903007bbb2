import { createHmac, hash, randomBytes } from 'node:crypto';

/**
 * A new bearer secret: a recognisable prefix (so leaked tokens can be found by secret scanners
 * and told apart by kind) and 256 random bits.
 */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * How secrets are stored. A fast hash is enough because the secrets carry 256 bits of entropy;
 * it lets a presented secret be looked up by an indexed equality match.
 */
export function hashSecret(secret: string): string {
  // One-shot hash: it runs on every authenticated request (the cache key).
  return hash('sha256', secret, 'hex');
}

/**
 * The CSRF token of a session, derived from the session secret with the server key: nothing to
 * store, and it cannot be computed without both.
 */
export function csrfTokenFor(secretKey: Buffer, sessionSecret: string): string {
  return createHmac('sha256', secretKey).update('csrf\0').update(sessionSecret).digest('base64url');
}
