import { sql } from '@openfoundry/db';
import { resolvePageSize, toPage, decodePageToken, type Page } from '@openfoundry/kernel';
import { successEvent } from '@openfoundry/audit';
import type { Actor, OntologyDeps } from './ontology.deps.js';
import { OntologyErrors } from './ontology.errors.js';
import { documentJson, indexStatusJson, interfaceTypeJson, linkSideJson, objectTypeFullMetadataJson, objectTypeJson, ontologyJson } from './presenters.js';
import { Aggregator, type AggregateRequest, type AggregateResponse } from './query/aggregate.js';
import { loadView, type OntologyView, type ReadableType } from './query/model.js';
import type { ObjectSetCompiler, CompiledSet } from './query/object-set.js';
import { loadLinks } from './query/links.js';
import { searchObjects, type SearchResult } from './query/search.js';
import type { ObjectSetService } from './object-set.service.js';
import { ObjectReader, type LoadRequest, type ObjectsPage, type OrderBy } from './query/objects.js';
import { checkedValue } from './query/values.js';
import { MAX_INDEX_ERRORS } from './indexing/indexer.js';

/** Foundry's `selectV2` entries or `select` names, as property names. */
export function selectionOf(body: { select?: string[] | undefined; selectV2?: Array<{ type: string; apiName?: string | undefined; propertyIdentifier?: { apiName?: string } | undefined }> | undefined }): string[] | undefined {
  const names = [
    ...(body.select ?? []),
    ...(body.selectV2 ?? []).flatMap((s) => (s.type === 'property' && s.apiName ? [s.apiName] : s.propertyIdentifier?.apiName ? [s.propertyIdentifier.apiName] : [])),
  ];
  return names.length ? names : undefined;
}

const MAX_SEARCH_HITS = 100;

/** The read side of the ontology: metadata, objects, links and object sets, as one principal may see them; every data read is audited. */
export class ReadService {
  constructor(
    private readonly deps: OntologyDeps,
    readonly sets: ObjectSetService,
  ) {}

  view(actor: Actor, ontology: string): Promise<OntologyView> {
    return loadView(this.deps, actor.principal, ontology, this.deps.views);
  }

  // --- metadata ---------------------------------------------------------------------------

  async listOntologies(actor: Actor) {
    const { repo, resources } = this.deps;
    const rows = await repo.listOntologies(repo.db, actor.principal.orgRid);
    const allowed = await resources.authorizedRids(actor.principal, rows.map((r) => r.rid), 'read');
    return { data: rows.filter((r) => allowed.has(r.rid)).map(ontologyJson) };
  }

  async getOntology(actor: Actor, ontology: string) {
    return ontologyJson((await this.view(actor, ontology)).ontology);
  }

  async fullMetadata(actor: Actor, ontology: string) {
    const view = await this.view(actor, ontology);
    return {
      ontology: ontologyJson(view.ontology),
      objectTypes: Object.fromEntries([...view.types.values()].map((t) => [t.def.apiName, objectTypeFullMetadataJson(view, t)])),
      actionTypes: {},
      queryTypes: {},
      interfaceTypes: Object.fromEntries([...view.interfaces.values()].map((i) => [i.api_name, interfaceTypeJson(view, i)])),
      sharedPropertyTypes: {},
      valueTypes: {},
    };
  }

  /** OpenFoundry: the ontology as code, as the caller sees it. */
  async definition(actor: Actor, ontology: string) {
    return documentJson(await this.view(actor, ontology));
  }

  async listObjectTypes(actor: Actor, ontology: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<ReturnType<typeof objectTypeJson>>> {
    const view = await this.view(actor, ontology);
    return pageByName([...view.types.values()], (t) => t.def.apiName, page, objectTypeJson);
  }

  async getObjectType(actor: Actor, ontology: string, objectType: string) {
    const view = await this.view(actor, ontology);
    return objectTypeJson(view.type(objectType));
  }

  async getFullMetadata(actor: Actor, ontology: string, objectType: string) {
    const view = await this.view(actor, ontology);
    return objectTypeFullMetadataJson(view, view.type(objectType));
  }

  async listOutgoingLinkTypes(actor: Actor, ontology: string, objectType: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }) {
    const view = await this.view(actor, ontology);
    const t = view.type(objectType);
    return pageByName(view.outgoing(t.def.apiName), (l) => (l.fromSide ? l.def.from.linkApiName : l.def.to.linkApiName), page, linkSideJson);
  }

  async getOutgoingLinkType(actor: Actor, ontology: string, objectType: string, linkType: string) {
    const view = await this.view(actor, ontology);
    return linkSideJson(view.link(view.type(objectType).def.apiName, linkType));
  }

