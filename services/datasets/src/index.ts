import type { ResourceDirectory } from '@openfoundry/authz';
import type { AuditLog } from '@openfoundry/audit';
import type { Kysely, MigrationSet } from '@openfoundry/db';
import type { Engine } from '@openfoundry/engine';
import type { App } from '@openfoundry/http';
import { systemClock, type Clock } from '@openfoundry/kernel';
import type { BlobStore } from '@openfoundry/storage';
import { DatasetRepository } from './dataset.repository.js';
import { DatasetService } from './dataset.service.js';
import { DATASET_TYPE, type DatasetsDeps } from './datasets.deps.js';
import { datasetsMigrations } from './datasets.migrations.js';
import { registerDatasetsRoutes } from './datasets.routes.js';
import type { DatasetsTables } from './datasets.types.js';
import { FileService } from './file.service.js';
import { collectGarbage, type GarbageReport } from './garbage.js';
import { TableService } from './table.service.js';
import { TransactionService } from './transaction.service.js';
import { datasetTables, type DatasetTables } from './table-source.js';

export { DATASET_TYPE, DATASET_COMMITS_CHANNEL } from './datasets.deps.js';
export { DEFAULT_BRANCH } from './names.js';
export type { GarbageReport } from './garbage.js';
export type { DatasetTables, ReadableTable, IndexView } from './table-source.js';

/** The datasets service as the composition root sees it. */
export interface DatasetsModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  /** Deletes blobs no file references any more (aborted uploads, deleted datasets) and stale incomplete writes. */
  collectGarbage(options?: { graceMs?: number }): Promise<GarbageReport>;
  /** Datasets as tables for other services (SQL). */
  tables: DatasetTables;
}

export interface DatasetsOptions {
  db: Kysely<any>;
  audit: AuditLog;
  resources: ResourceDirectory;
  blobs: BlobStore;
  engine: Engine;
  clock?: Clock;
  maxFileBytes: number;
  /** Size of the parts a large CSV import is converted in while it arrives (default 64 MiB). */
  importPartBytes?: number;
  tempDir: string;
}

/**
 * Creates the datasets service: datasets as filesystem resources, branches and transactions with
 * Foundry's semantics, files in the blob store, schemas, tabular reads and imports through DuckDB.
 */
export function createDatasets(options: DatasetsOptions): DatasetsModule {
  const deps: DatasetsDeps = {
    repo: new DatasetRepository(options.db as Kysely<DatasetsTables>),
    resources: options.resources,
    audit: options.audit,
    blobs: options.blobs,
    engine: options.engine,
    clock: options.clock ?? systemClock,
    maxFileBytes: options.maxFileBytes,
    importPartBytes: options.importPartBytes,
    tempDir: options.tempDir,
  };
  const transactions = new TransactionService(deps);
  const services = {
    datasets: new DatasetService(deps),
    transactions,
    files: new FileService(deps, transactions),
    tables: new TableService(deps),
  };
  const tables = datasetTables(deps, services.datasets, services.files);
  // A permanently deleted dataset takes its metadata with it; its blobs become garbage.
  options.resources.onPermanentDelete(DATASET_TYPE, (trx, rids) => deps.repo.deleteDatasets(trx as never, rids));
  return {
    migrations: datasetsMigrations,
    registerRoutes: (app) => registerDatasetsRoutes(app, services),
    collectGarbage: (o) => collectGarbage(deps, o),
    tables,
  };
}
