import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { ResourceActor } from '@openfoundry/authz';
import { successEvent, type AuditLog } from '@openfoundry/audit';
import {
  arrowIpcBytes,
  closeSandboxSpares,
  duckdbTypeSql,
  openSandbox,
  previewArrowIpc,
  writeRowsToParquet,
  type Engine,
  type PreviewResult,
  type SandboxResult,
  type SandboxTable,
} from '@openfoundry/engine';
import { InvalidArgumentError, isFoundryError, isUuid, type Clock } from '@openfoundry/kernel';
import type { BlobStore } from '@openfoundry/storage';
import { readingsOf, scanQuery } from './references.js';
import { SandboxPool } from './sandbox-pool.js';
import { SqlErrors } from './sql.errors.js';
import type { SqlRepository } from './sql.repository.js';
import type { QueryRow, ResolvedTable, SqlDatasetSource } from './sql.types.js';

/** Limits of query execution, from the server's configuration. */
export interface SqlLimits {
  /** Rows a query returns at most; more mark the results truncated. */
  rowLimit: number;
  /** Rows an export to a dataset writes at most. */
  exportRowLimit: number;
  timeoutMs: number;
  /** DuckDB memory limit of each query's sandbox. */
  memoryLimit: string;
  threads: number;
  /** How long `execute` waits for a result before answering `running`. */
  syncWaitMs: number;
  /** How long query records and results are kept. */
  retentionMs: number;
}

export interface SqlDeps {
  repo: SqlRepository;
  source: SqlDatasetSource;
  audit: AuditLog;
  blobs: BlobStore;
  engine: Engine;
  clock: Clock;
  tempDir: string;
  limits: SqlLimits;
}

/** Foundry's `QueryStatus`, plus the query id everywhere, row counts and error positions. */
export type QueryStatusJson =
  | { type: 'running'; queryId: string }
  | { type: 'succeeded'; queryId: string; rowCount: number; truncated: boolean }
  | { type: 'failed'; queryId: string; errorMessage: string; errorName?: string; line?: number; column?: number; position?: number }
  | { type: 'canceled'; queryId: string };

function statusOf(row: QueryRow): QueryStatusJson {
  switch (row.status) {
    case 'RUNNING':
      return { type: 'running', queryId: row.id };
    case 'SUCCEEDED':
      return { type: 'succeeded', queryId: row.id, rowCount: row.row_count ?? 0, truncated: row.truncated };
    case 'CANCELED':
      return { type: 'canceled', queryId: row.id };
    case 'FAILED': {
      const e = (row.error ?? {}) as { errorName?: string; errorMessage?: string; line?: number; column?: number; position?: number };
      return { type: 'failed', queryId: row.id, errorMessage: e.errorMessage ?? 'The query failed.', errorName: e.errorName, line: e.line, column: e.column, position: e.position };
    }
  }
}

/** What a failed run records: the error's name and message and where in the SQL it was, never a stack. */
function failureOf(e: unknown): Record<string, unknown> {
  if (isFoundryError(e)) {
    const p = e.parameters as { message?: string; line?: number; column?: number; position?: number; timeoutMs?: number };
    const errorMessage = p.message ?? (e.errorName === 'QueryTimedOut' ? `The query ran longer than ${p.timeoutMs} ms.` : e.errorName);
    return { errorName: e.errorName, errorMessage, line: p.line, column: p.column, position: p.position };
  }
  return { errorName: 'QueryFailed', errorMessage: 'The query failed.' };
}

/** Errors of the query text itself, which `execute` answers with a 400 when they come early. */
const TEXT_ERRORS = new Set(['SqlSyntaxError', 'SqlStatementNotAllowed', 'SqlFunctionNotAllowed', 'SqlTooLong']);

/** A query's record: written once finished, or as running first when the query outlasts `execute`'s wait. */
interface QueryRecord {
  row: QueryRow;
  /** Who runs the query. */
  actor: ResourceActor;
  /** Inserts the row with `final` over it, and the audit event, in one transaction. */
  write(final: Partial<QueryRow>): Promise<void>;
  /** The running record, once written. */
  written?: Promise<void>;
  /** The outcome is being recorded: execute must not write a running record any more. */
  finishing?: boolean;
}

