import type { Principal } from '@openfoundry/authz';
import { sql, type RawBuilder } from '@openfoundry/db';
import type { InterfaceTypeDef, LinkTypeDef, ObjectTypeDef, PropertyDef } from '../definitions/model.js';
import { allAncestors } from '../definitions/normalize.js';
import type { OntologyDeps } from '../ontology.deps.js';
import { OntologyErrors } from '../ontology.errors.js';
import type { IndexRow, InterfaceTypeRow, LinkTypeRow, ObjectTypeRow, OntologyRow } from '../ontology.types.js';
import { tableRef } from '../indexing/object-table.js';
import type { BoundProperty } from './values.js';
import type { OntologySnapshot, ViewCache } from './view-cache.js';

/**
 * One ontology as one principal may see it: the object types they may read (read on the type
 * and on its backing dataset), the link types between those, the interfaces, and where each
 * type's objects are. Everything a query touches goes through this, so a type the principal may
 * not read is indistinguishable from one that does not exist.
 */
export class OntologyView {
  readonly types = new Map<string, ReadableType>();
  readonly links: LinkTypeRow[];
  readonly interfaces = new Map<string, InterfaceTypeRow>();

  constructor(
    readonly ontology: OntologyRow,
    types: ReadableType[],
    links: LinkTypeRow[],
    interfaces: InterfaceTypeRow[],
    private readonly indexes: Map<string, IndexRow>,
  ) {
    for (const t of types) this.types.set(t.def.apiName, t);
    this.links = links.filter((l) => this.types.has(l.definition.from.objectTypeApiName) && this.types.has(l.definition.to.objectTypeApiName));
    for (const i of interfaces) this.interfaces.set(i.api_name, i);
  }

  type(apiName: string): ReadableType {
    const t = this.types.get(apiName) ?? [...this.types.values()].find((x) => x.row.rid === apiName);
    if (!t) throw OntologyErrors.objectTypeNotFound(apiName);
    return t;
  }

  interface(apiName: string): InterfaceTypeRow {
    const i = this.interfaces.get(apiName) ?? [...this.interfaces.values()].find((x) => x.rid === apiName);
    if (!i) throw OntologyErrors.interfaceTypeNotFound(apiName);
    return i;
  }

  interfaceDefs(): Map<string, InterfaceTypeDef> {
    return new Map([...this.interfaces].map(([k, v]) => [k, v.definition]));
  }

  /**
   * Readable types implementing the interface (directly or through one that extends it), with
   * shared → local property names and interface link → the type's links implementing it.
   */
  implementations(interfaceApiName: string): Array<{ type: ReadableType; mapping: Record<string, string>; links: Record<string, string[]> }> {
    const defs = this.interfaceDefs();
    const out: Array<{ type: ReadableType; mapping: Record<string, string>; links: Record<string, string[]> }> = [];
    const covers = (name: string) => name === interfaceApiName || allAncestors(name, defs).has(interfaceApiName);
    for (const type of this.types.values()) {
      const implemented = Object.keys(type.def.implements).filter(covers);
      if (!implemented.length) continue;
      const mapping: Record<string, string> = {};
      for (const name of implemented) Object.assign(mapping, type.def.implements[name]);
      // Links are implemented under the interface the type implements, which may extend this one.
      const links: Record<string, string[]> = {};
      for (const [name, byLink] of Object.entries(type.def.interfaceLinks ?? {})) if (implemented.includes(name)) Object.assign(links, byLink);
      out.push({ type, mapping, links });
    }
    return out;
  }

  /** The link leaving `typeApiName` under `linkApiName`, seen from that side. */
  link(typeApiName: string, linkApiName: string): LinkSide {
    for (const l of this.links) {
      const d = l.definition;
      if (d.from.objectTypeApiName === typeApiName && d.from.linkApiName === linkApiName) return { row: l, def: d, fromSide: true, target: this.type(d.to.objectTypeApiName) };
      if (d.to.objectTypeApiName === typeApiName && d.to.linkApiName === linkApiName) return { row: l, def: d, fromSide: false, target: this.type(d.from.objectTypeApiName) };
    }
    throw OntologyErrors.linkTypeNotFound(typeApiName, linkApiName);
  }

  /** The pair table of a join-dataset link; `ObjectTypeNotSynced` until its first index is built. */
  linkTable(link: LinkSide): RawBuilder<unknown> {
    const index = this.indexes.get(link.row.rid);
    if (!index?.active_table) throw OntologyErrors.objectTypeNotSynced(link.def.apiName);
    return tableRef(index.active_table);
  }

