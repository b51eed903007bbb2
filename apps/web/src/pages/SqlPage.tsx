import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, Icon, InputGroup, Menu, MenuItem, NonIdealState, PopoverNext, Spinner, Tag } from '@blueprintjs/core';
import { ConfirmAlert } from '../components/ConfirmButton';
import { api, ok } from '../lib/api';
import { datasetUrl, formatCount, invalidateDataset } from '../lib/datasets';
import { FOLDER_KIND, useFolder, useSpaces } from '../lib/filesystem';
import { formatRelative } from '../lib/format';
import { formatDuration, sqlKeys, useQueryRows, useSavedQueries, useSqlRun, type RunState, type SavedQuery, type SqlFailure } from '../lib/sql';
import { describeError, showSuccess } from '../lib/toaster';
import { PageHeader } from '../components/PageHeader';
import { NameDialog } from '../components/NameDialog';
import { FolderPicker } from '../components/FolderPicker';
import { SqlEditor } from '../components/SqlEditor';
import { DataGrid, GridPager } from '../components/DataGrid';

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, []);
  return <>{formatDuration(now - since)}</>;
}

/** Running (with the time so far), or how the last run ended. */
function RunStatus({ state }: { state: RunState }) {
  switch (state.phase) {
    case 'idle':
      return <span className="of-muted">Ctrl+Enter runs the query</span>;
    case 'running':
      return (
        <span className="of-sql-status" data-testid="sql-status" data-phase="running">
          <Spinner size={14} /> Running… <Elapsed since={state.startedAt} />
        </span>
      );
    case 'succeeded':
      return (
        <span className="of-sql-status" data-testid="sql-status" data-phase="succeeded">
          <Tag minimal intent="success" icon="tick">
            Succeeded
          </Tag>
          {formatCount(state.rowCount)} {state.rowCount === 1 ? 'row' : 'rows'}
          {state.truncated ? ' (truncated)' : ''} in {formatDuration(state.finishedAt - state.startedAt)}
        </span>
      );
    case 'failed':
      return (
        <span className="of-sql-status" data-testid="sql-status" data-phase="failed">
          <Tag minimal intent="danger" icon="error">
            Failed
          </Tag>
          after {formatDuration(state.finishedAt - state.startedAt)}
        </span>
      );
    case 'canceled':
      return (
        <span className="of-sql-status" data-testid="sql-status" data-phase="canceled">
          <Tag minimal icon="disable">
            Canceled
          </Tag>
          after {formatDuration(state.finishedAt - state.startedAt)}
        </span>
      );
  }
}

/** The error, where it is (line and column), and the offending line with a caret under the column. */
function SqlErrorPanel({ failure, query }: { failure: SqlFailure; query: string }) {
  const line = failure.line !== undefined ? query.split('\n')[failure.line - 1] : undefined;
  const where = failure.line !== undefined ? `line ${failure.line}${failure.column !== undefined ? `, column ${failure.column}` : ''}` : undefined;
  return (
    <Callout intent="danger" icon="error" title={failure.errorName + (where ? ` at ${where}` : '')} className="of-sql-error" data-testid="sql-error">
      <div className="of-sql-error-message">{failure.message}</div>
      {line !== undefined ? (
        <pre className="of-sql-error-excerpt" data-testid="sql-error-excerpt">
          <span className="of-muted">{`${failure.line} | `}</span>
          {line}
          {failure.column !== undefined ? `\n${' '.repeat(String(failure.line).length + 3 + Math.max(0, failure.column - 1))}^` : ''}
        </pre>
      ) : null}
      {failure.errorInstanceId ? <div className="of-toast-instance">Error id {failure.errorInstanceId}</div> : null}
    </Callout>
  );
}

