import { randomUUID } from 'node:crypto';
import type { DatasetFieldSchema } from '@openfoundry/engine';
import { makeRid } from '@openfoundry/kernel';
import type { DefinitionProblem } from '../ontology.errors.js';
import {
  PRIMARY_KEY_TYPES,
  sameType,
  typeText,
  type InterfaceLinkDef,
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
  // Which links implement an interface's links is checked once every link type is known (checkInterfaceLinks).
  const interfaceLinks = Object.fromEntries(
    Object.entries(input.interfaceLinks ?? {}).map(([i, byLink]) => [i, Object.fromEntries(Object.entries(byLink).map(([x, names]) => [x, typeof names === 'string' ? [names] : [...new Set(names)]]))]),
  );

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
    ...(Object.keys(interfaceLinks).length ? { interfaceLinks } : {}),
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
    ...(input.links && Object.keys(input.links).length
      ? {
          links: Object.entries(input.links).map(([apiName, l]): InterfaceLinkDef => ({
            rid: previous?.links?.find((x) => x.apiName === apiName)?.rid ?? makeRid('ontology', 'main', 'interface-link', randomUUID()),
            apiName,
            displayName: l.displayName ?? apiName,
            description: l.description,
            cardinality: l.cardinality,
            required: l.required ?? false,
            // Checked by checkInterfaces: exactly one of the two is given.
            linked: l.linkedInterface !== undefined ? { kind: 'interface', apiName: l.linkedInterface } : { kind: 'objectType', apiName: l.linkedObjectType ?? '' },
          })),
        }
      : {}),
  };
}

export function checkInterfaces(defs: Map<string, InterfaceTypeDef>, at: (apiName: string) => string, problems: DefinitionProblem[]): void {
  for (const def of defs.values()) {
    for (const parent of def.extends) if (!defs.has(parent)) problems.push({ path: `${at(def.apiName)}.extends`, problem: `there is no interface ${parent}` });
    if (allAncestors(def.apiName, defs).has(def.apiName)) problems.push({ path: `${at(def.apiName)}.extends`, problem: `${def.apiName} extends itself` });
  }
}

/** An interface's links, its own and those of every interface it extends (by API name; its own win). */
export function allInterfaceLinks(apiName: string, interfaces: Map<string, InterfaceTypeDef>): Map<string, InterfaceLinkDef> {
  const out = new Map<string, InterfaceLinkDef>();
  for (const name of [...allAncestors(apiName, interfaces)].reverse()) for (const l of interfaces.get(name)?.links ?? []) out.set(l.apiName, l);
  for (const l of interfaces.get(apiName)?.links ?? []) out.set(l.apiName, l);
  return out;
}

/** Whether a type implementing `implemented` (directly) is an implementation of `apiName`. */
export function implementsInterface(implemented: Iterable<string>, apiName: string, interfaces: Map<string, InterfaceTypeDef>): boolean {
  for (const name of implemented) if (name === apiName || allAncestors(name, interfaces).has(apiName)) return true;
  return false;
}

/** Interface links name what they lead to: exactly one interface or object type, which exists. */
export function checkInterfaceLinkTargets(
  defs: Map<string, InterfaceTypeDef>,
  inputs: InterfaceTypeInput[],
  objectTypes: Set<string>,
  at: (apiName: string) => string,
  problems: DefinitionProblem[],
): void {
  const ambiguous = new Set<string>();
  for (const input of inputs) {
    for (const [name, l] of Object.entries(input.links ?? {})) {
      if ((l.linkedInterface === undefined) !== (l.linkedObjectType === undefined)) continue;
      problems.push({ path: `${at(input.apiName)}.links.${name}`, problem: 'an interface link leads to either a linkedInterface or a linkedObjectType' });
      ambiguous.add(`${input.apiName}.${name}`);
    }
  }
  for (const def of defs.values()) {
    for (const l of def.links ?? []) {
      if (ambiguous.has(`${def.apiName}.${l.apiName}`)) continue;
      const path = `${at(def.apiName)}.links.${l.apiName}`;
      if (l.linked.kind === 'interface' && !defs.has(l.linked.apiName)) problems.push({ path: `${path}.linkedInterface`, problem: `there is no interface ${l.linked.apiName}` });
      if (l.linked.kind === 'objectType' && !objectTypes.has(l.linked.apiName)) problems.push({ path: `${path}.linkedObjectType`, problem: `there is no object type ${l.linked.apiName}` });
    }
  }
}

/**
 * Whether an object type's `interfaceLinks` implement its interfaces' links: each names a link
 * leaving the type that leads to the linked object type (or to a type implementing the linked
 * interface), a single one that leads to at most one object for a ONE link; every required link
 * of an interface it implements is implemented.
 */
export function checkInterfaceLinks(
  type: ObjectTypeDef,
  at: string,
  links: LinkTypeDef[],
  types: Map<string, ObjectTypeDef>,
  interfaces: Map<string, InterfaceTypeDef>,
  problems: DefinitionProblem[],
): void {
  const implemented = Object.keys(type.implements);
  const sides = new Map<string, { target: string; single: boolean }>();
  for (const l of links) {
    if (l.from.objectTypeApiName === type.apiName) sides.set(l.from.linkApiName, { target: l.to.objectTypeApiName, single: l.cardinality !== 'MANY_TO_MANY' });
    if (l.to.objectTypeApiName === type.apiName) sides.set(l.to.linkApiName, { target: l.from.objectTypeApiName, single: l.cardinality === 'ONE_TO_ONE' });
  }
  for (const [i, byLink] of Object.entries(type.interfaceLinks ?? {})) {
    const path = `${at}.interfaceLinks.${i}`;
    if (!(i in type.implements)) {
      problems.push({ path, problem: `${type.apiName} does not implement ${i}` });
      continue;
    }
    const available = allInterfaceLinks(i, interfaces);
    for (const [x, names] of Object.entries(byLink)) {
      const l = available.get(x);
      if (!l) {
        problems.push({ path: `${path}.${x}`, problem: `interface ${i} has no link ${x}` });
        continue;
      }
      if (l.cardinality === 'ONE' && names.length > 1) problems.push({ path: `${path}.${x}`, problem: `${i}.${x} leads to one object: name one link` });
      for (const name of names) {
        const side = sides.get(name);
        if (!side) problems.push({ path: `${path}.${x}`, problem: `${type.apiName} has no link ${name}` });
        else if (l.linked.kind === 'objectType' && side.target !== l.linked.apiName) problems.push({ path: `${path}.${x}`, problem: `${name} leads to ${side.target}, but ${i}.${x} to ${l.linked.apiName}` });
        else if (l.linked.kind === 'interface' && !implementsInterface(Object.keys(types.get(side.target)?.implements ?? {}), l.linked.apiName, interfaces))
          problems.push({ path: `${path}.${x}`, problem: `${name} leads to ${side.target}, which does not implement ${l.linked.apiName}` });
        else if (l.cardinality === 'ONE' && !side.single) problems.push({ path: `${path}.${x}`, problem: `${i}.${x} leads to one object, but ${name} can lead to many` });
      }
    }
  }
  for (const i of implemented) {
    if (!interfaces.has(i)) continue;
    for (const l of allInterfaceLinks(i, interfaces).values()) {
      const done = Object.entries(type.interfaceLinks ?? {}).some(([k, byLink]) => byLink[l.apiName] && (k === i || allAncestors(i, interfaces).has(k) || allAncestors(k, interfaces).has(i)));
      if (l.required && !done) problems.push({ path: `${at}.interfaceLinks`, problem: `no link implements ${i}.${l.apiName}, which is required` });
    }
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
