import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ok, isOpenFoundryError, type Schemas } from './api';
import { describeError, showError } from './toaster';

export type QueryStatus = Schemas['SqlQueryStatus'];
export type SavedQuery = Schemas['SavedSqlQuery'];

export const sqlKeys = {
  saved: ['sql', 'saved'] as const,
  rows: (queryId: string, offset: number, limit: number) => ['sql', 'rows', queryId, offset, limit] as const,
};

/** Why a query failed, wherever the server said it: a `failed` status or an error answer to `execute`. */
export interface SqlFailure {
  errorName: string;
  message: string;
  line?: number | undefined;
  column?: number | undefined;
  errorInstanceId?: string | undefined;
}

/** Line and column (1-based) of `index` in `text`. */
function positionOf(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** An error answer of `execute` (a parse error, a statement not allowed, a dataset not found) as a failure with its place in the query. */
export function failureOfError(e: unknown, query: string): SqlFailure {
  if (!isOpenFoundryError(e)) {
    const { title, details } = describeError(e);
    return { errorName: title, message: details ?? '' };
  }
  const p = e.parameters;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const message = typeof p.errorMessage === 'string' ? p.errorMessage : typeof p.message === 'string' ? p.message : describeError(e).details ?? '';
  let line = num(p.line);
  let column = num(p.column);
  // A dataset the query names but the server cannot find: point at where it is named.
  if (line === undefined && typeof p.reference === 'string') {
    const at = query.indexOf(`"${p.reference.replaceAll('"', '""')}"`);
    if (at >= 0) ({ line, column } = positionOf(query, at + 1));
  }
  const detail = e.errorName === 'DatasetNotFound' && typeof p.reference === 'string' ? `No dataset you can read is named “${p.reference}”.` : message;
  return { errorName: e.errorName, message: detail, line, column, errorInstanceId: e.errorInstanceId || undefined };
}

export type RunState =
  | { phase: 'idle' }
  | { phase: 'running'; queryId: string | undefined; startedAt: number }
  | { phase: 'succeeded'; queryId: string; rowCount: number; truncated: boolean; startedAt: number; finishedAt: number }
  /** `query` is the text that ran, which the error's line and column point into. */
  | { phase: 'failed'; failure: SqlFailure; query: string; startedAt: number; finishedAt: number }
  | { phase: 'canceled'; startedAt: number; finishedAt: number };

const POLL_MS = [200, 300, 500, 800, 1000];

/**
 * Runs queries one at a time: execute, then poll the status while it runs (backing off to a
 * second), and cancel. A newer run or a cancel makes the answers of an older one ignored.
 */
export function useSqlRun() {
  const [state, setState] = useState<RunState>({ phase: 'idle' });
  const run = useRef(0);
  const cancelRequested = useRef(false);
  useEffect(() => () => void (run.current += 1), []);

  const finish = (id: number, next: RunState) => {
    if (run.current === id) setState(next);
  };

  const execute = useCallback(async (query: string) => {
    const id = ++run.current;
    cancelRequested.current = false;
    const startedAt = Date.now();
    setState({ phase: 'running', queryId: undefined, startedAt });
    const settle = (status: QueryStatus): boolean => {
      const finishedAt = Date.now();
      if (status.type === 'succeeded') finish(id, { phase: 'succeeded', queryId: status.queryId, rowCount: status.rowCount ?? 0, truncated: status.truncated ?? false, startedAt, finishedAt });
      else if (status.type === 'failed')
        finish(id, {
          phase: 'failed',
          failure: { errorName: status.errorName ?? 'QueryFailed', message: status.errorMessage ?? 'The query failed.', line: status.line, column: status.column },
          query,
          startedAt,
          finishedAt,
        });
      else if (status.type === 'canceled') finish(id, { phase: 'canceled', startedAt, finishedAt });
      else return false;
      return true;
    };
    try {
      let status = await ok(api.POST('/api/v2/sqlQueries/execute', { body: { query } }));
      if (run.current !== id) return;
      if (status.type === 'running') {
        setState({ phase: 'running', queryId: status.queryId, startedAt });
        // Cancel pressed before the query had an id: send it now.
        if (cancelRequested.current) {
          await ok(api.POST('/api/v2/sqlQueries/{sqlQueryId}/cancel', { params: { path: { sqlQueryId: status.queryId } } }));
          finish(id, { phase: 'canceled', startedAt, finishedAt: Date.now() });
          return;
        }
      }
      for (let i = 0; !settle(status); i++) {
        await new Promise((r) => setTimeout(r, POLL_MS[Math.min(i, POLL_MS.length - 1)]));
        if (run.current !== id) return;
        status = await ok(api.GET('/api/v2/sqlQueries/{sqlQueryId}/getStatus', { params: { path: { sqlQueryId: status.queryId } } }));
        if (run.current !== id) return;
      }
    } catch (e) {
      finish(id, { phase: 'failed', failure: failureOfError(e, query), query, startedAt, finishedAt: Date.now() });
    }
  }, []);

  const cancel = useCallback(async () => {
    if (state.phase !== 'running') return;
    if (!state.queryId) {
      cancelRequested.current = true;
      return;
    }
    const id = run.current;
    try {
      await ok(api.POST('/api/v2/sqlQueries/{sqlQueryId}/cancel', { params: { path: { sqlQueryId: state.queryId } } }));
    } catch (e) {
      showError(e, 'Cancel query');
      return;
    }
    // The query may have finished meanwhile: then the polling reports what it became.
    const status = await ok(api.GET('/api/v2/sqlQueries/{sqlQueryId}/getStatus', { params: { path: { sqlQueryId: state.queryId } } })).catch(() => undefined);
    if (run.current === id && (!status || status.type === 'canceled' || status.type === 'running')) {
      run.current += 1;
      setState({ phase: 'canceled', startedAt: state.startedAt, finishedAt: Date.now() });
    }
  }, [state]);

  return { state, execute, cancel };
}

/** A page of a succeeded query's rows, as JSON for the grid. */
export function useQueryRows(queryId: string | undefined, offset: number, limit: number) {
  return useQuery({
    queryKey: sqlKeys.rows(queryId ?? '', offset, limit),
    enabled: !!queryId,
    queryFn: () => ok(api.GET('/api/v2/sqlQueries/{sqlQueryId}/rows', { params: { path: { sqlQueryId: queryId! }, query: { offset, limit } } })),
    staleTime: Infinity,
  });
}

export function useSavedQueries() {
  return useQuery({
    queryKey: sqlKeys.saved,
    queryFn: async () => {
      const all: SavedQuery[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/sqlQueries/saved', { params: { query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all.sort((a, b) => a.name.localeCompare(b.name));
    },
  });
}

/** `1.2 s`, `340 ms`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
