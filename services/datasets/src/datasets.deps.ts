import { authorize, type Operation, type ResolvedResource, type ResourceActor, type ResourceDirectory } from '@openfoundry/authz';
import { successEvent, type AuditLog } from '@openfoundry/audit';
import type { Executor } from '@openfoundry/db';
import type { Engine } from '@openfoundry/engine';
import { PermissionDeniedError, requireRid, type Clock } from '@openfoundry/kernel';
import type { BlobStore } from '@openfoundry/storage';
import type { DatasetRepository } from './dataset.repository.js';
import { DatasetsErrors } from './datasets.errors.js';
import type { DatasetRow } from './datasets.types.js';

/** PostgreSQL notification channel of committed dataset transactions; the payload is the dataset RID. */
export const DATASET_COMMITS_CHANNEL = 'openfoundry_dataset_commits';

/** The filesystem resource type of datasets. */
export const DATASET_TYPE = 'FOUNDRY_DATASET';

export type Actor = ResourceActor;

/** What the datasets service's parts share. */
export interface DatasetsDeps {
  repo: DatasetRepository;
  resources: ResourceDirectory;
  audit: AuditLog;
  blobs: BlobStore;
  engine: Engine;
  clock: Clock;
  /** Largest file an upload or import may write. */
  maxFileBytes: number;
  /** Size of the parts a large CSV import is converted in while it arrives; the engine's default when absent. */
  importPartBytes?: number | undefined;
  /** Scratch space for imports (request bodies, converted Parquet) on local disk. */
  tempDir: string;
}

/** A dataset the caller may use, with its filesystem node. */
export interface AccessibleDataset {
  row: DatasetRow;
  resource: ResolvedResource;
}

/**
 * Authorizes `op` on a dataset through the filesystem (the only place access is decided): a
 * missing dataset, another organization's, or one the caller cannot discover is `DatasetNotFound`;
 * too weak a role is Foundry's operation-specific `<Operation>PermissionDenied`. Writes to a
 * dataset in the trash are refused.
 */
export async function requireDataset(
  deps: DatasetsDeps,
  db: Executor,
  actor: Actor,
  datasetRid: string,
  op: Operation,
  operation: string,
  /** The dataset's filesystem node when the caller has just resolved it (by path), to skip the lookup. */
  resolved?: ResolvedResource,
): Promise<AccessibleDataset> {
  requireRid(datasetRid, 'datasetRid');
  const notFound = () => DatasetsErrors.datasetNotFound(datasetRid);
  let resource: ResolvedResource;
  try {
    if (resolved && resolved.rid === datasetRid) {
      authorize(actor.principal, resolved, op, notFound);
      resource = resolved;
    } else resource = await deps.resources.authorize(actor.principal, datasetRid, op, notFound, db);
  } catch (e) {
    if (e instanceof PermissionDeniedError) throw DatasetsErrors.denied(operation, { datasetRid });
    throw e;
  }
  if (resource.type !== DATASET_TYPE) throw notFound();
  const row = await deps.repo.findDataset(db as never, datasetRid);
  if (!row) throw notFound();
  if (op !== 'read' && op !== 'discover' && resource.trashStatus !== 'NOT_TRASHED') throw DatasetsErrors.datasetTrashed(datasetRid);
  return { row, resource };
}

/** Appends a successful datasets event to the audit chain, inside the change's transaction. */
export async function recordEvent(deps: DatasetsDeps, trx: Executor, actor: Actor, category: string, resourceRids: string[], details: Record<string, unknown>): Promise<void> {
  await deps.audit.append(trx, successEvent(actor, category, resourceRids, details));
}

/** Deletes blobs after the database no longer references them; failures are left to garbage collection. */
export async function deleteBlobsQuietly(blobs: BlobStore, keys: Array<string | null | undefined>): Promise<void> {
  const live = keys.filter((k): k is string => !!k);
  if (!live.length) return;
  try {
    await blobs.delete(live);
  } catch {
    /* unreferenced blobs are collected later */
  }
}
