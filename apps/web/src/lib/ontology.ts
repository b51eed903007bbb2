import { keepPreviousData, useQueries, useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ok, isOpenFoundryError, type BodyOf } from './api';
import type { FieldSchema } from './datasets';

/*
 * The ontology through the SDK. The Foundry read endpoints answer Foundry's JSON shapes, which
 * the OpenAPI document leaves open (objects carry the properties of their type); these are the
 * parts of those shapes the web app reads.
 */

export interface Ontology {
  rid: string;
  apiName: string;
  displayName: string;
  description?: string;
}

export type PropertyDataType = { type: string; subType?: PropertyDataType; precision?: number; scale?: number };

export interface PropertyMeta {
  displayName: string;
  description?: string;
  dataType: PropertyDataType;
  visibility: 'NORMAL' | 'PROMINENT' | 'HIDDEN';
}

export interface ObjectTypeMeta {
  apiName: string;
  rid: string;
  displayName: string;
  pluralDisplayName: string;
  description?: string;
  status: 'ACTIVE' | 'EXPERIMENTAL' | 'DEPRECATED';
  icon: { name: string; color: string };
  primaryKey: string;
  titleProperty: string;
  properties: Record<string, PropertyMeta>;
}

export interface LinkSideMeta {
  apiName: string;
  displayName: string;
  objectTypeApiName: string;
  cardinality: 'ONE' | 'MANY';
  foreignKeyPropertyApiName?: string;
  linkTypeRid: string;
}

export interface InterfaceMeta {
  apiName: string;
  rid: string;
  displayName: string;
  description?: string;
  allProperties: Record<string, { displayName: string; dataType: PropertyDataType }>;
  extendsInterfaces: string[];
  implementedByObjectTypes: string[];
}

export interface FullMetadata {
  ontology: Ontology;
  objectTypes: Record<string, { objectType: ObjectTypeMeta; linkTypes: LinkSideMeta[]; implementsInterfaces: string[] }>;
  interfaceTypes: Record<string, InterfaceMeta>;
}

export interface IndexStatus {
  status: 'PENDING' | 'INDEXING' | 'READY' | 'FAILED';
  datasetRid?: string;
  branchName?: string;
  indexedTransactionRid?: string;
  objectCount: number;
  invalidCount: number;
  lastMode?: 'FULL' | 'INCREMENTAL';
  lastDurationMs?: number;
  lastError?: { errorName: string; message: string };
  updatedTime?: string;
  invalidRows: Array<{ primaryKey: string | null; reason: string; values: Record<string, unknown> }>;
}

/** An object as the API answers it: its properties and Foundry's `__` fields. */
export type OntologyObject = Record<string, unknown> & { __apiName: string; __primaryKey: string | number; __title?: unknown; __rid?: string };

export interface ObjectsPage {
  data: OntologyObject[];
  nextPageToken?: string;
  totalCount: string;
}

export interface AggregateResponse {
  accuracy: 'ACCURATE' | 'APPROXIMATE';
  data: Array<{ group: Record<string, unknown>; metrics: Array<{ name: string; value: unknown }> }>;
}

export interface SearchResult {
  data: Array<{ objectType: string; primaryKey: unknown; title: unknown; rank: number; highlights: Array<{ property: string; segments: Array<{ text: string; match: boolean }> }>; object: OntologyObject }>;
  facets: Array<{ objectType: string; count: number }>;
}

export interface SavedObjectSet {
  rid: string;
  ontologyRid: string;
  name: string;
  description: string;
  objectSet: ObjectSet;
  path: string;
  createdTime: string;
  updatedTime: string;
}

/** One entry of an apply's plan. */
export interface PlanChange {
  kind: 'objectType' | 'linkType' | 'interfaceType';
  apiName: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  changes: string[];
  breaking: string[];
}

export interface ApplyResult {
  ontologyRid: string;
  dryRun: boolean;
  changes: PlanChange[];
}

