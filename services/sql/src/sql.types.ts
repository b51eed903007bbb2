import type { Principal, ResourceActor } from '@openfoundry/authz';
import type { DatasetFieldSchema } from '@openfoundry/engine';

/**
 * What the SQL service needs from the datasets service, wired by apps/server (services never
 * import each other): resolving a dataset reference the caller may read to its Parquet files,
 * and writing query results as a new dataset.
 */
export interface SqlDatasetSource {
  /**
   * Resolves a dataset by path or RID, at a branch (with fallbacks) or a transaction, for reading
   * by `principal`. Undefined when missing, of another organization, or not readable: the caller
   * answers all three alike.
   */
  resolve(
    principal: Principal,
    reference: { target: string; branch?: string | undefined; transactionRid?: string | undefined; fallbackBranches: string[] },
  ): Promise<ResolvedTable | undefined>;
  /** Creates a dataset in a folder from a local Parquet file, committed as one SNAPSHOT. */
  createFromParquet(actor: ResourceActor, input: { parentFolderRid: string; name: string; parquetPath: string }): Promise<{ rid: string; name: string; parentFolderRid: string; path: string }>;
}

/** A readable dataset view, pinned to the transaction it was resolved at. */
export interface ResolvedTable {
  datasetRid: string;
  path: string;
  branchName: string;
  /** Undefined for a branch with no committed transaction (an empty table). */
  endTransactionRid: string | undefined;
  /** Local paths of the view's Parquet files. */
  files: string[];
  /** The view's schema, for a dataset without files (an empty table still has columns). */
  columns?: DatasetFieldSchema[] | undefined;
  /** Every file has the same schema. */
  sameColumns?: boolean | undefined;
}

export type QueryState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

export interface SqlTables {
  'sql.queries': QueryRow;
  'sql.saved_queries': SavedQueryRow;
}

/** One execution of a query; its results live in the blob store under `results_key`. */
export interface QueryRow {
  id: string;
  org_rid: string;
  user_id: string;
  query: string;
  status: QueryState;
  /** `{ errorName, errorMessage, line?, column? }` for failed queries. */
  error: Record<string, unknown> | null;
  /** The datasets read, pinned: `[{ name, datasetRid, branchName, endTransactionRid }]`. */
  inputs: Array<{ name: string; datasetRid: string; branchName: string; endTransactionRid: string | null }>;
  row_count: number | null;
  truncated: boolean;
  results_key: string | null;
  created_time: Date;
  finished_time: Date | null;
}

export interface SavedQueryRow {
  id: string;
  org_rid: string;
  owner_id: string;
  name: string;
  query: string;
  created_time: Date;
  updated_time: Date;
}
