import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level (UTF-16 code unit order) and undefined members left
 * out: the same event always hashes the same. Written as loops over string concatenation, not
 * `entries().filter().sort().map().join()`: every read of the platform is audited, so this runs
 * once per request. Its output must never change (stored hashes are verified with it).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return `${out}}`;
}

/** The hash of the empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(prevHash: string, canonicalEvent: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalEvent).digest('hex');
}
