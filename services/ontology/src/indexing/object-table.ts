import { copyCsv, sql, type Executor, type RawBuilder } from '@openfoundry/db';
import type { ObjectTypeDef, PropertyDataType } from '../definitions/model.js';
import type { ColumnMap } from '../ontology.types.js';

/**
 * The tables objects are stored in: one per object type and index generation in the
 * `ontology_index` schema, one column per property (`c0`, `c1`, … — API names can be longer than
 * PostgreSQL identifiers), a unique index on the primary key, a B-tree index on every scalar
 * property (filters and sorts run in the database) and a GIN index on the full-text vector of the
 * searchable string properties. Join-dataset links get a two-column table of primary keys.
 */

export const INDEX_SCHEMA = 'ontology_index';

/** The PostgreSQL column type of a property type. Text sorts and compares by code point (`C`), the same on every server. */
export function pgType(t: PropertyDataType): string {
  switch (t.type) {
    case 'string':
      return 'text collate "C"';
    case 'byte':
    case 'short':
      return 'smallint';
    case 'integer':
      return 'integer';
    case 'long':
      return 'bigint';
    case 'float':
      return 'real';
    case 'double':
      return 'double precision';
    case 'decimal':
      return t.precision !== undefined ? `numeric(${t.precision}, ${t.scale ?? 0})` : 'numeric';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamptz';
    case 'geopoint':
      return 'point';
    case 'array':
      return 'jsonb';
  }
}

/** The type `json_to_recordset` reads a loaded value as (collations are not allowed there). */
function recordsetType(t: PropertyDataType): string {
  return t.type === 'string' ? 'text' : pgType(t);
}

export function objectTableName(typeRid: string, generation: number): string {
  return `o_${typeRid.slice(-36).replace(/-/g, '')}_${generation}`;
}

export function linkTableName(linkRid: string, generation: number): string {
  return `l_${linkRid.slice(-36).replace(/-/g, '')}_${generation}`;
}

export function tableRef(name: string): RawBuilder<unknown> {
  return sql`${sql.id(INDEX_SCHEMA)}.${sql.id(name)}`;
}

/** Property → column, in definition order. */
export function columnMapOf(def: ObjectTypeDef): ColumnMap {
  return Object.fromEntries(def.properties.map((p, i) => [p.apiName, `c${i}`]));
}

/**
 * The full-text vector of the searchable string properties, or undefined when there are none.
 * Not stored: the GIN index is built on this expression, and searches name the same expression
 * (under their table alias), so the rows stay narrow for every other read.
 */
export function searchVector(def: ObjectTypeDef, columns: ColumnMap, alias?: string): RawBuilder<unknown> | undefined {
  const searchable = def.properties.filter((p) => p.searchable && p.dataType.type === 'string' && columns[p.apiName]);
  if (!searchable.length) return undefined;
  const ref = (c: string) => (alias ? sql`${sql.id(alias)}.${sql.id(c)}` : sql.id(c));
  return sql`to_tsvector('simple', ${sql.join(
    searchable.map((p) => sql`coalesce(${ref(columns[p.apiName]!)}, '')`),
    sql` || ' ' || `,
  )})`;
}

/** Creates an empty object table (no secondary indexes: those are built after the bulk load). */
export async function createObjectTable(db: Executor, name: string, def: ObjectTypeDef, columns: ColumnMap, options: { staging?: boolean } = {}): Promise<void> {
  const cols = def.properties.map((p) => `${columns[p.apiName]} ${pgType(p.dataType)}`);
  await sql`create ${sql.raw(options.staging ? 'unlogged ' : '')}table ${tableRef(name)} (${sql.raw(cols.join(', '))})`.execute(db);
}

/** The indexes readers rely on: the primary key (unique), each scalar property, the search vector. */
export async function createObjectIndexes(db: Executor, name: string, def: ObjectTypeDef, columns: ColumnMap): Promise<void> {
  const pk = columns[def.primaryKey]!;
  await sql`create unique index ${sql.id(`${name}_pk`)} on ${tableRef(name)} (${sql.id(pk)})`.execute(db);
  for (const p of def.properties) {
    const c = columns[p.apiName]!;
    if (p.apiName === def.primaryKey || p.dataType.type === 'array') continue;
    const method = p.dataType.type === 'geopoint' ? 'gist' : 'btree';
    await sql`create index ${sql.id(`${name}_${c}`)} on ${tableRef(name)} using ${sql.raw(method)} (${sql.id(c)})`.execute(db);
  }
  const vector = searchVector(def, columns);
  if (vector) await sql`create index ${sql.id(`${name}_search`)} on ${tableRef(name)} using gin ((${vector}))`.execute(db);
  await settle(db, name);
}

/**
 * Vacuums and analyzes a table just built, before readers see it: its statistics are there for
 * the planner, and its pages are marked all-visible, so counts can be answered from an index
 * alone and readers never set hint bits (dirtying pages) or wait on an autovacuum of the whole
 * table later. Outside a transaction: `executor` is the pool.
 */
async function settle(db: Executor, name: string): Promise<void> {
  await sql`vacuum (analyze) ${tableRef(name)}`.execute(db);
}

/** Loads a batch of `readKeyed` CSV (its fields `c0`, `c1`, … in definition order) with COPY. */
export async function loadObjects(db: Executor, name: string, def: ObjectTypeDef, columns: ColumnMap, csv: string): Promise<void> {
  await copyCsv(db, tableRef(name), def.properties.map((p) => columns[p.apiName]!), csv);
}

/** Link pair tables: `a` holds the `from` side's primary key, `b` the `to` side's. */
export async function createLinkTable(db: Executor, name: string, fromType: PropertyDataType, toType: PropertyDataType): Promise<void> {
  await sql`create table ${tableRef(name)} (a ${sql.raw(pgType(fromType))} not null, b ${sql.raw(pgType(toType))} not null)`.execute(db);
}

export async function loadLinks(db: Executor, name: string, fromType: PropertyDataType, toType: PropertyDataType, json: string): Promise<void> {
  await sql`insert into ${tableRef(name)} (a, b)
    select distinct c0, c1 from json_to_recordset(${json}::json) as x(c0 ${sql.raw(recordsetType(fromType))}, c1 ${sql.raw(recordsetType(toType))})`.execute(db);
}

export async function createLinkIndexes(db: Executor, name: string): Promise<void> {
  // Each batch is loaded distinct, but a pair repeated in another batch (or file) is there twice.
  await sql`delete from ${tableRef(name)} x using ${tableRef(name)} y where x.a = y.a and x.b = y.b and x.ctid > y.ctid`.execute(db);
  await sql`create unique index ${sql.id(`${name}_ab`)} on ${tableRef(name)} (a, b)`.execute(db);
  await sql`create index ${sql.id(`${name}_b`)} on ${tableRef(name)} (b, a)`.execute(db);
  await settle(db, name);
}

export async function dropTable(db: Executor, name: string): Promise<void> {
  await sql`drop table if exists ${tableRef(name)}`.execute(db);
}

/** Tables of the index schema, for removing the ones no index refers to any more. */
export async function listIndexTables(db: Executor): Promise<string[]> {
  const r = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${INDEX_SCHEMA}`.execute(db);
  return r.rows.map((x) => x.name);
}