/** The document `apply` takes, as the SDK types it (and `GET …/definition` answers). */
export type OntologyDocument = BodyOf<'/api/v2/ontologies/{ontology}/apply', 'post'>;
export type ObjectTypeInput = NonNullable<OntologyDocument['objectTypes']>[number];
export type PropertyInput = ObjectTypeInput['properties'][string];
export type LinkTypeInput = NonNullable<OntologyDocument['linkTypes']>[number];
export type InterfaceTypeInput = NonNullable<OntologyDocument['interfaceTypes']>[number];
export type DataTypeInput = PropertyInput['type'];

/** A Foundry object set definition (`base`, `filter`, `searchAround`, `reference`, …). */
export type ObjectSet = Record<string, unknown> & { type: string };
/** A Foundry `SearchJsonQueryV2`. */
export type Where = Record<string, unknown> & { type: string };

/** The JSON of a call whose answer the OpenAPI document leaves open. */
function json<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  return ok(call) as Promise<T>;
}

export const ontKeys = {
  all: ['ontologies'] as const,
  list: () => ['ontologies', 'list'] as const,
  one: (o: string) => ['ontologies', o] as const,
  metadata: (o: string) => ['ontologies', o, 'metadata'] as const,
  definition: (o: string) => ['ontologies', o, 'definition'] as const,
  indexStatus: (o: string, t: string) => ['ontologies', o, 'indexStatus', t] as const,
  objects: (o: string, ...rest: unknown[]) => ['ontologies', o, 'objects', ...rest] as const,
  savedSets: (o: string) => ['ontologies', o, 'savedSets'] as const,
};

/** After a change of definitions: metadata, definition, index status and objects are refetched. */
export function invalidateOntology(queryClient: QueryClient, ontology: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: ontKeys.one(ontology) });
}

export function useOntologies() {
  return useQuery({ queryKey: ontKeys.list(), queryFn: () => json<{ data: Ontology[] }>(api.GET('/api/v2/ontologies')) });
}

export function useOntology(ontology: string) {
  return useQuery({ queryKey: [...ontKeys.one(ontology), 'info'], queryFn: () => json<Ontology>(api.GET('/api/v2/ontologies/{ontology}', { params: { path: { ontology }, query: {} } })) });
}

export function useFullMetadata(ontology: string) {
  return useQuery({
    queryKey: ontKeys.metadata(ontology),
    queryFn: () => json<FullMetadata>(api.GET('/api/v2/ontologies/{ontology}/fullMetadata', { params: { path: { ontology } } })),
  });
}

export function useDefinition(ontology: string) {
  return useQuery({
    queryKey: ontKeys.definition(ontology),
    queryFn: () => json<Required<OntologyDocument>>(api.GET('/api/v2/ontologies/{ontology}/definition', { params: { path: { ontology } } })),
  });
}

/** Index status of a type, polled every 2 s while it is not settled. */
export function useIndexStatus(ontology: string, objectType: string) {
  return useQuery({
    queryKey: ontKeys.indexStatus(ontology, objectType),
    queryFn: () => json<IndexStatus>(api.GET('/api/v2/ontologies/{ontology}/objectTypes/{objectType}/indexStatus', { params: { path: { ontology, objectType } } })),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'READY' || q.state.data.status === 'FAILED') ? false : 2000),
    meta: { silent: true },
  });
}

export interface LoadRequest {
  objectSet: ObjectSet;
  orderBy?: { fields: Array<{ field: string; direction: 'asc' | 'desc' }> } | undefined;
  select?: string[] | undefined;
  pageSize: number;
  pageToken?: string | undefined;
}

export function loadObjects(ontology: string, body: LoadRequest): Promise<ObjectsPage> {
  return json<ObjectsPage>(api.POST('/api/v2/ontologies/{ontology}/objectSets/loadObjects', { params: { path: { ontology } }, body: { ...body, excludeRid: true } as never }));
}

/** A page of objects of several types: Foundry names their fields `$apiName`, …, their properties by each type's own names. */
interface MultipleTypesPage {
  data: Array<Record<string, unknown> & { $apiName: string; $primaryKey: string | number; $title?: unknown }>;
  nextPageToken?: string;
  totalCount: string;
  /** Interface → object type → shared property → the type's property. */
  interfaceToObjectTypeMappings: Record<string, Record<string, Record<string, string>>>;
}

