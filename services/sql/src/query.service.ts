import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import type { ResourceActor } from '@openfoundry/authz';
import { successEvent, type AuditLog } from '@openfoundry/audit';
import { closeSandboxSpares, openSandbox, preview, readTable, writeRowsToParquet, duckdbTypeSql, type Engine, type PreviewResult, type SandboxTable } from '@openfoundry/engine';
import { InvalidArgumentError, isFoundryError, isUuid, type Clock } from '@openfoundry/kernel';
import type { BlobStore } from '@openfoundry/storage';
import { readingsOf, scanQuery } from './references.js';
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

/**
 * Foundry's SQL queries: each query runs in a sandbox of its own that sees only the datasets it
 * names and the caller may read, pinned at resolution to a transaction. Status and results are
 * kept in the database and the blob store (results as Parquet), so any replica can answer.
 */
export class QueryService {
  /** Queries running in this process, for cancel. */
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

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
    await repo.db.transaction().execute(async (trx) => {
      await repo.insertQuery(trx, row);
      await audit.append(
        trx,
        successEvent(actor, 'sql.query.execute', [...new Set(tables.map((t) => t.table.datasetRid))], { queryId: row.id, query: input.query.slice(0, 4000), inputs: row.inputs }),
      );
    });

    const controller = new AbortController();
    let early: unknown;
    const done = this.run(row.id, scanned.sql, tables, controller.signal).then(
      () => undefined,
      (e) => {
        early = e;
      },
    );
    this.running.set(row.id, { controller, done });
    void done.finally(() => this.running.delete(row.id));
    await Promise.race([done, new Promise((r) => setTimeout(r, this.deps.limits.syncWaitMs).unref())]);
    if (isFoundryError(early) && TEXT_ERRORS.has(early.errorName)) {
      const p = early.parameters as { message?: string; line?: number; column?: number; position?: number };
      if (early.errorName === 'SqlSyntaxError') throw SqlErrors.queryParseError(p.message ?? 'syntax error', { line: p.line, column: p.column });
      throw early;
    }
    const current = await repo.findQuery(repo.db, row.id, actor.principal);
    return statusOf(current!);
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
    const row = await this.succeeded(actor, queryId);
    return readTable(this.deps.engine, { files: [await this.deps.blobs.localPath(row.results_key!)] }, { format: 'ARROW' });
  }

  /** Rows of the results as JSON, for display. */
  async rows(actor: ResourceActor, queryId: string, page: { offset?: number | undefined; limit?: number | undefined }): Promise<PreviewResult & { rowCount: number; truncated: boolean; offset: number; limit: number }> {
    const row = await this.succeeded(actor, queryId);
    const offset = page.offset ?? 0;
    const limit = page.limit ?? 1000;
    const result = await preview(this.deps.engine, { files: [await this.deps.blobs.localPath(row.results_key!)] }, { offset, limit });
    return { ...result, rowCount: row.row_count ?? 0, truncated: row.truncated, offset, limit };
  }

  /**
   * Writes the results as a new dataset. Truncated results are computed again, at the same
   * dataset versions, up to the export limit, so the dataset holds every row.
   */
  async export(actor: ResourceActor, queryId: string, target: { parentFolderRid: string; name: string }) {
    const row = await this.succeeded(actor, queryId);
    const { blobs, source, limits } = this.deps;
    let parquetPath = await blobs.localPath(row.results_key!);
    let cleanup: string | undefined;
    if (row.truncated) {
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
      cleanup = join(this.deps.tempDir, `${randomUUID()}.parquet`);
      const computed = await this.compute(scanQuery(row.query).sql, tables, limits.exportRowLimit, new AbortController().signal, cleanup);
      if (computed.truncated) throw new InvalidArgumentError('ExportTooLarge', { queryId, exportRowLimit: limits.exportRowLimit });
      parquetPath = cleanup;
    }
    try {
      const dataset = await source.createFromParquet(actor, { parentFolderRid: target.parentFolderRid, name: target.name, parquetPath });
      await this.deps.repo.db.transaction().execute((trx) => this.deps.audit.append(trx, successEvent(actor, 'sql.query.export', [dataset.rid], { queryId, datasetRid: dataset.rid })));
      return dataset;
    } finally {
      if (cleanup) await rm(cleanup, { force: true });
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

  /** Runs the query in its own sandbox and records the outcome. */
  private async run(queryId: string, sql: string, tables: Array<{ name: string; table: ResolvedTable }>, signal: AbortSignal): Promise<void> {
    const { repo, clock, blobs, limits } = this.deps;
    const output = join(this.deps.tempDir, `${queryId}.parquet`);
    try {
      const computed = await this.compute(sql, tables, limits.rowLimit, signal, output);
      const key = `sql-results/${queryId}.parquet`;
      await blobs.put(key, createReadStream(output));
      const recorded = await repo.finishQuery(repo.db, queryId, {
        status: 'SUCCEEDED',
        error: null,
        row_count: computed.rowCount,
        truncated: computed.truncated,
        results_key: key,
        finished_time: clock.now(),
      });
      if (!recorded) await blobs.delete([key]);
    } catch (e) {
      const canceled = signal.aborted;
      await repo.finishQuery(repo.db, queryId, {
        status: canceled ? 'CANCELED' : 'FAILED',
        error: canceled ? null : failureOf(e),
        row_count: null,
        truncated: false,
        results_key: null,
        finished_time: clock.now(),
      });
      throw e;
    } finally {
      await rm(output, { force: true });
    }
  }

  /** Computes a query's rows into a Parquet file. */
  private async compute(sql: string, tables: Array<{ name: string; table: ResolvedTable }>, rowLimit: number, signal: AbortSignal, output: string) {
    const { limits, engine, tempDir } = this.deps;
    await mkdir(tempDir, { recursive: true });
    const sandboxTables: SandboxTable[] = tables.map(({ name, table }) => ({
      name,
      files: table.files,
      columns: table.files.length ? undefined : (table.columns ?? []).map((f) => ({ name: f.name!, type: duckdbTypeSql(f) })),
    }));
    const sandbox = await openSandbox({ tables: sandboxTables, memoryLimit: limits.memoryLimit, threads: limits.threads, tempDirectory: tempDir });
    try {
      const result = await sandbox.query(sql, { rowLimit, timeoutMs: limits.timeoutMs, signal });
      const written = await writeRowsToParquet(engine, result, output);
      return { rowCount: written.rowCount, truncated: result.truncated };
    } finally {
      await sandbox.close();
    }
  }
}