  /** Every link leaving a type, seen from that side. */
  outgoing(typeApiName: string): LinkSide[] {
    const out: LinkSide[] = [];
    for (const l of this.links) {
      const d = l.definition;
      if (d.from.objectTypeApiName === typeApiName) out.push({ row: l, def: d, fromSide: true, target: this.type(d.to.objectTypeApiName) });
      if (d.to.objectTypeApiName === typeApiName && !(d.from.objectTypeApiName === typeApiName && d.from.linkApiName === d.to.linkApiName)) {
        out.push({ row: l, def: d, fromSide: false, target: this.type(d.from.objectTypeApiName) });
      }
    }
    return out;
  }
}

/** A link type from one side: `fromSide` when the objects we start from are the link's `from` side. */
export interface LinkSide {
  row: LinkTypeRow;
  def: LinkTypeDef;
  fromSide: boolean;
  target: ReadableType;
}

/** An object type the principal may read, with its index. */
export class ReadableType {
  readonly properties = new Map<string, PropertyDef>();
  constructor(
    readonly row: ObjectTypeRow,
    readonly index: IndexRow | undefined,
  ) {
    for (const p of row.definition.properties) this.properties.set(p.apiName, p);
  }

  get def(): ObjectTypeDef {
    return this.row.definition;
  }

  /** Whether objects can be read (an index has been built). */
  get ready(): boolean {
    return !!this.index?.active_table;
  }

  /** The object table; `ObjectTypeNotSynced` until the first index is built. */
  table(): RawBuilder<unknown> {
    if (!this.index?.active_table) throw OntologyErrors.objectTypeNotSynced(this.def.apiName);
    return tableRef(this.index.active_table);
  }

  /** A property bound to its column under `alias`; undefined when the type or its index lacks it. */
  bind(apiName: string, alias = 't'): BoundProperty | undefined {
    const def = this.properties.get(apiName);
    const column = def && this.index?.active_columns?.[apiName];
    if (!def || !column) return undefined;
    return { def, column, ref: sql`${sql.id(alias)}.${sql.id(column)}` };
  }

  primaryKey(alias = 't'): BoundProperty {
    const p = this.bind(this.def.primaryKey, alias);
    if (!p) throw OntologyErrors.objectTypeNotSynced(this.def.apiName);
    return p;
  }
}

/** Loads an ontology the principal may read (by RID or API name) as they see it. */
export async function loadView(deps: OntologyDeps, principal: Principal, ontologyRef: string, cache?: ViewCache): Promise<OntologyView> {
  const snapshot = cache?.get(principal.orgRid, ontologyRef) ?? (await loadSnapshot(deps, principal.orgRid, ontologyRef, cache));
  if (!snapshot) throw OntologyErrors.ontologyNotFound(ontologyRef);
  const { ontology, types, links, interfaces, indexes } = snapshot;
  const allowed = await deps.resources.authorizedRids(principal, [ontology.rid, ...types.flatMap((t) => [t.rid, t.dataset_rid]), ...links.flatMap((l) => (l.dataset_rid ? [l.dataset_rid] : []))], 'read');
  if (!allowed.has(ontology.rid)) throw OntologyErrors.ontologyNotFound(ontologyRef);
  const readable = types.filter((t) => allowed.has(t.rid) && allowed.has(t.dataset_rid));
  return new OntologyView(
    ontology,
    readable.map((t) => new ReadableType(t, indexes.get(t.rid))),
    links.filter((l) => !l.dataset_rid || allowed.has(l.dataset_rid)),
    interfaces,
    indexes,
  );
}

async function loadSnapshot(deps: OntologyDeps, orgRid: string, ontologyRef: string, cache: ViewCache | undefined): Promise<OntologySnapshot | undefined> {
  const { repo } = deps;
  const generation = cache?.generation ?? 0;
  const ontology = await repo.findOntology(repo.db, orgRid, ontologyRef);
  if (!ontology) return undefined;
  const [types, links, interfaces] = await Promise.all([repo.listObjectTypes(repo.db, ontology.rid), repo.listLinkTypes(repo.db, ontology.rid), repo.listInterfaceTypes(repo.db, ontology.rid)]);
  const indexes = await repo.findIndexes(repo.db, [...types.map((t) => t.rid), ...links.map((l) => l.rid)]);
  const snapshot = { ontology, types, links, interfaces, indexes };
  cache?.set(orgRid, ontologyRef, snapshot, generation);
  return snapshot;
}