function Results({ queryId, rowCount, truncated }: { queryId: string; rowCount: number; truncated: boolean }) {
  const [page, setPage] = useState({ offset: 0, limit: 100 });
  const rows = useQueryRows(queryId, page.offset, page.limit);
  if (rows.isPending) return <Spinner className="of-page-spinner" />;
  if (rows.isError) return <NonIdealState icon="error" title="Cannot load the results" description={describeError(rows.error).title} />;
  const r = rows.data;
  return (
    <div className="of-grid-panel">
      {truncated ? (
        <Callout intent="warning" icon="warning-sign" className="of-sql-truncated" data-testid="sql-truncated">
          The results stop at {formatCount(rowCount)} rows, the server&apos;s limit for one query. Add a filter, an aggregation or a LIMIT to see everything you need.
        </Callout>
      ) : null}
      <DataGrid fields={r.schema.fieldSchemaList} rows={r.rows} offset={r.offset} testId="sql-results" />
      <GridPager offset={r.offset} limit={page.limit} shown={r.rows.length} total={r.rowCount} loading={rows.isFetching} onChange={(offset, limit) => setPage({ offset, limit })} />
    </div>
  );
}

/** Export the results of a succeeded query as a new dataset in a chosen folder. */
function ExportDialog({ queryId, isOpen, onClose }: { queryId: string; isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const spaces = useSpaces();
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  useEffect(() => {
    if (isOpen && !location && spaces.data?.[0]) setLocation(spaces.data[0].rid);
  }, [isOpen, location, spaces.data]);
  const folder = useFolder(isOpen && location ? location : undefined);
  const exportQuery = useMutation({
    meta: { action: 'Export to dataset', silent: true },
    mutationFn: () => ok(api.POST('/api/v2/sqlQueries/{sqlQueryId}/export', { params: { path: { sqlQueryId: queryId } }, body: { parentFolderRid: location, name: name.trim() } })),
    onSuccess: (d) => {
      showSuccess(`Exported the results to ${d.name}`);
      void invalidateDataset(queryClient, d.rid);
    },
  });
  const close = () => {
    exportQuery.reset();
    setName('');
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    exportQuery.mutate();
  };
  const inSpace = folder.data ? FOLDER_KIND[folder.data.type] === 'space' : true;
  const done = exportQuery.data;
  return (
    <Dialog isOpen={isOpen} onClose={close} title="Export to dataset" icon="export" style={{ width: 560 }}>
      <form onSubmit={submit}>
        <DialogBody>
          {done ? (
            <Callout intent="success" icon="tick" title="Exported" data-testid="export-done">
              The results are in the new dataset{' '}
              <Link to={datasetUrl(done.rid)} onClick={close} data-testid="export-link">
                {done.name}
              </Link>{' '}
              <span className="of-mono-small of-muted">{done.path}</span>
            </Callout>
          ) : (
            <>
              <FormGroup label="Dataset name" labelFor="export-name">
                <InputGroup id="export-name" required autoFocus maxLength={255} value={name} onValueChange={setName} />
              </FormGroup>
              <FormGroup label="Folder" helperText={inSpace ? 'Open a project or a folder to put the dataset in.' : undefined}>
                {location ? <FolderPicker location={location} onChange={setLocation} /> : <Spinner size={20} />}
              </FormGroup>
              {exportQuery.isError ? (
                <Callout intent="danger" icon="error" title={describeError(exportQuery.error).title}>
                  {describeError(exportQuery.error).details}
                </Callout>
              ) : null}
            </>
          )}
        </DialogBody>
        <DialogFooter
          actions={
            done ? (
              <Button intent="primary" text="Close" onClick={close} />
            ) : (
              <>
                <Button text="Cancel" onClick={close} />
                <Button type="submit" intent="primary" icon="export" text={folder.data && !inSpace ? `Export to ${folder.data.displayName}` : 'Export'} loading={exportQuery.isPending} disabled={!name.trim() || inSpace} data-testid="export-submit" />
              </>
            )
          }
        />
      </form>
    </Dialog>
  );
}

type SavedDialog = { kind: 'save-as' } | { kind: 'rename'; query: SavedQuery } | { kind: 'delete'; query: SavedQuery } | null;

function SavedQueries({ current, onLoad, onDialog }: { current: SavedQuery | null; onLoad: (q: SavedQuery) => void; onDialog: (d: SavedDialog) => void }) {
  const saved = useSavedQueries();
  return (
    <aside className="of-sql-sidebar" data-testid="saved-queries">
      <div className="of-sql-sidebar-title">Saved queries</div>
      {saved.isPending ? (
        <Spinner size={20} />
      ) : saved.isError ? (
        <div className="of-muted">Cannot load them: {describeError(saved.error).title}</div>
      ) : saved.data.length === 0 ? (
        <div className="of-muted of-sql-sidebar-empty">None yet. Save a query to find it here.</div>
      ) : (
        <ul className="of-sql-saved-list">
          {saved.data.map((q) => (
            <li key={q.id} className={current?.id === q.id ? 'of-sql-saved-active' : undefined} data-testid="saved-query" data-name={q.name}>
              <button type="button" className="of-sql-saved-name" title={q.query} onClick={() => onLoad(q)}>
                <Icon icon="document" size={12} className="of-muted" />
                <span>{q.name}</span>
              </button>
              <PopoverNext
                placement="bottom-end"
                content={
                  <Menu>
                    <MenuItem icon="edit" text="Rename…" onClick={() => onDialog({ kind: 'rename', query: q })} />
                    <MenuItem icon="trash" intent="danger" text="Delete…" onClick={() => onDialog({ kind: 'delete', query: q })} />
                  </Menu>
                }
              >
                <Button size="small" variant="minimal" icon="more" aria-label={`Actions for ${q.name}`} />
              </PopoverNext>
            </li>
          ))}
        </ul>
      )}
      {current ? <div className="of-muted of-sql-sidebar-meta">“{current.name}” saved {formatRelative(current.updatedTime)}</div> : null}
    </aside>
  );
}

/** The SQL workbench: write a query over datasets, run it, page through the results, save it, export the results. */
export function SqlPage() {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const urlQuery = params.get('query');
  const [text, setText] = useState(urlQuery ?? '');
  const [current, setCurrent] = useState<SavedQuery | null>(null);
  const [dialog, setDialog] = useState<SavedDialog>(null);
  const [exporting, setExporting] = useState(false);
  const { state, execute, cancel } = useSqlRun();
  // The query last written to or read from the URL: a link (Query this dataset) replaces the text.
  const synced = useRef(urlQuery);
  useEffect(() => {
    if (urlQuery === null || urlQuery === synced.current) return;
    synced.current = urlQuery;
    setText(urlQuery);
    setCurrent(null);
  }, [urlQuery]);

  const run = () => {
    if (!text.trim() || state.phase === 'running') return;
    synced.current = text;
    setParams({ query: text }, { replace: true });
    void execute(text);
  };

  const invalidateSaved = () => queryClient.invalidateQueries({ queryKey: sqlKeys.saved });
  const create = useMutation({
    meta: { action: 'Save query' },
    mutationFn: (name: string) => ok(api.POST('/api/v2/sqlQueries/saved', { body: { name, query: text } })),
    onSuccess: (q) => {
      showSuccess(`Saved ${q.name}`);
      setCurrent(q);
      setDialog(null);
      void invalidateSaved();
    },
  });
  const update = useMutation({
    meta: { action: 'Save query' },
    mutationFn: ({ id, ...body }: { id: string; name?: string; query?: string }) => ok(api.PUT('/api/v2/sqlQueries/saved/{savedQueryId}', { params: { path: { savedQueryId: id } }, body })),
    onSuccess: (q, body) => {
      showSuccess(body.query === undefined ? `Renamed to ${q.name}` : `Saved ${q.name}`);
      if (current?.id === q.id) setCurrent(q);
      setDialog(null);
      void invalidateSaved();
    },
  });
  const remove = useMutation({
    meta: { action: 'Delete query' },
    mutationFn: (q: SavedQuery) => ok(api.DELETE('/api/v2/sqlQueries/saved/{savedQueryId}', { params: { path: { savedQueryId: q.id } } })),
    onSuccess: (_r, q) => {
      showSuccess(`Deleted ${q.name}`);
      if (current?.id === q.id) setCurrent(null);
      void invalidateSaved();
    },
  });
  const save = () => {
    if (current) update.mutate({ id: current.id, query: text });
    else setDialog({ kind: 'save-as' });
  };
  const dirty = current ? current.query !== text : text.trim() !== '';
  // The error points into the text that ran; once that text is edited, its line may be elsewhere.
  const errorLine = state.phase === 'failed' && state.query === text ? state.failure.line : undefined;

  return (
    <div className="of-page of-page-wide">
      <PageHeader
        title={
          <>
            SQL
            {current ? (
              <Tag minimal large className="of-tag-inline" data-testid="current-saved-query">
                {current.name}
                {dirty ? ' •' : ''}
              </Tag>
            ) : null}
          </>
        }
        subtitle={
          <>
            Query the datasets you can read. Name a dataset by its path or RID in double quotes, optionally at a branch or transaction:{' '}
            <code className="of-mono-small">{'"/Space/Project/sales@develop"'}</code>.
          </>
        }
      />
      <div className="of-sql-layout">
        <SavedQueries
          current={current}
          onDialog={setDialog}
          onLoad={(q) => {
            setCurrent(q);
            setText(q.query);
          }}
        />
        <section className="of-sql-main">
          <div className="of-sql-toolbar">
            {state.phase === 'running' ? (
              <Button intent="danger" icon="stop" text="Cancel" onClick={() => void cancel()} data-testid="sql-cancel" />
            ) : (
              <Button intent="primary" icon="play" text="Run" disabled={!text.trim()} onClick={run} data-testid="sql-run" title="Run (Ctrl+Enter)" />
            )}
            <Button icon="floppy-disk" text="Save" disabled={!text.trim() || (current !== null && !dirty)} loading={update.isPending} onClick={save} data-testid="sql-save" />
            <Button icon="duplicate" text="Save as…" disabled={!text.trim()} onClick={() => setDialog({ kind: 'save-as' })} data-testid="sql-save-as" />
            <RunStatus state={state} />
            <span className="of-sql-toolbar-spacer" />
            <Button icon="export" text="Export to dataset…" disabled={state.phase !== 'succeeded'} onClick={() => setExporting(true)} data-testid="sql-export" />
          </div>
          <SqlEditor value={text} onChange={setText} onRun={run} errorLine={errorLine} />
          {state.phase === 'failed' ? <SqlErrorPanel failure={state.failure} query={state.query} /> : null}
          <div className="of-sql-results">
            {state.phase === 'succeeded' ? (
              <Results key={state.queryId} queryId={state.queryId} rowCount={state.rowCount} truncated={state.truncated} />
            ) : state.phase === 'idle' ? (
              <NonIdealState icon="console" title="Run a query to see its results" description="Results appear here; export them as a new dataset." />
            ) : state.phase === 'running' ? (
              <Spinner className="of-page-spinner" />
            ) : null}
          </div>
        </section>
      </div>
      {state.phase === 'succeeded' ? <ExportDialog queryId={state.queryId} isOpen={exporting} onClose={() => setExporting(false)} /> : null}
      <NameDialog
        isOpen={dialog?.kind === 'save-as'}
        title="Save query"
        icon="floppy-disk"
        label="Query name"
        initial={current ? `${current.name} (copy)` : ''}
        submitText="Save"
        loading={create.isPending}
        onSubmit={(name) => create.mutate(name)}
        onClose={() => setDialog(null)}
      />
      <NameDialog
        isOpen={dialog?.kind === 'rename'}
        title="Rename query"
        icon="edit"
        label="Query name"
        initial={dialog?.kind === 'rename' ? dialog.query.name : ''}
        submitText="Rename"
        loading={update.isPending}
        onSubmit={(name) => dialog?.kind === 'rename' && update.mutate({ id: dialog.query.id, name })}
        onClose={() => setDialog(null)}
      />
      <ConfirmAlert
        isOpen={dialog?.kind === 'delete'}
        icon="trash"
        confirmText="Delete"
        onCancel={() => setDialog(null)}
        onConfirm={() => {
          if (dialog?.kind === 'delete') remove.mutate(dialog.query);
          setDialog(null);
        }}
      >
        <p>Delete the saved query {dialog?.kind === 'delete' ? <strong>{dialog.query.name}</strong> : null}?</p>
      </ConfirmAlert>
    </div>
  );
}