/**
 * Foundry's SQL queries: each query runs in a sandbox of its own that sees only the datasets it
 * names and the caller may read, pinned at resolution to a transaction. Status and results are
 * kept in the database and the blob store (results as the Arrow IPC stream `getResults` returns),
 * so any replica can answer.
 */
export class QueryService {
  /** Queries running in this process, for cancel. */
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  /** Sandboxes kept for the same user's next query over the same dataset versions. */
  private readonly sandboxes = new SandboxPool({ idleMs: 60_000, maxIdle: 8 });
  private tempDirReady: Promise<unknown> | undefined;

  constructor(private readonly deps: SqlDeps) {}

  async execute(actor: ResourceActor, input: { query: string; fallbackBranchIds?: string[] | undefined }): Promise<QueryStatusJson> {
    if (input.query.trim() === '') throw new InvalidArgumentError('QueryParseError', { errorMessage: 'The query is empty.' });
    const scanned = scanQuery(input.query);
    const fallbackBranches = input.fallbackBranchIds ?? [];
    const tables: Array<{ name: string; table: ResolvedTable }> = [];
    for (const name of scanned.identifiers) {
      let table: ResolvedTable | undefined;
      for (const reading of readingsOf(name)) {
        table = await this.deps.source.resolve(actor.principal, { ...reading, fallbackBranches });
        if (table) break;
      }
      if (!table) throw SqlErrors.datasetNotFound(name);
      // Without files or a schema there is not even a column to select.
      if (table.files.length === 0 && !table.columns?.length) throw SqlErrors.datasetHasNoTable(name);
      tables.push({ name, table });
    }
    const { repo, clock, audit } = this.deps;
    const row: QueryRow = {
      id: randomUUID(),
      org_rid: actor.principal.orgRid,
      user_id: actor.principal.userId,
      query: input.query,
      status: 'RUNNING',
      error: null,
      inputs: tables.map(({ name, table }) => ({ name, datasetRid: table.datasetRid, branchName: table.branchName, endTransactionRid: table.endTransactionRid ?? null })),
      row_count: null,
      truncated: false,
      results_key: null,
      created_time: clock.now(),
      finished_time: null,
    };
    const event = successEvent(actor, 'sql.query.execute', [...new Set(tables.map((t) => t.table.datasetRid))], { queryId: row.id, query: input.query.slice(0, 4000), inputs: row.inputs });
    // Nobody knows the query's id before execute answers, so a query that ends within the wait is
    // recorded once, finished, with its audit event; a longer one is recorded as running when the
    // wait ends (and can then be polled and canceled) and updated when it ends.
    const record: QueryRecord = {
      row,
      actor,
      write: (final) =>
        repo.db.transaction().execute(async (trx) => {
          await repo.insertQuery(trx, { ...row, ...final });
          await audit.append(trx, event);
        }),
    };
    const controller = new AbortController();
    let early: unknown;
    const done = this.run(record, scanned.sql, tables, controller.signal).catch((e: unknown) => {
      early = e;
      return undefined;
    });
    this.running.set(row.id, { controller, done });
    void done.finally(() => this.running.delete(row.id));
    const settled = await Promise.race([done, new Promise<null>((r) => setTimeout(() => r(null), this.deps.limits.syncWaitMs).unref())]);
    if (settled === null && !record.finishing) {
      record.written = record.write({});
      record.written.catch(() => controller.abort());
      await record.written;
      return { type: 'running', queryId: row.id };
    }
    const status = settled ?? (await done);
    if (isFoundryError(early) && TEXT_ERRORS.has(early.errorName)) {
      const p = early.parameters as { message?: string; line?: number; column?: number; position?: number };
      if (early.errorName === 'SqlSyntaxError') throw SqlErrors.queryParseError(p.message ?? 'syntax error', { line: p.line, column: p.column });
      throw early;
    }
    if (status) return status;
    // Failed: the record says how, unless the outcome could not be recorded at all.
    const current = await repo.findQuery(repo.db, row.id, actor.principal);
    if (!current) throw early;
    return statusOf(current);
  }

  async getStatus(actor: ResourceActor, queryId: string): Promise<QueryStatusJson> {
    return statusOf(await this.find(actor, queryId));
  }

