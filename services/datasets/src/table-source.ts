import { createReadStream } from 'node:fs';
import type { Principal, ResourceActor } from '@openfoundry/authz';
import type { DatasetFieldSchema } from '@openfoundry/engine';
import { NotFoundError, PermissionDeniedError } from '@openfoundry/kernel';
import { requireDataset, type DatasetsDeps } from './datasets.deps.js';
import type { DatasetService } from './dataset.service.js';
import type { FileService } from './file.service.js';
import { resolveView } from './view.resolver.js';

/** A dataset view readable by a principal, as engines need it: pinned and as local Parquet files. */
export interface ReadableTable {
  datasetRid: string;
  path: string;
  branchName: string;
  endTransactionRid: string | undefined;
  files: string[];
  columns: DatasetFieldSchema[] | undefined;
  /** Every file has the same schema (an engine can then take the columns from any one of them). */
  sameColumns: boolean;
}

/**
 * Datasets as tables for other services (SQL now, pipelines later): resolve a reference the
 * caller may read, and write a Parquet file as a new dataset. Access is decided here, as for
 * every other read of a dataset.
 */
export interface DatasetTables {
  /** Undefined when the dataset is missing, of another organization or not readable, or the branch or transaction is not there. */
  resolve(
    principal: Principal,
    reference: { target: string; branch?: string | undefined; transactionRid?: string | undefined; fallbackBranches: string[] },
  ): Promise<ReadableTable | undefined>;
  createFromParquet(actor: ResourceActor, input: { parentFolderRid: string; name: string; parquetPath: string }): Promise<{ rid: string; name: string; parentFolderRid: string; path: string }>;
  /**
   * The view at a branch's head for a trusted indexer (the ontology), without a principal: callers
   * have authorized their own users. With `since` (a transaction the indexer read before),
   * `appendedFiles` lists the files committed after it when every transaction since then was an
   * APPEND on top of it; otherwise it is undefined and the whole view must be read again.
   * Undefined when the dataset or the branch is gone.
   */
  indexView(datasetRid: string, branch: string, since?: string | undefined): Promise<IndexView | undefined>;
}

/** A branch head's view as an indexer reads it. */
export interface IndexView {
  /** Undefined for a branch with no committed transaction. */
  endTransactionRid: string | undefined;
  /** The view's schema (also without files). */
  columns: DatasetFieldSchema[];
  /** Local paths of the view's Parquet files. */
  files: string[];
  appendedFiles: string[] | undefined;
}

/** How far back an indexer's last transaction may be for an incremental read. */
const MAX_INCREMENTAL_TRANSACTIONS = 1000;

export function datasetTables(deps: DatasetsDeps, datasets: DatasetService, files: FileService): DatasetTables {
  const { repo, resources, blobs } = deps;
  return {
    async resolve(principal, reference) {
      try {
        const byPath = reference.target.startsWith('/') ? await resources.resolvePath(principal, reference.target) : undefined;
        const rid = byPath ? byPath.rid : reference.target.startsWith('/') ? undefined : reference.target;
        if (!rid) return undefined;
        const { row, resource } = await requireDataset(deps, repo.db, { principal }, rid, 'read', 'ReadTableDataset', byPath);
        const view = await resolveView(repo, repo.db, row, {
          branchName: reference.branch,
          endTransactionRid: reference.transactionRid,
          fallbackBranchIds: reference.fallbackBranches,
        });
        const viewFiles = view.range ? (await repo.viewFiles(repo.db, view.range, undefined, undefined)).filter((f) => f.schema !== null) : [];
        const schema = viewFiles.length === 0 && view.range ? await repo.viewSchema(repo.db, view.range) : undefined;
        return {
          datasetRid: rid,
          path: resource.path,
          branchName: view.branchName,
          endTransactionRid: view.range?.endTransactionRid,
          files: await Promise.all(viewFiles.map((f) => blobs.localPath(f.blob_key!))),
          columns: schema?.schema.fieldSchemaList,
          sameColumns: new Set(viewFiles.map((f) => JSON.stringify(f.schema))).size <= 1,
        };
      } catch (e) {
        // Missing, foreign, unreadable, or no such branch or transaction: all read as "no such table".
        if (e instanceof NotFoundError || e instanceof PermissionDeniedError) return undefined;
        throw e;
      }
    },
    async indexView(datasetRid, branch, since) {
      const row = await repo.findDataset(repo.db, datasetRid);
      const head = row && (await repo.findBranch(repo.db, datasetRid, branch));
      if (!head) return undefined;
      const end = head.head_transaction_rid ?? undefined;
      if (!end) return { endTransactionRid: undefined, columns: [], files: [], appendedFiles: since ? undefined : [] };
      const viewFiles = (await repo.viewFiles(repo.db, { endTransactionRid: end }, undefined, undefined)).filter((f) => f.schema !== null);
      const schema = await repo.viewSchema(repo.db, { endTransactionRid: end });
      const localPaths = new Map(await Promise.all(viewFiles.map(async (f) => [f, await blobs.localPath(f.blob_key!)] as const)));
      let appendedFiles: string[] | undefined;
      if (since) {
        const chain = await repo.history(repo.db, end, undefined, MAX_INCREMENTAL_TRANSACTIONS);
        const at = chain.findIndex((t) => t.rid === since);
        const newer = at < 0 ? undefined : chain.slice(0, at);
        if (newer && newer.every((t) => t.type === 'APPEND')) {
          const added = new Set(newer.map((t) => t.rid));
          appendedFiles = viewFiles.filter((f) => added.has(f.transaction_rid)).map((f) => localPaths.get(f)!);
        }
      }
      return { endTransactionRid: end, columns: schema?.schema.fieldSchemaList ?? [], files: [...localPaths.values()], appendedFiles };
    },
    async createFromParquet(actor, input) {
      const created = await datasets.create(actor, { parentFolderRid: input.parentFolderRid, name: input.name });
      await files.importTable(actor, created.rid, createReadStream(input.parquetPath), { transactionType: 'SNAPSHOT' }, { format: 'parquet', path: 'part-00000.parquet' });
      const { path } = await datasets.get(actor, created.rid);
      return { ...created, path };
    },
  };
}
