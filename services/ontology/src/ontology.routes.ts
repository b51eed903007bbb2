import { z } from 'zod';
import type { App } from '@openfoundry/http';
import type { FastifyRequest } from 'fastify';
import type { DefinitionService } from './definitions/definition.service.js';
import type { ObjectSetService } from './object-set.service.js';
import { ontologyJson } from './presenters.js';
import { selectionOf, type ReadService } from './read.service.js';
import {
  AggregateObjectsBody,
  AggregateSetBody,
  ApplyQuery,
  CreateOntologyBody,
  CreateTemporaryBody,
  LoadLinksBody,
  SaveObjectSetBody,
  SavedObjectSetParams,
  SearchBody,
  UpdateObjectSetBody,
  GetObjectQuery,
  InterfaceParams,
  LinkTypeParams,
  LinkedObjectParams,
  LinkedObjectsParams,
  ListObjectsQuery,
  LoadObjectSetBody,
  ObjectParams,
  ObjectSetParams,
  ObjectTypeParams,
  OntologyDocument,
  OntologyPageQuery,
  OntologyParams,
  OntologyQuery,
  SearchObjectsBody,
} from './ontology.schemas.js';

const tags = ['Ontologies'];
const read = { auth: { scope: 'api:ontologies-read' as const } };
const write = { auth: { scope: 'api:ontologies-write' as const } };
const actorOf = (request: FastifyRequest) => ({ principal: request.principal!, ctx: request.ctx });

