import { requireRid } from '@openfoundry/kernel';
import type { Executor } from '@openfoundry/db';
import type { DatasetRepository, ViewRange } from './dataset.repository.js';
import { DatasetsErrors } from './datasets.errors.js';
import type { DatasetRow, DatasetsTables } from './datasets.types.js';
import { validateBranchName } from './names.js';

/** Which view of a dataset a read asks for (Foundry's read parameters). */
export interface ViewRequest {
  branchName?: string | undefined;
  startTransactionRid?: string | undefined;
  endTransactionRid?: string | undefined;
  /**
   * Branches to read, in order, when `branchName` does not exist on this dataset (Foundry's
   * fallback branches; pipelines and SQL use them). The dataset's default branch is not implied.
   */
  fallbackBranchIds?: string[] | undefined;
}

/** A resolved view: the branch read and the range of its history; `range` is undefined for an empty branch. */
export interface ResolvedView {
  branchName: string;
  range: ViewRange | undefined;
}

/** Resolves read parameters to a range of committed transactions, checking each RID belongs to the dataset. */
export async function resolveView(repo: DatasetRepository, db: Executor<DatasetsTables>, dataset: DatasetRow, request: ViewRequest): Promise<ResolvedView> {
  const datasetRid = dataset.rid;
  const requested = validateBranchName(request.branchName ?? dataset.default_branch);
  let branchName = requested;
  let end: string | undefined;
  if (request.endTransactionRid !== undefined) {
    requireRid(request.endTransactionRid, 'endTransactionRid');
    const t = await repo.findTransaction(db, request.endTransactionRid);
    if (!t || t.dataset_rid !== datasetRid) throw DatasetsErrors.transactionNotFound(datasetRid, request.endTransactionRid);
    if (t.status !== 'COMMITTED') throw DatasetsErrors.transactionNotCommitted(datasetRid, t.rid, t.status);
    end = t.rid;
    if (request.branchName === undefined) branchName = t.branch_name;
  } else {
    let branch = await repo.findBranch(db, datasetRid, requested);
    for (const fallback of request.fallbackBranchIds ?? []) {
      if (branch) break;
      branch = await repo.findBranch(db, datasetRid, validateBranchName(fallback));
    }
    if (!branch) throw DatasetsErrors.branchNotFound(datasetRid, requested);
    branchName = branch.name;
    end = branch.head_transaction_rid ?? undefined;
  }
  if (request.startTransactionRid !== undefined) {
    requireRid(request.startTransactionRid, 'startTransactionRid');
    const s = await repo.findTransaction(db, request.startTransactionRid);
    if (!s || s.dataset_rid !== datasetRid) throw DatasetsErrors.transactionNotFound(datasetRid, request.startTransactionRid);
    if (!end || !(await repo.isAncestor(db, s.rid, end))) throw DatasetsErrors.invalidTransactionRange(datasetRid, s.rid, end ?? '');
  }
  return { branchName, range: end ? { endTransactionRid: end, startTransactionRid: request.startTransactionRid } : undefined };
}
