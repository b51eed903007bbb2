import type { AuditEventInput, AuditLog } from '@openfoundry/audit';
import type { ResourceDirectory } from '@openfoundry/authz';
import type { Kysely, MigrationSet } from '@openfoundry/db';
import type { Engine } from '@openfoundry/engine';
import type { App } from '@openfoundry/http';
import { systemClock, type Clock } from '@openfoundry/kernel';
import { DefinitionService } from './definitions/definition.service.js';
import { Indexer } from './indexing/indexer.js';
import { OBJECT_SET_TYPE, OBJECT_TYPE_TYPE, ONTOLOGY_TYPE, type OntologyDatasetSource, type OntologyDeps } from './ontology.deps.js';
import { ONTOLOGY_CHANGES_CHANNEL, ontologyMigrations } from './ontology.migrations.js';
import { ViewCache } from './query/view-cache.js';
import { OntologyRepository } from './ontology.repository.js';
import { registerOntologyRoutes } from './ontology.routes.js';
import type { OntologyTables } from './ontology.types.js';
import { ReadService } from './read.service.js';
import { ObjectSetService } from './object-set.service.js';

export { ONTOLOGY_TYPE, OBJECT_TYPE_TYPE } from './ontology.deps.js';
export type { OntologyDatasetSource, DatasetIndexView } from './ontology.deps.js';
export { OntologyDocument } from './definitions/model.js';
export type { ApplyResult, DefinitionChange } from './definitions/definition.service.js';

/** The ontology service as the composition root sees it. */
export interface OntologyModule {
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  /** Starts the indexer (sweeps at once, then periodically). */
  start(): void;
  /** A dataset had a commit: the indexes reading it run. */
  datasetCommitted(datasetRid: string): Promise<void>;
  /** Resolves when no index runs in this process (tests, benchmarks). */
  indexingIdle(): Promise<void>;
  /** Removes temporary object sets past their expiry; returns how many. */
  expire(): Promise<number>;
  stop(): Promise<void>;
}

export interface OntologyOptions {
  db: Kysely<any>;
  audit: AuditLog;
  /** Group commit of read events (audit's `reads`); reads are audited one transaction each without it. */
  readAudit?: (event: AuditEventInput) => Promise<void>;
  resources: ResourceDirectory;
  datasets: OntologyDatasetSource;
  engine: Engine;
  clock?: Clock;
  /** How often indexes are compared with their datasets. */
  indexSweepMs?: number;
  /** Database notifications (libs/db `Database.listen`); without it ontology metadata is not cached. */
  listen?: (channel: string, onMessage: (payload: string) => void, onReset: () => void) => Promise<void>;
}

/**
 * Creates the ontology service: ontologies, object/link/interface types as filesystem resources
 * and as code, objects indexed from datasets into PostgreSQL, and Foundry's ontology read API.
 */
export function createOntology(options: OntologyOptions): OntologyModule {
  const repo = new OntologyRepository(options.db as Kysely<OntologyTables>);
  const clock = options.clock ?? systemClock;
  const deps: OntologyDeps = { repo, resources: options.resources, datasets: options.datasets, audit: options.audit, readAudit: options.readAudit ?? (async (e) => void (await options.audit.append(repo.db, e))), engine: options.engine, clock, views: new ViewCache() };
  const indexer = new Indexer(deps, { sweepMs: options.indexSweepMs });
  const definitions = new DefinitionService(deps, (targets) => {
    deps.views.invalidate();
    for (const rid of targets.reindex) indexer.request(rid);
    if (targets.deleted.length) void indexer.sweep();
  });
  const sets = new ObjectSetService(deps);
  const reads = new ReadService(deps, sets);
  // A permanently deleted ontology or object type takes its definitions and indexes with it.
  options.resources.onPermanentDelete(ONTOLOGY_TYPE, (trx, rids) => repo.deleteOntologies(trx as never, rids));
  // Link types that name a deleted object type go with it.
  options.resources.onPermanentDelete(OBJECT_TYPE_TYPE, async (trx, rids) => {
    for (const link of await repo.linkTypesOf(trx as never, rids)) {
      await repo.deleteIndex(trx as never, link.rid);
      await repo.deleteType(trx as never, 'ontology.link_types', link.rid);
    }
    for (const rid of rids) {
      await repo.deleteIndex(trx as never, rid);
      await repo.deleteType(trx as never, 'ontology.object_types', rid);
    }
    deps.views.invalidate();
  });
  options.resources.onPermanentDelete(OBJECT_SET_TYPE, (trx, rids) => repo.deleteObjectSets(trx as never, rids));
  return {
    migrations: ontologyMigrations,
    async registerRoutes(app) {
      if (options.listen) {
        await options.listen(ONTOLOGY_CHANGES_CHANNEL, () => deps.views.invalidate(), () => deps.views.invalidate());
        deps.views.enable();
      }
      await registerOntologyRoutes(app, { reads, definitions, sets });
    },
    start: () => indexer.start(),
    datasetCommitted: (rid) => indexer.datasetCommitted(rid),
    indexingIdle: () => indexer.idle(),
    expire: () => repo.expireObjectSets(repo.db, clock.now()),
    stop: () => indexer.stop(),
  };
}