  async cancel(actor: ResourceActor, queryId: string): Promise<void> {
    const row = await this.find(actor, queryId);
    if (row.status !== 'RUNNING') return;
    const local = this.running.get(queryId);
    local?.controller.abort();
    const { repo, clock, audit } = this.deps;
    await repo.db.transaction().execute(async (trx) => {
      await repo.finishQuery(trx, queryId, { status: 'CANCELED', error: null, row_count: null, truncated: false, results_key: null, finished_time: clock.now() });
      await audit.append(trx, successEvent(actor, 'sql.query.cancel', [], { queryId }));
    });
    await local?.done;
  }

  /** Foundry's getResults: the results as an Arrow IPC stream. */
  async results(actor: ResourceActor, queryId: string): Promise<AsyncIterable<Uint8Array>> {
    return this.deps.blobs.get((await this.succeeded(actor, queryId)).results_key!);
  }

  /** Rows of the results as JSON, for display. */
  async rows(actor: ResourceActor, queryId: string, page: { offset?: number | undefined; limit?: number | undefined }): Promise<PreviewResult & { rowCount: number; truncated: boolean; offset: number; limit: number }> {
    const row = await this.succeeded(actor, queryId);
    const offset = page.offset ?? 0;
    const limit = page.limit ?? 1000;
    const result = previewArrowIpc(await buffer(await this.deps.blobs.get(row.results_key!)), { offset, limit });
    return { ...result, rowCount: row.row_count ?? 0, truncated: row.truncated, offset, limit };
  }

  /**
   * Writes the results as a new dataset: the query is computed again at the dataset versions it
   * first read, up to the export limit, so even truncated results export in full.
   */
  async export(actor: ResourceActor, queryId: string, target: { parentFolderRid: string; name: string }) {
    const row = await this.succeeded(actor, queryId);
    const { source, limits } = this.deps;
    const tables: Array<{ name: string; table: ResolvedTable }> = [];
    for (const input of row.inputs) {
      const table = await source.resolve(actor.principal, {
        target: input.datasetRid,
        transactionRid: input.endTransactionRid ?? undefined,
        branch: input.endTransactionRid ? undefined : input.branchName,
        fallbackBranches: [],
      });
      if (!table) throw SqlErrors.datasetNotFound(input.name);
      tables.push({ name: input.name, table });
    }
    const parquetPath = join(this.deps.tempDir, `${randomUUID()}.parquet`);
    const { value: truncated, release } = await this.evaluate(actor, scanQuery(row.query).sql, tables, limits.exportRowLimit, new AbortController().signal, async (result) => {
      if (!result.truncated) await writeRowsToParquet(this.deps.engine, result, parquetPath);
      return result.truncated;
    });
    release();
    if (truncated) throw new InvalidArgumentError('ExportTooLarge', { queryId, exportRowLimit: limits.exportRowLimit });
    try {
      const dataset = await source.createFromParquet(actor, { parentFolderRid: target.parentFolderRid, name: target.name, parquetPath });
      await this.deps.repo.db.transaction().execute((trx) => this.deps.audit.append(trx, successEvent(actor, 'sql.query.export', [dataset.rid], { queryId, datasetRid: dataset.rid })));
      return dataset;
    } finally {
      await rm(parquetPath, { force: true });
    }
  }

  /** Deletes query records and results older than the retention period. */
  async expire(): Promise<number> {
    const { repo, clock, blobs, limits } = this.deps;
    const keys = await repo.expireQueries(repo.db, new Date(clock.now().getTime() - limits.retentionMs));
    if (keys.length) await blobs.delete(keys);
    return keys.length;
  }

  /** Waits for queries running in this process (shutdown). */
  async drain(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
    await this.sandboxes.closeAll();
    await closeSandboxSpares();
  }

  // --- internals ----------------------------------------------------------------------------

  private async find(actor: ResourceActor, queryId: string): Promise<QueryRow> {
    const row = isUuid(queryId) ? await this.deps.repo.findQuery(this.deps.repo.db, queryId, actor.principal) : undefined;
    if (!row) throw SqlErrors.queryNotFound(queryId);
    return row;
  }

  private async succeeded(actor: ResourceActor, queryId: string): Promise<QueryRow> {
    const row = await this.find(actor, queryId);
    if (row.status === 'RUNNING') throw SqlErrors.queryRunning(queryId);
    if (row.status === 'CANCELED') throw SqlErrors.queryCanceled(queryId);
    if (row.status === 'FAILED') throw SqlErrors.queryFailed(queryId, String(row.error?.errorMessage ?? 'The query failed.'));
    return row;
  }

