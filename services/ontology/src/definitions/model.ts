import { z } from 'zod';

/**
 * The ontology as code: the document `openfoundry ontology apply` and `POST …/apply` take (YAML or
 * JSON), and the normalized definitions stored for each type. Names and property types follow
 * Foundry's (`ObjectPropertyType`), so a definition reads like the metadata the API answers.
 */

/** API names: Foundry's rules (a letter first, then letters, digits and underscores). */
export const ApiName = z
  .string()
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and contain only letters, digits and underscores');

/** Foundry's property types (`ObjectPropertyType`), the subset backed by dataset columns. */
export type PropertyDataType =
  | { type: 'string' }
  | { type: 'byte' }
  | { type: 'short' }
  | { type: 'integer' }
  | { type: 'long' }
  | { type: 'float' }
  | { type: 'double' }
  | { type: 'decimal'; precision?: number | undefined; scale?: number | undefined }
  | { type: 'boolean' }
  | { type: 'date' }
  | { type: 'timestamp' }
  | { type: 'geopoint' }
  | { type: 'array'; subType: PropertyDataType };

export const SCALAR_TYPES = ['string', 'byte', 'short', 'integer', 'long', 'float', 'double', 'decimal', 'boolean', 'date', 'timestamp', 'geopoint'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

const ScalarTypeInput = z.union([
  z.enum(SCALAR_TYPES).transform((type) => ({ type }) as PropertyDataType),
  z.strictObject({ type: z.enum(SCALAR_TYPES.filter((t) => t !== 'decimal') as [Exclude<ScalarType, 'decimal'>, ...Exclude<ScalarType, 'decimal'>[]]) }),
  z.strictObject({ type: z.literal('decimal'), precision: z.number().int().min(1).max(38).optional(), scale: z.number().int().min(0).max(38).optional() }),
]);

/** Either Foundry's object form (`{ type: 'array', subType: { type: 'string' } }`) or a bare name (`string`); arrays hold scalars. */
export const PropertyDataTypeInput = z.union([ScalarTypeInput, z.strictObject({ type: z.literal('array'), subType: ScalarTypeInput })]) as unknown as z.ZodType<PropertyDataType>;

export const STATUSES = ['ACTIVE', 'EXPERIMENTAL', 'DEPRECATED'] as const;
export type Status = (typeof STATUSES)[number];
export const VISIBILITIES = ['NORMAL', 'PROMINENT', 'HIDDEN'] as const;

const Icon = z.strictObject({ name: z.string().min(1).max(100), color: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'must be a #RRGGBB colour') });

export const PropertyInput = z.strictObject({
  /** The backing dataset's column; the property's API name when absent. */
  column: z.string().min(1).max(1000).optional(),
  type: PropertyDataTypeInput,
  displayName: z.string().min(1).max(500).optional(),
  description: z.string().max(4000).optional(),
  hidden: z.boolean().optional(),
  /** Included in keyword search and term filters (strings only). */
  searchable: z.boolean().optional(),
});

export const ObjectTypeInput = z.strictObject({
  apiName: ApiName,
  displayName: z.string().min(1).max(500).optional(),
  pluralDisplayName: z.string().min(1).max(500).optional(),
  description: z.string().max(4000).optional(),
  icon: Icon.optional(),
  status: z.enum(STATUSES).optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  /** The backing dataset: a path (`/Space/Project/employees`) or a RID. */
  dataset: z.string().min(1).max(2000),
  branch: z.string().min(1).max(250).optional(),
  /** The folder the object type is kept in (roles come from it): path or RID; the ontology's folder when absent. */
  folder: z.string().min(1).max(2000).optional(),
  primaryKey: ApiName,
  titleProperty: ApiName,
  properties: z.record(ApiName, PropertyInput),
  /** Interfaces this type implements: interface API name → { shared property → local property }. */
  implements: z.record(ApiName, z.record(ApiName, ApiName)).optional(),
  /**
   * Links of the interfaces it implements: interface API name → { interface link → the link (or
   * links) leaving this type, by this side's link API name, that implement it }.
   */
  interfaceLinks: z.record(ApiName, z.record(ApiName, z.union([ApiName, z.array(ApiName).min(1).max(20)]))).optional(),
});
export type ObjectTypeInput = z.infer<typeof ObjectTypeInput>;

export const CARDINALITIES = ['ONE_TO_ONE', 'MANY_TO_ONE', 'MANY_TO_MANY'] as const;
export type LinkCardinality = (typeof CARDINALITIES)[number];

const LinkSideInput = z.strictObject({
  objectType: ApiName,
  /** The name to traverse the link from this side's objects (Foundry's link type API name on this side). */
  linkApiName: ApiName,
  displayName: z.string().min(1).max(500).optional(),
});

