import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, openDatabase, type Database, type MigrationSet } from '@openfoundry/db';
import { createHttpApp, type App } from '@openfoundry/http';
import { createAudit, type AuditModule } from '@openfoundry/audit';
import { createIdentity, type IdentityModule } from '@openfoundry/identity';
import { createFilesystem, type FilesystemModule } from '@openfoundry/filesystem';
import { DATASET_COMMITS_CHANNEL, createDatasets, type DatasetsModule } from '@openfoundry/datasets';
import { createOntology, type OntologyModule } from '@openfoundry/ontology';
import { createSql, type SqlModule } from '@openfoundry/sql';
import { createEngine, type Engine } from '@openfoundry/engine';
import { createBlobStore, type BlobStore } from '@openfoundry/storage';
import { systemClock, type Clock } from '@openfoundry/kernel';
import type { Registry } from 'prom-client';
import type { ServerConfig } from './config.js';
import { registerOpsRoutes } from './ops.routes.js';
import { registerWebApp } from './web.routes.js';

export const VERSION = '0.1.0';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_DIR = resolve(here, '../../web/dist');

export interface Platform {
  config: ServerConfig;
  database: Database;
  audit: AuditModule;
  identity: IdentityModule;
  filesystem: FilesystemModule;
  datasets: DatasetsModule;
  sql: SqlModule;
  ontology: OntologyModule;
  blobs: BlobStore;
  engine: Engine;
  migrations: MigrationSet[];
  /** Closes the database, the engine and the blob store. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  clock?: Clock;
  /** Apply pending migrations on open (the server does; `openfoundry migrate` is the explicit step). */
  migrate?: boolean;
  /** An already open database (tests); otherwise opened from the configuration. */
  database?: Database;
}

/** Opens the database and wires the services together, without HTTP. Used by the server and the CLI. */
export async function openPlatform(config: ServerConfig, options: PlatformOptions = {}): Promise<Platform> {
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pg') }));
  let blobs: BlobStore | undefined;
  let engine: Engine | undefined;
  try {
    const clock = options.clock ?? systemClock;
    const audit = createAudit({ db: database.db, clock });
    const identity = createIdentity({
      db: database.db,
      audit: audit.log,
      clock,
      secretKey: config.secretKey,
      // Read when used: the test kit learns the real port only after listening and updates the config.
      get publicUrl() {
        return config.publicUrl;
      },
      secureCookies: config.secureCookies,
      sessionTtlMs: config.sessionTtlMs,
      outboundAllowHosts: config.outboundAllowHosts,
      listen: (channel, onMessage, onReset) => database.listen(channel, onMessage, onReset),
    });
    const filesystem = createFilesystem({
      db: database.db,
      audit: audit.log,
      directory: identity.directory,
      clock,
      listen: (channel, onMessage, onReset) => database.listen(channel, onMessage, onReset),
    });
    blobs = createBlobStore(config.blobStorage, { clock });
    engine = await createEngine({ threads: config.engineThreads, memoryLimit: config.engineMemoryLimit, tempDirectory: join(config.dataDir, 'tmp', 'engine') });
    const datasets = createDatasets({
      db: database.db,
      audit: audit.log,
      resources: filesystem.resources,
      blobs,
      engine,
      clock,
      maxFileBytes: config.maxFileBytes,
      importPartBytes: config.importPartBytes,
      tempDir: join(config.dataDir, 'tmp', 'imports'),
    });
    const sqlModule = createSql({
      db: database.db,
      audit: audit.log,
      source: datasets.tables,
      blobs,
      engine,
      clock,
      tempDir: join(config.dataDir, 'tmp', 'sql'),
      limits: {
        rowLimit: config.sqlRowLimit,
        exportRowLimit: config.sqlExportRowLimit,
        timeoutMs: config.sqlTimeoutMs,
        memoryLimit: config.sqlMemoryLimit,
        threads: config.engineThreads ?? 2,
        syncWaitMs: config.sqlExecuteWaitMs,
        retentionMs: config.sqlResultRetentionMs,
      },
    });
    const ontology = createOntology({
      db: database.db,
      audit: audit.log,
      readAudit: (event) => audit.reads.append(event),
      resources: filesystem.resources,
      engine,
      clock,
      datasets: {
        async resolve(principal, reference, branch) {
          const t = await datasets.tables.resolve(principal, { target: reference, branch, fallbackBranches: [] });
          return t && { rid: t.datasetRid, path: t.path, branchName: t.branchName };
        },
        indexView: (datasetRid, branch, since) => datasets.tables.indexView(datasetRid, branch, since),
      },
      listen: (channel, onMessage, onReset) => database.listen(channel, onMessage, onReset),
    });
    const migrations = [audit.migrations, identity.migrations, filesystem.migrations, datasets.migrations, sqlModule.migrations, ontology.migrations];
    if (options.migrate) await migrate(database.db, migrations);
    const [b, en] = [blobs, engine];
    return {
      config,
      database,
      audit,
      identity,
      filesystem,
      datasets,
      sql: sqlModule,
      ontology,
      blobs: b,
      engine: en,
      migrations,
      async close() {
        await ontology.stop();
        await sqlModule.drain();
        en.close();
        await b.close();
        await database.close();
      },
    };
  } catch (e) {
    engine?.close();
    await blobs?.close();
    await database.close();
    throw e;
  }
}

