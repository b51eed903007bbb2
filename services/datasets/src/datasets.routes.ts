import { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { validateSchema } from '@openfoundry/engine';
import type { FastifyRequest } from 'fastify';
import type { DatasetService } from './dataset.service.js';
import type { FileService } from './file.service.js';
import type { TableService } from './table.service.js';
import type { TransactionService } from './transaction.service.js';
import {
  BranchJson,
  BranchParams,
  ColumnStatsResponse,
  CreateBranchBody,
  CreateDatasetBody,
  CreateTransactionBody,
  CreateTransactionQuery,
  DatasetDetailsJson,
  DatasetListItem,
  ListDatasetsQuery,
  DatasetRidParams,
  DeleteFileQuery,
  FileJson,
  FileParams,
  FileQuery,
  FilesQuery,
  GetSchemaQuery,
  ImportQuery,
  ImportResponse,
  PageQuery,
  PreviewQuery,
  PreviewResponse,
  PreviewTableQuery,
  PutSchemaBody,
  ReadTableQuery,
  SchemaResponse,
  TransactionJson,
  TransactionParams,
  UploadQuery,
  pageOf,
} from './datasets.schemas.js';

export interface DatasetsServices {
  datasets: DatasetService;
  transactions: TransactionService;
  files: FileService;
  tables: TableService;
}

const tags = ['Datasets'];
const read = { auth: { scope: 'api:datasets-read' as const } };
const write = { auth: { scope: 'api:datasets-write' as const } };
const actorOf = (request: FastifyRequest) => ({ principal: request.principal!, ctx: request.ctx });

/** The raw request body of an upload; a JSON (or absent) body is refused rather than stored as text. */
function bodyStream(request: FastifyRequest): Readable {
  const body = request.body;
  if (body instanceof Readable) return body;
  throw new InvalidArgumentError('InvalidUploadBody', { problem: 'send the file as the raw request body (Content-Type: application/octet-stream)' });
}

function parseSchemaParam(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('InvalidSchema', { parameter: 'schema', problem: 'is not valid JSON' });
  }
}

