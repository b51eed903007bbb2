import { sql, type Executor, type Kysely } from '@openfoundry/db';
import type { QueryRow, SavedQueryRow, SqlTables } from './sql.types.js';

type Db = Executor<SqlTables>;

function normalize(row: QueryRow): QueryRow {
  return {
    ...row,
    row_count: row.row_count === null ? null : Number(row.row_count),
    inputs: typeof row.inputs === 'string' ? JSON.parse(row.inputs) : row.inputs,
    error: typeof row.error === 'string' ? JSON.parse(row.error) : row.error,
  };
}

/** Every SQL statement of the SQL service. */
export class SqlRepository {
  constructor(readonly db: Kysely<SqlTables>) {}

  async insertQuery(db: Db, row: QueryRow): Promise<void> {
    await db
      .insertInto('sql.queries')
      .values({ ...row, inputs: JSON.stringify(row.inputs) as never, error: row.error === null ? null : (JSON.stringify(row.error) as never) })
      .execute();
  }

  /** The query if it belongs to this user of this organization. */
  async findQuery(db: Db, id: string, owner: { orgRid: string; userId: string }): Promise<QueryRow | undefined> {
    const row = await db.selectFrom('sql.queries').selectAll().where('id', '=', id).where('org_rid', '=', owner.orgRid).where('user_id', '=', owner.userId).executeTakeFirst();
    return row && normalize(row);
  }

  /** Finishes a running query; false when it was no longer running (canceled meanwhile). */
  async finishQuery(db: Db, id: string, set: Pick<QueryRow, 'status' | 'error' | 'row_count' | 'truncated' | 'results_key' | 'finished_time'>): Promise<boolean> {
    const r = await db
      .updateTable('sql.queries')
      .set({ ...set, error: set.error === null ? null : (JSON.stringify(set.error) as never) })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Results of queries older than `before`, to expire them; returns their blob keys. */
  async expireQueries(db: Db, before: Date): Promise<string[]> {
    const rows = await db.deleteFrom('sql.queries').where('created_time', '<', before).where('status', '<>', 'RUNNING').returning('results_key').execute();
    return rows.flatMap((r) => (r.results_key ? [r.results_key] : []));
  }

  // --- saved queries ------------------------------------------------------------------------

  async listSaved(db: Db, owner: { orgRid: string; userId: string }, after: { name: string; id: string } | undefined, limit: number): Promise<Array<SavedQueryRow & { sort_name: string }>> {
    let q = db
      .selectFrom('sql.saved_queries')
      .selectAll()
      .select(sql<string>`lower(name)`.as('sort_name'))
      .where('org_rid', '=', owner.orgRid)
      .where('owner_id', '=', owner.userId);
    if (after) q = q.where(sql<boolean>`(lower(name), id) > (${after.name}::text, ${after.id}::text)`);
    return q.orderBy(sql`lower(name)`).orderBy('id').limit(limit).execute();
  }

  async findSaved(db: Db, id: string, owner: { orgRid: string; userId: string }): Promise<SavedQueryRow | undefined> {
    return db.selectFrom('sql.saved_queries').selectAll().where('id', '=', id).where('org_rid', '=', owner.orgRid).where('owner_id', '=', owner.userId).executeTakeFirst();
  }

  async insertSaved(db: Db, row: SavedQueryRow): Promise<void> {
    await db.insertInto('sql.saved_queries').values(row).execute();
  }

  async updateSaved(db: Db, id: string, set: { name?: string; query?: string; updated_time: Date }): Promise<void> {
    await db.updateTable('sql.saved_queries').set(set).where('id', '=', id).execute();
  }

  async deleteSaved(db: Db, id: string): Promise<void> {
    await db.deleteFrom('sql.saved_queries').where('id', '=', id).execute();
  }
}
