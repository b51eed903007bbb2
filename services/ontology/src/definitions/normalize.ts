import { randomUUID } from 'node:crypto';
import type { DatasetFieldSchema } from '@openfoundry/engine';
import { makeRid } from '@openfoundry/kernel';
import type { DefinitionProblem } from '../ontology.errors.js';
import {
  PRIMARY_KEY_TYPES,
  sameType,
  typeText,
  type InterfaceTypeDef,
  type InterfaceTypeInput,
  type LinkTypeDef,
  type LinkTypeInput,
  type ObjectTypeDef,
  type ObjectTypeInput,
  type PropertyDataType,
  type PropertyDef,
} from './model.js';

/**
 * Turns the inputs of a document into stored definitions and collects every problem (all of
 * them, so one apply reports everything wrong), each with its path in the document.
 */

export const newPropertyRid = () => makeRid('ontology', 'main', 'property', randomUUID());

/** Whether a dataset column of `field`'s type can back a property of type `t`. */
export function columnBacks(field: DatasetFieldSchema, t: PropertyDataType): boolean {
  switch (t.type) {
    case 'string':
      return field.type === 'STRING';
    case 'geopoint':
      return field.type === 'STRING';
    case 'byte':
      return field.type === 'BYTE';
    case 'short':
      return field.type === 'BYTE' || field.type === 'SHORT';
    case 'integer':
      return field.type === 'BYTE' || field.type === 'SHORT' || field.type === 'INTEGER';
    case 'long':
      return field.type === 'BYTE' || field.type === 'SHORT' || field.type === 'INTEGER' || field.type === 'LONG';
    case 'float':
      return field.type === 'FLOAT';
    case 'double':
      return field.type === 'FLOAT' || field.type === 'DOUBLE';
    case 'decimal':
      return field.type === 'DECIMAL' && (t.precision === undefined || (t.precision === field.precision && (t.scale ?? 0) === (field.scale ?? 0)));
    case 'boolean':
      return field.type === 'BOOLEAN';
    case 'date':
      return field.type === 'DATE';
    case 'timestamp':
      return field.type === 'TIMESTAMP';
    case 'array':
      return field.type === 'ARRAY' && !!field.arraySubtype && t.subType.type !== 'array' && columnBacks(field.arraySubtype, t.subType);
  }
}

function fieldText(f: DatasetFieldSchema): string {
  if (f.type === 'DECIMAL') return `DECIMAL(${f.precision ?? '?'},${f.scale ?? 0})`;
  if (f.type === 'ARRAY' && f.arraySubtype) return `ARRAY<${fieldText(f.arraySubtype)}>`;
  return f.type;
}

export interface ResolvedDataset {
  rid: string;
  branchName: string;
  columns: DatasetFieldSchema[];
}

/** An object type input against its dataset's columns. `previous` keeps property RIDs stable. */
export function normalizeObjectType(
  input: ObjectTypeInput,
  at: string,
  dataset: ResolvedDataset,
  previous: ObjectTypeDef | undefined,
  interfaces: Map<string, InterfaceTypeDef>,
  problems: DefinitionProblem[],
): ObjectTypeDef {
  const columns = new Map(dataset.columns.map((c) => [c.name!, c]));
  const properties: PropertyDef[] = [];
  const usedColumns = new Map<string, string>();
  for (const [apiName, p] of Object.entries(input.properties)) {
    const path = `${at}.properties.${apiName}`;
    const column = p.column ?? apiName;
    const field = columns.get(column);
    if (!field) problems.push({ path: `${path}.column`, problem: `the dataset has no column \`${column}\`` });
    else if (!columnBacks(field, p.type)) problems.push({ path: `${path}.type`, problem: `column \`${column}\` is ${fieldText(field)}, which cannot back a ${typeText(p.type)} property` });
    if (usedColumns.has(column)) problems.push({ path: `${path}.column`, problem: `column \`${column}\` already backs property ${usedColumns.get(column)}` });
    usedColumns.set(column, apiName);
    const searchable = p.searchable ?? p.type.type === 'string';
    if (p.searchable && p.type.type !== 'string') problems.push({ path: `${path}.searchable`, problem: 'only string properties can be searchable' });
    properties.push({
      rid: previous?.properties.find((x) => x.apiName === apiName)?.rid ?? newPropertyRid(),
      apiName,
      column,
      dataType: p.type,
      displayName: p.displayName ?? apiName,
      description: p.description,
      hidden: p.hidden ?? false,
      searchable,
    });
  }
  const byName = new Map(properties.map((p) => [p.apiName, p]));
  const pk = byName.get(input.primaryKey);
  if (!pk) problems.push({ path: `${at}.primaryKey`, problem: `${input.primaryKey} is not a property of the object type` });
  else if (!PRIMARY_KEY_TYPES.has(pk.dataType.type)) problems.push({ path: `${at}.primaryKey`, problem: `a primary key must be a string or integer property, not ${typeText(pk.dataType)}` });
  if (!byName.has(input.titleProperty)) problems.push({ path: `${at}.titleProperty`, problem: `${input.titleProperty} is not a property of the object type` });

  const implementsMap: Record<string, Record<string, string>> = {};
  for (const [interfaceName, mapping] of Object.entries(input.implements ?? {})) {
    const path = `${at}.implements.${interfaceName}`;
    if (!interfaces.has(interfaceName)) {
      problems.push({ path, problem: `there is no interface ${interfaceName}` });
      continue;
    }
    checkImplementation(interfaceName, mapping, byName, path, interfaces, problems);
    implementsMap[interfaceName] = { ...mapping };
  }

  return {
    apiName: input.apiName,
    displayName: input.displayName ?? input.apiName,
    pluralDisplayName: input.pluralDisplayName ?? `${input.displayName ?? input.apiName}s`,
    description: input.description,
    icon: input.icon ?? { name: 'cube', color: '#4C90F0' },
    status: input.status ?? 'ACTIVE',
    visibility: input.visibility ?? 'NORMAL',
    datasetRid: dataset.rid,
    branch: dataset.branchName,
    primaryKey: input.primaryKey,
    titleProperty: input.titleProperty,
    properties,
    implements: implementsMap,
  };
}

