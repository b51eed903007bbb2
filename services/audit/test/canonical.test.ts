import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from '../src/canonical.js';

/** The first implementation: stored chains were hashed with it, so every later one must agree. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: undefined, e: 'x' }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,{"e":"x"}]},"b":1}');
    expect(canonicalJson([undefined, 'é', '\u2028', 1e21, -0])).toBe('[null,"é","\u2028",1e+21,0]');
  });

  it('writes exactly what the first implementation wrote, for any JSON with undefined members', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ unit: 'binary' }), fc.option(tie('node'), { nil: undefined }), { maxKeys: 5 })),
    })).node;
    fc.assert(fc.property(value, (v) => canonicalJson(v) === reference(v)), { numRuns: 2000 });
  });
});
