import { ConflictError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from '@openfoundry/kernel';

/**
 * The ontology service's named errors. Names, codes and parameters follow Foundry's
 * (`@osdk/foundry.ontologies` `_errors.d.ts`) wherever Foundry defines one.
 */
export const OntologyErrors = {
  ontologyNotFound: (ontology: string) => new NotFoundError('OntologyNotFound', { ontologyRid: ontology, apiName: ontology }),
  objectTypeNotFound: (objectType: string, objectTypeRid?: string) => new NotFoundError('ObjectTypeNotFound', { objectType, objectTypeRid }),
  objectNotFound: (objectType: string, primaryKey: unknown) => new NotFoundError('ObjectNotFound', { objectType, primaryKey: { value: primaryKey } }),
  linkTypeNotFound: (objectType: string, linkType: string) => new NotFoundError('LinkTypeNotFound', { objectType, linkType }),
  linkedObjectNotFound: (linkType: string, linkedObjectType: string, linkedObjectPrimaryKey: unknown) =>
    new NotFoundError('LinkedObjectNotFound', { linkType, linkedObjectType, linkedObjectPrimaryKey: { value: linkedObjectPrimaryKey } }),
  interfaceTypeNotFound: (apiName: string) => new NotFoundError('InterfaceTypeNotFound', { apiName }),
  interfaceLinkTypeNotFound: (interfaceTypeApiName: string, interfaceTypeRid: string, interfaceLinkTypeApiName: string) =>
    new NotFoundError('InterfaceLinkTypeNotFound', { interfaceTypeApiName, interfaceTypeRid, interfaceLinkTypeApiName }),
  propertiesNotFound: (objectType: string, properties: string[]) => new NotFoundError('PropertiesNotFound', { objectType, properties }),
  objectSetNotFound: (objectSetRid: string) => new NotFoundError('ObjectSetNotFound', { objectSetRid }),
  invalidPropertyValue: (property: string, propertyBaseType: string, propertyValue: unknown) =>
    new InvalidArgumentError('InvalidPropertyValue', { property, propertyBaseType, propertyValue }),
  invalidPropertyFilterValue: (property: string, expectedType: string, propertyValue: unknown, filter: string) =>
    new InvalidArgumentError('InvalidPropertyFilterValue', { property, expectedType, propertyValue, propertyFilter: filter }),
  invalidPropertyType: (property: string, propertyBaseType: string, problem: string) => new InvalidArgumentError('InvalidPropertyType', { property, propertyBaseType, problem }),
  invalidOrderBy: (orderBy: unknown, problem: string) => new InvalidArgumentError('InvalidSortOrder', { invalidSortOrder: orderBy, problem }),
  duplicateOrderBy: (properties: string[]) => new InvalidArgumentError('DuplicateOrderBy', { properties }),
  unsupportedObjectSet: (problem: string) => new InvalidArgumentError('UnsupportedObjectSet', { problem }),
  objectSetTooDeep: (maxDepth: number) => new InvalidArgumentError('UnsupportedObjectSet', { problem: `object set definitions may nest at most ${maxDepth} levels` }),
  objectSetCycle: (objectSetRid: string) => new InvalidArgumentError('UnsupportedObjectSet', { problem: `object set ${objectSetRid} refers to itself` }),
  interfaceBasedObjectSetNotSupported: () => new InvalidArgumentError('InterfaceBasedObjectSetNotSupported', {}),
  groupCountExceeded: (groupsCount: number, groupsLimit: number) => new InvalidArgumentError('AggregationGroupCountExceededLimit', { groupsCount, groupsLimit }),
  invalidAggregationRange: (problem: string) => new InvalidArgumentError('InvalidAggregationRange', { problem }),
  invalidDurationGroupBy: (property: string, problem: string) => new InvalidArgumentError('InvalidDurationGroupByValue', { property, problem }),
  metricNotSupported: (property: string, metric: string, propertyBaseType: string) =>
    new InvalidArgumentError('AggregationMetricNotSupported', { property, metric, propertyBaseType }),
  propertiesNotSearchable: (propertyApiNames: string[]) => new InvalidArgumentError('PropertiesNotSearchable', { propertyApiNames }),
  malformedFilter: (problem: string) => new InvalidArgumentError('MalformedPropertyFilters', { malformedPropertyFilter: problem }),
  objectTypeNotSynced: (objectType: string) => new ConflictError('ObjectTypeNotSynced', { objectType }),
  viewDenied: (objectType: string) => new PermissionDeniedError('ViewObjectPermissionDenied', { objectType }),

  // --- authoring (OpenFoundry) ---
  ontologyApiNameNotUnique: (apiName: string) => new ConflictError('OntologyApiNameNotUnique', { ontologyApiName: apiName }),
  invalidDefinition: (problems: DefinitionProblem[]) =>
    new InvalidArgumentError('InvalidOntologyDefinition', { problems }, `invalid ontology definition: ${problems.map((p) => `${p.path}: ${p.problem}`).join('; ')}`),
  breakingChanges: (changes: Array<{ kind: string; apiName: string; breaking: string[] }>) => new ConflictError('BreakingOntologyChanges', { changes }),
  typeInUse: (apiName: string, usedBy: string[]) => new ConflictError('OntologyTypeInUse', { apiName, usedBy }),
};

/** One problem of a definition, with the document path of what is wrong (`objectTypes[0].properties.salary.column`). */
export interface DefinitionProblem {
  path: string;
  problem: string;
}
