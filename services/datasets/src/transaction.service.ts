import { randomUUID } from 'node:crypto';
import { decodePageToken, makeRid, requireRid, resolvePageSize, toPage, type Page } from '@openfoundry/kernel';
import { schemasCompatible, type DatasetSchema } from '@openfoundry/engine';
import { DATASET_COMMITS_CHANNEL, deleteBlobsQuietly, recordEvent, requireDataset, type Actor, type DatasetsDeps } from './datasets.deps.js';
import { DatasetsErrors } from './datasets.errors.js';
import { TRANSACTION_TYPES, type DatasetRow, type DatasetsTables, type FileRow, type TransactionRow, type TransactionType } from './datasets.types.js';
import { isUniqueViolation, sql, type Executor } from '@openfoundry/db';
import { validateBranchName } from './names.js';
import { toBranch, toTransaction, type BranchJson, type TransactionJson } from './presenters.js';

type Db = Executor<DatasetsTables>;

/** The one schema of a transaction's tabular files, or undefined when it wrote none. */
function transactionSchema(transactionRid: string, files: FileRow[]): DatasetSchema | undefined {
  const tabular = files.filter((f) => f.blob_key !== null && f.schema !== null);
  const first = tabular[0];
  if (!first) return undefined;
  for (const f of tabular.slice(1)) {
    const check = schemasCompatible(first.schema!, f.schema!);
    if (!check.compatible) throw DatasetsErrors.inconsistentSchemas(transactionRid, [first.path, f.path], check.difference);
  }
  return first.schema!;
}

/** Branches and transactions with Foundry's semantics: one open transaction per branch, atomic commits. */
export class TransactionService {
  constructor(private readonly deps: DatasetsDeps) {}

  // --- branches -----------------------------------------------------------------------------

  async createBranch(actor: Actor, datasetRid: string, input: { name: string; transactionRid?: string | undefined }): Promise<BranchJson> {
    const name = validateBranchName(input.name);
    const { repo, clock } = this.deps;
    try {
      return await repo.transaction(async (trx) => {
        const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'CreateBranch');
        let head: string | null = null;
        if (input.transactionRid !== undefined) {
          const t = await this.requireTransaction(trx, dataset, input.transactionRid);
          if (t.status !== 'COMMITTED') throw DatasetsErrors.transactionNotCommitted(datasetRid, t.rid, t.status);
          head = t.rid;
        }
        if (await repo.findBranch(trx, datasetRid, name)) throw DatasetsErrors.branchAlreadyExists(datasetRid, name);
        const row = { dataset_rid: datasetRid, name, org_rid: dataset.org_rid, head_transaction_rid: head, created_by: actor.principal.userId, created_time: clock.now() };
        await repo.insertBranch(trx, row);
        await recordEvent(this.deps, trx, actor, 'datasets.branch.create', [datasetRid], { branchName: name, transactionRid: head });
        return toBranch(row);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw DatasetsErrors.branchAlreadyExists(datasetRid, name);
      throw e;
    }
  }

  async getBranch(actor: Actor, datasetRid: string, branchName: string): Promise<BranchJson> {
    const { repo } = this.deps;
    await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'GetBranch');
    const row = await repo.findBranch(repo.db, datasetRid, validateBranchName(branchName));
    if (!row) throw DatasetsErrors.branchNotFound(datasetRid, branchName);
    return toBranch(row);
  }