  /**
   * Runs the query in its own sandbox and records the outcome. Returns the status recorded, or
   * undefined when the query was canceled meanwhile; throws what made it fail.
   */
  private async run(record: QueryRecord, sql: string, tables: Array<{ name: string; table: ResolvedTable }>, signal: AbortSignal): Promise<QueryStatusJson | undefined> {
    const { repo, clock, blobs, limits } = this.deps;
    const key = `sql-results/${record.row.id}.arrow`;
    let stored = false;
    let release: (() => void) | undefined;
    // Writes the outcome: the whole record if it is not written yet, else the update of the running one.
    const finish = async (final: Pick<QueryRow, 'status' | 'error' | 'row_count' | 'truncated' | 'results_key' | 'finished_time'>): Promise<boolean> => {
      if (!record.written) {
        record.finishing = true;
        await record.write(final);
        return true;
      }
      await record.written;
      return repo.finishQuery(repo.db, record.row.id, final);
    };
    try {
      const evaluated = await this.evaluate(record.actor, sql, tables, limits.rowLimit, signal, async (result) => ({ ipc: await arrowIpcBytes(result), rowCount: result.rowCount, truncated: result.truncated }));
      release = evaluated.release;
      const computed = evaluated.value;
      await blobs.put(key, computed.ipc);
      stored = true;
      const final = { status: 'SUCCEEDED' as const, error: null, row_count: computed.rowCount, truncated: computed.truncated, results_key: key, finished_time: clock.now() };
      if (await finish(final)) return statusOf({ ...record.row, ...final });
      await blobs.delete([key]);
      return undefined;
    } catch (e) {
      if (stored) await blobs.delete([key]).catch(() => undefined);
      const canceled = signal.aborted;
      await finish({ status: canceled ? 'CANCELED' : 'FAILED', error: canceled ? null : failureOf(e), row_count: null, truncated: false, results_key: null, finished_time: clock.now() });
      throw e;
    } finally {
      // After the caller's answer: setImmediate runs once the promise reactions (the reply) are done.
      if (release) setImmediate(release);
    }
  }

  /**
   * Runs a query in a sandbox over exactly `tables` (the caller's last one over the same tables at
   * the same versions, or a new one) and hands the result to `use`, which must be done with it
   * before the sandbox is released (the rows live in the engine's memory). The caller calls
   * `release` once its answer is out: the sandbox is then kept for reuse, or closed (closing takes
   * the main thread for a few ms and starts the next spare instance, ~13 ms of CPU).
   */
  private async evaluate<T>(
    actor: ResourceActor,
    sql: string,
    tables: Array<{ name: string; table: ResolvedTable }>,
    rowLimit: number,
    signal: AbortSignal,
    use: (result: SandboxResult) => Promise<T>,
  ): Promise<{ value: T; release: () => void }> {
    const { limits, tempDir } = this.deps;
    this.tempDirReady ??= mkdir(tempDir, { recursive: true }).catch((e: unknown) => {
      this.tempDirReady = undefined;
      throw e;
    });
    await this.tempDirReady;
    const sandboxTables: SandboxTable[] = tables.map(({ name, table }) => ({
      name,
      files: table.files,
      columns: table.files.length ? undefined : (table.columns ?? []).map((f) => ({ name: f.name!, type: duckdbTypeSql(f) })),
      sameColumns: table.sameColumns ?? false,
    }));
    const key = JSON.stringify([actor.principal.orgRid, actor.principal.userId, sandboxTables]);
    const sandbox = await this.sandboxes.acquire(key, () =>
      openSandbox({ tables: sandboxTables, memoryLimit: limits.memoryLimit, threads: limits.threads, tempDirectory: tempDir }),
    );
    try {
      const value = await use(await sandbox.query(sql, { rowLimit, timeoutMs: limits.timeoutMs, signal }));
      return { value, release: () => this.sandboxes.release(key, sandbox, true) };
    } catch (e) {
      // A failed, timed-out or canceled query's sandbox is not reused.
      this.sandboxes.release(key, sandbox, false);
      throw e;
    }
  }
}
