import type { AuditLog } from '@openfoundry/audit';
import type { Kysely, MigrationSet } from '@openfoundry/db';
import type { Engine } from '@openfoundry/engine';
import type { App } from '@openfoundry/http';
import { systemClock, type Clock } from '@openfoundry/kernel';
import type { BlobStore } from '@openfoundry/storage';
import { QueryService, type SqlLimits } from './query.service.js';
import { SavedQueryService } from './saved-query.service.js';
import { sqlMigrations } from './sql.migrations.js';
import { SqlRepository } from './sql.repository.js';
import { registerSqlRoutes } from './sql.routes.js';
import type { SqlDatasetSource, SqlTables } from './sql.types.js';

export type { SqlDatasetSource, ResolvedTable } from './sql.types.js';
export type { SqlLimits } from './query.service.js';

/** The SQL service as the composition root sees it. */
export interface SqlModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  /** Deletes query records and results past the retention period; returns how many results went. */
  expire(): Promise<number>;
  /** Stops the queries running in this process (shutdown). */
  drain(): Promise<void>;
}

export interface SqlOptions {
  db: Kysely<any>;
  audit: AuditLog;
  source: SqlDatasetSource;
  blobs: BlobStore;
  engine: Engine;
  clock?: Clock;
  tempDir: string;
  limits: SqlLimits;
}

/** Creates the SQL service: Foundry's SQL queries over datasets, each in a sandbox of its own, and saved queries. */
export function createSql(options: SqlOptions): SqlModule {
  const repo = new SqlRepository(options.db as Kysely<SqlTables>);
  const clock = options.clock ?? systemClock;
  const queries = new QueryService({ repo, source: options.source, audit: options.audit, blobs: options.blobs, engine: options.engine, clock, tempDir: options.tempDir, limits: options.limits });
  const saved = new SavedQueryService(repo, options.audit, clock);
  return {
    migrations: sqlMigrations,
    registerRoutes: (app) => registerSqlRoutes(app, { queries, saved }),
    expire: () => queries.expire(),
    drain: () => queries.drain(),
  };
}
