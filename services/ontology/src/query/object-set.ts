import { sql, type RawBuilder } from '@openfoundry/db';
import { OntologyErrors } from '../ontology.errors.js';
import { FilterCompiler } from './filters.js';
import { allInterfaceLinks } from '../definitions/normalize.js';
import type { LinkSide, OntologyView, ReadableType } from './model.js';
import { decodeObjectRid, typeLocator } from './rids.js';
import { sqlValue, type BoundProperty } from './values.js';

/**
 * Foundry's `ObjectSet` definitions compiled to SQL: for every object type the set can hold, a
 * condition over that type's table (alias `t`). Sets compose as conditions — a filter adds one,
 * a union ORs them per type, a search-around becomes `IN (subquery)` over the link — so loading,
 * counting and aggregating a set is one query per type in the database, never in memory.
 */

/** How the set's properties are named: by an object type, by an interface, or not at all (mixed types). */
export type SetView = { kind: 'object'; apiName: string } | { kind: 'interface'; apiName: string } | { kind: 'mixed' };

export interface CompiledSet {
  view: SetView;
  /** Object type API name → condition over its table. */
  parts: Map<string, RawBuilder<boolean>>;
}

const MAX_DEPTH = 20;

type Json = Record<string, unknown>;

/** Loads a stored object set (temporary or saved) by RID, for `reference` sets. */
export type ObjectSetLoader = (rid: string) => Promise<unknown | undefined>;

export class ObjectSetCompiler {
  constructor(
    private readonly view: OntologyView,
    private readonly load: ObjectSetLoader,
  ) {}

  async compile(set: unknown, depth = 0, references: string[] = []): Promise<CompiledSet> {
    if (depth > MAX_DEPTH) throw OntologyErrors.objectSetTooDeep(MAX_DEPTH);
    if (typeof set !== 'object' || set === null || Array.isArray(set) || typeof (set as Json).type !== 'string') throw OntologyErrors.unsupportedObjectSet('an object set is an object with a type');
    const s = set as Json;
    switch (s.type) {
      case 'base': {
        const t = this.view.type(String(s.objectType));
        return { view: { kind: 'object', apiName: t.def.apiName }, parts: new Map([[t.def.apiName, sql<boolean>`true`]]) };
      }
      case 'interfaceBase': {
        const i = this.view.interface(String(s.interfaceType));
        const parts = new Map(this.view.implementations(i.api_name).map(({ type }) => [type.def.apiName, sql<boolean>`true`] as const));
        return { view: { kind: 'interface', apiName: i.api_name }, parts };
      }
      case 'static': {
        if (!Array.isArray(s.objects) || s.objects.length > 10_000) throw OntologyErrors.unsupportedObjectSet('a static object set lists at most 10,000 object RIDs');
        const byType = new Map<string, string[]>();
        for (const rid of s.objects) {
          const decoded = typeof rid === 'string' ? decodeObjectRid(rid) : undefined;
          const type = decoded && [...this.view.types.values()].find((t) => typeLocator(t.row.rid) === decoded.typeLocator);
          if (!decoded || !type) continue;
          byType.set(type.def.apiName, [...(byType.get(type.def.apiName) ?? []), decoded.primaryKey as never]);
        }
        const parts = new Map<string, RawBuilder<boolean>>();
        for (const [apiName, keys] of byType) {
          const type = this.view.type(apiName);
          const pk = type.primaryKey();
          parts.set(apiName, sql<boolean>`${pk.ref} in (${sql.join(keys.map((k) => sqlValue(pk.def.dataType, k, pk.def.apiName, 'static')))})`);
        }
        return { view: parts.size === 1 ? { kind: 'object', apiName: [...parts.keys()][0]! } : { kind: 'mixed' }, parts };
      }
      case 'filter': {
        const inner = await this.compile(s.objectSet, depth + 1, references);
        const parts = new Map<string, RawBuilder<boolean>>();
        for (const [apiName, cond] of inner.parts) {
          const type = this.view.type(apiName);
          const where = new FilterCompiler(resolverFor(this.view, type, inner.view), inner.view.kind === 'mixed' ? apiName : inner.view.apiName).compile(s.where);
          parts.set(apiName, sql<boolean>`(${cond}) and (${where})`);
        }
        if (inner.view.kind === 'mixed') throw OntologyErrors.unsupportedObjectSet('a filter needs an object set of one object type or interface');
        return { view: inner.view, parts };
      }
      case 'union':
      case 'intersect':
      case 'subtract': {
        if (!Array.isArray(s.objectSets) || !s.objectSets.length) throw OntologyErrors.unsupportedObjectSet(`${s.type} needs a non-empty list of object sets`);
        const sets: CompiledSet[] = [];
        for (const x of s.objectSets) sets.push(await this.compile(x, depth + 1, references));
        return combine(s.type, sets);
      }
      case 'searchAround': {
        const inner = await this.compile(s.objectSet, depth + 1, references);
        if (typeof s.link !== 'string') throw OntologyErrors.unsupportedObjectSet('searchAround needs a link');
        return this.searchAround(inner, s.link);
      }
      case 'interfaceLinkSearchAround': {
        const inner = await this.compile(s.objectSet, depth + 1, references);
        if (typeof s.interfaceLink !== 'string') throw OntologyErrors.unsupportedObjectSet('interfaceLinkSearchAround needs an interfaceLink');
        return this.interfaceLinkSearchAround(inner, s.interfaceLink);
      }
      case 'reference': {
        const rid = String(s.reference);
        if (references.includes(rid)) throw OntologyErrors.objectSetCycle(rid);
        const stored = await this.load(rid);
        if (stored === undefined) throw OntologyErrors.objectSetNotFound(rid);
        return this.compile(stored, depth + 1, [...references, rid]);
      }
      case 'asBaseObjectTypes': {
        const inner = await this.compile(s.objectSet, depth + 1, references);
        return { view: inner.parts.size === 1 ? { kind: 'object', apiName: [...inner.parts.keys()][0]! } : { kind: 'mixed' }, parts: inner.parts };
      }
      case 'asType': {
        const inner = await this.compile(s.objectSet, depth + 1, references);
        const target = String(s.entityType);
        if (this.view.types.has(target)) {
          const cond = inner.parts.get(target);
          return { view: { kind: 'object', apiName: target }, parts: cond ? new Map([[target, cond]]) : new Map() };
        }
        const i = this.view.interface(target);
        const allowed = new Set(this.view.implementations(i.api_name).map((x) => x.type.def.apiName));
        return { view: { kind: 'interface', apiName: i.api_name }, parts: new Map([...inner.parts].filter(([k]) => allowed.has(k))) };
      }
      default:
        throw OntologyErrors.unsupportedObjectSet(`object sets of type ${String(s.type)} are not supported`);
    }
  }

