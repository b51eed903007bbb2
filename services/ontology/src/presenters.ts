import type { InterfaceLinkDef, InterfaceTypeDef, OntologyDocument, PropertyDataType, PropertyDef } from './definitions/model.js';
import type { LinkSide, OntologyView, ReadableType } from './query/model.js';
import type { IndexErrorRow, IndexRow, InterfaceTypeRow, OntologyRow } from './ontology.types.js';

/** Foundry's metadata JSON (`@osdk/foundry.ontologies` OntologyV2, ObjectTypeV2, …) from our definitions. */

export function ontologyJson(o: OntologyRow) {
  return { apiName: o.api_name, displayName: o.display_name, description: o.description, rid: o.rid };
}

function dataTypeJson(t: PropertyDataType): Record<string, unknown> {
  if (t.type === 'array') return { type: 'array', subType: dataTypeJson(t.subType), reducers: [] };
  if (t.type === 'decimal') return { type: 'decimal', ...(t.precision !== undefined ? { precision: t.precision, scale: t.scale ?? 0 } : {}) };
  return { type: t.type };
}

function propertyJson(p: PropertyDef) {
  return {
    ...(p.description ? { description: p.description } : {}),
    displayName: p.displayName,
    dataType: dataTypeJson(p.dataType),
    rid: p.rid,
    status: { type: 'active' },
    visibility: p.hidden ? 'HIDDEN' : 'NORMAL',
    typeClasses: [],
  };
}

export function objectTypeJson(t: ReadableType) {
  const d = t.def;
  return {
    apiName: d.apiName,
    displayName: d.displayName,
    status: d.status,
    ...(d.description ? { description: d.description } : {}),
    pluralDisplayName: d.pluralDisplayName,
    icon: { type: 'blueprint', name: d.icon.name, color: d.icon.color },
    primaryKey: d.primaryKey,
    properties: Object.fromEntries(d.properties.map((p) => [p.apiName, propertyJson(p)])),
    rid: t.row.rid,
    titleProperty: d.titleProperty,
    visibility: d.visibility,
  };
}

/** Foundry's `LinkTypeSideV2` of a link seen from one side. */
export function linkSideJson(l: LinkSide) {
  const d = l.def;
  const here = l.fromSide ? d.from : d.to;
  // From the side holding the foreign key the link points at one object; otherwise at many, unless one-to-one.
  const one = d.cardinality === 'ONE_TO_ONE' || (d.cardinality === 'MANY_TO_ONE' && l.fromSide);
  return {
    apiName: here.linkApiName,
    displayName: here.displayName,
    status: d.status,
    objectTypeApiName: l.target.def.apiName,
    cardinality: one ? 'ONE' : 'MANY',
    ...(d.foreignKey && l.fromSide ? { foreignKeyPropertyApiName: d.foreignKey } : {}),
    linkTypeRid: l.row.rid,
  };
}

export function objectTypeFullMetadataJson(view: OntologyView, t: ReadableType) {
  const implemented = Object.keys(t.def.implements).filter((i) => view.interfaces.has(i));
  const mapping: Record<string, string> = {};
  for (const i of implemented) Object.assign(mapping, t.def.implements[i]);
  return {
    objectType: objectTypeJson(t),
    linkTypes: view.outgoing(t.def.apiName).map(linkSideJson),
    implementsInterfaces: implemented,
    implementsInterfaces2: Object.fromEntries(
      implemented.map((i) => [
        i,
        {
          apiName: i,
          rid: view.interfaces.get(i)!.rid,
          properties: t.def.implements[i],
          propertiesV2: Object.fromEntries(Object.entries(t.def.implements[i]!).map(([shared, local]) => [shared, { type: 'localPropertyImplementation', propertyApiName: local }])),
          // Only the links the caller can follow (both of their object types readable).
          links: Object.fromEntries(
            Object.entries(t.def.interfaceLinks?.[i] ?? {}).map(([x, names]) => [x, names.filter((n) => view.outgoing(t.def.apiName).some((l) => (l.fromSide ? l.def.from : l.def.to).linkApiName === n))]),
          ),
        },
      ]),
    ),
    sharedPropertyTypeMapping: mapping,
  };
}

function sharedPropertiesJson(def: InterfaceTypeDef) {
  return Object.fromEntries(
    def.properties.map((p) => [
      p.apiName,
      { rid: p.rid, apiName: p.apiName, displayName: p.displayName, ...(p.description ? { description: p.description } : {}), dataType: dataTypeJson(p.dataType), required: false, typeClasses: [] },
    ]),
  );
}

/** Foundry's `InterfaceLinkType`s of an interface; links to an object type the caller cannot read are left out. */
function interfaceLinksJson(view: OntologyView, links: InterfaceLinkDef[] | undefined) {
  return Object.fromEntries(
    (links ?? [])
      .filter((l) => l.linked.kind === 'interface' || view.types.has(l.linked.apiName))
      .map((l) => [
        l.apiName,
        {
          rid: l.rid,
          apiName: l.apiName,
          displayName: l.displayName,
          ...(l.description ? { description: l.description } : {}),
          linkedEntityApiName: { type: l.linked.kind === 'interface' ? 'interfaceTypeApiName' : 'objectTypeApiName', apiName: l.linked.apiName },
          cardinality: l.cardinality,
          required: l.required,
        },
      ]),
  );
}

