import { randomUUID } from 'node:crypto';
import { readKeyed, type KeyedRead } from '@openfoundry/engine';
import { sql, type Executor } from '@openfoundry/db';
import type { LinkTypeDef, ObjectTypeDef, PropertyDataType } from '../definitions/model.js';
import type { DatasetIndexView, OntologyDeps } from '../ontology.deps.js';
import type { ColumnMap, IndexRow } from '../ontology.types.js';
import {
  columnMapOf,
  createLinkIndexes,
  createLinkTable,
  createObjectIndexes,
  createObjectTable,
  dropTable,
  linkTableName,
  listIndexTables,
  loadLinks,
  loadObjects,
  objectTableName,
  tableRef,
} from './object-table.js';

/** How many invalid rows an index keeps described (all are counted). */
export const MAX_INDEX_ERRORS = 100;
const LEASE_MS = 60_000;
const SWEEP_MS = 30_000;
/** Readers that looked up the previous table just before a swap finish within this. */
const DROP_DELAY_MS = 30_000;

export interface IndexerOptions {
  /** How often every index is compared with its dataset (commits on other replicas, missed notifications). */
  sweepMs?: number | undefined;
}

/**
 * Keeps each index (an object type's objects, a join-dataset link's pairs) at its dataset
 * branch's head and its definition's version — a reconciler, so nothing is lost when a
 * notification is: each run compares what the index holds with what it should hold.
 *
 * A SNAPSHOT (or any change other than APPENDs on top of what was indexed, or a new definition)
 * builds a new table in batches and swaps it in with one short update, so readers keep reading
 * the old table meanwhile. APPENDs load only the new files into a staging table and merge it in
 * one short transaction. Replicas share the work through a lease on the index row.
 */