/** Mounts Foundry's `datasets` endpoints and OpenFoundry's import, preview and statistics. */
export async function registerDatasetsRoutes(app: App, s: DatasetsServices): Promise<void> {
  app.post(
    '/api/v2/datasets',
    { config: write, schema: { tags, summary: 'Create a dataset in a folder (editors of the folder)', querystring: PreviewQuery, body: CreateDatasetBody, response: { 200: DatasetDetailsJson } } },
    async (request) => {
      const created = await s.datasets.create(actorOf(request), request.body);
      return s.datasets.get(actorOf(request), created.rid);
    },
  );
  app.get(
    '/api/v2/datasets',
    { config: read, schema: { tags, summary: 'The catalog: datasets you can see, by name, optionally matching `query` in name or path (OpenFoundry)', querystring: ListDatasetsQuery, response: { 200: pageOf(DatasetListItem) } } },
    async (request) => s.datasets.list(actorOf(request), request.query),
  );
  app.get(
    '/api/v2/datasets/:datasetRid',
    { config: read, schema: { tags, summary: 'Get a dataset', params: DatasetRidParams, querystring: PreviewQuery, response: { 200: DatasetDetailsJson } } },
    async (request) => s.datasets.get(actorOf(request), request.params.datasetRid),
  );

  // --- branches -----------------------------------------------------------------------------
  app.post(
    '/api/v2/datasets/:datasetRid/branches',
    {
      config: write,
      schema: { tags, summary: 'Create a branch, empty or at a committed transaction', params: DatasetRidParams, querystring: PreviewQuery, body: CreateBranchBody, response: { 200: BranchJson } },
    },
    async (request) => s.transactions.createBranch(actorOf(request), request.params.datasetRid, request.body),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/branches',
    { config: read, schema: { tags, summary: 'List branches, by name', params: DatasetRidParams, querystring: PageQuery, response: { 200: pageOf(BranchJson) } } },
    async (request) => s.transactions.listBranches(actorOf(request), request.params.datasetRid, request.query),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/branches/:branchName',
    { config: read, schema: { tags, summary: 'Get a branch', params: BranchParams, querystring: PreviewQuery, response: { 200: BranchJson } } },
    async (request) => s.transactions.getBranch(actorOf(request), request.params.datasetRid, request.params.branchName),
  );
  app.delete(
    '/api/v2/datasets/:datasetRid/branches/:branchName',
    { config: write, schema: { tags, summary: 'Delete a branch (its open transaction is aborted)', params: BranchParams, querystring: PreviewQuery, response: { 204: z.null() } } },
    async (request, reply) => {
      await s.transactions.deleteBranch(actorOf(request), request.params.datasetRid, request.params.branchName);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v2/datasets/:datasetRid/branches/:branchName/transactions',
    {
      config: read,
      schema: { tags, summary: 'The committed history of a branch, newest first', params: BranchParams, querystring: PageQuery, response: { 200: pageOf(TransactionJson) } },
    },
    async (request) => s.transactions.branchHistory(actorOf(request), request.params.datasetRid, request.params.branchName, request.query),
  );

  // --- transactions -------------------------------------------------------------------------
  app.post(
    '/api/v2/datasets/:datasetRid/transactions',
    {
      config: write,
      schema: { tags, summary: 'Open a transaction on a branch (one open per branch)', params: DatasetRidParams, querystring: CreateTransactionQuery, body: CreateTransactionBody, response: { 200: TransactionJson } },
    },
    async (request) => s.transactions.create(actorOf(request), request.params.datasetRid, request.query.branchName, request.body.transactionType),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/transactions',
    { config: read, schema: { tags, summary: 'Every transaction of the dataset, newest first', params: DatasetRidParams, querystring: PageQuery, response: { 200: pageOf(TransactionJson) } } },
    async (request) => s.transactions.list(actorOf(request), request.params.datasetRid, request.query),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/transactions/:transactionRid',
    { config: read, schema: { tags, summary: 'Get a transaction', params: TransactionParams, querystring: PreviewQuery, response: { 200: TransactionJson } } },
    async (request) => s.transactions.get(actorOf(request), request.params.datasetRid, request.params.transactionRid),
  );
  app.post(
    '/api/v2/datasets/:datasetRid/transactions/:transactionRid/commit',
    { config: write, schema: { tags, summary: 'Commit an open transaction', params: TransactionParams, querystring: PreviewQuery, response: { 200: TransactionJson } } },
    async (request) => s.transactions.commit(actorOf(request), request.params.datasetRid, request.params.transactionRid),
  );
  app.post(
    '/api/v2/datasets/:datasetRid/transactions/:transactionRid/abort',
    { config: write, schema: { tags, summary: 'Abort an open transaction; what it wrote is discarded', params: TransactionParams, querystring: PreviewQuery, response: { 200: TransactionJson } } },
    async (request) => s.transactions.abort(actorOf(request), request.params.datasetRid, request.params.transactionRid),
  );

  // --- files --------------------------------------------------------------------------------
  app.get(
    '/api/v2/datasets/:datasetRid/files',
    { config: read, schema: { tags, summary: 'List the files of a view, by path', params: DatasetRidParams, querystring: FilesQuery, response: { 200: pageOf(FileJson) } } },
    async (request) => {
      const { pageSize, pageToken, ...view } = request.query;
      return s.files.list(actorOf(request), request.params.datasetRid, view, { pageSize, pageToken });
    },
  );
  app.get(
    '/api/v2/datasets/:datasetRid/files/:filePath',
    { config: read, schema: { tags, summary: 'Get a file of a view', params: FileParams, querystring: FileQuery, response: { 200: FileJson } } },
    async (request) => s.files.get(actorOf(request), request.params.datasetRid, request.params.filePath, request.query),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/files/:filePath/content',
    { config: read, schema: { tags, summary: 'Download a file of a view', params: FileParams, querystring: FileQuery } },
    async (request, reply) => {
      const { file, stream } = await s.files.content(actorOf(request), request.params.datasetRid, request.params.filePath, request.query);
      return reply.type('application/octet-stream').header('content-length', String(file.size_bytes)).send(stream);
    },
  );
  app.delete(
    '/api/v2/datasets/:datasetRid/files/:filePath',
    { config: write, schema: { tags, summary: 'Delete a file (in a DELETE transaction, or one opened and committed for it)', params: FileParams, querystring: DeleteFileQuery, response: { 204: z.null() } } },
    async (request, reply) => {
      await s.files.delete(actorOf(request), request.params.datasetRid, request.params.filePath, request.query);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v2/datasets/:datasetRid/readTable',
    { config: read, schema: { tags, summary: 'Read the view as an Arrow IPC stream or CSV', params: DatasetRidParams, querystring: ReadTableQuery } },
    async (request, reply) => {
      const { format, columns, rowLimit, ...view } = request.query;
      const stream = await s.tables.readTable(actorOf(request), request.params.datasetRid, { ...view, format, columns, rowLimit });
      return reply.type(format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/octet-stream').send(Readable.from(stream));
    },
  );
  app.get(
    '/api/v2/datasets/:datasetRid/getSchema',
    { config: read, schema: { tags, summary: 'The schema of a view (or of a schema version)', params: DatasetRidParams, querystring: GetSchemaQuery, response: { 200: SchemaResponse } } },
    async (request) => s.tables.getSchema(actorOf(request), request.params.datasetRid, request.query),
  );
  app.put(
    '/api/v2/datasets/:datasetRid/putSchema',
    { config: write, schema: { tags, summary: 'Attach a schema to a view', params: DatasetRidParams, querystring: PreviewQuery, body: PutSchemaBody, response: { 200: SchemaResponse } } },
    async (request) => s.tables.putSchema(actorOf(request), request.params.datasetRid, request.body),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/preview',
    { config: read, schema: { tags, summary: 'Rows of a view with types, for display (OpenFoundry)', params: DatasetRidParams, querystring: PreviewTableQuery, response: { 200: PreviewResponse } } },
    async (request) => s.tables.preview(actorOf(request), request.params.datasetRid, request.query),
  );
  app.get(
    '/api/v2/datasets/:datasetRid/columnStats',
    { config: read, schema: { tags, summary: 'Null counts, distinct estimates, min and max per column (OpenFoundry)', params: DatasetRidParams, querystring: FileQuery, response: { 200: ColumnStatsResponse } } },
    async (request) => s.tables.columnStats(actorOf(request), request.params.datasetRid, request.query),
  );

  // Uploads take the raw body as a stream: never buffered, never parsed. Only these routes accept it.
  await app.register(async (uploads: App) => {
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/api/v2/datasets/:datasetRid/files/:filePath/upload',
      {
        config: write,
        schema: {
          tags,
          summary: 'Upload a file (raw body) into an open transaction, or into a new one committed at once',
          params: FileParams,
          querystring: UploadQuery,
          response: { 200: FileJson },
        },
      },
      async (request) => {
        const { branchName, transactionType, transactionRid } = request.query;
        return s.files.upload(actorOf(request), request.params.datasetRid, request.params.filePath, bodyStream(request), { branchName, transactionType, transactionRid });
      },
    );
    uploads.post(
      '/api/v2/datasets/:datasetRid/import',
      {
        config: write,
        schema: {
          tags,
          summary: 'Import a CSV, TSV, JSON Lines, JSON or Parquet file (raw body) as a Parquet table with an inferred or given schema (OpenFoundry)',
          params: DatasetRidParams,
          querystring: ImportQuery,
          response: { 200: ImportResponse },
        },
      },
      async (request) => {
        const q = request.query;
        return s.files.importTable(
          actorOf(request),
          request.params.datasetRid,
          bodyStream(request),
          { branchName: q.branchName, transactionRid: q.transactionRid, transactionType: q.transactionType ?? (q.transactionRid ? undefined : 'SNAPSHOT') },
          {
            format: q.format,
            fileName: q.fileName,
            path: q.path,
            csv: { delimiter: q.delimiter, header: q.header, quote: q.quote, escape: q.escape, encoding: q.encoding },
            schema: q.schema === undefined ? undefined : validateSchema(parseSchemaParam(q.schema)),
          },
        );
      },
    );
  });
}
