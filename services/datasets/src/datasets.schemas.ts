import { z } from 'zod';
import { PageQuery, PreviewQuery, pageOf } from '@openfoundry/http';

export { PageQuery, PreviewQuery, pageOf };
import { DatasetSchemaBody, FieldTypeJson as FieldType } from '@openfoundry/engine';

/**
 * Request and response schemas of the datasets endpoints, shaped as Foundry's published
 * `@osdk/foundry.datasets` types. Request bodies are strict: an unknown field is a 400 naming it.
 */

const Rid = z.string().min(1).max(500);
const BranchName = z.string().max(300);
const TransactionType = z.enum(['SNAPSHOT', 'APPEND', 'UPDATE', 'DELETE']);


/** `columns=a&columns=b` (Foundry's clients repeat the parameter) or `columns=a,b`. */
const Columns = z
  .union([z.string().max(100_000), z.array(z.string().max(1000)).max(10_000)])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).filter((c) => c.length > 0)));

/** Foundry's fallback branches, read in order when `branchName` does not exist (OpenFoundry on reads). */
const FallbackBranches = z
  .union([z.string().max(3000), z.array(BranchName).max(20)])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).filter((b) => b.length > 0)));

const ViewQuery = {
  branchName: BranchName.optional(),
  fallbackBranchIds: FallbackBranches,
  startTransactionRid: Rid.optional(),
  endTransactionRid: Rid.optional(),
};

export const DatasetRidParams = z.object({ datasetRid: z.string().max(500) });
export const BranchParams = DatasetRidParams.extend({ branchName: BranchName });
export const TransactionParams = DatasetRidParams.extend({ transactionRid: z.string().max(500) });
export const FileParams = DatasetRidParams.extend({ filePath: z.string().max(2000) });

export const DatasetSchemaJson = z.object({ rid: z.string(), name: z.string(), parentFolderRid: z.string() }).meta({ id: 'Dataset' });
export const DatasetDetailsJson = DatasetSchemaJson.extend({ path: z.string(), defaultBranch: z.string() }).meta({ id: 'DatasetDetails' });
export const DatasetListItem = DatasetSchemaJson.extend({ path: z.string() }).meta({ id: 'DatasetListItem' });
export const ListDatasetsQuery = PageQuery.extend({ query: z.string().max(500).optional() });
export const CreateDatasetBody = z.strictObject({ parentFolderRid: Rid, name: z.string().max(1000) });

export const BranchJson = z.object({ name: z.string(), transactionRid: z.string().optional() }).meta({ id: 'DatasetBranch' });
export const CreateBranchBody = z.strictObject({ name: BranchName, transactionRid: Rid.optional() });

export const TransactionJson = z
  .object({
    rid: z.string(),
    transactionType: TransactionType,
    status: z.enum(['OPEN', 'COMMITTED', 'ABORTED']),
    createdTime: z.string(),
    closedTime: z.string().optional(),
    branchName: z.string(),
    createdBy: z.string(),
    fileCount: z.number().int().optional(),
    sizeBytes: z.string().optional(),
    rowCount: z.string().optional(),
    schema: DatasetSchemaBody.optional(),
  })
  .meta({ id: 'DatasetTransaction' });
export const CreateTransactionBody = z.strictObject({ transactionType: z.string().max(50) });
export const CreateTransactionQuery = PreviewQuery.extend({ branchName: BranchName.optional() });

export const FileJson = z.object({ path: z.string(), transactionRid: z.string(), sizeBytes: z.string().optional(), updatedTime: z.string() }).meta({ id: 'DatasetFile' });
export const FilesQuery = PageQuery.extend(ViewQuery);
export const FileQuery = PreviewQuery.extend(ViewQuery);
export const UploadQuery = PreviewQuery.extend({ branchName: BranchName.optional(), transactionType: TransactionType.optional(), transactionRid: Rid.optional() });
export const DeleteFileQuery = PreviewQuery.extend({ branchName: BranchName.optional(), transactionRid: Rid.optional() });

export const SchemaResponse = z.object({ branchName: z.string(), endTransactionRid: z.string(), schema: DatasetSchemaBody, versionId: z.string() }).meta({ id: 'GetDatasetSchemaResponse' });
export const GetSchemaQuery = PreviewQuery.extend({
  branchName: BranchName.optional(),
  fallbackBranchIds: FallbackBranches,
  endTransactionRid: Rid.optional(),
  versionId: z.string().max(100).optional(),
});
/** The schema's structure is checked by the engine (naming the bad field), so the body only fixes the envelope. */
export const PutSchemaBody = z.strictObject({
  branchName: BranchName.optional(),
  endTransactionRid: Rid.optional(),
  dataframeReader: z.enum(['AVRO', 'CSV', 'PARQUET', 'DATASOURCE']).optional(),
  schema: z.unknown(),
});

export const ReadTableQuery = PreviewQuery.extend({
  ...ViewQuery,
  format: z.enum(['ARROW', 'CSV']),
  columns: Columns,
  rowLimit: z.coerce.number().int().optional(),
});

export const PreviewTableQuery = PreviewQuery.extend({
  ...ViewQuery,
  columns: Columns,
  offset: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().optional(),
});

export const PreviewResponse = z
  .object({
    schema: DatasetSchemaBody,
    rows: z.array(z.array(z.unknown())),
    rowCount: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
  })
  .meta({ id: 'DatasetPreview' });

export const ColumnStatsResponse = z
  .object({
    rowCount: z.number().int(),
    columns: z.array(
      z.object({ name: z.string(), type: FieldType, nullCount: z.number(), distinctCount: z.number(), min: z.unknown().optional(), max: z.unknown().optional() }),
    ),
  })
  .meta({ id: 'DatasetColumnStats' });

export const ImportQuery = PreviewQuery.extend({
  format: z.enum(['csv', 'tsv', 'jsonl', 'json', 'parquet']),
  fileName: z.string().max(1000).optional(),
  path: z.string().max(1024).optional(),
  branchName: BranchName.optional(),
  transactionType: z.enum(['SNAPSHOT', 'APPEND', 'UPDATE']).optional(),
  transactionRid: Rid.optional(),
  delimiter: z.string().max(4).optional(),
  header: z.stringbool().optional(),
  quote: z.string().max(1).optional(),
  escape: z.string().max(1).optional(),
  encoding: z.enum(['utf-8', 'utf-16', 'latin-1']).optional(),
  /** A JSON `DatasetSchema` to read the columns as, instead of inferring types. */
  schema: z.string().max(100_000).optional(),
});

export const ImportResponse = z
  .object({ transaction: TransactionJson, files: z.array(FileJson), rowCount: z.number().int(), schema: DatasetSchemaBody })
  .meta({ id: 'DatasetImportResult' });