export class Indexer {
  private readonly owner = randomUUID();
  private readonly queue = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly dropTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: OntologyDeps,
    private readonly options: IndexerOptions = {},
  ) {}

  /** Starts sweeping (at once, then periodically). */
  start(): void {
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs ?? SWEEP_MS);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const t of this.dropTimers) clearTimeout(t);
    await Promise.allSettled([...this.running.values()]);
  }

  /** A dataset committed: every index reading it runs. */
  async datasetCommitted(datasetRid: string): Promise<void> {
    for (const rid of await this.deps.repo.indexesOfDataset(this.deps.repo.db, datasetRid)) this.request(rid);
  }

  /** Runs the index of `targetRid` soon (again after the current run when one is going). */
  request(targetRid: string): void {
    if (this.stopped) return;
    if (this.running.has(targetRid)) {
      this.again.add(targetRid);
      return;
    }
    const run = this.run(targetRid)
      .catch(() => {
        /* recorded on the index row; the next sweep retries */
      })
      .finally(() => {
        this.running.delete(targetRid);
        if (this.again.delete(targetRid)) this.request(targetRid);
        else if (!this.running.size) for (const w of this.idleWaiters.splice(0)) w();
      });
    this.running.set(targetRid, run);
  }

  /** Resolves when no index is running in this process (tests, benchmarks). */
  idle(): Promise<void> {
    if (!this.running.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Compares every index with its dataset and definition; drops tables no index uses. */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const { repo } = this.deps;
      const rows = await repo.allIndexes(repo.db);
      for (const row of rows) if (row.status !== 'READY' || !row.lease_owner) this.request(row.target_rid);
      const live = new Set(rows.flatMap((r) => (r.active_table ? [r.active_table] : [])));
      // Tables are named <kind>_<target>_<generation>[_stage]: find the index each belongs to.
      const family = (t: string) => t.replace(/_\d+(_stage)?$/, '');
      const owners = new Map(rows.flatMap((r) => [[family(objectTableName(r.target_rid, 0)), r] as const, [family(linkTableName(r.target_rid, 0)), r] as const]));
      const now = this.deps.clock.now();
      for (const t of await listIndexTables(repo.db)) {
        if (live.has(t)) continue;
        const owner = owners.get(family(t));
        if (owner && (this.running.has(owner.target_rid) || (owner.lease_until && owner.lease_until > now))) continue;
        await dropTable(repo.db, t);
      }
    } catch {
      /* the next sweep tries again */
    }
  }

  private async run(targetRid: string): Promise<void> {
    const { repo, clock } = this.deps;
    const now = clock.now();
    const row = await repo.claimIndex(repo.db, targetRid, this.owner, new Date(now.getTime() + LEASE_MS), now);
    if (!row) return;
    const renew = setInterval(() => void repo.renewLease(repo.db, targetRid, this.owner, new Date(clock.now().getTime() + LEASE_MS)), LEASE_MS / 3);
    renew.unref();
    try {
      const target = await this.target(row);
      if (!target) return;
      const view = await this.deps.datasets.indexView(row.dataset_rid, row.branch_name, row.indexed_version === target.version ? (row.indexed_transaction_rid ?? undefined) : undefined);
      if (!view) return this.fail(row, 'DatasetNotFound', `the dataset ${row.dataset_rid} or its branch ${row.branch_name} is gone`);
      if (row.status === 'READY' && row.indexed_version === target.version && row.indexed_transaction_rid === (view.endTransactionRid ?? null)) return;
      const started = Date.now();
      const incremental =
        row.active_table !== null && row.indexed_version === target.version && row.indexed_transaction_rid !== null && view.appendedFiles !== undefined && Number(row.key_conflicts) === 0;
      await repo.updateIndex(repo.db, targetRid, { status: 'INDEXING', updated_time: clock.now() });
      try {
        if (target.kind === 'object') {
          if (incremental) await this.appendObjects(row, target.def, target.version, view, started);
          else await this.buildObjects(row, target.def, target.version, view, started);
        } else if (incremental) await this.appendLinks(row, target.def, target.types, view);
        else await this.buildLinks(row, target.def, target.types, target.version, view, started);
      } catch (e) {
        const err = e as { errorName?: string; message?: string };
        await this.fail(row, err.errorName ?? 'IndexFailed', err.message ?? String(e));
        throw e;
      }
    } finally {
      clearInterval(renew);
      await repo.releaseIndex(repo.db, targetRid, this.owner).catch(() => {});
      // Readers in this process see the new table (or state) at once; other replicas hear of it from the triggers.
      this.deps.views.invalidate();
    }
  }

  private async target(
    row: IndexRow,
  ): Promise<{ kind: 'object'; def: ObjectTypeDef; version: number } | { kind: 'link'; def: LinkTypeDef; version: number; types: [PropertyDataType, PropertyDataType] } | undefined> {
    const { repo } = this.deps;
    const objectType = await repo.findObjectTypeByRid(repo.db, row.target_rid);
    if (objectType) return { kind: 'object', def: objectType.definition, version: objectType.version };
    const link = await repo.findLinkTypeByRid(repo.db, row.target_rid);
    if (!link?.definition.join) return undefined;
    const pkType = async (rid: string) => {
      const t = await repo.findObjectTypeByRid(repo.db, rid);
      return t?.definition.properties.find((p) => p.apiName === t.definition.primaryKey)?.dataType;
    };
    const [a, b] = await Promise.all([pkType(link.definition.from.objectTypeRid), pkType(link.definition.to.objectTypeRid)]);
    if (!a || !b) return undefined;
    return { kind: 'link', def: link.definition, version: link.version, types: [a, b] };
  }

  private async fail(row: IndexRow, errorName: string, message: string): Promise<void> {
    await this.deps.repo.updateIndex(this.deps.repo.db, row.target_rid, { status: 'FAILED', last_error: { errorName, message: message.slice(0, 2000) }, updated_time: this.deps.clock.now() });
    this.deps.views.invalidate();
  }

  private objectRead(def: ObjectTypeDef, files: string[]): Promise<KeyedRead> {
    const pk = def.properties.find((p) => p.apiName === def.primaryKey)!;
    return readKeyed(this.deps.engine, { files }, {
      key: pk.column,
      fields: def.properties.map((p) => ({ column: p.column, as: p.dataType.type === 'geopoint' ? 'geopoint' : 'value' })),
      maxInvalidExamples: MAX_INDEX_ERRORS,
      format: 'csv',
    });
  }

  private errorRows(read: KeyedRead) {
    return read.invalidExamples.map((x) => ({ primary_key: x.key, reason: x.reason, row_values: x.values }));
  }

  private keyConflicts(read: KeyedRead): number {
    // Only described rows carry their reason; beyond them, count every invalid row as a possible key conflict.
    const described = read.invalidExamples.filter((x) => x.reason.startsWith('primary key')).length;
    return read.invalidCount > read.invalidExamples.length ? read.invalidCount : described;
  }

  /** A full build into a new table, swapped in at the end. */
  private async buildObjects(row: IndexRow, def: ObjectTypeDef, version: number, view: DatasetIndexView, started: number): Promise<void> {
    const { repo } = this.deps;
    const generation = row.generation + 1;
    const table = objectTableName(row.target_rid, generation);
    const columns = columnMapOf(def);
    await dropTable(repo.db, table);
    await createObjectTable(repo.db, table, def, columns);
    const read = await this.objectRead(def, view.files);
    for await (const batch of read.batches()) await loadObjects(repo.db, table, def, columns, batch.data);
    await createObjectIndexes(repo.db, table, def, columns);
    await this.swap(row, table, columns, generation, { version, view, mode: 'FULL', started, count: read.validCount, invalid: read.invalidCount, keyConflicts: this.keyConflicts(read), errors: this.errorRows(read) });
  }

  /**
   * New files of APPENDs: loaded into a staging table, then merged in one transaction. A new row
   * whose key is already an object's makes both invalid, as a full index would.
   */
  private async appendObjects(row: IndexRow, def: ObjectTypeDef, version: number, view: DatasetIndexView, started: number): Promise<void> {
    const { repo, clock } = this.deps;
    const columns = row.active_columns!;
    const live = row.active_table!;
    const stage = `${live}_stage`;
    await dropTable(repo.db, stage);
    await createObjectTable(repo.db, stage, def, columns, { staging: true });
    try {
      const read = await this.objectRead(def, view.appendedFiles!);
      for await (const batch of read.batches()) await loadObjects(repo.db, stage, def, columns, batch.data);
      const pk = sql.id(columns[def.primaryKey]!);
      // A row left out for a bad value still holds its key: a full build makes an appended row with that key
      // invalid too. Those keys are the described invalid rows'; when some are not described, build fully.
      if (Number(row.invalid_count) > 0 && read.validCount > 0) {
        const described = await repo.indexErrors(repo.db, row.target_rid, MAX_INDEX_ERRORS);
        const keys = described.flatMap((e) => (e.primary_key === null ? [] : [e.primary_key]));
        const clash =
          described.length < Number(row.invalid_count) ||
          (keys.length > 0 && (await sql`select 1 from ${tableRef(stage)} s where s.${pk}::text in (${sql.join(keys)}) limit 1`.execute(repo.db)).rows.length > 0);
        if (clash) return await this.buildObjects(row, def, version, view, started);
      }
      const names = sql.raw(def.properties.map((p) => columns[p.apiName]).join(', '));
      await repo.transaction(async (trx) => {
        const clashes = (
          await sql<{ key: string; values: Record<string, unknown> }>`delete from ${tableRef(live)} l using ${tableRef(stage)} s where l.${pk} = s.${pk}
            returning l.${pk}::text as key, ${rowValues(def, columns, 'l')} as values`.execute(trx)
        ).rows;
        const appended = clashes.length
          ? (await sql<{ key: string; values: Record<string, unknown> }>`delete from ${tableRef(stage)} s where s.${pk}::text in (${sql.join(clashes.map((c) => c.key))})
              returning s.${pk}::text as key, ${rowValues(def, columns, 's')} as values`.execute(trx)).rows
          : [];
        await sql`insert into ${tableRef(live)} (${names}) select ${names} from ${tableRef(stage)}`.execute(trx);
        // Both rows of a clash are invalid, and both are described, as a full build would.
        const reason = (key: string) => `primary key \`${def.primaryKey}\` value '${key.slice(0, 100)}' appears in an appended row and an existing one`;
        const errors = [
          ...clashes.flatMap((c) => [c, ...appended.filter((a) => a.key === c.key)].map((r) => ({ primary_key: r.key, reason: reason(r.key), row_values: r.values }))),
          ...this.errorRows(read),
        ];
        const stored = await repo.countIndexErrors(trx, row.target_rid);
        await repo.replaceIndexErrors(trx, row.target_rid, errors.slice(0, Math.max(0, MAX_INDEX_ERRORS - stored)), true);
        await repo.updateIndex(trx, row.target_rid, {
          status: 'READY',
          indexed_transaction_rid: view.endTransactionRid ?? null,
          object_count: Number(row.object_count) + read.validCount - clashes.length * 2,
          invalid_count: Number(row.invalid_count) + read.invalidCount + clashes.length * 2,
          key_conflicts: Number(row.key_conflicts) + this.keyConflicts(read) + clashes.length * 2,
          last_error: null,
          last_mode: 'INCREMENTAL',
          last_duration_ms: Date.now() - started,
          updated_time: clock.now(),
        });
      });
    } finally {
      await dropTable(repo.db, stage);
    }
  }

  private linkRead(def: LinkTypeDef, files: string[]): Promise<KeyedRead> {
    const join = def.join!;
    return readKeyed(this.deps.engine, { files }, { key: join.fromColumn, unique: false, keyLabel: 'column', fields: [{ column: join.fromColumn }, { column: join.toColumn, required: true }], maxInvalidExamples: MAX_INDEX_ERRORS });
  }

  private async buildLinks(row: IndexRow, def: LinkTypeDef, types: [PropertyDataType, PropertyDataType], version: number, view: DatasetIndexView, started: number): Promise<void> {
    const { repo } = this.deps;
    const generation = row.generation + 1;
    const table = linkTableName(row.target_rid, generation);
    await dropTable(repo.db, table);
    await createLinkTable(repo.db, table, types[0], types[1]);
    const read = await this.linkRead(def, view.files);
    for await (const batch of read.batches()) await loadLinks(repo.db, table, types[0], types[1], batch.data);
    await createLinkIndexes(repo.db, table);
    const count = Number((await sql<{ n: string }>`select count(*)::text as n from ${tableRef(table)}`.execute(repo.db)).rows[0]!.n);
    await this.swap(row, table, { from: 'a', to: 'b' }, generation, { version, view, mode: 'FULL', started, count, invalid: read.invalidCount, keyConflicts: 0, errors: this.errorRows(read) });
  }

  private async appendLinks(row: IndexRow, def: LinkTypeDef, types: [PropertyDataType, PropertyDataType], view: DatasetIndexView): Promise<void> {
    const { repo, clock } = this.deps;
    const started = Date.now();
    const live = row.active_table!;
    const stage = `${live}_stage`;
    await dropTable(repo.db, stage);
    await createLinkTable(repo.db, stage, types[0], types[1]);
    try {
      const read = await this.linkRead(def, view.appendedFiles!);
      for await (const batch of read.batches()) await loadLinks(repo.db, stage, types[0], types[1], batch.data);
      await repo.transaction(async (trx) => {
        const added = await sql`insert into ${tableRef(live)} (a, b) select distinct a, b from ${tableRef(stage)} on conflict do nothing`.execute(trx);
        await repo.replaceIndexErrors(trx, row.target_rid, this.errorRows(read).slice(0, Math.max(0, MAX_INDEX_ERRORS - (await repo.countIndexErrors(trx, row.target_rid)))), true);
        await repo.updateIndex(trx, row.target_rid, {
          status: 'READY',
          indexed_transaction_rid: view.endTransactionRid ?? null,
          object_count: Number(row.object_count) + Number(added.numAffectedRows ?? 0),
          invalid_count: Number(row.invalid_count) + read.invalidCount,
          last_error: null,
          last_mode: 'INCREMENTAL',
          last_duration_ms: Date.now() - started,
          updated_time: clock.now(),
        });
      });
    } finally {
      await dropTable(repo.db, stage);
    }
  }

  /** Points the index at its new table in one short transaction; the old one is dropped a little later. */
  private async swap(
    row: IndexRow,
    table: string,
    columns: ColumnMap,
    generation: number,
    r: { version: number; view: DatasetIndexView; mode: 'FULL'; started: number; count: number; invalid: number; keyConflicts: number; errors: ReturnType<Indexer['errorRows']> },
  ): Promise<void> {
    const { repo, clock } = this.deps;
    const previous = row.active_table;
    const swapped = await repo.transaction(async (trx) => {
      // The type may have been deleted while this ran.
      const current = await repo.findIndex(trx, row.target_rid);
      if (!current) return false;
      await repo.replaceIndexErrors(trx, row.target_rid, r.errors);
      await repo.updateIndex(trx, row.target_rid, {
        status: 'READY',
        active_table: table,
        active_columns: columns,
        generation,
        indexed_version: r.version,
        indexed_transaction_rid: r.view.endTransactionRid ?? null,
        object_count: r.count,
        invalid_count: r.invalid,
        key_conflicts: r.keyConflicts,
        last_error: null,
        last_mode: r.mode,
        last_duration_ms: Date.now() - r.started,
        updated_time: clock.now(),
      });
      return true;
    });
    if (!swapped) await dropTable(repo.db, table);
    else if (previous && previous !== table) this.dropLater(previous);
  }

  /** Drops index tables of a deleted type (after readers that looked them up are done). */
  dropLater(table: string, db: Executor = this.deps.repo.db): void {
    const timer = setTimeout(() => {
      this.dropTimers.delete(timer);
      void dropTable(db, table).catch(() => {});
    }, DROP_DELAY_MS);
    timer.unref();
    this.dropTimers.add(timer);
  }
}