/** Whether `mapping` implements every shared property of an (existing) interface with a local property of its type. */
export function checkImplementation(
  interfaceName: string,
  mapping: Record<string, string>,
  properties: Map<string, Pick<PropertyDef, 'dataType'>>,
  path: string,
  interfaces: Map<string, InterfaceTypeDef>,
  problems: DefinitionProblem[],
): void {
  const shared = allInterfaceProperties(interfaceName, interfaces);
  for (const [sharedName, local] of Object.entries(mapping)) {
    const sp = shared.get(sharedName);
    const lp = properties.get(local);
    if (!sp) problems.push({ path: `${path}.${sharedName}`, problem: `interface ${interfaceName} has no property ${sharedName}` });
    else if (!lp) problems.push({ path: `${path}.${sharedName}`, problem: `${local} is not a property of the object type` });
    else if (!sameType(sp, lp.dataType)) problems.push({ path: `${path}.${sharedName}`, problem: `${local} is ${typeText(lp.dataType)} but ${interfaceName}.${sharedName} is ${typeText(sp)}` });
  }
  for (const sharedName of shared.keys()) if (!(sharedName in mapping)) problems.push({ path, problem: `no property implements ${interfaceName}.${sharedName}` });
}

/** Shared properties of an interface and every interface it extends (type by API name). */
export function allInterfaceProperties(apiName: string, interfaces: Map<string, InterfaceTypeDef>, seen = new Set<string>()): Map<string, PropertyDataType> {
  const out = new Map<string, PropertyDataType>();
  const def = interfaces.get(apiName);
  if (!def || seen.has(apiName)) return out;
  seen.add(apiName);
  for (const parent of def.extends) for (const [k, v] of allInterfaceProperties(parent, interfaces, seen)) out.set(k, v);
  for (const p of def.properties) out.set(p.apiName, p.dataType);
  return out;
}

/** Every interface an interface extends, directly or not. */
export function allAncestors(apiName: string, interfaces: Map<string, InterfaceTypeDef>, seen = new Set<string>()): Set<string> {
  for (const parent of interfaces.get(apiName)?.extends ?? []) {
    if (seen.has(parent)) continue;
    seen.add(parent);
    allAncestors(parent, interfaces, seen);
  }
  return seen;
}

export function normalizeInterface(input: InterfaceTypeInput, previous: InterfaceTypeDef | undefined): InterfaceTypeDef {
  return {
    apiName: input.apiName,
    displayName: input.displayName ?? input.apiName,
    description: input.description,
    icon: input.icon ?? { name: 'layers', color: '#8F99A8' },
    extends: input.extends ?? [],
    properties: Object.entries(input.properties).map(([apiName, p]) => ({
      rid: previous?.properties.find((x) => x.apiName === apiName)?.rid ?? newPropertyRid(),
      apiName,
      dataType: p.type,
      displayName: p.displayName ?? apiName,
      description: p.description,
    })),
  };
}

export function checkInterfaces(defs: Map<string, InterfaceTypeDef>, at: (apiName: string) => string, problems: DefinitionProblem[]): void {
  for (const def of defs.values()) {
    for (const parent of def.extends) if (!defs.has(parent)) problems.push({ path: `${at(def.apiName)}.extends`, problem: `there is no interface ${parent}` });
    if (allAncestors(def.apiName, defs).has(def.apiName)) problems.push({ path: `${at(def.apiName)}.extends`, problem: `${def.apiName} extends itself` });
  }
}

