import { z } from 'zod';
import { PageQuery, PreviewQuery, pageOf } from '@openfoundry/http';

export { PageQuery, PreviewQuery, pageOf };
import { DatasetSchemaBody } from '@openfoundry/engine';

/** Request and response schemas of Foundry's `sqlQueries` endpoints and OpenFoundry's additions. */

export const QueryIdParams = z.object({ sqlQueryId: z.string().max(100) });

export const ExecuteBody = z.strictObject({
  query: z.string().max(100_000),
  fallbackBranchIds: z.array(z.string().max(300)).max(20).optional(),
});

export const QueryStatusJson = z
  .object({
    type: z.enum(['running', 'succeeded', 'failed', 'canceled']),
    queryId: z.string(),
    rowCount: z.number().int().optional(),
    truncated: z.boolean().optional(),
    errorMessage: z.string().optional(),
    errorName: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
    position: z.number().int().optional(),
  })
  .meta({ id: 'SqlQueryStatus' });

export const RowsQuery = PreviewQuery.extend({ offset: z.coerce.number().int().optional(), limit: z.coerce.number().int().optional() });
export const RowsResponse = z
  .object({
    schema: DatasetSchemaBody,
    rows: z.array(z.array(z.unknown())),
    rowCount: z.number().int(),
    truncated: z.boolean(),
    offset: z.number().int(),
    limit: z.number().int(),
  })
  .meta({ id: 'SqlQueryRows' });

export const ExportBody = z.strictObject({ parentFolderRid: z.string().min(1).max(500), name: z.string().max(1000) });
export const ExportResponse = z.object({ rid: z.string(), name: z.string(), parentFolderRid: z.string(), path: z.string() }).meta({ id: 'SqlQueryExport' });

export const SavedQueryJson = z
  .object({ id: z.string(), name: z.string(), query: z.string(), createdTime: z.string(), updatedTime: z.string() })
  .meta({ id: 'SavedSqlQuery' });
export const SavedQueryParams = z.object({ savedQueryId: z.string().max(100) });
export const CreateSavedBody = z.strictObject({ name: z.string().max(1000), query: z.string().max(100_000) });
export const UpdateSavedBody = z.strictObject({ name: z.string().max(1000).optional(), query: z.string().max(100_000).optional() });
