import type { DatasetSchema } from '@openfoundry/engine';

/** Foundry's transaction types and states. */
export type TransactionType = 'SNAPSHOT' | 'APPEND' | 'UPDATE' | 'DELETE';
export type TransactionStatus = 'OPEN' | 'COMMITTED' | 'ABORTED';
export const TRANSACTION_TYPES: readonly TransactionType[] = ['SNAPSHOT', 'APPEND', 'UPDATE', 'DELETE'];

/** Tables of the `datasets` schema, as Kysely sees them. */
export interface DatasetsTables {
  'datasets.datasets': DatasetRow;
  'datasets.branches': BranchRow;
  'datasets.transactions': TransactionRow;
  'datasets.files': FileRow;
  'datasets.schemas': SchemaRow;
}

/** A dataset's own record; its name, folder and roles live in the filesystem (it is a resource there). */
export interface DatasetRow {
  rid: string;
  org_rid: string;
  /** The branch created with the dataset and read when no branch is named (Foundry's `master`). */
  default_branch: string;
  created_by: string;
  created_time: Date;
}

export interface BranchRow {
  dataset_rid: string;
  name: string;
  org_rid: string;
  /** The newest committed transaction the branch sees; null for an empty branch. */
  head_transaction_rid: string | null;
  created_by: string;
  created_time: Date;
}

export interface TransactionRow {
  rid: string;
  dataset_rid: string;
  org_rid: string;
  /** The branch it was opened on. */
  branch_name: string;
  type: TransactionType;
  status: TransactionStatus;
  /**
   * The branch head it was committed on top of: the view of a transaction is its chain of parents
   * back to the newest SNAPSHOT. Null until committed (and for a first commit).
   */
  parent_rid: string | null;
  created_by: string;
  created_time: Date;
  closed_by: string | null;
  closed_time: Date | null;
}

/**
 * A file written (or, with a null `blob_key`, removed) by a transaction. Files are immutable once
 * the transaction commits; `blob_key` names the content in the blob store.
 */
export interface FileRow {
  transaction_rid: string;
  path: string;
  dataset_rid: string;
  blob_key: string | null;
  size_bytes: number;
  sha256: string | null;
  /** For Parquet files: their row count and schema (tabular files). */
  row_count: number | null;
  schema: DatasetSchema | null;
  updated_time: Date;
}

/** A schema version, attached to the transaction whose view it describes. */
export interface SchemaRow {
  version_id: string;
  dataset_rid: string;
  transaction_rid: string;
  schema: DatasetSchema;
  dataframe_reader: string | null;
  created_by: string;
  created_time: Date;
}
