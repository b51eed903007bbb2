import { sql, type Executor, type Kysely, type Transaction } from '@openfoundry/db';
import type { BranchRow, DatasetRow, DatasetsTables, FileRow, SchemaRow, TransactionRow } from './datasets.types.js';

type Db = Executor<DatasetsTables>;

/** The end (and optional start) of a range of a branch's history, as transaction RIDs. */
export interface ViewRange {
  endTransactionRid: string;
  /** Stop at this transaction instead of the newest SNAPSHOT (Foundry's `startTransactionRid`). */
  startTransactionRid?: string | undefined;
}

/** A file of a view, with the transaction that last wrote it. */
export type ViewFile = FileRow;

/** Totals of a set of files. */
export interface FileTotals {
  fileCount: number;
  sizeBytes: number;
  /** Sum over tabular files; null when none is tabular. */
  rowCount: number | null;
}

/**
 * The chain of committed transactions a view is made of: from the end back to the newest
 * SNAPSHOT (or to `start`), newest first with `depth` 0 at the end. A view applies them oldest
 * first, so for every path the entry of the smallest depth wins, and a null blob (DELETE) hides it.
 */
function chainCte(range: ViewRange) {
  const stop = range.startTransactionRid === undefined ? sql`false` : sql`c.rid = ${range.startTransactionRid}`;
  return sql`with recursive chain (rid, parent_rid, type, depth) as (
      select t.rid, t.parent_rid, t.type, 0 from datasets.transactions t
        where t.rid = ${range.endTransactionRid} and t.status = 'COMMITTED'
      union all
      select t.rid, t.parent_rid, t.type, c.depth + 1 from datasets.transactions t
        join chain c on t.rid = c.parent_rid
        where c.type <> 'SNAPSHOT' and not (${stop})
    )`;
}

/** Every SQL statement of the datasets service; methods take the executor so services compose them in one transaction. */
export class DatasetRepository {
  constructor(readonly db: Kysely<DatasetsTables>) {}