export const LinkTypeInput = z.strictObject({
  apiName: ApiName,
  /** MANY_TO_ONE: many `from` objects point at one `to` object through `foreignKey`. */
  from: LinkSideInput,
  to: LinkSideInput,
  cardinality: z.enum(CARDINALITIES),
  status: z.enum(STATUSES).optional(),
  /** ONE_TO_ONE / MANY_TO_ONE: the property of `from` holding `to`'s primary key. */
  foreignKey: ApiName.optional(),
  /** MANY_TO_MANY: the join dataset (path or RID) and its columns holding each side's primary key. */
  dataset: z.string().min(1).max(2000).optional(),
  branch: z.string().min(1).max(250).optional(),
  fromColumn: z.string().min(1).max(1000).optional(),
  toColumn: z.string().min(1).max(1000).optional(),
});
export type LinkTypeInput = z.infer<typeof LinkTypeInput>;

export const SharedPropertyInput = z.strictObject({
  type: PropertyDataTypeInput,
  displayName: z.string().min(1).max(500).optional(),
  description: z.string().max(4000).optional(),
});

export const INTERFACE_LINK_CARDINALITIES = ['ONE', 'MANY'] as const;

/** A link every implementing object type provides: to objects of one type, or of any type implementing an interface. */
export const InterfaceLinkInput = z.strictObject({
  displayName: z.string().min(1).max(500).optional(),
  description: z.string().max(4000).optional(),
  /** ONE: an object links to at most one object through it; MANY: to any number. */
  cardinality: z.enum(INTERFACE_LINK_CARDINALITIES),
  /** Every implementing type must implement the link (otherwise it may). */
  required: z.boolean().optional(),
  linkedInterface: ApiName.optional(),
  linkedObjectType: ApiName.optional(),
});

export const InterfaceTypeInput = z.strictObject({
  apiName: ApiName,
  displayName: z.string().min(1).max(500).optional(),
  description: z.string().max(4000).optional(),
  icon: Icon.optional(),
  extends: z.array(ApiName).max(50).optional(),
  properties: z.record(ApiName, SharedPropertyInput),
  links: z.record(ApiName, InterfaceLinkInput).optional(),
});
export type InterfaceTypeInput = z.infer<typeof InterfaceTypeInput>;

/** The whole document. Types not named are left alone unless `prune` is set on apply. */
export const OntologyDocument = z.strictObject({
  interfaceTypes: z.array(InterfaceTypeInput).max(1000).optional(),
  objectTypes: z.array(ObjectTypeInput).max(2000).optional(),
  linkTypes: z.array(LinkTypeInput).max(5000).optional(),
});
export type OntologyDocument = z.infer<typeof OntologyDocument>;

// --- stored, normalized definitions -----------------------------------------------------------

export interface PropertyDef {
  /** Kept across changes of the definition (Foundry's property RID). */
  rid: string;
  apiName: string;
  column: string;
  dataType: PropertyDataType;
  displayName: string;
  description: string | undefined;
  hidden: boolean;
  searchable: boolean;
}

export interface ObjectTypeDef {
  apiName: string;
  displayName: string;
  pluralDisplayName: string;
  description: string | undefined;
  icon: { name: string; color: string };
  status: Status;
  visibility: (typeof VISIBILITIES)[number];
  datasetRid: string;
  branch: string;
  primaryKey: string;
  titleProperty: string;
  properties: PropertyDef[];
  implements: Record<string, Record<string, string>>;
  /** Interface → interface link → the link API names (from this side) implementing it; absent in definitions stored before interface links. */
  interfaceLinks?: Record<string, Record<string, string[]>> | undefined;
}

export interface LinkSideDef {
  objectTypeRid: string;
  objectTypeApiName: string;
  linkApiName: string;
  displayName: string;
}

export interface LinkTypeDef {
  apiName: string;
  from: LinkSideDef;
  to: LinkSideDef;
  cardinality: LinkCardinality;
  status: Status;
  foreignKey: string | undefined;
  join: { datasetRid: string; branch: string; fromColumn: string; toColumn: string } | undefined;
}

export interface SharedPropertyDef {
  rid: string;
  apiName: string;
  dataType: PropertyDataType;
  displayName: string;
  description: string | undefined;
}

export interface InterfaceLinkDef {
  /** Kept across changes of the definition (Foundry's interface link type RID). */
  rid: string;
  apiName: string;
  displayName: string;
  description: string | undefined;
  cardinality: (typeof INTERFACE_LINK_CARDINALITIES)[number];
  required: boolean;
  linked: { kind: 'interface' | 'objectType'; apiName: string };
}

export interface InterfaceTypeDef {
  apiName: string;
  displayName: string;
  description: string | undefined;
  icon: { name: string; color: string };
  extends: string[];
  properties: SharedPropertyDef[];
  /** Absent in definitions stored before interface links. */
  links?: InterfaceLinkDef[] | undefined;
}

/** A short text of a property type for messages: `array<string>`, `decimal(10,2)`. */
export function typeText(t: PropertyDataType): string {
  if (t.type === 'array') return `array<${typeText(t.subType)}>`;
  if (t.type === 'decimal' && t.precision !== undefined) return `decimal(${t.precision},${t.scale ?? 0})`;
  return t.type;
}

export function sameType(a: PropertyDataType, b: PropertyDataType): boolean {
  return typeText(a) === typeText(b);
}

/** Property types a primary key may have. */
export const PRIMARY_KEY_TYPES: ReadonlySet<string> = new Set(['string', 'byte', 'short', 'integer', 'long']);