  async listInterfaceTypes(actor: Actor, ontology: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }) {
    const view = await this.view(actor, ontology);
    return pageByName([...view.interfaces.values()], (i) => i.api_name, page, (i) => interfaceTypeJson(view, i));
  }

  async getInterfaceType(actor: Actor, ontology: string, interfaceType: string) {
    const view = await this.view(actor, ontology);
    return interfaceTypeJson(view, view.interface(interfaceType));
  }

  /** OpenFoundry: how far the object type's index is, with the first invalid rows and their reasons. */
  async indexStatus(actor: Actor, ontology: string, objectType: string) {
    const view = await this.view(actor, ontology);
    const t = view.type(objectType);
    const { repo } = this.deps;
    const [index, errors] = await Promise.all([repo.findIndex(repo.db, t.row.rid), repo.indexErrors(repo.db, t.row.rid, MAX_INDEX_ERRORS)]);
    // The invalid rows carry the dataset's values: reading them is a read of data.
    if (errors.length) await this.deps.readAudit(successEvent(actor, 'ontology.index.read', [view.ontology.rid, t.row.rid], { invalidRows: errors.length }));
    return { objectType: t.def.apiName, objectTypeRid: t.row.rid, definitionVersion: t.row.version, ...indexStatusJson(index, errors) };
  }

  /** OpenFoundry: the index of a join-dataset link type (pairs, invalid rows). */
  async linkIndexStatus(actor: Actor, ontology: string, objectType: string, linkType: string) {
    const view = await this.view(actor, ontology);
    const link = view.link(view.type(objectType).def.apiName, linkType);
    if (!link.def.join) throw OntologyErrors.linkTypeNotFound(objectType, linkType);
    const { repo } = this.deps;
    const [index, errors] = await Promise.all([repo.findIndex(repo.db, link.row.rid), repo.indexErrors(repo.db, link.row.rid, MAX_INDEX_ERRORS)]);
    if (errors.length) await this.deps.readAudit(successEvent(actor, 'ontology.index.read', [view.ontology.rid, link.row.rid], { invalidRows: errors.length }));
    const { objectCount, ...rest } = indexStatusJson(index, errors);
    return { linkType: link.def.apiName, linkTypeRid: link.row.rid, definitionVersion: link.row.version, pairCount: objectCount, ...rest };
  }

  // --- object sets ------------------------------------------------------------------------

  private compiler(actor: Actor, view: OntologyView): ObjectSetCompiler {
    return this.sets.compiler(actor, view);
  }

  /** OpenFoundry: keyword search across the object types the caller can read, ranked, with highlights and per-type counts. */
  async search(actor: Actor, ontology: string, request: { query: string; objectTypes?: string[] | undefined; pageSize?: number | undefined }): Promise<SearchResult> {
    const view = await this.view(actor, ontology);
    const pageSize = resolvePageSize(request.pageSize, MAX_SEARCH_HITS);
    const result = await searchObjects(this.deps.repo, view, { query: request.query, objectTypes: request.objectTypes, pageSize });
    const types = [...new Set(result.facets.map((f) => f.objectType))].map((t) => view.type(t).row.rid);
    await this.deps.readAudit(successEvent(actor, 'ontology.objects.read', [view.ontology.rid, ...types], { operation: 'search', returned: result.data.length }));
    return result;
  }

  /** Foundry's `loadLinks`: for a page of the set's objects, the objects each requested link leads to (as locators). */
  async loadLinks(actor: Actor, ontology: string, body: { objectSet: unknown; links: string[]; pageToken?: string | undefined }) {
    const view = await this.view(actor, ontology);
    const set = await this.compiler(actor, view).compile(body.objectSet);
    if (set.parts.size !== 1 || set.view.kind !== 'object') throw OntologyErrors.unsupportedObjectSet('loadLinks reads an object set of one object type');
    const result = await loadLinks(this.deps.repo, view, set, body.links, body.pageToken);
    await this.audit(actor, view, set, 'loadLinks', { links: body.links, returned: result.data.length });
    return result;
  }

  private async audit(actor: Actor, view: OntologyView, set: CompiledSet, operation: string, details: Record<string, unknown> = {}): Promise<void> {
    const rids = [...set.parts.keys()].map((k) => view.type(k).row.rid);
    await this.deps.readAudit(successEvent(actor, 'ontology.objects.read', [view.ontology.rid, ...rids], { operation, ...details }));
  }

  /** Foundry's `loadObjects`: one page of a set of one object type. */
  async loadObjects(actor: Actor, ontology: string, body: LoadRequest & { objectSet: unknown }): Promise<ObjectsPage> {
    const view = await this.view(actor, ontology);
    const set = await this.compiler(actor, view).compile(body.objectSet);
    if (set.view.kind === 'interface') throw OntologyErrors.interfaceBasedObjectSetNotSupported();
    if (set.parts.size > 1) throw OntologyErrors.unsupportedObjectSet('loadObjects reads one object type; use loadObjectsMultipleObjectTypes');
    const page = await new ObjectReader(this.deps.repo, view).page(set, body);
    await this.audit(actor, view, set, 'loadObjects', { returned: page.data.length });
    return page;
  }

  /** Foundry's `loadObjectsMultipleObjectTypes`: objects of several types (interfaces), as `$`-named objects with the interface mappings. */
  async loadMultiple(actor: Actor, ontology: string, body: LoadRequest & { objectSet: unknown }) {
    const view = await this.view(actor, ontology);
    const set = await this.compiler(actor, view).compile(body.objectSet);
    const page = await new ObjectReader(this.deps.repo, view).page(set, body);
    await this.audit(actor, view, set, 'loadObjectsMultipleObjectTypes', { returned: page.data.length });
    const mappings: Record<string, Record<string, Record<string, string>>> = {};
    const types = new Set(page.data.map((o) => String(o.__apiName)));
    for (const i of view.interfaces.keys()) {
      const impls = view.implementations(i).filter((x) => types.has(x.type.def.apiName) && set.parts.has(x.type.def.apiName));
      if (impls.length) mappings[i] = Object.fromEntries(impls.map((x) => [x.type.def.apiName, x.mapping]));
    }
    return {
      data: page.data.map((o) => {
        const { __apiName, __primaryKey, __title, __rid, ...props } = o;
        return { $apiName: __apiName, $primaryKey: __primaryKey, ...(__title !== undefined ? { $title: __title } : {}), ...(__rid !== undefined ? { $rid: __rid } : {}), ...props };
      }),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      totalCount: page.totalCount,
      interfaceToObjectTypeMappings: mappings,
      interfaceToObjectTypeMappingsV2: Object.fromEntries(
        Object.entries(mappings).map(([i, byType]) => [
          i,
          Object.fromEntries(Object.entries(byType).map(([t, m]) => [t, Object.fromEntries(Object.entries(m).map(([s, l]) => [s, { type: 'localPropertyImplementation', propertyApiName: l }]))])),
        ]),
      ),
      propertySecurities: [],
    };
  }

  async aggregateSet(actor: Actor, ontology: string, body: AggregateRequest & { objectSet: unknown }): Promise<AggregateResponse> {
    const view = await this.view(actor, ontology);
    const set = await this.compiler(actor, view).compile(body.objectSet);
    const result = await new Aggregator(this.deps.repo, view).aggregate(set, body);
    await this.audit(actor, view, set, 'aggregate', { groups: result.data.length });
    return result;
  }

  // --- objects of one type (Foundry's OntologyObjectsV2) -----------------------------------

  async listObjects(actor: Actor, ontology: string, objectType: string, query: { pageSize?: number | undefined; pageToken?: string | undefined; select?: string[] | undefined; orderBy?: string | undefined; excludeRid?: boolean | undefined }) {
    const page = await this.loadObjects(actor, ontology, { objectSet: { type: 'base', objectType }, ...query, orderBy: parseOrderBy(query.orderBy) });
    return { data: page.data, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}), totalCount: page.totalCount };
  }

  async searchObjects(actor: Actor, ontology: string, objectType: string, body: LoadRequest & { where?: unknown }) {
    const objectSet = body.where === undefined ? { type: 'base', objectType } : { type: 'filter', objectSet: { type: 'base', objectType }, where: body.where };
    const page = await this.loadObjects(actor, ontology, { ...body, objectSet });
    return { data: page.data, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}), totalCount: page.totalCount };
  }

  async countObjects(actor: Actor, ontology: string, objectType: string): Promise<{ count: number }> {
    const view = await this.view(actor, ontology);
    const set = await this.compiler(actor, view).compile({ type: 'base', objectType });
    const count = await new ObjectReader(this.deps.repo, view).count(set);
    await this.audit(actor, view, set, 'count');
    return { count };
  }

  async aggregateObjects(actor: Actor, ontology: string, objectType: string, body: AggregateRequest & { where?: unknown }) {
    const objectSet = body.where === undefined ? { type: 'base', objectType } : { type: 'filter', objectSet: { type: 'base', objectType }, where: body.where };
    return this.aggregateSet(actor, ontology, { ...body, objectSet });
  }

  async getObject(actor: Actor, ontology: string, objectType: string, primaryKey: string, query: { select?: string[] | undefined; excludeRid?: boolean | undefined }) {
    const view = await this.view(actor, ontology);
    const t = view.type(objectType);
    const o = await this.findByKey(view, t, primaryKey, query.select, query.excludeRid);
    await this.audit(actor, view, { view: { kind: 'object', apiName: t.def.apiName }, parts: new Map([[t.def.apiName, sql<boolean>`true`]]) }, 'get');
    return o;
  }

  private async findByKey(view: OntologyView, t: ReadableType, primaryKey: string, select: string[] | undefined, excludeRid: boolean | undefined) {
    const pk = t.properties.get(t.def.primaryKey)!;
    const value = pk.dataType.type === 'string' || pk.dataType.type === 'long' ? primaryKey : Number(primaryKey);
    if (select) {
      const missing = select.filter((s) => !t.properties.has(s));
      if (missing.length) throw OntologyErrors.propertiesNotFound(t.def.apiName, missing);
    }
    let key;
    try {
      key = checkedValue(pk.dataType, value, pk.apiName, 'primaryKey');
    } catch {
      throw OntologyErrors.invalidPropertyValue(pk.apiName, pk.dataType.type, primaryKey);
    }
    const o = await new ObjectReader(this.deps.repo, view).byKey(t, key, select, excludeRid);
    if (!o) throw OntologyErrors.objectNotFound(t.def.apiName, primaryKey);
    return o;
  }

  async listLinkedObjects(actor: Actor, ontology: string, objectType: string, primaryKey: string, linkType: string, query: { pageSize?: number | undefined; pageToken?: string | undefined; select?: string[] | undefined; orderBy?: string | undefined; excludeRid?: boolean | undefined }) {
    const view = await this.view(actor, ontology);
    const t = view.type(objectType);
    view.link(t.def.apiName, linkType);
    await this.findByKey(view, t, primaryKey, undefined, true);
    const pkValue = t.primaryKey().def.dataType.type === 'string' || t.primaryKey().def.dataType.type === 'long' ? primaryKey : Number(primaryKey);
    const objectSet = { type: 'searchAround', objectSet: { type: 'filter', objectSet: { type: 'base', objectType: t.def.apiName }, where: { type: 'eq', field: t.def.primaryKey, value: pkValue } }, link: linkType };
    const page = await this.loadObjects(actor, ontology, { objectSet, ...query, orderBy: parseOrderBy(query.orderBy) });
    return { data: page.data, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  }

  async getLinkedObject(actor: Actor, ontology: string, objectType: string, primaryKey: string, linkType: string, linkedPrimaryKey: string, query: { select?: string[] | undefined; excludeRid?: boolean | undefined }) {
    const view = await this.view(actor, ontology);
    const t = view.type(objectType);
    const link = view.link(t.def.apiName, linkType);
    const targetPk = link.target.primaryKey().def.dataType.type;
    const linkedValue = targetPk === 'string' || targetPk === 'long' ? linkedPrimaryKey : Number(linkedPrimaryKey);
    await this.findByKey(view, t, primaryKey, undefined, true);
    const pkValue = t.primaryKey().def.dataType.type === 'string' || t.primaryKey().def.dataType.type === 'long' ? primaryKey : Number(primaryKey);
    const objectSet = {
      type: 'filter',
      objectSet: { type: 'searchAround', objectSet: { type: 'filter', objectSet: { type: 'base', objectType: t.def.apiName }, where: { type: 'eq', field: t.def.primaryKey, value: pkValue } }, link: linkType },
      where: { type: 'eq', field: link.target.def.primaryKey, value: linkedValue },
    };
    const found = await this.loadObjects(actor, ontology, { objectSet, pageSize: 1, select: query.select, excludeRid: query.excludeRid });
    if (!found.data.length) throw OntologyErrors.linkedObjectNotFound(linkType, link.target.def.apiName, linkedPrimaryKey);
    return found.data[0];
  }
}

/** Foundry's `orderBy` query parameter: `properties.salary:desc,properties.name:asc` (or without the prefix). */
export function parseOrderBy(text: string | undefined): OrderBy | undefined {
  if (!text) return undefined;
  return {
    fields: text.split(',').map((part) => {
      const [field, direction] = part.trim().split(':');
      return { field: field!.replace(/^properties\./, ''), direction };
    }),
  };
}

/** Pages a small, already-authorized list (metadata) by name. */
function pageByName<T, R>(items: T[], name: (t: T) => string, page: { pageSize?: number | undefined; pageToken?: string | undefined }, map: (t: T) => R): Page<R> {
  const size = resolvePageSize(page.pageSize);
  const after = decodePageToken(page.pageToken)?.[0];
  const sorted = [...items].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).filter((t) => after === undefined || name(t) > String(after));
  return toPage(sorted.slice(0, size + 1), size, (t) => [name(t)], map);
}