/**
 * One page of an interface's set (`loadObjectsMultipleObjectTypes`), its objects in the shape of
 * one type's (`__apiName`, `__primaryKey`, `__title`) with the interface's shared properties.
 */
export async function loadInterfaceObjects(ontology: string, interfaceType: string, body: LoadRequest): Promise<ObjectsPage> {
  const page = await json<MultipleTypesPage>(api.POST('/api/v2/ontologies/{ontology}/objectSets/loadObjectsMultipleObjectTypes', { params: { path: { ontology } }, body: { ...body, excludeRid: true } as never }));
  const mappings = page.interfaceToObjectTypeMappings[interfaceType] ?? {};
  return {
    data: page.data.map((o) => ({
      __apiName: o.$apiName,
      __primaryKey: o.$primaryKey,
      __title: o.$title,
      ...Object.fromEntries(Object.entries(mappings[o.$apiName] ?? {}).flatMap(([shared, local]) => (local in o ? [[shared, o[local]]] : []))),
    })),
    totalCount: page.totalCount,
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
}

/** Reads one page of a set (objects of a type, or of an interface). */
export type PageLoader = (body: LoadRequest) => Promise<ObjectsPage>;

export function useObjectsPage(ontology: string, body: LoadRequest, enabled = true) {
  return useQuery({ queryKey: ontKeys.objects(ontology, 'page', body), enabled, queryFn: () => loadObjects(ontology, body), placeholderData: keepPreviousData, meta: { silent: true } });
}

export function useInterfaceObjectsPage(ontology: string, interfaceType: string, body: LoadRequest, enabled = true) {
  return useQuery({
    queryKey: ontKeys.objects(ontology, 'interfacePage', interfaceType, body),
    enabled,
    queryFn: () => loadInterfaceObjects(ontology, interfaceType, body),
    placeholderData: keepPreviousData,
    meta: { silent: true },
  });
}

export function aggregate(ontology: string, body: { objectSet: ObjectSet; aggregation: unknown[]; groupBy?: unknown[] }): Promise<AggregateResponse> {
  return json<AggregateResponse>(api.POST('/api/v2/ontologies/{ontology}/objectSets/aggregate', { params: { path: { ontology } }, body: body as never }));
}

export function useAggregate(ontology: string, body: { objectSet: ObjectSet; aggregation: unknown[]; groupBy?: unknown[] }, enabled = true) {
  return useQuery({ queryKey: ontKeys.objects(ontology, 'aggregate', body), enabled, queryFn: () => aggregate(ontology, body), placeholderData: keepPreviousData, meta: { silent: true } });
}

/** How many objects each set holds (one count aggregation per set, in parallel); undefined while one is read. */
export function useCounts(ontology: string, sets: ObjectSet[]): Array<number | undefined> {
  return useQueries({
    queries: sets.map((objectSet) => {
      const body = { objectSet, aggregation: [{ type: 'count', name: 'count' }] };
      return { queryKey: ontKeys.objects(ontology, 'aggregate', body), queryFn: () => aggregate(ontology, body), placeholderData: keepPreviousData, meta: { silent: true } };
    }),
    combine: (results) => results.map((r) => (r.data ? Number(r.data.data[0]?.metrics[0]?.value ?? 0) : undefined)),
  });
}

export function useObject(ontology: string, objectType: string, primaryKey: string) {
  return useQuery({
    queryKey: ontKeys.objects(ontology, 'object', objectType, primaryKey),
    queryFn: () => json<OntologyObject>(api.GET('/api/v2/ontologies/{ontology}/objects/{objectType}/{primaryKey}', { params: { path: { ontology, objectType, primaryKey }, query: {} } })),
    meta: { silent: true },
  });
}

export function useSearch(ontology: string, query: string, objectTypes: string[] | undefined) {
  return useQuery({
    queryKey: ontKeys.objects(ontology, 'search', query, objectTypes ?? []),
    enabled: query.trim().length > 0,
    queryFn: () => json<SearchResult>(api.POST('/api/v2/ontologies/{ontology}/search', { params: { path: { ontology } }, body: { query, pageSize: 50, ...(objectTypes ? { objectTypes } : {}) } })),
    placeholderData: keepPreviousData,
  });
}

export function useSavedSets(ontology: string) {
  return useQuery({
    queryKey: ontKeys.savedSets(ontology),
    queryFn: () => json<{ data: SavedObjectSet[] }>(api.GET('/api/v2/ontologies/{ontology}/savedObjectSets', { params: { path: { ontology } } })),
  });
}

export function useSavedSet(ontology: string, rid: string | undefined) {
  return useQuery({
    queryKey: [...ontKeys.savedSets(ontology), rid ?? ''],
    enabled: !!rid,
    queryFn: () => json<SavedObjectSet>(api.GET('/api/v2/ontologies/{ontology}/savedObjectSets/{savedObjectSetRid}', { params: { path: { ontology, savedObjectSetRid: rid! } } })),
  });
}

export interface ApplyOptions {
  dryRun?: boolean;
  prune?: boolean;
  allowBreakingChanges?: boolean;
}

export function applyDocument(ontology: string, doc: OntologyDocument, options: ApplyOptions = {}): Promise<ApplyResult> {
  const query = Object.fromEntries(Object.entries(options).filter(([, v]) => v).map(([k]) => [k, 'true']));
  return json<ApplyResult>(api.POST('/api/v2/ontologies/{ontology}/apply', { params: { path: { ontology }, query }, body: doc }));
}

/** A problem of a document, with the path of what is wrong (`objectTypes[0].properties.x.column`). */
export interface Problem {
  path: string;
  problem: string;
}

/** The problems of a refused document: 400 `InvalidOntologyDefinition`; undefined for any other error. */
export function problemsOf(e: unknown): Problem[] | undefined {
  if (!isOpenFoundryError(e) || e.errorName !== 'InvalidOntologyDefinition') return undefined;
  return (e.parameters.problems as Problem[] | undefined) ?? [];
}

export type BreakingChange = Pick<PlanChange, 'kind' | 'apiName' | 'breaking'>;

/** The breaking changes of a 409 `BreakingOntologyChanges`; undefined for any other error. */
export function breakingOf(e: unknown): BreakingChange[] | undefined {
  if (!isOpenFoundryError(e) || e.errorName !== 'BreakingOntologyChanges') return undefined;
  return (e.parameters.changes as BreakingChange[] | undefined) ?? [];
}

/**
 * Validation as you type: the draft document planned by a dry run (debounced by the caller),
 * answering the plan, or the problems that name what is wrong.
 */
export function useDryRun(ontology: string, doc: OntologyDocument | undefined, enabled = true) {
  return useQuery({
    queryKey: ['ontologies', ontology, 'dryRun', doc],
    enabled: enabled && doc !== undefined,
    queryFn: async (): Promise<{ plan?: ApplyResult; problems?: Problem[] }> => {
      try {
        return { plan: await applyDocument(ontology, doc!, { dryRun: true }) };
      } catch (e) {
        const problems = problemsOf(e);
        if (problems) return { problems };
        throw e;
      }
    },
    retry: false,
    staleTime: Infinity,
    gcTime: 30_000,
    meta: { silent: true },
  });
}

// --- types ----------------------------------------------------------------------------------

/** `array<string>`, `decimal(10,2)`, `string`. */
export function typeText(t: PropertyDataType | string): string {
  if (typeof t === 'string') return t;
  if (t.type === 'array' && t.subType) return `array<${typeText(t.subType)}>`;
  if (t.type === 'decimal' && t.precision !== undefined) return `decimal(${t.precision},${t.scale ?? 0})`;
  return t.type;
}

const NUMERIC = new Set(['byte', 'short', 'integer', 'long', 'float', 'double', 'decimal']);
export const isNumericProperty = (t: PropertyDataType) => NUMERIC.has(t.type);
export const PRIMARY_KEY_TYPES = new Set(['string', 'byte', 'short', 'integer', 'long']);

/** The property types a dataset column can back (docs/ontology-as-code.md), most natural first. */
export function propertyTypesFor(field: Pick<FieldSchema, 'type' | 'precision' | 'scale' | 'arraySubtype'>): PropertyDataType[] {
  const scalar = (f: Pick<FieldSchema, 'type' | 'precision' | 'scale'>): PropertyDataType[] => {
    switch (f.type) {
      case 'STRING':
        return [{ type: 'string' }, { type: 'geopoint' }];
      case 'BYTE':
        return ['byte', 'short', 'integer', 'long'].map((type) => ({ type }));
      case 'SHORT':
        return ['short', 'integer', 'long'].map((type) => ({ type }));
      case 'INTEGER':
        return [{ type: 'integer' }, { type: 'long' }];
      case 'LONG':
        return [{ type: 'long' }];
      case 'FLOAT':
        return [{ type: 'float' }, { type: 'double' }];
      case 'DOUBLE':
        return [{ type: 'double' }];
      case 'DECIMAL':
        return [f.precision !== undefined ? { type: 'decimal', precision: f.precision, scale: f.scale ?? 0 } : { type: 'decimal' }];
      case 'BOOLEAN':
      case 'DATE':
      case 'TIMESTAMP':
        return [{ type: f.type.toLowerCase() }];
      default:
        return [];
    }
  };
  if (field.type === 'ARRAY') {
    const sub = field.arraySubtype as Pick<FieldSchema, 'type' | 'precision' | 'scale'> | undefined;
    return sub ? scalar(sub).map((subType) => ({ type: 'array', subType })) : [];
  }
  return scalar(field);
}

/** A column name as an API name: `in_service_since` → `inServiceSince`, `2nd col` → `p2ndCol`. */
export function apiNameOf(column: string): string {
  const words = column.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  if (!camel) return 'property';
  return /^[A-Za-z]/.test(camel) ? camel : `p${camel}`;
}

export const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** What is wrong with each of `names` that is not an API name, as `<what> <name>: …` for an editor's local problems. */
export function apiNameProblems(what: string, names: string[]): string[] {
  return names.filter((n) => !API_NAME.test(n)).map((n) => `${what} ${n || '(no name)'}: letters, digits and _ only, starting with a letter`);
}

// --- interface links ------------------------------------------------------------------------

export type InterfaceLinkInput = NonNullable<InterfaceTypeInput['links']>[string];

/** What an interface declares (`pick`), its own and that of every interface it extends (its own wins), as the server resolves it. */
function inherited<T>(apiName: string, interfaces: InterfaceTypeInput[], pick: (i: InterfaceTypeInput) => Record<string, T> | undefined): Record<string, T> {
  const byName = new Map(interfaces.map((i) => [i.apiName, i]));
  const seen = new Set<string>();
  const collect = (name: string): Record<string, T> => {
    if (seen.has(name)) return {};
    seen.add(name);
    const i = byName.get(name);
    return Object.assign({}, ...(i?.extends ?? []).map(collect), i ? pick(i) : {});
  };
  return collect(apiName);
}

/** An interface's links, its own and those of the interfaces it extends. */
export function interfaceLinksOf(apiName: string, interfaces: InterfaceTypeInput[]): Record<string, InterfaceLinkInput> {
  return inherited(apiName, interfaces, (i) => i.links);
}

/** An interface's shared properties, its own and those of the interfaces it extends: what an implementing type maps. */
export function interfacePropertiesOf(apiName: string, interfaces: InterfaceTypeInput[]): InterfaceTypeInput['properties'] {
  return inherited(apiName, interfaces, (i) => i.properties);
}

/** What an interface link leads to: `one Site`, `many any Asset (required)`. */
export function interfaceLinkText(link: InterfaceLinkInput): string {
  const target = link.linkedInterface ? `any ${link.linkedInterface}` : (link.linkedObjectType ?? '?');
  return `${link.cardinality === 'ONE' ? 'one' : 'many'} ${target}${link.required ? ' (required)' : ''}`;
}

/** A link leaving an object type: the API name on its side, and the type it leads to. */
export interface OutgoingLink {
  apiName: string;
  target: string;
}

/** The links leaving an object type: its side of every link type it is on. */
export function outgoingLinks(objectType: string, linkTypes: LinkTypeInput[]): OutgoingLink[] {
  const sides: OutgoingLink[] = [];
  for (const l of linkTypes) {
    if (l.from.objectType === objectType) sides.push({ apiName: l.from.linkApiName, target: l.to.objectType });
    if (l.to.objectType === objectType) sides.push({ apiName: l.to.linkApiName, target: l.from.objectType });
  }
  return sides;
}

// --- object sets and filters ----------------------------------------------------------------

export const baseSet = (objectType: string): ObjectSet => ({ type: 'base', objectType });

/**
 * The objects of an interface, read as the interface (by its shared property names): of every
 * type implementing it, or only of the types named (`asType` of their union).
 */
export function interfaceSet(interfaceType: string, objectTypes?: string[]): ObjectSet {
  if (!objectTypes) return { type: 'interfaceBase', interfaceType };
  return { type: 'asType', entityType: interfaceType, objectSet: objectTypes.length === 1 ? baseSet(objectTypes[0]!) : { type: 'union', objectSets: objectTypes.map(baseSet) } };
}

/** A set narrowed by a filter; the set itself when there is none. */
export function filtered(set: ObjectSet, where: Where | undefined): ObjectSet {
  return where ? { type: 'filter', objectSet: set, where } : set;
}

export type FilterOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'startsWith' | 'containsAnyTerm' | 'isNull' | 'isNotNull' | 'in';

export interface FilterRow {
  property: string;
  op: FilterOp;
  value: string;
}

export const FILTER_OPS: Array<{ op: FilterOp; label: string; numeric?: boolean; text?: boolean; noValue?: boolean }> = [
  { op: 'eq', label: 'is' },
  { op: 'neq', label: 'is not' },
  { op: 'in', label: 'is any of (comma-separated)' },
  { op: 'gt', label: '>', numeric: true },
  { op: 'gte', label: '≥', numeric: true },
  { op: 'lt', label: '<', numeric: true },
  { op: 'lte', label: '≤', numeric: true },
  { op: 'startsWith', label: 'starts with', text: true },
  { op: 'containsAnyTerm', label: 'contains any word of', text: true },
  { op: 'isNull', label: 'is empty', noValue: true },
  { op: 'isNotNull', label: 'is not empty', noValue: true },
];

/** A value typed in a filter box as the property's JSON value (the server checks it and names what is wrong). */
function filterValue(text: string, t: PropertyDataType): unknown {
  if (t.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (['byte', 'short', 'integer', 'float', 'double'].includes(t.type) && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}

/** Filter rows as one `SearchJsonQueryV2` (all of them; rows still without a value are left out); undefined when there is none. */
export function whereOf(rows: FilterRow[], properties: Record<string, { dataType: PropertyDataType }>): Where | undefined {
  const clauses: Where[] = [];
  for (const r of rows) {
    if (!FILTER_OPS.find((o) => o.op === r.op)?.noValue && r.value.trim() === '') continue;
    const t = properties[r.property]?.dataType ?? { type: 'string' };
    const field = r.property;
    if (r.op === 'isNull' || r.op === 'isNotNull') clauses.push({ type: 'isNull', field, value: r.op === 'isNull' });
    else if (r.op === 'neq') clauses.push({ type: 'not', value: { type: 'eq', field, value: filterValue(r.value, t) } });
    else if (r.op === 'in') clauses.push({ type: 'in', field, value: r.value.split(',').map((v) => filterValue(v.trim(), t)) });
    else clauses.push({ type: r.op, field, value: filterValue(r.value, t) });
  }
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { type: 'and', value: clauses };
}

/** Filter rows back from a `where` built by {@link whereOf} (saved sets); undefined for any other shape. */
export function rowsOf(where: unknown): FilterRow[] | undefined {
  if (!where || typeof where !== 'object') return [];
  const w = where as Where;
  const one = (c: Where): FilterRow | undefined => {
    const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
    if (c.type === 'isNull') return { property: String(c.field), op: c.value ? 'isNull' : 'isNotNull', value: '' };
    if (c.type === 'not' && (c.value as Where)?.type === 'eq') return { property: String((c.value as Where).field), op: 'neq', value: text((c.value as Where).value) };
    if (c.type === 'in' && Array.isArray(c.value)) return { property: String(c.field), op: 'in', value: c.value.map(text).join(', ') };
    if (FILTER_OPS.some((o) => o.op === c.type) && typeof c.field === 'string') return { property: c.field, op: c.type as FilterOp, value: text(c.value) };
    return undefined;
  };
  const clauses = w.type === 'and' && Array.isArray(w.value) ? (w.value as Where[]) : [w];
  const rows = clauses.map(one);
  return rows.every((r) => r) ? (rows as FilterRow[]) : undefined;
}

/** The type and filter of a set shaped `filter(base(T), where)` or `base(T)`; undefined for other shapes. */
export function viewOfSet(set: ObjectSet): { objectType: string; where: unknown } | undefined {
  if (set.type === 'base') return { objectType: String(set.objectType), where: undefined };
  if (set.type === 'filter' && (set.objectSet as ObjectSet)?.type === 'base') return { objectType: String((set.objectSet as ObjectSet).objectType), where: set.where };
  return undefined;
}

/** The interface, the implementing types chosen (all when undefined) and the filter of a set the interface table builds (`interfaceSet`, `filtered`). */
export function viewOfInterfaceSet(set: ObjectSet): { interfaceType: string; objectTypes: string[] | undefined; where: unknown } | undefined {
  const inner = set.type === 'filter' ? (set.objectSet as ObjectSet) : set;
  const where = set.type === 'filter' ? set.where : undefined;
  if (inner?.type === 'interfaceBase') return { interfaceType: String(inner.interfaceType), objectTypes: undefined, where };
  if (inner?.type !== 'asType') return undefined;
  const of = inner.objectSet as ObjectSet;
  const bases = of?.type === 'union' ? (of.objectSets as ObjectSet[]) : [of];
  if (!bases.every((b) => b?.type === 'base')) return undefined;
  return { interfaceType: String(inner.entityType), objectTypes: bases.map((b) => String(b.objectType)), where };
}

// --- values ---------------------------------------------------------------------------------

/** A property value as text for a cell or a CSV field. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const v = value as { type?: string; coordinates?: [number, number] };
    if (v.type === 'Point' && Array.isArray(v.coordinates)) return `${v.coordinates[1]}, ${v.coordinates[0]}`;
    return JSON.stringify(value);
  }
  return String(value);
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Objects as CSV: the values of `columns` (properties, or `__apiName`, `__primaryKey`), under `headers` (their names by default). */
export function toCsv(columns: string[], objects: OntologyObject[], headers: string[] = columns): string {
  const lines = [headers.map(csvField).join(',')];
  for (const o of objects) lines.push(columns.map((c) => csvField(valueText(o[c]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Most objects an export reads (pages of 1,000). */
export const EXPORT_LIMIT = 100_000;

/** Every object of a set in order (up to {@link EXPORT_LIMIT}), page by page. */
export async function loadAll(load: PageLoader, request: Omit<LoadRequest, 'pageSize' | 'pageToken'>, onProgress: (loaded: number) => void): Promise<{ objects: OntologyObject[]; truncated: boolean }> {
  const objects: OntologyObject[] = [];
  let pageToken: string | undefined;
  do {
    const page = await load({ ...request, pageSize: 1000, pageToken });
    objects.push(...page.data);
    onProgress(objects.length);
    pageToken = page.nextPageToken;
  } while (pageToken && objects.length < EXPORT_LIMIT);
  return { objects, truncated: !!pageToken };
}

export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const ontologyUrl = (o: string) => `/ontologies/${encodeURIComponent(o)}`;
export const explorerUrl = (o: string, q?: string) => `${ontologyUrl(o)}/explore${q ? `?${new URLSearchParams({ q })}` : ''}`;
const query = (params: Record<string, string | undefined>) => {
  const qs = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return qs ? `?${qs}` : '';
};
export const objectTableUrl = (o: string, t: string, params: Record<string, string | undefined> = {}) => `${ontologyUrl(o)}/objects/${encodeURIComponent(t)}${query(params)}`;
export const interfaceTableUrl = (o: string, i: string, params: Record<string, string | undefined> = {}) => `${ontologyUrl(o)}/interfaces/${encodeURIComponent(i)}${query(params)}`;
export const objectUrl = (o: string, t: string, pk: unknown) => `${ontologyUrl(o)}/objects/${encodeURIComponent(t)}/${encodeURIComponent(String(pk))}`;
