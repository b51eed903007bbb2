import type { ResolvedResource } from '@openfoundry/authz';
import type { DatasetSchema } from '@openfoundry/engine';
import type { FileTotals } from './dataset.repository.js';
import type { BranchRow, FileRow, TransactionRow, TransactionStatus, TransactionType } from './datasets.types.js';

/** Foundry's `Dataset`. */
export interface DatasetJson {
  rid: string;
  name: string;
  parentFolderRid: string;
}

/** Foundry's `Branch`. */
export interface BranchJson {
  name: string;
  transactionRid?: string;
}

/** Foundry's `Transaction`, plus who opened it, on which branch, and (in histories) what it wrote. */
export interface TransactionJson {
  rid: string;
  transactionType: TransactionType;
  status: TransactionStatus;
  createdTime: string;
  closedTime?: string;
  branchName: string;
  createdBy: string;
  fileCount?: number;
  sizeBytes?: string;
  rowCount?: string;
  /** The schema version this transaction recorded (imports, putSchema), when it has one. */
  schema?: DatasetSchema;
}

/** Foundry's `File`. */
export interface FileJson {
  path: string;
  transactionRid: string;
  sizeBytes?: string;
  updatedTime: string;
}

export function toDataset(resource: ResolvedResource): DatasetJson {
  return { rid: resource.rid, name: resource.displayName, parentFolderRid: resource.parentFolderRid ?? '' };
}

export function toBranch(row: BranchRow): BranchJson {
  return row.head_transaction_rid ? { name: row.name, transactionRid: row.head_transaction_rid } : { name: row.name };
}

export function toTransaction(row: TransactionRow, totals?: FileTotals, schema?: DatasetSchema): TransactionJson {
  const json: TransactionJson = {
    rid: row.rid,
    transactionType: row.type,
    status: row.status,
    createdTime: new Date(row.created_time).toISOString(),
    branchName: row.branch_name,
    createdBy: row.created_by,
  };
  if (row.closed_time) json.closedTime = new Date(row.closed_time).toISOString();
  if (totals) {
    json.fileCount = totals.fileCount;
    json.sizeBytes = String(totals.sizeBytes);
    if (totals.rowCount !== null) json.rowCount = String(totals.rowCount);
  }
  if (schema) json.schema = schema;
  return json;
}

export function toFile(row: FileRow): FileJson {
  return { path: row.path, transactionRid: row.transaction_rid, sizeBytes: String(row.size_bytes), updatedTime: new Date(row.updated_time).toISOString() };
}