  private searchAround(inner: CompiledSet, linkName: string): CompiledSet {
    if (inner.view.kind === 'interface') throw OntologyErrors.unsupportedObjectSet('searchAround starts from an object set of one object type; use interfaceLinkSearchAround');
    let target: ReadableType | undefined;
    const conds: RawBuilder<boolean>[] = [];
    for (const [apiName, cond] of inner.parts) {
      const link = this.view.link(apiName, linkName);
      if (target && target.def.apiName !== link.target.def.apiName) throw OntologyErrors.unsupportedObjectSet(`link ${linkName} leads to different object types`);
      target = link.target;
      conds.push(this.linked(this.view.type(apiName), cond, link));
    }
    if (!target) return { view: { kind: 'mixed' }, parts: new Map() };
    return { view: { kind: 'object', apiName: target.def.apiName }, parts: new Map([[target.def.apiName, or(conds)]]) };
  }

  /**
   * The objects an interface set's objects link to through an interface link: each type of the
   * set follows the links that implement it, and what they lead to is read as the linked
   * interface (or object type).
   */
  private interfaceLinkSearchAround(inner: CompiledSet, interfaceLink: string): CompiledSet {
    if (inner.view.kind !== 'interface') throw OntologyErrors.unsupportedObjectSet('interfaceLinkSearchAround starts from an object set of an interface');
    const from = inner.view.apiName;
    const def = allInterfaceLinks(from, this.view.interfaceDefs()).get(interfaceLink);
    if (!def) throw OntologyErrors.interfaceLinkTypeNotFound(from, this.view.interface(from).rid, interfaceLink);
    const implementations = new Map(this.view.implementations(from).map((x) => [x.type.def.apiName, x]));
    const conds = new Map<string, RawBuilder<boolean>[]>();
    for (const [apiName, cond] of inner.parts) {
      const source = this.view.type(apiName);
      for (const name of implementations.get(apiName)?.links[interfaceLink] ?? []) {
        // A link to a type the caller cannot read is not there for them.
        const link = this.view.outgoing(apiName).find((l) => (l.fromSide ? l.def.from : l.def.to).linkApiName === name);
        if (!link) continue;
        conds.set(link.target.def.apiName, [...(conds.get(link.target.def.apiName) ?? []), this.linked(source, cond, link)]);
      }
    }
    const parts = new Map([...conds].map(([k, c]) => [k, or(c)]));
    if (def.linked.kind === 'objectType') return { view: { kind: 'object', apiName: def.linked.apiName }, parts: new Map([...parts].filter(([k]) => k === def.linked.apiName)) };
    const allowed = new Set(this.view.implementations(def.linked.apiName).map((x) => x.type.def.apiName));
    return { view: { kind: 'interface', apiName: def.linked.apiName }, parts: new Map([...parts].filter(([k]) => allowed.has(k))) };
  }

