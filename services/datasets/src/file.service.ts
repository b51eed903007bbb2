import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { describeParquet, importStream, type CsvOptions, type DatasetSchema, type ImportFormat } from '@openfoundry/engine';
import { InvalidArgumentError, decodePageToken, isFoundryError, parseRid, resolvePageSize, toPage, type Page } from '@openfoundry/kernel';
import { BlobTooLargeError, type BlobInfo } from '@openfoundry/storage';
import { deleteBlobsQuietly, recordEvent, requireDataset, type Actor, type DatasetsDeps } from './datasets.deps.js';
import { DatasetsErrors } from './datasets.errors.js';
import type { DatasetRow, DatasetsTables, FileRow, TransactionRow, TransactionType } from './datasets.types.js';
import type { Executor } from '@openfoundry/db';
import { validateFilePath } from './names.js';
import { toFile, toTransaction, type FileJson, type TransactionJson } from './presenters.js';
import type { TransactionService } from './transaction.service.js';
import { resolveView, type ViewRequest } from './view.resolver.js';

type Db = Executor<DatasetsTables>;

/** Where a write goes: an open transaction, or a new one of `transactionType` committed right after (Foundry's upload). */
export interface WriteTarget {
  branchName?: string | undefined;
  transactionRid?: string | undefined;
  transactionType?: TransactionType | undefined;
}

/** A file stored in the blob store but not yet recorded in a transaction. */
interface StagedFile {
  info: BlobInfo;
  rowCount: number | null;
  schema: DatasetSchema | null;
}

export interface ImportOptions {
  format: ImportFormat;
  csv?: CsvOptions | undefined;
  schema?: DatasetSchema | undefined;
  /**
   * Path of the Parquet file in the dataset; defaults to the uploaded name with `.parquet`. An
   * upload converted in parts becomes `<path without .parquet>/part-00000.parquet`, `…-00001…`.
   */
  path?: string | undefined;
  fileName?: string | undefined;
}

export interface ImportResult {
  transaction: TransactionJson;
  /** The Parquet files written, in row order. */
  files: FileJson[];
  rowCount: number;
  schema: DatasetSchema;
}

/** Blob keys: content is addressed by dataset and a fresh id, never by the user's path. */
function blobKey(datasetRid: string): string {
  return `datasets/${parseRid(datasetRid)!.locator}/${randomUUID()}`;
}

const isParquetPath = (path: string) => path.toLowerCase().endsWith('.parquet');

/** Files of a dataset: upload into transactions, list and read views, delete; tabular imports. */
export class FileService {
  constructor(
    private readonly deps: DatasetsDeps,
    private readonly transactions: TransactionService,
  ) {}

  async upload(actor: Actor, datasetRid: string, filePath: string, body: Readable, target: WriteTarget): Promise<FileJson> {
    const path = validateFilePath(filePath);
    const { row: dataset } = await this.precheck(actor, datasetRid, target, 'UploadFile');
    const staged = await this.stage(dataset, body, path);
    try {
      const { files } = await this.record(actor, dataset, target, 'UploadFile', [{ path, staged }]);
      return toFile(files[0]!);
    } catch (e) {
      await deleteBlobsQuietly(this.deps.blobs, [staged.info.key]);
      throw e;
    }
  }

