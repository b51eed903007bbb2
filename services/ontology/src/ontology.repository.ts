import { sql, type Executor, type Kysely, type Transaction } from '@openfoundry/db';
import type { IndexErrorRow, IndexRow, InterfaceTypeRow, LinkTypeRow, ObjectSetRow, ObjectTypeRow, OntologyRow, OntologyTables } from './ontology.types.js';

type Db = Executor<OntologyTables>;
type TypeTable = 'ontology.object_types' | 'ontology.link_types' | 'ontology.interface_types';

const json = (v: unknown) => JSON.stringify(v) as never;

/** Every SQL statement of the ontology's metadata; methods take the executor so services compose them in one transaction. */
export class OntologyRepository {
  constructor(readonly db: Kysely<OntologyTables>) {}

  transaction<T>(fn: (trx: Transaction<OntologyTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  // --- ontologies ---------------------------------------------------------------------------

  async insertOntology(db: Db, row: OntologyRow): Promise<void> {
    await db.insertInto('ontology.ontologies').values(row).execute();
  }

  /** An ontology of the organization by RID or API name. */
  async findOntology(db: Db, orgRid: string, ridOrApiName: string): Promise<OntologyRow | undefined> {
    return db
      .selectFrom('ontology.ontologies')
      .selectAll()
      .where('org_rid', '=', orgRid)
      .where((eb) => eb.or([eb('rid', '=', ridOrApiName), eb('api_name', '=', ridOrApiName)]))
      .executeTakeFirst();
  }

  async listOntologies(db: Db, orgRid: string): Promise<OntologyRow[]> {
    return db.selectFrom('ontology.ontologies').selectAll().where('org_rid', '=', orgRid).orderBy('api_name').execute();
  }

  async deleteOntologies(db: Db, rids: string[]): Promise<void> {
    if (!rids.length) return;
    const types = await db.selectFrom('ontology.object_types').select('rid').where('ontology_rid', 'in', rids).execute();
    const links = await db.selectFrom('ontology.link_types').select('rid').where('ontology_rid', 'in', rids).execute();
    const targets = [...types, ...links].map((r) => r.rid);
    if (targets.length) {
      await db.deleteFrom('ontology.index_errors').where('target_rid', 'in', targets).execute();
      await db.deleteFrom('ontology.indexes').where('target_rid', 'in', targets).execute();
    }
    await db.deleteFrom('ontology.object_sets').where('ontology_rid', 'in', rids).execute();
    await db.deleteFrom('ontology.link_types').where('ontology_rid', 'in', rids).execute();
    await db.deleteFrom('ontology.object_types').where('ontology_rid', 'in', rids).execute();
    await db.deleteFrom('ontology.interface_types').where('ontology_rid', 'in', rids).execute();
    await db.deleteFrom('ontology.ontologies').where('rid', 'in', rids).execute();
  }

  // --- types --------------------------------------------------------------------------------

  async listObjectTypes(db: Db, ontologyRid: string): Promise<ObjectTypeRow[]> {
    return db.selectFrom('ontology.object_types').selectAll().where('ontology_rid', '=', ontologyRid).orderBy('api_name').execute();
  }

  async listLinkTypes(db: Db, ontologyRid: string): Promise<LinkTypeRow[]> {
    return db.selectFrom('ontology.link_types').selectAll().where('ontology_rid', '=', ontologyRid).orderBy('api_name').execute();
  }

  async listInterfaceTypes(db: Db, ontologyRid: string): Promise<InterfaceTypeRow[]> {
    return db.selectFrom('ontology.interface_types').selectAll().where('ontology_rid', '=', ontologyRid).orderBy('api_name').execute();
  }

  /** Link types connecting any of these object types. */
  async linkTypesOf(db: Db, objectTypeRids: string[]): Promise<LinkTypeRow[]> {
    if (!objectTypeRids.length) return [];
    return db
      .selectFrom('ontology.link_types')
      .selectAll()
      .where((eb) => eb.or([eb(sql`definition->'from'->>'objectTypeRid'`, 'in', objectTypeRids), eb(sql`definition->'to'->>'objectTypeRid'`, 'in', objectTypeRids)]))
      .execute();
  }

  async findObjectType(db: Db, ontologyRid: string, apiNameOrRid: string): Promise<ObjectTypeRow | undefined> {
    return db
      .selectFrom('ontology.object_types')
      .selectAll()
      .where('ontology_rid', '=', ontologyRid)
      .where((eb) => eb.or([eb('api_name', '=', apiNameOrRid), eb('rid', '=', apiNameOrRid)]))
      .executeTakeFirst();
  }

  async findObjectTypeByRid(db: Db, rid: string): Promise<ObjectTypeRow | undefined> {
    return db.selectFrom('ontology.object_types').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  async findLinkTypeByRid(db: Db, rid: string): Promise<LinkTypeRow | undefined> {
    return db.selectFrom('ontology.link_types').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  async insertType(db: Db, table: TypeTable, row: ObjectTypeRow | LinkTypeRow | InterfaceTypeRow): Promise<void> {
    await db
      .insertInto(table)
      .values({ ...row, definition: json(row.definition) } as never)
      .execute();
  }

  async updateType(db: Db, table: TypeTable, rid: string, set: { definition: unknown; version: number; updated_by: string; updated_time: Date; dataset_rid?: string | null }): Promise<void> {
    await db
      .updateTable(table)
      .set({ ...set, definition: json(set.definition) } as never)
      .where('rid', '=', rid)
      .execute();
  }

  async deleteType(db: Db, table: TypeTable, rid: string): Promise<void> {
    await db.deleteFrom(table).where('rid', '=', rid).execute();
  }

  /** Object types and link types whose index reads this dataset. */
  async indexesOfDataset(db: Db, datasetRid: string): Promise<string[]> {
    const rows = await db.selectFrom('ontology.indexes').select('target_rid').where('dataset_rid', '=', datasetRid).execute();
    return rows.map((r) => r.target_rid);
  }

  // --- indexes ------------------------------------------------------------------------------

  async findIndex(db: Db, targetRid: string): Promise<IndexRow | undefined> {
    return db.selectFrom('ontology.indexes').selectAll().where('target_rid', '=', targetRid).executeTakeFirst();
  }

  async findIndexes(db: Db, targetRids: string[]): Promise<Map<string, IndexRow>> {
    if (!targetRids.length) return new Map();
    const rows = await db.selectFrom('ontology.indexes').selectAll().where('target_rid', 'in', targetRids).execute();
    return new Map(rows.map((r) => [r.target_rid, r]));
  }

  async allIndexes(db: Db): Promise<IndexRow[]> {
    return db.selectFrom('ontology.indexes').selectAll().execute();
  }

  /** Creates the index row of a new target, or points an existing one at a (possibly new) dataset and marks it due. */
  async requireIndex(db: Db, row: { target_rid: string; org_rid: string; dataset_rid: string; branch_name: string; time: Date }): Promise<void> {
    await db
      .insertInto('ontology.indexes')
      .values({ target_rid: row.target_rid, org_rid: row.org_rid, dataset_rid: row.dataset_rid, branch_name: row.branch_name, status: 'PENDING', updated_time: row.time } as never)
      .onConflict((oc) => oc.column('target_rid').doUpdateSet({ dataset_rid: row.dataset_rid, branch_name: row.branch_name, updated_time: row.time }))
      .execute();
  }

  async deleteIndex(db: Db, targetRid: string): Promise<IndexRow | undefined> {
    await db.deleteFrom('ontology.index_errors').where('target_rid', '=', targetRid).execute();
    return db.deleteFrom('ontology.indexes').where('target_rid', '=', targetRid).returningAll().executeTakeFirst();
  }

  /** Takes the lease of an index for `owner` unless another live lease holds it; returns the row when taken. */
  async claimIndex(db: Db, targetRid: string, owner: string, until: Date, now: Date): Promise<IndexRow | undefined> {
    return db
      .updateTable('ontology.indexes')
      .set({ lease_owner: owner, lease_until: until })
      .where('target_rid', '=', targetRid)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      .returningAll()
      .executeTakeFirst();
  }

  async renewLease(db: Db, targetRid: string, owner: string, until: Date): Promise<boolean> {
    const r = await db.updateTable('ontology.indexes').set({ lease_until: until }).where('target_rid', '=', targetRid).where('lease_owner', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async releaseIndex(db: Db, targetRid: string, owner: string): Promise<void> {
    await db.updateTable('ontology.indexes').set({ lease_owner: null, lease_until: null }).where('target_rid', '=', targetRid).where('lease_owner', '=', owner).execute();
  }

  async updateIndex(db: Db, targetRid: string, set: Partial<Omit<IndexRow, 'target_rid' | 'org_rid'>>): Promise<void> {
    const values = { ...set } as Record<string, unknown>;
    if ('active_columns' in set) values.active_columns = set.active_columns === null ? null : json(set.active_columns);
    if ('last_error' in set) values.last_error = set.last_error === null ? null : json(set.last_error);
    await db.updateTable('ontology.indexes').set(values as never).where('target_rid', '=', targetRid).execute();
  }

  async replaceIndexErrors(db: Db, targetRid: string, rows: Omit<IndexErrorRow, 'target_rid' | 'ordinal'>[], append = false): Promise<void> {
    let start = 0;
    if (append) {
      const r = await db.selectFrom('ontology.index_errors').select((eb) => eb.fn.max('ordinal').as('max')).where('target_rid', '=', targetRid).executeTakeFirst();
      start = r?.max === null || r?.max === undefined ? 0 : Number(r.max) + 1;
    } else await db.deleteFrom('ontology.index_errors').where('target_rid', '=', targetRid).execute();
    if (!rows.length) return;
    await db
      .insertInto('ontology.index_errors')
      .values(rows.map((r, i) => ({ ...r, target_rid: targetRid, ordinal: start + i, row_values: json(r.row_values) })))
      .execute();
  }

  async indexErrors(db: Db, targetRid: string, limit: number): Promise<IndexErrorRow[]> {
    return db.selectFrom('ontology.index_errors').selectAll().where('target_rid', '=', targetRid).orderBy('ordinal').limit(limit).execute();
  }

  async countIndexErrors(db: Db, targetRid: string): Promise<number> {
    const r = await db.selectFrom('ontology.index_errors').select((eb) => eb.fn.countAll<number>().as('n')).where('target_rid', '=', targetRid).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  // --- object sets --------------------------------------------------------------------------

  async insertObjectSet(db: Db, row: ObjectSetRow): Promise<void> {
    await db
      .insertInto('ontology.object_sets')
      .values({ ...row, object_set: json(row.object_set) })
      .execute();
  }

  async findObjectSet(db: Db, orgRid: string, rid: string): Promise<ObjectSetRow | undefined> {
    return db.selectFrom('ontology.object_sets').selectAll().where('org_rid', '=', orgRid).where('rid', '=', rid).executeTakeFirst();
  }

  /** Saved (named) object sets of an ontology, by name. */
  async savedObjectSets(db: Db, orgRid: string, ontologyRid: string): Promise<ObjectSetRow[]> {
    return db.selectFrom('ontology.object_sets').selectAll().where('org_rid', '=', orgRid).where('ontology_rid', '=', ontologyRid).where('name', 'is not', null).orderBy('name').orderBy('rid').execute();
  }

  async updateObjectSet(db: Db, rid: string, set: { name: string; description: string | null; object_set: unknown; updated_time: Date }): Promise<void> {
    await db
      .updateTable('ontology.object_sets')
      .set({ ...set, object_set: json(set.object_set) })
      .where('rid', '=', rid)
      .execute();
  }

  async deleteObjectSets(db: Db, rids: string[]): Promise<void> {
    if (rids.length) await db.deleteFrom('ontology.object_sets').where('rid', 'in', rids).execute();
  }

  /** Removes temporary object sets past their expiry; returns how many. */
  async expireObjectSets(db: Db, now: Date): Promise<number> {
    const r = await db.deleteFrom('ontology.object_sets').where('expires_time', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Runs a statement against an object table (the read path); kept here so services hold no SQL. */
  async query<R>(db: Db, query: ReturnType<typeof sql<R>>): Promise<R[]> {
    return (await query.execute(db)).rows;
  }
}
