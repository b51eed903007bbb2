import { z } from 'zod';
import { PageQuery, PreviewQuery } from '@openfoundry/http';
import { OntologyDocument } from './definitions/model.js';

export { PageQuery, PreviewQuery, OntologyDocument };

/**
 * Request schemas of the ontology endpoints, shaped as Foundry's `@osdk/foundry.ontologies`
 * types. Bodies are strict (an unknown field is a 400 naming it) but list every field Palantir's
 * clients send; object sets, filters and aggregations are checked where they are compiled, with
 * Foundry's error names.
 */

/** Query parameters Palantir's clients send on ontology reads. Ontology branches do not exist here: `branch` must be absent. */
export const OntologyQuery = PreviewQuery.extend({
  sdkPackageRid: z.string().max(500).optional(),
  sdkVersion: z.string().max(100).optional(),
  transactionId: z.string().max(500).optional(),
  branch: z.undefined({ error: 'ontology branches are not supported' }).optional(),
});
export const OntologyPageQuery = OntologyQuery.extend({ pageSize: PageQuery.shape.pageSize, pageToken: PageQuery.shape.pageToken });

const Name = z.string().min(1).max(300);
export const OntologyParams = z.object({ ontology: Name });
export const ObjectTypeParams = OntologyParams.extend({ objectType: Name });
export const InterfaceParams = OntologyParams.extend({ interfaceType: Name });
export const LinkTypeParams = ObjectTypeParams.extend({ linkType: Name });
export const ObjectParams = ObjectTypeParams.extend({ primaryKey: z.string().min(1).max(2000) });
export const LinkedObjectsParams = ObjectParams.extend({ linkType: Name });
export const LinkedObjectParams = LinkedObjectsParams.extend({ linkedObjectPrimaryKey: z.string().min(1).max(2000) });
export const ObjectSetParams = OntologyParams.extend({ objectSetRid: z.string().min(1).max(500) });

/** `select=a&select=b` or `select=a,b`. */
const Select = z
  .union([z.string().max(100_000), z.array(z.string().max(300)).max(1000)])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).filter((c) => c.length > 0)));

export const ListObjectsQuery = OntologyPageQuery.extend({
  select: Select,
  orderBy: z.string().max(2000).optional(),
  excludeRid: z.stringbool().optional(),
  snapshot: z.stringbool().optional(),
});
export const GetObjectQuery = OntologyQuery.extend({ select: Select, excludeRid: z.stringbool().optional() });

const OrderBy = z.strictObject({
  orderType: z.enum(['fields', 'relevance']).optional(),
  fields: z.array(z.strictObject({ field: z.string().min(1).max(300), direction: z.string().max(10).optional() })).max(20),
});
const SelectV2 = z
  .array(
    z.object({
      type: z.string().max(50),
      apiName: z.string().max(300).optional(),
      propertyIdentifier: z.object({ type: z.string().max(50), apiName: z.string().max(300).optional() }).optional(),
    }),
  )
  .max(1000);

const LoadFields = {
  orderBy: OrderBy.optional(),
  select: z.array(z.string().max(300)).max(1000).optional(),
  selectV2: SelectV2.optional(),
  pageToken: z.string().max(4000).optional(),
  pageSize: z.number().int().optional(),
  excludeRid: z.boolean().optional(),
  loadPropertySecurities: z.boolean().optional(),
  snapshot: z.boolean().optional(),
  includeComputeUsage: z.boolean().optional(),
};

export const LoadObjectSetBody = z.strictObject({ objectSet: z.unknown(), ...LoadFields });
export const SearchObjectsBody = z.strictObject({ where: z.unknown().optional(), ...LoadFields });
export const AggregateSetBody = z.strictObject({
  objectSet: z.unknown(),
  aggregation: z.array(z.unknown()).max(100),
  groupBy: z.array(z.unknown()).max(10).optional(),
  accuracy: z.enum(['REQUIRE_ACCURATE', 'ALLOW_APPROXIMATE']).optional(),
  includeComputeUsage: z.boolean().optional(),
});
export const AggregateObjectsBody = z.strictObject({
  where: z.unknown().optional(),
  aggregation: z.array(z.unknown()).max(100),
  groupBy: z.array(z.unknown()).max(10).optional(),
  accuracy: z.enum(['REQUIRE_ACCURATE', 'ALLOW_APPROXIMATE']).optional(),
});
export const CreateTemporaryBody = z.strictObject({ objectSet: z.unknown() });
export const LoadLinksBody = z.strictObject({ objectSet: z.unknown(), links: z.array(z.string().min(1).max(300)).max(20), pageToken: z.string().max(4000).optional(), includeComputeUsage: z.boolean().optional() });

/** OpenFoundry's keyword search across object types. */
export const SearchBody = z.strictObject({
  query: z.string().min(1).max(500),
  objectTypes: z.array(z.string().min(1).max(300)).max(100).optional(),
  pageSize: z.number().int().optional(),
});

export const SaveObjectSetBody = z.strictObject({
  parentFolderRid: z.string().min(1).max(500),
  name: z.string().max(255),
  description: z.string().max(4000).optional(),
  objectSet: z.unknown(),
});
export const UpdateObjectSetBody = z.strictObject({ description: z.string().max(4000).optional(), objectSet: z.unknown() });
export const SavedObjectSetParams = OntologyParams.extend({ savedObjectSetRid: z.string().min(1).max(500) });

// --- authoring (OpenFoundry) --------------------------------------------------------------

export const CreateOntologyBody = z.strictObject({
  parentFolderRid: z.string().min(1).max(500),
  apiName: z.string().max(100),
  displayName: z.string().max(255),
  description: z.string().max(4000).optional(),
});
export const ApplyQuery = z.object({
  dryRun: z.stringbool().optional(),
  prune: z.stringbool().optional(),
  allowBreakingChanges: z.stringbool().optional(),
});
