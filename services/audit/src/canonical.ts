import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of the empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(prevHash: string, canonicalEvent: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalEvent).digest('hex');
}