  /**
   * Imports a CSV/TSV/JSON/Parquet upload as Parquet with an inferred (or the given) schema. The
   * body streams to local disk; a large CSV is converted in parts while it is still arriving, each
   * part stored in the blob store once converted ({@link importStream}), so neither memory use nor
   * the wait after the last byte grows with the file. All files are committed together.
   */
  async importTable(actor: Actor, datasetRid: string, body: Readable, target: WriteTarget, options: ImportOptions): Promise<ImportResult> {
    const base = options.fileName ? basename(options.fileName, extname(options.fileName)) : `part-${randomUUID().slice(0, 8)}`;
    const path = validateFilePath(options.path ?? `${base || 'data'}.parquet`);
    const { row: dataset } = await this.precheck(actor, datasetRid, target, 'UploadFile');
    const { tempDir, maxFileBytes, engine, blobs } = this.deps;
    const workDir = join(tempDir, randomUUID());
    await mkdir(workDir, { recursive: true });
    const stored: Array<Promise<StagedFile>> = [];
    try {
      const imported = await importStream(
        engine,
        body,
        { format: options.format, csv: options.csv, schema: options.schema },
        {
          workDir,
          ...(this.deps.importPartBytes ? { partBytes: this.deps.importPartBytes } : {}),
          maxBytes: maxFileBytes,
          tooLarge: () => new BlobTooLargeError(maxFileBytes),
          // Each part is stored while others convert; `stored` is in row order.
          onPart: async (part) => {
            const put = blobs.put(blobKey(dataset.rid), createReadStream(part.path), { maxBytes: maxFileBytes }).then(async (info) => {
              await rm(part.path, { force: true });
              return { info, rowCount: part.rowCount, schema: null };
            });
            put.catch(() => undefined);
            stored[part.index] = put;
          },
        },
      );
      const staged = await Promise.all(stored);
      const stem = path.replace(/\.parquet$/i, '');
      const files = staged.map((file, i) => ({
        path: staged.length === 1 ? path : validateFilePath(`${stem}/part-${String(i).padStart(5, '0')}.parquet`),
        staged: { ...file, schema: imported.schema },
      }));
      const recorded = await this.record(actor, dataset, target, 'UploadFile', files, { importedFrom: options.fileName ?? null, format: options.format });
      return { transaction: toTransaction(recorded.transaction), files: recorded.files.map(toFile), rowCount: imported.rowCount, schema: imported.schema };
    } catch (e) {
      const keys = (await Promise.allSettled(stored.filter((p) => p !== undefined))).flatMap((r) => (r.status === 'fulfilled' ? [r.value.info.key] : []));
      await deleteBlobsQuietly(blobs, keys);
      throw e;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async list(actor: Actor, datasetRid: string, view: ViewRequest, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<FileJson>> {
    const { repo } = this.deps;
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    const { row: dataset } = await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'ListFiles');
    const { range } = await resolveView(repo, repo.db, dataset, view);
    if (!range) return { data: [] };
    const rows = await repo.viewFiles(repo.db, range, token ? String(token[0]) : undefined, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.path], toFile);
  }

  async get(actor: Actor, datasetRid: string, filePath: string, view: ViewRequest): Promise<FileJson> {
    return toFile(await this.find(actor, datasetRid, filePath, view, 'GetFile'));
  }

  /** The content of a file of a view, as a stream; the read is audited. */
  async content(actor: Actor, datasetRid: string, filePath: string, view: ViewRequest): Promise<{ file: FileRow; stream: Readable }> {
    const file = await this.find(actor, datasetRid, filePath, view, 'GetFileContent');
    const stream = await this.deps.blobs.get(file.blob_key!);
    await this.deps.repo.transaction((trx) =>
      recordEvent(this.deps, trx, actor, 'datasets.file.read', [datasetRid, file.transaction_rid], { path: file.path, sizeBytes: file.size_bytes }),
    );
    return { file, stream };
  }

  /**
   * Deletes a file. In an open DELETE transaction it is marked removed from the view; in an open
   * transaction of another type, the file that transaction wrote is dropped; without a
   * transaction, a DELETE transaction is opened and committed around it.
   */
  async delete(actor: Actor, datasetRid: string, filePath: string, target: { branchName?: string | undefined; transactionRid?: string | undefined }): Promise<void> {
    const path = validateFilePath(filePath);
    const { repo, blobs, clock } = this.deps;
    const dropped = await repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'DeleteFile');
      const autoCommit = target.transactionRid === undefined;
      const t = autoCommit
        ? await this.transactions.open(trx, actor, dataset, target.branchName, 'DELETE')
        : await this.requireOpen(trx, dataset, target.transactionRid!);
      let droppedKey: string | null = null;
      if (t.type === 'DELETE') {
        const branch = await repo.findBranch(trx, dataset.rid, t.branch_name);
        const live = branch?.head_transaction_rid ? await repo.viewFile(trx, { endTransactionRid: branch.head_transaction_rid }, path) : undefined;
        if (!live) throw DatasetsErrors.fileNotFoundOnBranch(dataset.rid, t.branch_name, path);
        await repo.putFile(trx, { transaction_rid: t.rid, path, dataset_rid: dataset.rid, blob_key: null, size_bytes: 0, sha256: null, row_count: null, schema: null, updated_time: clock.now() });
      } else {
        const removed = await repo.removeTransactionFile(trx, t.rid, path);
        if (!removed.found) throw DatasetsErrors.fileNotFound(dataset.rid, path);
        droppedKey = removed.blobKey;
      }
      await recordEvent(this.deps, trx, actor, 'datasets.file.delete', [dataset.rid, t.rid], { path, transactionType: t.type });
      if (autoCommit) await this.transactions.commitOpen(trx, actor, dataset, t.rid);
      return droppedKey;
    });
    await deleteBlobsQuietly(blobs, [dropped]);
  }

  // --- internals ----------------------------------------------------------------------------

  private async find(actor: Actor, datasetRid: string, filePath: string, view: ViewRequest, operation: string): Promise<FileRow> {
    const path = validateFilePath(filePath);
    const { repo } = this.deps;
    const { row: dataset } = await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', operation);
    const { range, branchName } = await resolveView(repo, repo.db, dataset, view);
    const file = range ? await repo.viewFile(repo.db, range, path) : undefined;
    if (!file) {
      if (view.endTransactionRid || view.startTransactionRid) throw DatasetsErrors.fileNotFoundOnTransactionRange(datasetRid, path, view.startTransactionRid, range?.endTransactionRid ?? '');
      throw DatasetsErrors.fileNotFoundOnBranch(datasetRid, branchName, path);
    }
    return file;
  }

  /** Authorizes and checks the target before any byte is stored, so refused writes cost nothing. */
  private async precheck(actor: Actor, datasetRid: string, target: WriteTarget, operation: string) {
    const { repo } = this.deps;
    const accessible = await requireDataset(this.deps, repo.db, actor, datasetRid, 'write', operation);
    if (target.transactionRid !== undefined) await this.requireOpen(repo.db, accessible.row, target.transactionRid);
    return accessible;
  }

  private async requireOpen(db: Db, dataset: DatasetRow, transactionRid: string): Promise<TransactionRow> {
    const t = await this.transactions.requireTransaction(db, dataset, transactionRid);
    if (t.status !== 'OPEN') throw DatasetsErrors.transactionNotOpen(dataset.rid, t.rid, t.status);
    return t;
  }

  /** Streams a body into the blob store; Parquet files are described (schema, rows), and refused when not Parquet. */
  private async stage(dataset: DatasetRow, body: Readable, path: string): Promise<StagedFile> {
    const tabular = isParquetPath(path);
    const { blobs, engine, maxFileBytes } = this.deps;
    const info = await blobs.put(blobKey(dataset.rid), body, { maxBytes: maxFileBytes });
    if (!tabular) return { info, rowCount: null, schema: null };
    try {
      const described = await describeParquet(engine, [await blobs.localPath(info.key)]);
      return { info, rowCount: described.rowCount, schema: described.schema };
    } catch (e) {
      await deleteBlobsQuietly(blobs, [info.key]);
      if (isFoundryError(e)) throw e;
      throw new InvalidArgumentError('InvalidFileContent', { path, problem: 'a file named .parquet must be a Parquet file' });
    }
  }

  /** Records staged files in the target transaction (opening and committing one when none is named), audited. */
  private async record(actor: Actor, dataset: DatasetRow, target: WriteTarget, operation: string, staged: Array<{ path: string; staged: StagedFile }>, details: Record<string, unknown> = {}) {
    const { repo, clock, blobs } = this.deps;
    const { files, transaction, replaced } = await repo.transaction(async (trx) => {
      await requireDataset(this.deps, trx, actor, dataset.rid, 'write', operation);
      const autoCommit = target.transactionRid === undefined;
      let t = autoCommit
        ? await this.transactions.open(trx, actor, dataset, target.branchName, target.transactionType ?? 'UPDATE')
        : await this.requireOpen(trx, dataset, target.transactionRid!);
      if (t.type === 'DELETE') throw DatasetsErrors.invalidTransactionType(dataset.rid, t.rid, t.type, 'SNAPSHOT, APPEND or UPDATE');
      const files: FileRow[] = [];
      const replaced: Array<string | null> = [];
      for (const { path, staged: s } of staged) {
        const file: FileRow = {
          transaction_rid: t.rid,
          path,
          dataset_rid: dataset.rid,
          blob_key: s.info.key,
          size_bytes: s.info.sizeBytes,
          sha256: s.info.sha256,
          row_count: s.rowCount,
          schema: s.schema,
          updated_time: clock.now(),
        };
        replaced.push(await repo.putFile(trx, file));
        await recordEvent(this.deps, trx, actor, 'datasets.file.upload', [dataset.rid, t.rid], { path, sizeBytes: file.size_bytes, rowCount: file.row_count, ...details });
        files.push(file);
      }
      if (autoCommit) t = await this.transactions.commitOpen(trx, actor, dataset, t.rid);
      return { files, transaction: t, replaced };
    });
    await deleteBlobsQuietly(blobs, replaced);
    return { files, transaction };
  }
}
