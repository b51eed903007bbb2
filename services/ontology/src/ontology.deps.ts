import type { Principal, ResourceActor, ResourceDirectory } from '@openfoundry/authz';
import { successEvent, type AuditEventInput, type AuditLog } from '@openfoundry/audit';
import type { Executor } from '@openfoundry/db';
import type { DatasetFieldSchema, Engine } from '@openfoundry/engine';
import type { Clock } from '@openfoundry/kernel';
import type { OntologyRepository } from './ontology.repository.js';
import type { ViewCache } from './query/view-cache.js';

/** Filesystem resource types of the ontology's resources. */
export const ONTOLOGY_TYPE = 'ONTOLOGY';
export const OBJECT_TYPE_TYPE = 'ONTOLOGY_OBJECT_TYPE';
export const OBJECT_SET_TYPE = 'ONTOLOGY_OBJECT_SET';

export type Actor = ResourceActor;

/** A dataset view as the indexer reads it (the datasets service's `IndexView`). */
export interface DatasetIndexView {
  endTransactionRid: string | undefined;
  columns: DatasetFieldSchema[];
  files: string[];
  /** Files committed after `since` when only APPENDs happened since; undefined: read everything again. */
  appendedFiles: string[] | undefined;
}

/**
 * What the ontology needs from the datasets service, wired by apps/server (services never import
 * each other).
 */
export interface OntologyDatasetSource {
  /** Resolves a dataset (path or RID) the principal may read; undefined when missing, foreign or unreadable. */
  resolve(principal: Principal, reference: string, branch: string | undefined): Promise<{ rid: string; path: string; branchName: string } | undefined>;
  /** The branch head's view, read by the trusted indexer; undefined when the dataset or branch is gone. */
  indexView(datasetRid: string, branch: string, since?: string | undefined): Promise<DatasetIndexView | undefined>;
}

/** What the ontology service's parts share. */
export interface OntologyDeps {
  repo: OntologyRepository;
  resources: ResourceDirectory;
  datasets: OntologyDatasetSource;
  audit: AuditLog;
  /** Audits a read (no transaction of its own); resolves once the event is committed. */
  readAudit: (event: AuditEventInput) => Promise<void>;
  engine: Engine;
  clock: Clock;
  /** Ontology snapshots for reads; emptied after every change this process commits. */
  views: ViewCache;
}

/** Appends a successful ontology event to the audit chain, inside the change's (or a read's own) transaction. */
export async function recordEvent(deps: Pick<OntologyDeps, 'audit'>, trx: Executor, actor: Actor, category: string, resourceRids: string[], details: Record<string, unknown>): Promise<void> {
  await deps.audit.append(trx, successEvent(actor, category, resourceRids, details));
}
