import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OntologyDocument } from '../src/definitions/model.js';

/** The documented format is the one the server takes: the example in docs/ontology-as-code.md parses as a document. */
describe('ontology document', () => {
  it('accepts the documented example and refuses unknown fields with their path', () => {
    const md = readFileSync(join(import.meta.dirname, '../../../docs/ontology-as-code.md'), 'utf8');
    const example = /## The document\n\n```yaml\n([\s\S]*?)```/.exec(md)![1]!;
    const parsed = OntologyDocument.safeParse(parse(example));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data!.objectTypes![0]!.properties.tags!.type).toEqual({ type: 'array', subType: { type: 'string' } });
    expect(parsed.data!.objectTypes![0]!.properties.seats!.type).toEqual({ type: 'integer' });
    expect(parsed.data!.linkTypes!.map((l) => l.cardinality)).toEqual(['MANY_TO_ONE', 'MANY_TO_MANY']);

    const bad = OntologyDocument.safeParse({ objectTypes: [{ ...parsed.data!.objectTypes![0], colour: 'red' }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['colour'], path: ['objectTypes', 0] });
    const badName = OntologyDocument.safeParse({ interfaceTypes: [{ apiName: '1Asset', properties: {} }] });
    expect(badName.error!.issues[0]!.path).toEqual(['interfaceTypes', 0, 'apiName']);
    const nested = OntologyDocument.safeParse({ interfaceTypes: [{ apiName: 'A', properties: { p: { type: { type: 'array', subType: { type: 'array', subType: 'string' } } } } }] });
    expect(nested.success).toBe(false);
  });
});
