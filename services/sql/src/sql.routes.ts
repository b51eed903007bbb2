import { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '@openfoundry/http';
import type { FastifyRequest } from 'fastify';
import type { QueryService } from './query.service.js';
import type { SavedQueryService } from './saved-query.service.js';
import {
  CreateSavedBody,
  ExecuteBody,
  ExportBody,
  ExportResponse,
  PageQuery,
  PreviewQuery,
  QueryIdParams,
  QueryStatusJson,
  RowsQuery,
  RowsResponse,
  SavedQueryJson,
  SavedQueryParams,
  UpdateSavedBody,
  pageOf,
} from './sql.schemas.js';

const tags = ['SQL queries'];
const execute = { auth: { scope: 'api:sql-queries-execute' as const } };
const read = { auth: { scope: 'api:sql-queries-read' as const } };
const actorOf = (request: FastifyRequest) => ({ principal: request.principal!, ctx: request.ctx });

/** Mounts Foundry's `sqlQueries` endpoints (execute, getStatus, getResults, cancel) and OpenFoundry's additions. */
export async function registerSqlRoutes(app: App, s: { queries: QueryService; saved: SavedQueryService }): Promise<void> {
  app.post(
    '/api/v2/sqlQueries/execute',
    {
      config: execute,
      schema: { tags, summary: 'Run a SQL query over datasets you can read; answers its status (running, succeeded or failed)', querystring: PreviewQuery, body: ExecuteBody, response: { 200: QueryStatusJson } },
    },
    async (request) => s.queries.execute(actorOf(request), request.body),
  );
  app.get(
    '/api/v2/sqlQueries/:sqlQueryId/getStatus',
    { config: read, schema: { tags, summary: 'The status of one of your queries', params: QueryIdParams, querystring: PreviewQuery, response: { 200: QueryStatusJson } } },
    async (request) => s.queries.getStatus(actorOf(request), request.params.sqlQueryId),
  );
  app.post(
    '/api/v2/sqlQueries/:sqlQueryId/cancel',
    { config: execute, schema: { tags, summary: 'Cancel one of your running queries', params: QueryIdParams, querystring: PreviewQuery, response: { 204: z.null() } } },
    async (request, reply) => {
      await s.queries.cancel(actorOf(request), request.params.sqlQueryId);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v2/sqlQueries/:sqlQueryId/getResults',
    { config: read, schema: { tags, summary: 'The results of a succeeded query as an Arrow IPC stream', params: QueryIdParams, querystring: PreviewQuery } },
    async (request, reply) => reply.type('application/octet-stream').send(Readable.from(await s.queries.results(actorOf(request), request.params.sqlQueryId))),
  );
  app.get(
    '/api/v2/sqlQueries/:sqlQueryId/rows',
    { config: read, schema: { tags, summary: 'Rows of the results as JSON, for display (OpenFoundry)', params: QueryIdParams, querystring: RowsQuery, response: { 200: RowsResponse } } },
    async (request) => s.queries.rows(actorOf(request), request.params.sqlQueryId, request.query),
  );
  app.post(
    '/api/v2/sqlQueries/:sqlQueryId/export',
    {
      config: { auth: { scope: 'api:datasets-write' as const } },
      schema: { tags, summary: 'Write the results as a new dataset in a folder (OpenFoundry)', params: QueryIdParams, querystring: PreviewQuery, body: ExportBody, response: { 200: ExportResponse } },
    },
    async (request) => s.queries.export(actorOf(request), request.params.sqlQueryId, request.body),
  );

  app.get(
    '/api/v2/sqlQueries/saved',
    { config: read, schema: { tags, summary: 'Your saved queries, by name (OpenFoundry)', querystring: PageQuery, response: { 200: pageOf(SavedQueryJson) } } },
    async (request) => s.saved.list(actorOf(request), request.query),
  );
  app.post(
    '/api/v2/sqlQueries/saved',
    { config: execute, schema: { tags, summary: 'Save a query (OpenFoundry)', body: CreateSavedBody, response: { 200: SavedQueryJson } } },
    async (request) => s.saved.create(actorOf(request), request.body),
  );
  app.put(
    '/api/v2/sqlQueries/saved/:savedQueryId',
    { config: execute, schema: { tags, summary: 'Rename or change a saved query (OpenFoundry)', params: SavedQueryParams, body: UpdateSavedBody, response: { 200: SavedQueryJson } } },
    async (request) => s.saved.update(actorOf(request), request.params.savedQueryId, request.body),
  );
  app.delete(
    '/api/v2/sqlQueries/saved/:savedQueryId',
    { config: execute, schema: { tags, summary: 'Delete a saved query (OpenFoundry)', params: SavedQueryParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await s.saved.delete(actorOf(request), request.params.savedQueryId);
      return reply.code(204).send(null);
    },
  );
}
