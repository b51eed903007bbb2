import { randomUUID } from 'node:crypto';
import { MAX_PREVIEW_ROWS, columnStats, preview, readTable, validateSchema, type ColumnStats, type DatasetSchema, type PreviewResult, type TableSource } from '@openfoundry/engine';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { recordEvent, requireDataset, type AccessibleDataset, type Actor, type DatasetsDeps } from './datasets.deps.js';
import { DatasetsErrors } from './datasets.errors.js';
import { validateBranchName } from './names.js';
import { resolveView, type ResolvedView, type ViewRequest } from './view.resolver.js';

/** Foundry's `GetDatasetSchemaResponse`. */
export interface SchemaJson {
  branchName: string;
  endTransactionRid: string;
  schema: DatasetSchema;
  versionId: string;
}

/** Schemas and tabular reads of a view: readTable (Arrow, CSV), preview, column statistics. */
export class TableService {
  constructor(private readonly deps: DatasetsDeps) {}

  async getSchema(actor: Actor, datasetRid: string, request: ViewRequest & { versionId?: string | undefined }): Promise<SchemaJson> {
    const { repo } = this.deps;
    const { row: dataset } = await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'GetDatasetSchema');
    const view = await resolveView(repo, repo.db, dataset, request);
    const found =
      request.versionId !== undefined ? await repo.findSchemaVersion(repo.db, datasetRid, request.versionId) : view.range && (await repo.viewSchema(repo.db, view.range));
    if (!found) throw DatasetsErrors.schemaNotFound(datasetRid, view.branchName, view.range?.endTransactionRid);
    return { branchName: view.branchName, endTransactionRid: found.transaction_rid, schema: found.schema, versionId: found.version_id };
  }

  /** Attaches a schema to the end of the view (the branch head unless `endTransactionRid` names one). */
  async putSchema(
    actor: Actor,
    datasetRid: string,
    input: { branchName?: string | undefined; endTransactionRid?: string | undefined; schema: unknown; dataframeReader?: string | undefined },
  ): Promise<SchemaJson> {
    const schema = validateSchema(input.schema);
    const { repo, clock } = this.deps;
    return repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'PutDatasetSchema');
      const view = await resolveView(repo, trx, dataset, { branchName: input.branchName, endTransactionRid: input.endTransactionRid });
      if (!view.range) throw new InvalidArgumentError('BranchHasNoTransactions', { datasetRid, branchName: view.branchName });
      const row = {
        version_id: randomUUID(),
        dataset_rid: datasetRid,
        transaction_rid: view.range.endTransactionRid,
        schema,
        dataframe_reader: input.dataframeReader ?? null,
        created_by: actor.principal.userId,
        created_time: clock.now(),
      };
      await repo.insertSchema(trx, row);
      await recordEvent(this.deps, trx, actor, 'datasets.schema.put', [datasetRid, row.transaction_rid], {
        branchName: view.branchName,
        versionId: row.version_id,
        fieldCount: schema.fieldSchemaList.length,
      });
      return { branchName: view.branchName, endTransactionRid: row.transaction_rid, schema, versionId: row.version_id };
    });
  }

  /** Foundry's readTable: the view's rows as an Arrow IPC stream or CSV, streamed; audited as a read. */
  async readTable(
    actor: Actor,
    datasetRid: string,
    request: ViewRequest & { format: 'ARROW' | 'CSV'; columns?: string[] | undefined; rowLimit?: number | undefined },
  ): Promise<AsyncIterable<Uint8Array>> {
    if (request.rowLimit !== undefined && (!Number.isInteger(request.rowLimit) || request.rowLimit < 0)) {
      throw new InvalidArgumentError('InvalidRowLimit', { rowLimit: request.rowLimit });
    }
    const { source, view } = await this.tabular(actor, datasetRid, request, 'ReadTableDataset');
    const stream = await readTable(this.deps.engine, source, { format: request.format, columns: request.columns?.length ? request.columns : undefined, rowLimit: request.rowLimit });
    await this.audit(actor, datasetRid, view, 'datasets.table.read', { format: request.format, columns: request.columns ?? null, rowLimit: request.rowLimit ?? null });
    return stream;
  }

  /** The first rows of a view (or a page of them) with types, for the dataset page. */
  async preview(
    actor: Actor,
    datasetRid: string,
    request: ViewRequest & { offset?: number | undefined; limit?: number | undefined; columns?: string[] | undefined },
  ): Promise<PreviewResult & { rowCount: number; offset: number; limit: number }> {
    const limit = request.limit ?? 100;
    const offset = request.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PREVIEW_ROWS) throw new InvalidArgumentError('InvalidLimit', { limit, max: MAX_PREVIEW_ROWS });
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError('InvalidOffset', { offset });
    const { source, view, rowCount } = await this.tabular(actor, datasetRid, request, 'ReadTableDataset');
    const result = await preview(this.deps.engine, source, { offset, limit, columns: request.columns?.length ? request.columns : undefined });
    await this.audit(actor, datasetRid, view, 'datasets.table.preview', { offset, limit });
    return { ...result, rowCount, offset, limit };
  }

  async columnStats(actor: Actor, datasetRid: string, request: ViewRequest): Promise<{ rowCount: number; columns: ColumnStats[] }> {
    const { source, view, rowCount } = await this.tabular(actor, datasetRid, request, 'ReadTableDataset');
    const columns = await columnStats(this.deps.engine, source);
    await this.audit(actor, datasetRid, view, 'datasets.table.stats', {});
    return { rowCount, columns };
  }

  /** The Parquet files of a view as local paths; a view without any is not tabular. */
  private async tabular(actor: Actor, datasetRid: string, request: ViewRequest, operation: string): Promise<{ source: TableSource; view: ResolvedView; rowCount: number; dataset: AccessibleDataset }> {
    const { repo, blobs } = this.deps;
    if (request.branchName !== undefined) validateBranchName(request.branchName);
    const dataset = await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', operation);
    const view = await resolveView(repo, repo.db, dataset.row, request);
    const files = view.range ? (await repo.viewFiles(repo.db, view.range, undefined, undefined)).filter((f) => f.schema !== null) : [];
    if (!files.length) throw DatasetsErrors.datasetReadNotSupported(datasetRid, 'the view has no tabular (Parquet) files');
    const paths = await Promise.all(files.map((f) => blobs.localPath(f.blob_key!)));
    return { source: { files: paths }, view, rowCount: files.reduce((n, f) => n + (f.row_count ?? 0), 0), dataset };
  }

  private async audit(actor: Actor, datasetRid: string, view: ResolvedView, category: string, details: Record<string, unknown>): Promise<void> {
    await this.deps.repo.transaction((trx) =>
      recordEvent(this.deps, trx, actor, category, [datasetRid], { branchName: view.branchName, endTransactionRid: view.range?.endTransactionRid ?? null, ...details }),
    );
  }
}