export function interfaceTypeJson(view: OntologyView, row: InterfaceTypeRow) {
  const defs = view.interfaceDefs();
  const ancestors: string[] = [];
  const walk = (name: string) => {
    for (const parent of defs.get(name)?.extends ?? []) {
      if (ancestors.includes(parent) || parent === row.api_name) continue;
      ancestors.push(parent);
      walk(parent);
    }
  };
  walk(row.api_name);
  const all: Record<string, unknown> = {};
  const allLinks: Record<string, unknown> = {};
  for (const a of [...ancestors].reverse()) {
    if (!defs.has(a)) continue;
    Object.assign(all, sharedPropertiesJson(defs.get(a)!));
    Object.assign(allLinks, interfaceLinksJson(view, defs.get(a)!.links));
  }
  Object.assign(all, sharedPropertiesJson(row.definition));
  Object.assign(allLinks, interfaceLinksJson(view, row.definition.links));
  return {
    rid: row.rid,
    apiName: row.api_name,
    displayName: row.definition.displayName,
    ...(row.definition.description ? { description: row.definition.description } : {}),
    properties: sharedPropertiesJson(row.definition),
    allProperties: all,
    propertiesV2: {},
    allPropertiesV2: {},
    extendsInterfaces: row.definition.extends,
    allExtendsInterfaces: ancestors,
    implementedByObjectTypes: view.implementations(row.api_name).map((x) => x.type.def.apiName),
    links: interfaceLinksJson(view, row.definition.links),
    allLinks,
  };
}

/** OpenFoundry's index status of an object type. */
export function indexStatusJson(index: IndexRow | undefined, errors: IndexErrorRow[]) {
  return {
    status: index?.status ?? 'PENDING',
    datasetRid: index?.dataset_rid,
    branchName: index?.branch_name,
    indexedTransactionRid: index?.indexed_transaction_rid ?? undefined,
    indexedVersion: index?.indexed_version ?? undefined,
    objectCount: Number(index?.object_count ?? 0),
    invalidCount: Number(index?.invalid_count ?? 0),
    lastMode: index?.last_mode ?? undefined,
    lastDurationMs: index?.last_duration_ms ?? undefined,
    lastError: index?.last_error ?? undefined,
    updatedTime: index?.updated_time.toISOString(),
    invalidRows: errors.map((e) => ({ primaryKey: e.primary_key, reason: e.reason, values: e.row_values })),
  };
}

const byApiName = <T extends { apiName: string }>(xs: T[]) => xs.sort((a, b) => (a.apiName < b.apiName ? -1 : a.apiName > b.apiName ? 1 : 0));
const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

/**
 * OpenFoundry: the ontology as code, as the caller sees it (the types they can read, the links
 * between them, every interface): the document `apply` takes, every default spelled out, datasets
 * by RID. Applying it back plans every type `unchanged`.
 */
export function documentJson(view: OntologyView): Required<OntologyDocument> {
  return {
    interfaceTypes: byApiName(
      [...view.interfaces.values()].map(({ definition: d }) => ({
        apiName: d.apiName,
        displayName: d.displayName,
        ...optional('description', d.description),
        icon: d.icon,
        extends: d.extends,
        properties: Object.fromEntries(d.properties.map((p) => [p.apiName, { type: p.dataType, displayName: p.displayName, ...optional('description', p.description) }])),
        ...(d.links?.length
          ? {
              links: Object.fromEntries(
                d.links.map((l) => [
                  l.apiName,
                  {
                    displayName: l.displayName,
                    ...optional('description', l.description),
                    cardinality: l.cardinality,
                    required: l.required,
                    ...(l.linked.kind === 'interface' ? { linkedInterface: l.linked.apiName } : { linkedObjectType: l.linked.apiName }),
                  },
                ]),
              ),
            }
          : {}),
      })),
    ),
    objectTypes: byApiName(
      [...view.types.values()].map(({ def: d }) => ({
        apiName: d.apiName,
        displayName: d.displayName,
        pluralDisplayName: d.pluralDisplayName,
        ...optional('description', d.description),
        icon: d.icon,
        status: d.status,
        visibility: d.visibility,
        dataset: d.datasetRid,
        branch: d.branch,
        primaryKey: d.primaryKey,
        titleProperty: d.titleProperty,
        properties: Object.fromEntries(
          d.properties.map((p) => [
            p.apiName,
            {
              column: p.column,
              type: p.dataType,
              displayName: p.displayName,
              ...optional('description', p.description),
              ...(p.hidden ? { hidden: true } : {}),
              ...(p.dataType.type === 'string' ? { searchable: p.searchable } : {}),
            },
          ]),
        ),
        implements: d.implements,
        ...optional('interfaceLinks', d.interfaceLinks),
      })),
    ),
    linkTypes: byApiName(
      view.links.map(({ definition: d }) => ({
        apiName: d.apiName,
        from: { objectType: d.from.objectTypeApiName, linkApiName: d.from.linkApiName, displayName: d.from.displayName },
        to: { objectType: d.to.objectTypeApiName, linkApiName: d.to.linkApiName, displayName: d.to.displayName },
        cardinality: d.cardinality,
        status: d.status,
        ...optional('foreignKey', d.foreignKey),
        ...(d.join ? { dataset: d.join.datasetRid, branch: d.join.branch, fromColumn: d.join.fromColumn, toColumn: d.join.toColumn } : {}),
      })),
    ),
  };
}