export interface LinkContext {
  objectTypes: Map<string, { rid: string; def: ObjectTypeDef }>;
}

/** A link type input against the object types it connects (and its join dataset's columns for MANY_TO_MANY). */
export function normalizeLinkType(input: LinkTypeInput, at: string, ctx: LinkContext, join: ResolvedDataset | undefined, problems: DefinitionProblem[]): LinkTypeDef | undefined {
  const from = ctx.objectTypes.get(input.from.objectType);
  const to = ctx.objectTypes.get(input.to.objectType);
  if (!from) problems.push({ path: `${at}.from.objectType`, problem: `there is no object type ${input.from.objectType}` });
  if (!to) problems.push({ path: `${at}.to.objectType`, problem: `there is no object type ${input.to.objectType}` });
  if (!from || !to) return undefined;
  const toPk = to.def.properties.find((p) => p.apiName === to.def.primaryKey);
  const fromPk = from.def.properties.find((p) => p.apiName === from.def.primaryKey);
  let joinDef: LinkTypeDef['join'];
  if (input.cardinality === 'MANY_TO_MANY') {
    if (input.foreignKey) problems.push({ path: `${at}.foreignKey`, problem: 'a MANY_TO_MANY link is backed by a join dataset, not a foreign key' });
    if (!input.dataset || !input.fromColumn || !input.toColumn) problems.push({ path: at, problem: 'a MANY_TO_MANY link needs dataset, fromColumn and toColumn' });
    else if (join) {
      const columns = new Map(join.columns.map((c) => [c.name!, c]));
      for (const [side, column, pk] of [
        ['fromColumn', input.fromColumn, fromPk],
        ['toColumn', input.toColumn, toPk],
      ] as const) {
        const field = columns.get(column);
        if (!field) problems.push({ path: `${at}.${side}`, problem: `the join dataset has no column \`${column}\`` });
        else if (pk && !columnBacks(field, pk.dataType)) problems.push({ path: `${at}.${side}`, problem: `column \`${column}\` is ${fieldText(field)}, which cannot hold ${typeText(pk.dataType)} primary keys` });
      }
      joinDef = { datasetRid: join.rid, branch: join.branchName, fromColumn: input.fromColumn, toColumn: input.toColumn };
    }
  } else {
    if (input.dataset || input.fromColumn || input.toColumn) problems.push({ path: at, problem: `a ${input.cardinality} link is backed by a foreign key property, not a join dataset` });
    const fk = input.foreignKey && from.def.properties.find((p) => p.apiName === input.foreignKey);
    if (!input.foreignKey) problems.push({ path: `${at}.foreignKey`, problem: `a ${input.cardinality} link needs the foreign key property of ${input.from.objectType}` });
    else if (!fk) problems.push({ path: `${at}.foreignKey`, problem: `${input.foreignKey} is not a property of ${input.from.objectType}` });
    else if (toPk && !sameType(fk.dataType, toPk.dataType))
      problems.push({ path: `${at}.foreignKey`, problem: `${input.foreignKey} is ${typeText(fk.dataType)} but the primary key of ${input.to.objectType} is ${typeText(toPk.dataType)}` });
  }
  if (input.from.objectType === input.to.objectType && input.from.linkApiName === input.to.linkApiName) {
    problems.push({ path: `${at}.to.linkApiName`, problem: 'both sides of a link of an object type to itself need different names' });
  }
  return {
    apiName: input.apiName,
    from: { objectTypeRid: from.rid, objectTypeApiName: from.def.apiName, linkApiName: input.from.linkApiName, displayName: input.from.displayName ?? input.from.linkApiName },
    to: { objectTypeRid: to.rid, objectTypeApiName: to.def.apiName, linkApiName: input.to.linkApiName, displayName: input.to.displayName ?? input.to.linkApiName },
    cardinality: input.cardinality,
    status: input.status ?? 'ACTIVE',
    foreignKey: input.cardinality === 'MANY_TO_MANY' ? undefined : input.foreignKey,
    join: joinDef,
  };
}

/** Link names must be unique among the links leaving each object type. */
export function checkLinkNames(links: Array<{ def: LinkTypeDef; at: string }>, problems: DefinitionProblem[]): void {
  const seen = new Map<string, string>();
  for (const { def, at } of links) {
    for (const [side, s] of [
      ['from', def.from],
      ['to', def.to],
    ] as const) {
      const key = `${s.objectTypeApiName}.${s.linkApiName}`;
      const other = seen.get(key);
      if (other && other !== def.apiName) problems.push({ path: `${at}.${side}.linkApiName`, problem: `${s.objectTypeApiName} already has a link named ${s.linkApiName} (link type ${other})` });
      seen.set(key, def.apiName);
    }
  }
}