  /** The condition on `link`'s target table (alias `t`) of the objects that objects of `source` matching `cond` link to. */
  private linked(source: ReadableType, cond: RawBuilder<boolean>, link: LinkSide): RawBuilder<boolean> {
    const s = source.table();
    const targetPk = link.target.primaryKey('t');
    if (link.def.join) {
      const pairs = this.view.linkTable(link);
      const [mine, theirs] = link.fromSide ? ['a', 'b'] : ['b', 'a'];
      return sql<boolean>`${targetPk.ref} in (select l.${sql.id(theirs)} from ${pairs} l where l.${sql.id(mine)} in (select ${source.primaryKey('t').ref} from ${s} t where ${cond}))`;
    }
    if (link.fromSide) {
      // We hold the foreign key: the targets are the objects it names.
      const fk = source.bind(link.def.foreignKey!, 't');
      if (!fk) throw OntologyErrors.objectTypeNotSynced(source.def.apiName);
      return sql<boolean>`${targetPk.ref} in (select ${fk.ref} from ${s} t where ${cond} and ${fk.ref} is not null)`;
    }
    const fk = link.target.bind(link.def.foreignKey!, 't');
    if (!fk) throw OntologyErrors.objectTypeNotSynced(link.target.def.apiName);
    return sql<boolean>`${fk.ref} in (select ${source.primaryKey('t').ref} from ${s} t where ${cond})`;
  }
}

function or(conds: RawBuilder<boolean>[]): RawBuilder<boolean> {
  return conds.length === 1 ? conds[0]! : sql<boolean>`${sql.join(conds, sql` or `)}`;
}

/** Property names of a set's view resolved on one of its types (interface names through the type's mapping). */
export function resolverFor(view: OntologyView, type: ReadableType, setView: SetView, alias = 't'): (name: string) => BoundProperty | undefined {
  if (setView.kind !== 'interface') return (name) => type.bind(name, alias);
  const mapping = view.implementations(setView.apiName).find((x) => x.type.def.apiName === type.def.apiName)?.mapping ?? {};
  return (name) => (mapping[name] ? type.bind(mapping[name], alias) : undefined);
}

function combine(op: 'union' | 'intersect' | 'subtract', sets: CompiledSet[]): CompiledSet {
  const views = new Set(sets.map((s) => JSON.stringify(s.view)));
  const view: SetView = views.size === 1 ? sets[0]!.view : { kind: 'mixed' };
  const parts = new Map<string, RawBuilder<boolean>>();
  if (op === 'union') {
    for (const s of sets) for (const [k, c] of s.parts) parts.set(k, parts.has(k) ? sql<boolean>`(${parts.get(k)!}) or (${c})` : c);
  } else if (op === 'intersect') {
    for (const [k, c] of sets[0]!.parts) {
      if (!sets.every((s) => s.parts.has(k))) continue;
      parts.set(k, sql<boolean>`${sql.join([c, ...sets.slice(1).map((s) => s.parts.get(k)!)].map((x) => sql`(${x})`), sql` and `)}`);
    }
  } else {
    for (const [k, c] of sets[0]!.parts) {
      const minus = sets.slice(1).flatMap((s) => (s.parts.has(k) ? [s.parts.get(k)!] : []));
      parts.set(k, minus.length ? sql<boolean>`(${c}) and not coalesce((${sql.join(minus.map((x) => sql`(${x})`), sql` or `)}), false)` : c);
    }
    return { view: sets[0]!.view, parts };
  }
  // Mixed interface/object views of one type read as that type.
  if (view.kind === 'mixed' && parts.size === 1) return { view: { kind: 'object', apiName: [...parts.keys()][0]! }, parts };
  return { view, parts };
}