  async listBranches(actor: Actor, datasetRid: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<BranchJson>> {
    const { repo } = this.deps;
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'ListBranches');
    const rows = await repo.listBranches(repo.db, datasetRid, token ? String(token[0]) : undefined, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.name], toBranch);
  }

  /** Deletes a branch (not the default one); its open transaction is aborted. Transactions stay for other branches' history. */
  async deleteBranch(actor: Actor, datasetRid: string, branchName: string): Promise<void> {
    const { repo, clock, blobs } = this.deps;
    const orphaned = await repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'DeleteBranch');
      const name = validateBranchName(branchName);
      if (name === dataset.default_branch) throw DatasetsErrors.defaultBranchCannotBeDeleted(datasetRid, name);
      const branch = await repo.findBranch(trx, datasetRid, name, true);
      if (!branch) throw DatasetsErrors.branchNotFound(datasetRid, name);
      const open = await repo.findOpenTransaction(trx, datasetRid, name);
      let keys: string[] = [];
      if (open) {
        keys = await repo.deleteTransactionFiles(trx, open.rid);
        await repo.closeTransaction(trx, open.rid, { status: 'ABORTED', parentRid: null, by: actor.principal.userId, time: clock.now() });
      }
      await repo.deleteBranch(trx, datasetRid, name);
      await recordEvent(this.deps, trx, actor, 'datasets.branch.delete', [datasetRid], { branchName: name, abortedTransactionRid: open?.rid ?? null });
      return keys;
    });
    await deleteBlobsQuietly(blobs, orphaned);
  }

  /** The committed history of a branch, newest first, with what each transaction wrote. */
  async branchHistory(actor: Actor, datasetRid: string, branchName: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<TransactionJson>> {
    const { repo } = this.deps;
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'GetBranchTransactionHistory');
    const branch = await repo.findBranch(repo.db, datasetRid, validateBranchName(branchName));
    if (!branch) throw DatasetsErrors.branchNotFound(datasetRid, branchName);
    if (!branch.head_transaction_rid) return { data: [] };
    const rows = await repo.history(repo.db, branch.head_transaction_rid, token ? Number(token[0]) : undefined, pageSize + 1);
    const rids = rows.map((r) => r.rid);
    const [totals, schemas] = await Promise.all([repo.transactionTotals(repo.db, rids), repo.transactionSchemas(repo.db, rids)]);
    return toPage(rows, pageSize, (r) => [r.depth], (r) => toTransaction(r, totals.get(r.rid), schemas.get(r.rid)?.schema));
  }

  // --- transactions -------------------------------------------------------------------------

  async create(actor: Actor, datasetRid: string, branchName: string | undefined, transactionType: string): Promise<TransactionJson> {
    if (!TRANSACTION_TYPES.includes(transactionType as TransactionType)) {
      throw DatasetsErrors.invalidTransactionType(datasetRid, undefined, transactionType, TRANSACTION_TYPES.join(', '));
    }
    const { repo } = this.deps;
    return repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'CreateTransaction');
      return toTransaction(await this.open(trx, actor, dataset, branchName, transactionType as TransactionType));
    });
  }

  /** Opens a transaction inside the caller's database transaction (uploads without a transaction use it too). */
  async open(trx: Db, actor: Actor, dataset: DatasetRow, branchName: string | undefined, type: TransactionType): Promise<TransactionRow> {
    const { repo, clock } = this.deps;
    const name = validateBranchName(branchName ?? dataset.default_branch);
    if (!(await repo.findBranch(trx, dataset.rid, name))) throw DatasetsErrors.branchNotFound(dataset.rid, name);
    if (await repo.findOpenTransaction(trx, dataset.rid, name)) throw DatasetsErrors.openTransactionAlreadyExists(dataset.rid, name);
    const row: TransactionRow = {
      rid: makeRid('foundry', 'main', 'transaction', randomUUID()),
      dataset_rid: dataset.rid,
      org_rid: dataset.org_rid,
      branch_name: name,
      type,
      status: 'OPEN',
      parent_rid: null,
      created_by: actor.principal.userId,
      created_time: clock.now(),
      closed_by: null,
      closed_time: null,
    };
    try {
      await repo.insertTransaction(trx, row);
    } catch (e) {
      // A concurrent request opened one first (the partial unique index decides).
      if (isUniqueViolation(e)) throw DatasetsErrors.openTransactionAlreadyExists(dataset.rid, name);
      throw e;
    }
    await recordEvent(this.deps, trx, actor, 'datasets.transaction.create', [dataset.rid, row.rid], { branchName: name, transactionType: type });
    return row;
  }

  async get(actor: Actor, datasetRid: string, transactionRid: string): Promise<TransactionJson> {
    const { repo } = this.deps;
    const { row: dataset } = await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'GetTransaction');
    const t = await this.requireTransaction(repo.db, dataset, transactionRid);
    return toTransaction(t, (await repo.transactionTotals(repo.db, [t.rid])).get(t.rid));
  }

  /** Every transaction of the dataset (all branches, any status), newest first. */
  async list(actor: Actor, datasetRid: string, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<TransactionJson>> {
    const { repo } = this.deps;
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    await requireDataset(this.deps, repo.db, actor, datasetRid, 'read', 'ListTransactions');
    const after = token ? { time: new Date(String(token[0])), rid: String(token[1]) } : undefined;
    const rows = await repo.listTransactions(repo.db, datasetRid, after, pageSize + 1);
    const rids = rows.map((r) => r.rid);
    const [totals, schemas] = await Promise.all([repo.transactionTotals(repo.db, rids), repo.transactionSchemas(repo.db, rids)]);
    return toPage(rows, pageSize, (r) => [new Date(r.created_time).toISOString(), r.rid], (r) => toTransaction(r, totals.get(r.rid), schemas.get(r.rid)?.schema));
  }

  async commit(actor: Actor, datasetRid: string, transactionRid: string): Promise<TransactionJson> {
    const { repo } = this.deps;
    return repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'CommitTransaction');
      return toTransaction(await this.commitOpen(trx, actor, dataset, transactionRid));
    });
  }

  /**
   * Commits inside the caller's database transaction. The branch row is locked, so commits on a
   * branch serialize and readers see the old head or the new one, never a mix.
   */
  async commitOpen(trx: Db, actor: Actor, dataset: DatasetRow, transactionRid: string): Promise<TransactionRow> {
    const { repo, clock } = this.deps;
    const t = await this.requireTransaction(trx, dataset, transactionRid, true);
    if (t.status !== 'OPEN') throw DatasetsErrors.transactionNotOpen(dataset.rid, t.rid, t.status);
    const branch = await repo.findBranch(trx, dataset.rid, t.branch_name, true);
    if (!branch) throw DatasetsErrors.branchNotFound(dataset.rid, t.branch_name);
    const head = branch.head_transaction_rid;
    const files = await repo.transactionFiles(trx, t.rid);
    const schema = t.type === 'DELETE' ? undefined : transactionSchema(t.rid, files);
    if (t.type === 'APPEND' && head) {
      const overwritten = await repo.livePaths(trx, { endTransactionRid: head }, files.map((f) => f.path));
      if (overwritten.length) throw DatasetsErrors.appendOverwrites(dataset.rid, t.rid, overwritten);
      const current = await repo.viewSchema(trx, { endTransactionRid: head });
      if (schema && current) {
        const check = schemasCompatible(current.schema, schema);
        if (!check.compatible) throw DatasetsErrors.schemaMismatch(dataset.rid, t.rid, check.difference);
      }
    }
    const time = clock.now();
    await repo.closeTransaction(trx, t.rid, { status: 'COMMITTED', parentRid: head, by: actor.principal.userId, time });
    await repo.setBranchHead(trx, dataset.rid, t.branch_name, t.rid);
    if (schema) {
      await repo.insertSchema(trx, {
        version_id: randomUUID(),
        dataset_rid: dataset.rid,
        transaction_rid: t.rid,
        schema,
        dataframe_reader: 'PARQUET',
        created_by: actor.principal.userId,
        created_time: time,
      });
    }
    const rowCount = files.reduce<number | null>((n, f) => (f.row_count === null ? n : (n ?? 0) + f.row_count), null);
    // Delivered when this transaction commits, to every process on the database (indexers follow datasets).
    await sql`select pg_notify(${DATASET_COMMITS_CHANNEL}, ${dataset.rid})`.execute(trx);
    await recordEvent(this.deps, trx, actor, 'datasets.transaction.commit', [dataset.rid, t.rid], {
      branchName: t.branch_name,
      transactionType: t.type,
      fileCount: files.length,
      rowCount,
    });
    return { ...t, status: 'COMMITTED', parent_rid: head, closed_by: actor.principal.userId, closed_time: time };
  }

  async abort(actor: Actor, datasetRid: string, transactionRid: string): Promise<TransactionJson> {
    const { repo, clock, blobs } = this.deps;
    const { row, keys } = await repo.transaction(async (trx) => {
      const { row: dataset } = await requireDataset(this.deps, trx, actor, datasetRid, 'write', 'AbortTransaction');
      const t = await this.requireTransaction(trx, dataset, transactionRid, true);
      if (t.status !== 'OPEN') throw DatasetsErrors.transactionNotOpen(datasetRid, t.rid, t.status);
      const time = clock.now();
      const keys = await repo.deleteTransactionFiles(trx, t.rid);
      await repo.closeTransaction(trx, t.rid, { status: 'ABORTED', parentRid: null, by: actor.principal.userId, time });
      await recordEvent(this.deps, trx, actor, 'datasets.transaction.abort', [datasetRid, t.rid], { branchName: t.branch_name, transactionType: t.type });
      return { row: { ...t, status: 'ABORTED' as const, closed_by: actor.principal.userId, closed_time: time }, keys };
    });
    await deleteBlobsQuietly(blobs, keys);
    return toTransaction(row);
  }

  /** A transaction of this dataset; one of another dataset reads as missing. */
  async requireTransaction(db: Db, dataset: DatasetRow, transactionRid: string, lock = false): Promise<TransactionRow> {
    requireRid(transactionRid, 'transactionRid');
    const t = await this.deps.repo.findTransaction(db, transactionRid, lock);
    if (!t || t.dataset_rid !== dataset.rid) throw DatasetsErrors.transactionNotFound(dataset.rid, transactionRid);
    return t;
  }
}
