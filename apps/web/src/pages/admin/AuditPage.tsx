import { Fragment, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useInfiniteQuery } from '@tanstack/react-query';
import { AnchorButton, Button, ControlGroup, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { urlOf } from '@openfoundry/sdk';
import { api, ok, type Schemas } from '../../lib/api';
import { formatTimestamp } from '../../lib/format';
import { PrincipalLabel } from '../../lib/principals';
import { describeError } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';

type AuditEvent = Schemas['AuditEvent'];
type Outcome = AuditEvent['outcome'];

const FILTER_KEYS = ['category', 'actorId', 'resourceRid', 'outcome', 'startTime', 'endTime'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

const OUTCOME_INTENT: Record<Outcome, 'success' | 'warning' | 'danger'> = { success: 'success', failure: 'warning', denied: 'danger' };

/** `datetime-local` value (local time) ⇄ ISO instant. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function FilterBar({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v || undefined }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  return (
    <form className="of-filter-bar" onSubmit={submit} data-testid="audit-filters">
      <FormGroup label="Category" labelFor="audit-category">
        <InputGroup id="audit-category" placeholder="auth. (prefix) or auth.login" title="An exact category, or a prefix ending in “.”" value={draft.category ?? ''} onValueChange={set('category')} />
      </FormGroup>
      <FormGroup label="Actor id" labelFor="audit-actor">
        <InputGroup id="audit-actor" placeholder="user id" value={draft.actorId ?? ''} onValueChange={set('actorId')} />
      </FormGroup>
      <FormGroup label="Resource RID" labelFor="audit-resource">
        <InputGroup id="audit-resource" placeholder="ri.compass.main.folder…" value={draft.resourceRid ?? ''} onValueChange={set('resourceRid')} />
      </FormGroup>
      <FormGroup label="Outcome" labelFor="audit-outcome">
        <HTMLSelect
          id="audit-outcome"
          value={draft.outcome ?? ''}
          onChange={(e) => set('outcome')(e.currentTarget.value)}
          options={[
            { value: '', label: 'Any' },
            { value: 'success', label: 'Success' },
            { value: 'failure', label: 'Failure' },
            { value: 'denied', label: 'Denied' },
          ]}
        />
      </FormGroup>
      <FormGroup label="From" labelFor="audit-start">
        <InputGroup id="audit-start" type="datetime-local" value={toLocalInput(draft.startTime)} onValueChange={(v) => setDraft((d) => ({ ...d, startTime: fromLocalInput(v) }))} />
      </FormGroup>
      <FormGroup label="Until" labelFor="audit-end">
        <InputGroup id="audit-end" type="datetime-local" value={toLocalInput(draft.endTime)} onValueChange={(v) => setDraft((d) => ({ ...d, endTime: fromLocalInput(v) }))} />
      </FormGroup>
      <ControlGroup className="of-filter-actions">
        <Button type="submit" intent="primary" icon="filter" text="Apply" />
        <Button
          icon="cross"
          text="Clear"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        />
      </ControlGroup>
    </form>
  );
}

function Actor({ e, onFilter }: { e: AuditEvent; onFilter: (f: Filters) => void }) {
  if (e.actorKind === 'user' && e.actorId) {
    return (
      <a onClick={() => onFilter({ actorId: e.actorId! })} title="Show only this actor">
        <PrincipalLabel id={e.actorId} type="USER" />
      </a>
    );
  }
  if (e.actorKind === 'service') return <span title={e.actorId ?? ''}>service {e.actorId ? <span className="of-mono-small">{e.actorId.slice(0, 8)}</span> : null}</span>;
  return <span className="of-muted">{e.actorKind}</span>;
}

function EventRow({ e, onFilter }: { e: AuditEvent; onFilter: (f: Filters) => void }) {
  const [open, setOpen] = useState(false);
  const details = Object.keys(e.details).length > 0;
  return (
    <Fragment>
      <tr className="of-audit-row" data-testid="audit-row" data-category={e.category}>
        <td className="of-nowrap of-mono-small">{formatTimestamp(e.time)}</td>
        <td className="of-nowrap">
          <a className="of-mono-small" onClick={() => onFilter({ category: e.category })} title="Show only this category">
            {e.category}
          </a>
        </td>
        <td>
          <Tag minimal intent={OUTCOME_INTENT[e.outcome]}>
            {e.outcome}
          </Tag>
        </td>
        <td>
          <Actor e={e} onFilter={onFilter} />
        </td>
        <td>
          <div className="of-rids">
            {e.resourceRids.map((r) => (
              <a key={r} className="of-mono-small" title={`${r} — show only this resource`} onClick={() => onFilter({ resourceRid: r })}>
                {r}
              </a>
            ))}
          </div>
        </td>
        <td className="of-mono-small of-muted">{e.clientIp ?? ''}</td>
        <td className="of-cell-actions">
          <Button size="small" variant="minimal" icon={open ? 'chevron-up' : 'chevron-down'} aria-label="Details" onClick={() => setOpen(!open)} />
        </td>
      </tr>
      {open ? (
        <tr className="of-audit-details">
          <td colSpan={7}>
            <dl className="of-kv">
              <dt>Event id</dt>
              <dd className="of-mono-small">{e.id}</dd>
              <dt>Sequence</dt>
              <dd>{e.sequence}</dd>
              <dt>Request id</dt>
              <dd className="of-mono-small">{e.requestId ?? '—'}</dd>
              <dt>User agent</dt>
              <dd>{e.userAgent ?? '—'}</dd>
              <dt>Hash</dt>
              <dd className="of-mono-small">{e.hash}</dd>
            </dl>
            {details ? <pre className="of-json">{JSON.stringify(e.details, null, 2)}</pre> : null}
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

/** Organization admins: the hash-chained audit trail, filtered and paged, with a JSON Lines export. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const apply = (f: Filters) => {
    const next = new URLSearchParams();
    for (const k of FILTER_KEYS) if (f[k]) next.set(k, f[k]!);
    setParams(next);
  };
  const query = { ...filters, outcome: filters.outcome as Outcome | undefined };
  const events = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET('/api/v2/audit/events', { params: { query: { ...query, pageSize: 100, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
  });
  const rows = events.data?.pages.flatMap((p) => p.data) ?? [];
  const exportUrl = urlOf(window.location.origin, '/api/v2/audit/events/export', filters);

  return (
    <div className="of-page">
      <PageHeader
        title="Audit log"
        subtitle="Every sign-in, change and permission decision in your organization, newest first. Events are hash-chained and cannot be edited."
        actions={
          <>
            <Button icon="refresh" text="Refresh" onClick={() => void events.refetch()} loading={events.isRefetching} />
            <AnchorButton icon="download" text="Export JSON Lines" href={exportUrl} download data-testid="audit-export" />
          </>
        }
      />
      {/* Keyed by the applied filters so the form shows them after a row link or a back navigation. */}
      <FilterBar key={params.toString()} filters={filters} onApply={apply} />
      {events.isPending ? (
        <Spinner />
      ) : events.isError ? (
        <NonIdealState icon="error" title="Cannot load the audit log" description={describeError(events.error).title} action={<Button text="Retry" onClick={() => void events.refetch()} />} />
      ) : rows.length === 0 ? (
        <NonIdealState icon="history" title="No events" description={Object.keys(filters).length ? 'Nothing matches these filters.' : undefined} />
      ) : (
        <div className="of-table-scroll">
          <HTMLTable compact striped className="of-table of-audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Category</th>
                <th>Outcome</th>
                <th>Actor</th>
                <th>Resources</th>
                <th>Client</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <EventRow key={e.id} e={e} onFilter={(f) => apply({ ...filters, ...f })} />
              ))}
            </tbody>
          </HTMLTable>
        </div>
      )}
      {events.hasNextPage ? <Button className="of-load-more" text="Load older events" loading={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()} /> : null}
    </div>
  );
}