const MAINTENANCE_INTERVAL_MS = 3_600_000;

/** Hourly upkeep: unreferenced dataset blobs and expired SQL results go. Failures are logged and retried next hour. */
export async function runMaintenance(platform: Platform, app: App): Promise<void> {
  try {
    const garbage = await platform.datasets.collectGarbage();
    const expired = await platform.sql.expire();
    const expiredObjectSets = await platform.ontology.expire();
    app.log.info({ ...garbage, expiredSqlResults: expired, expiredObjectSets }, 'maintenance');
  } catch (e) {
    app.log.error({ err: e }, 'maintenance failed');
  }
}

export interface ServerOptions extends PlatformOptions {
  logStream?: NodeJS.WritableStream;
}

export interface Server {
  platform: Platform;
  app: App;
  metrics: Registry;
  /** Listens on the configured host and port; resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Builds the whole HTTP server: every service's routes, ops endpoints and the web app. */
export async function createServer(config: ServerConfig, options: ServerOptions = {}): Promise<Server> {
  const platform = await openPlatform(config, { ...options, migrate: options.migrate ?? true });
  try {
    const { app, metrics } = await createHttpApp({
      authenticator: platform.identity.authenticator,
      logLevel: config.logLevel === 'silent' ? false : config.logLevel,
      logStream: options.logStream,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      version: VERSION,
      publicUrl: config.publicUrl,
    });
    registerOpsRoutes(app, { database: platform.database, migrations: platform.migrations, metrics });
    await platform.identity.registerRoutes(app);
    await platform.filesystem.registerRoutes(app);
    await platform.datasets.registerRoutes(app);
    await platform.sql.registerRoutes(app);
    await platform.ontology.registerRoutes(app);
    await platform.audit.registerRoutes(app);
    await registerWebApp(app, config.webDir ?? DEFAULT_WEB_DIR);
    await app.ready();
    let maintenance: NodeJS.Timeout | undefined;
    return {
      platform,
      app,
      metrics,
      async listen() {
        await app.listen({ port: config.port, host: config.host });
        // Indexes follow their datasets' commits (on any replica); a lost notification is caught by the sweep.
        await platform.database.listen(DATASET_COMMITS_CHANNEL, (rid) => void platform.ontology.datasetCommitted(rid).catch(() => {}), () => {});
        platform.ontology.start();
        maintenance = setInterval(() => void runMaintenance(platform, app), MAINTENANCE_INTERVAL_MS).unref();
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : config.port;
        return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      },
      async close() {
        clearInterval(maintenance);
        await app.close();
        await platform.close();
      },
    };
  } catch (e) {
    await platform.close();
    throw e;
  }
}