  transaction<T>(fn: (trx: Transaction<DatasetsTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  // --- datasets -----------------------------------------------------------------------------

  async insertDataset(db: Db, row: DatasetRow): Promise<void> {
    await db.insertInto('datasets.datasets').values(row).execute();
  }

  async findDataset(db: Db, rid: string): Promise<DatasetRow | undefined> {
    return db.selectFrom('datasets.datasets').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  /** Removes everything of the datasets (a permanent delete); blobs become garbage for the collector. */
  async deleteDatasets(db: Db, rids: string[]): Promise<void> {
    if (!rids.length) return;
    await db.deleteFrom('datasets.schemas').where('dataset_rid', 'in', rids).execute();
    await db.deleteFrom('datasets.files').where('dataset_rid', 'in', rids).execute();
    await db.deleteFrom('datasets.branches').where('dataset_rid', 'in', rids).execute();
    // Parents point at older transactions of the same dataset: clear them before deleting.
    await db.updateTable('datasets.transactions').set({ parent_rid: null }).where('dataset_rid', 'in', rids).execute();
    await db.deleteFrom('datasets.transactions').where('dataset_rid', 'in', rids).execute();
    await db.deleteFrom('datasets.datasets').where('rid', 'in', rids).execute();
  }

  // --- branches -----------------------------------------------------------------------------

  async insertBranch(db: Db, row: BranchRow): Promise<void> {
    await db.insertInto('datasets.branches').values(row).execute();
  }

  /** The branch, locked until the transaction ends when `lock` (commits serialize on it). */
  async findBranch(db: Db, datasetRid: string, name: string, lock = false): Promise<BranchRow | undefined> {
    let q = db.selectFrom('datasets.branches').selectAll().where('dataset_rid', '=', datasetRid).where('name', '=', name);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async listBranches(db: Db, datasetRid: string, after: string | undefined, limit: number): Promise<BranchRow[]> {
    let q = db.selectFrom('datasets.branches').selectAll().where('dataset_rid', '=', datasetRid);
    if (after !== undefined) q = q.where('name', '>', after);
    return q.orderBy('name').limit(limit).execute();
  }

  async deleteBranch(db: Db, datasetRid: string, name: string): Promise<void> {
    await db.deleteFrom('datasets.branches').where('dataset_rid', '=', datasetRid).where('name', '=', name).execute();
  }

  async setBranchHead(db: Db, datasetRid: string, name: string, head: string): Promise<void> {
    await db.updateTable('datasets.branches').set({ head_transaction_rid: head }).where('dataset_rid', '=', datasetRid).where('name', '=', name).execute();
  }

  // --- transactions -------------------------------------------------------------------------

  async insertTransaction(db: Db, row: TransactionRow): Promise<void> {
    await db.insertInto('datasets.transactions').values(row).execute();
  }

  async findTransaction(db: Db, rid: string, lock = false): Promise<TransactionRow | undefined> {
    let q = db.selectFrom('datasets.transactions').selectAll().where('rid', '=', rid);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async findOpenTransaction(db: Db, datasetRid: string, branchName: string): Promise<TransactionRow | undefined> {
    return db
      .selectFrom('datasets.transactions')
      .selectAll()
      .where('dataset_rid', '=', datasetRid)
      .where('branch_name', '=', branchName)
      .where('status', '=', 'OPEN')
      .executeTakeFirst();
  }

  async closeTransaction(db: Db, rid: string, set: { status: 'COMMITTED' | 'ABORTED'; parentRid: string | null; by: string; time: Date }): Promise<void> {
    await db
      .updateTable('datasets.transactions')
      .set({ status: set.status, parent_rid: set.parentRid, closed_by: set.by, closed_time: set.time })
      .where('rid', '=', rid)
      .execute();
  }

  /** Every transaction of a dataset, newest first. */
  async listTransactions(db: Db, datasetRid: string, after: { time: Date; rid: string } | undefined, limit: number): Promise<TransactionRow[]> {
    let q = db.selectFrom('datasets.transactions').selectAll().where('dataset_rid', '=', datasetRid);
    if (after) q = q.where(sql<boolean>`(created_time, rid) < (${after.time}::timestamptz, ${after.rid}::text)`);
    return q.orderBy('created_time', 'desc').orderBy('rid', 'desc').limit(limit).execute();
  }

  /** A branch's committed history from `head` back to the first transaction, newest first (`depth` 0 is the head). */
  async history(db: Db, head: string, afterDepth: number | undefined, limit: number): Promise<Array<TransactionRow & { depth: number }>> {
    const r = await sql<TransactionRow & { depth: number }>`with recursive chain (rid, parent_rid, depth) as (
        select rid, parent_rid, 0 from datasets.transactions where rid = ${head}
        union all
        select t.rid, t.parent_rid, c.depth + 1 from datasets.transactions t join chain c on t.rid = c.parent_rid
      )
      select t.*, c.depth from chain c join datasets.transactions t on t.rid = c.rid
      where c.depth > ${afterDepth ?? -1}
      order by c.depth limit ${limit}`.execute(db);
    return r.rows.map((row) => ({ ...row, depth: Number(row.depth) }));
  }

  /** Whether `ancestor` is `descendant` or one of its committed ancestors. */
  async isAncestor(db: Db, ancestor: string, descendant: string): Promise<boolean> {
    const r = await sql<{ found: boolean }>`with recursive chain (rid, parent_rid) as (
        select rid, parent_rid from datasets.transactions where rid = ${descendant}
        union all
        select t.rid, t.parent_rid from datasets.transactions t join chain c on t.rid = c.parent_rid where c.rid <> ${ancestor}
      )
      select exists (select 1 from chain where rid = ${ancestor}) as found`.execute(db);
    return !!r.rows[0]?.found;
  }

  /** File totals of each transaction, for history listings. */
  async transactionTotals(db: Db, rids: string[]): Promise<Map<string, FileTotals>> {
    const totals = new Map<string, FileTotals>(rids.map((rid) => [rid, { fileCount: 0, sizeBytes: 0, rowCount: null }]));
    if (!rids.length) return totals;
    const rows = await db
      .selectFrom('datasets.files')
      .select((eb) => [
        'transaction_rid',
        eb.fn.countAll<number>().as('file_count'),
        eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), sql<number>`0`).as('size_bytes'),
        eb.fn.sum<number | null>('row_count').as('row_count'),
      ])
      .where('transaction_rid', 'in', rids)
      .groupBy('transaction_rid')
      .execute();
    for (const r of rows) {
      totals.set(r.transaction_rid, { fileCount: Number(r.file_count), sizeBytes: Number(r.size_bytes), rowCount: r.row_count === null ? null : Number(r.row_count) });
    }
    return totals;
  }

  // --- files --------------------------------------------------------------------------------

  /** Writes a file into an open transaction, replacing what it wrote at that path before; returns the replaced blob key. */
  async putFile(db: Db, row: FileRow): Promise<string | null> {
    const previous = await db
      .selectFrom('datasets.files')
      .select('blob_key')
      .where('transaction_rid', '=', row.transaction_rid)
      .where('path', '=', row.path)
      .forUpdate()
      .executeTakeFirst();
    await db
      .insertInto('datasets.files')
      .values({ ...row, schema: row.schema === null ? null : (JSON.stringify(row.schema) as never) })
      .onConflict((oc) =>
        oc.columns(['transaction_rid', 'path']).doUpdateSet((eb) => ({
          blob_key: eb.ref('excluded.blob_key'),
          size_bytes: eb.ref('excluded.size_bytes'),
          sha256: eb.ref('excluded.sha256'),
          row_count: eb.ref('excluded.row_count'),
          schema: eb.ref('excluded.schema'),
          updated_time: eb.ref('excluded.updated_time'),
        })),
      )
      .execute();
    return previous?.blob_key ?? null;
  }

  /** Removes a file an open transaction wrote; returns its blob key when there was one. */
  async removeTransactionFile(db: Db, transactionRid: string, path: string): Promise<{ found: boolean; blobKey: string | null }> {
    const rows = await db.deleteFrom('datasets.files').where('transaction_rid', '=', transactionRid).where('path', '=', path).returning('blob_key').execute();
    return { found: rows.length > 0, blobKey: rows[0]?.blob_key ?? null };
  }

  async transactionFiles(db: Db, transactionRid: string): Promise<FileRow[]> {
    return db.selectFrom('datasets.files').selectAll().where('transaction_rid', '=', transactionRid).orderBy('path').execute();
  }

  /** Deletes the files an aborted transaction wrote; returns their blob keys. */
  async deleteTransactionFiles(db: Db, transactionRid: string): Promise<string[]> {
    const rows = await db.deleteFrom('datasets.files').where('transaction_rid', '=', transactionRid).returning('blob_key').execute();
    return rows.flatMap((r) => (r.blob_key ? [r.blob_key] : []));
  }

  /** The live files of a view in path order, after `afterPath`. */
  async viewFiles(db: Db, range: ViewRange, afterPath: string | undefined, limit: number | undefined): Promise<ViewFile[]> {
    const r = await sql<ViewFile>`${chainCte(range)}
      select * from (
        select distinct on (f.path) f.* from datasets.files f join chain c on f.transaction_rid = c.rid
        order by f.path, c.depth
      ) v where v.blob_key is not null ${afterPath === undefined ? sql`` : sql`and v.path > ${afterPath}`}
      order by v.path ${limit === undefined ? sql`` : sql`limit ${limit}`}`.execute(db);
    return r.rows.map(normalizeFile);
  }

  /** One live file of a view. */
  async viewFile(db: Db, range: ViewRange, path: string): Promise<ViewFile | undefined> {
    const r = await sql<ViewFile>`${chainCte(range)}
      select f.* from datasets.files f join chain c on f.transaction_rid = c.rid
      where f.path = ${path} order by c.depth limit 1`.execute(db);
    const row = r.rows[0];
    return row && row.blob_key !== null ? normalizeFile(row) : undefined;
  }

  /** Which of `paths` are live in a view (APPEND conflicts). */
  async livePaths(db: Db, range: ViewRange, paths: string[]): Promise<string[]> {
    if (!paths.length) return [];
    const r = await sql<{ path: string }>`${chainCte(range)}
      select v.path from (
        select distinct on (f.path) f.path, f.blob_key from datasets.files f join chain c on f.transaction_rid = c.rid
        where f.path = any(${sql.val(paths)}::text[])
        order by f.path, c.depth
      ) v where v.blob_key is not null order by v.path`.execute(db);
    return r.rows.map((x) => x.path);
  }

  /** The blob keys that any file row references, of those given (garbage collection). */
  async referencedBlobs(db: Db, keys: string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await db.selectFrom('datasets.files').select('blob_key').where('blob_key', 'in', keys).execute();
    return new Set(rows.map((r) => r.blob_key!));
  }

  // --- schemas ------------------------------------------------------------------------------

  async insertSchema(db: Db, row: SchemaRow): Promise<void> {
    await db
      .insertInto('datasets.schemas')
      .values({ ...row, schema: JSON.stringify(row.schema) as never })
      .execute();
  }

  /** The newest schema version attached to each of the transactions, for histories. */
  async transactionSchemas(db: Db, rids: string[]): Promise<Map<string, SchemaRow>> {
    const out = new Map<string, SchemaRow>();
    if (!rids.length) return out;
    const rows = await db.selectFrom('datasets.schemas').selectAll().where('transaction_rid', 'in', rids).orderBy('created_time', 'asc').execute();
    for (const r of rows) out.set(r.transaction_rid, { ...r, schema: typeof r.schema === 'string' ? JSON.parse(r.schema) : r.schema });
    return out;
  }

  async findSchemaVersion(db: Db, datasetRid: string, versionId: string): Promise<SchemaRow | undefined> {
    return db.selectFrom('datasets.schemas').selectAll().where('dataset_rid', '=', datasetRid).where('version_id', '=', versionId).executeTakeFirst();
  }

  /** The newest schema version attached to a transaction of the view's chain (newest transaction first). */
  async viewSchema(db: Db, range: ViewRange): Promise<SchemaRow | undefined> {
    const r = await sql<SchemaRow>`${chainCte(range)}
      select s.* from datasets.schemas s join chain c on s.transaction_rid = c.rid
      order by c.depth, s.created_time desc limit 1`.execute(db);
    return r.rows[0];
  }
}

function normalizeFile(row: FileRow): FileRow {
  return {
    ...row,
    size_bytes: Number(row.size_bytes),
    row_count: row.row_count === null ? null : Number(row.row_count),
    schema: typeof row.schema === 'string' ? JSON.parse(row.schema) : row.schema,
  };
}