/** Mounts Foundry's ontology read endpoints (`/api/v2/ontologies/...`) and OpenFoundry's authoring ones. */
export async function registerOntologyRoutes(app: App, s: { reads: ReadService; definitions: DefinitionService; sets: ObjectSetService }): Promise<void> {
  const { reads, sets } = s;

  // --- authoring (OpenFoundry) ---
  app.post(
    '/api/v2/ontologies',
    { config: write, schema: { tags, summary: 'Create an ontology in a folder (OpenFoundry)', body: CreateOntologyBody } },
    async (request) => ontologyJson(await s.definitions.createOntology(actorOf(request), request.body)),
  );
  app.post(
    '/api/v2/ontologies/:ontology/apply',
    {
      config: write,
      schema: {
        tags,
        summary: 'Plan and apply object, link and interface types as code; idempotent, breaking changes need allowBreakingChanges (OpenFoundry)',
        params: OntologyParams,
        querystring: ApplyQuery,
        body: OntologyDocument,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const view = await reads.view(actor, request.params.ontology);
      return s.definitions.apply(actor, view.ontology, request.body, request.query);
    },
  );
  app.get(
    '/api/v2/ontologies/:ontology/definition',
    { config: read, schema: { tags, summary: 'The ontology as code: the document apply takes, with the types you can read (OpenFoundry)', params: OntologyParams } },
    async (request) => reads.definition(actorOf(request), request.params.ontology),
  );
  app.delete(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType',
    { config: write, schema: { tags, summary: 'Delete an object type and its objects (OpenFoundry)', params: ObjectTypeParams } },
    async (request, reply) => {
      const actor = actorOf(request);
      const view = await reads.view(actor, request.params.ontology);
      const type = view.type(request.params.objectType);
      await s.definitions.apply(actor, view.ontology, {}, { remove: { objectType: [type.def.apiName] }, allowBreakingChanges: true });
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType/indexStatus',
    { config: read, schema: { tags, summary: 'Index status of an object type: counts, last indexed transaction, first invalid rows (OpenFoundry)', params: ObjectTypeParams, querystring: OntologyQuery } },
    async (request) => reads.indexStatus(actorOf(request), request.params.ontology, request.params.objectType),
  );

  app.get(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType/outgoingLinkTypes/:linkType/indexStatus',
    { config: read, schema: { tags, summary: 'Index status of a join-dataset link type: pair count, last indexed transaction, first invalid rows (OpenFoundry)', params: LinkTypeParams, querystring: OntologyQuery } },
    async (request) => reads.linkIndexStatus(actorOf(request), request.params.ontology, request.params.objectType, request.params.linkType),
  );

  // --- metadata ---
  app.get('/api/v2/ontologies', { config: read, schema: { tags, summary: 'The ontologies you can read', querystring: OntologyQuery } }, async (request) => reads.listOntologies(actorOf(request)));
  app.get('/api/v2/ontologies/:ontology', { config: read, schema: { tags, summary: 'An ontology by RID or API name', params: OntologyParams, querystring: OntologyQuery } }, async (request) =>
    reads.getOntology(actorOf(request), request.params.ontology),
  );
  app.get(
    '/api/v2/ontologies/:ontology/fullMetadata',
    { config: read, schema: { tags, summary: 'Every object, link and interface type of an ontology you can read', params: OntologyParams, querystring: OntologyQuery } },
    async (request) => reads.fullMetadata(actorOf(request), request.params.ontology),
  );
  app.get('/api/v2/ontologies/:ontology/objectTypes', { config: read, schema: { tags, summary: 'Object types', params: OntologyParams, querystring: OntologyPageQuery } }, async (request) =>
    reads.listObjectTypes(actorOf(request), request.params.ontology, request.query),
  );
  app.get('/api/v2/ontologies/:ontology/objectTypes/:objectType', { config: read, schema: { tags, summary: 'An object type', params: ObjectTypeParams, querystring: OntologyQuery } }, async (request) =>
    reads.getObjectType(actorOf(request), request.params.ontology, request.params.objectType),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType/fullMetadata',
    { config: read, schema: { tags, summary: 'An object type with its link types and interfaces', params: ObjectTypeParams, querystring: OntologyQuery } },
    async (request) => reads.getFullMetadata(actorOf(request), request.params.ontology, request.params.objectType),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType/outgoingLinkTypes',
    { config: read, schema: { tags, summary: 'Link types leaving an object type', params: ObjectTypeParams, querystring: OntologyPageQuery } },
    async (request) => reads.listOutgoingLinkTypes(actorOf(request), request.params.ontology, request.params.objectType, request.query),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objectTypes/:objectType/outgoingLinkTypes/:linkType',
    { config: read, schema: { tags, summary: 'A link type leaving an object type', params: LinkTypeParams, querystring: OntologyQuery } },
    async (request) => reads.getOutgoingLinkType(actorOf(request), request.params.ontology, request.params.objectType, request.params.linkType),
  );
  app.get('/api/v2/ontologies/:ontology/interfaceTypes', { config: read, schema: { tags, summary: 'Interface types', params: OntologyParams, querystring: OntologyPageQuery } }, async (request) =>
    reads.listInterfaceTypes(actorOf(request), request.params.ontology, request.query),
  );
  app.get(
    '/api/v2/ontologies/:ontology/interfaceTypes/:interfaceType',
    { config: read, schema: { tags, summary: 'An interface type', params: InterfaceParams, querystring: OntologyQuery } },
    async (request) => reads.getInterfaceType(actorOf(request), request.params.ontology, request.params.interfaceType),
  );

  // --- objects ---
  app.get(
    '/api/v2/ontologies/:ontology/objects/:objectType',
    { config: read, schema: { tags, summary: 'Objects of a type, sorted and paged', params: ObjectTypeParams, querystring: ListObjectsQuery } },
    async (request) => reads.listObjects(actorOf(request), request.params.ontology, request.params.objectType, request.query),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objects/:objectType/:primaryKey',
    { config: read, schema: { tags, summary: 'An object by primary key', params: ObjectParams, querystring: GetObjectQuery } },
    async (request) => reads.getObject(actorOf(request), request.params.ontology, request.params.objectType, request.params.primaryKey, request.query),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objects/:objectType/count',
    { config: read, schema: { tags, summary: 'How many objects a type has', params: ObjectTypeParams, querystring: OntologyQuery } },
    async (request) => reads.countObjects(actorOf(request), request.params.ontology, request.params.objectType),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objects/:objectType/search',
    { config: read, schema: { tags, summary: 'Objects of a type matching a filter', params: ObjectTypeParams, querystring: OntologyQuery, body: SearchObjectsBody } },
    async (request) => reads.searchObjects(actorOf(request), request.params.ontology, request.params.objectType, { ...request.body, select: selectionOf(request.body) }),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objects/:objectType/aggregate',
    { config: read, schema: { tags, summary: 'Aggregate the objects of a type', params: ObjectTypeParams, querystring: OntologyQuery, body: AggregateObjectsBody } },
    async (request) => reads.aggregateObjects(actorOf(request), request.params.ontology, request.params.objectType, request.body),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objects/:objectType/:primaryKey/links/:linkType',
    { config: read, schema: { tags, summary: 'Objects linked to an object', params: LinkedObjectsParams, querystring: ListObjectsQuery } },
    async (request) => reads.listLinkedObjects(actorOf(request), request.params.ontology, request.params.objectType, request.params.primaryKey, request.params.linkType, request.query),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objects/:objectType/:primaryKey/links/:linkType/:linkedObjectPrimaryKey',
    { config: read, schema: { tags, summary: 'One object linked to an object', params: LinkedObjectParams, querystring: GetObjectQuery } },
    async (request) =>
      reads.getLinkedObject(actorOf(request), request.params.ontology, request.params.objectType, request.params.primaryKey, request.params.linkType, request.params.linkedObjectPrimaryKey, request.query),
  );

  // --- object sets ---
  app.post(
    '/api/v2/ontologies/:ontology/objectSets/loadObjects',
    { config: read, schema: { tags, summary: 'Load a page of an object set of one object type', params: OntologyParams, querystring: OntologyQuery, body: LoadObjectSetBody } },
    async (request) => reads.loadObjects(actorOf(request), request.params.ontology, { ...request.body, select: selectionOf(request.body) }),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objectSets/loadObjectsMultipleObjectTypes',
    { config: read, schema: { tags, summary: 'Load a page of an object set of several object types (interfaces)', params: OntologyParams, querystring: OntologyQuery, body: LoadObjectSetBody } },
    async (request) => reads.loadMultiple(actorOf(request), request.params.ontology, { ...request.body, select: selectionOf(request.body) }),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objectSets/aggregate',
    { config: read, schema: { tags, summary: 'Aggregate an object set', params: OntologyParams, querystring: OntologyQuery, body: AggregateSetBody } },
    async (request) => reads.aggregateSet(actorOf(request), request.params.ontology, request.body),
  );
  app.post(
    '/api/v2/ontologies/:ontology/objectSets/createTemporary',
    { config: read, schema: { tags, summary: 'Store an object set for an hour and get its RID', params: OntologyParams, querystring: OntologyQuery, body: CreateTemporaryBody } },
    async (request) => {
      const actor = actorOf(request);
      return sets.createTemporary(actor, await reads.view(actor, request.params.ontology), request.body.objectSet);
    },
  );
  app.post(
    '/api/v2/ontologies/:ontology/objectSets/loadLinks',
    { config: read, schema: { tags, summary: 'The links of a page of an object set, as object locators', params: OntologyParams, querystring: OntologyQuery, body: LoadLinksBody } },
    async (request) => reads.loadLinks(actorOf(request), request.params.ontology, request.body),
  );
  app.get(
    '/api/v2/ontologies/:ontology/objectSets/:objectSetRid',
    { config: read, schema: { tags, summary: 'A stored object set', params: ObjectSetParams, querystring: OntologyQuery, response: { 200: z.unknown() } } },
    async (request) => {
      const actor = actorOf(request);
      return sets.get(actor, await reads.view(actor, request.params.ontology), request.params.objectSetRid);
    },
  );

  // --- search and saved object sets (OpenFoundry) ---
  app.post(
    '/api/v2/ontologies/:ontology/search',
    { config: read, schema: { tags, summary: 'Keyword search across the object types you can read: ranked hits with highlights, counts per type (OpenFoundry)', params: OntologyParams, body: SearchBody } },
    async (request) => reads.search(actorOf(request), request.params.ontology, request.body),
  );
  app.get(
    '/api/v2/ontologies/:ontology/savedObjectSets',
    { config: read, schema: { tags, summary: 'Saved object sets you can read (OpenFoundry)', params: OntologyParams } },
    async (request) => {
      const actor = actorOf(request);
      return sets.list(actor, await reads.view(actor, request.params.ontology));
    },
  );
  app.post(
    '/api/v2/ontologies/:ontology/savedObjectSets',
    { config: write, schema: { tags, summary: 'Save an object set definition with a name in a folder; it re-evaluates to current data (OpenFoundry)', params: OntologyParams, body: SaveObjectSetBody } },
    async (request) => {
      const actor = actorOf(request);
      return sets.save(actor, await reads.view(actor, request.params.ontology), request.body);
    },
  );
  app.get(
    '/api/v2/ontologies/:ontology/savedObjectSets/:savedObjectSetRid',
    { config: read, schema: { tags, summary: 'A saved object set (OpenFoundry)', params: SavedObjectSetParams } },
    async (request) => {
      const actor = actorOf(request);
      return sets.getSaved(actor, await reads.view(actor, request.params.ontology), request.params.savedObjectSetRid);
    },
  );
  app.put(
    '/api/v2/ontologies/:ontology/savedObjectSets/:savedObjectSetRid',
    { config: write, schema: { tags, summary: 'Change a saved object set (OpenFoundry)', params: SavedObjectSetParams, body: UpdateObjectSetBody } },
    async (request) => {
      const actor = actorOf(request);
      return sets.update(actor, await reads.view(actor, request.params.ontology), request.params.savedObjectSetRid, request.body);
    },
  );
  app.delete(
    '/api/v2/ontologies/:ontology/savedObjectSets/:savedObjectSetRid',
    { config: write, schema: { tags, summary: 'Delete a saved object set (OpenFoundry)', params: SavedObjectSetParams } },
    async (request, reply) => {
      const actor = actorOf(request);
      await sets.delete(actor, await reads.view(actor, request.params.ontology), request.params.savedObjectSetRid);
      return reply.code(204).send(null);
    },
  );
}