/**
 * A stored object row as `readKeyed` describes an invalid row: by the dataset's column names,
 * longs and decimals as text, geopoints as their `lat,lon` text (not the internal `c0`, `c1`, …
 * columns nor the search vector). Built in parts: PostgreSQL functions take at most 100 arguments.
 */
function rowValues(def: ObjectTypeDef, columns: ColumnMap, alias: string) {
  const value = (p: ObjectTypeDef['properties'][number]) => {
    const c = sql`${sql.id(alias)}.${sql.id(columns[p.apiName]!)}`;
    switch (p.dataType.type) {
      case 'long':
      case 'decimal':
        return sql`to_jsonb(${c}::text)`;
      case 'geopoint':
        return sql`to_jsonb(${c}[1]::text || ',' || ${c}[0]::text)`;
      case 'timestamp':
        return sql`to_jsonb(to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`;
      default:
        return sql`to_jsonb(${c})`;
    }
  };
  const parts = [];
  for (let i = 0; i < def.properties.length; i += 40) {
    parts.push(sql`jsonb_build_object(${sql.join(def.properties.slice(i, i + 40).flatMap((p) => [sql`${p.column}::text`, value(p)]))})`);
  }
  return parts.length ? sql.join(parts, sql` || `) : sql`'{}'::jsonb`;
}
