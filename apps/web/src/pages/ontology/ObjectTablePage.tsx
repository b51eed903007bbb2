import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, Icon, InputGroup, Menu, NonIdealState, PopoverNext, ProgressBar, Spinner, Tag, TextArea, type IconName } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { formatCount } from '../../lib/datasets';
import { useResource } from '../../lib/filesystem';
import { useDebounced } from '../../lib/useDebounced';
import { useUrlParams } from '../../lib/urlState';
import {
  FILTER_OPS,
  baseSet,
  downloadText,
  filtered,
  isNumericProperty,
  loadAll,
  objectTableUrl,
  objectUrl,
  ontKeys,
  ontologyUrl,
  explorerUrl,
  rowsOf,
  toCsv,
  typeText,
  useAggregate,
  useFullMetadata,
  useObjectsPage,
  useOntology,
  useSavedSet,
  valueText,
  viewOfSet,
  whereOf,
  type FilterOp,
  type FilterRow,
  type ObjectSet,
  type ObjectTypeMeta,
  type OntologyObject,
  type SavedObjectSet,
} from '../../lib/ontology';
import { describeError, showError, showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { FolderPicker } from '../../components/FolderPicker';
import type { ChartKind } from '../../components/AggregationChart';

const AggregationChart = lazy(() => import('../../components/AggregationChart'));
const PAGE_SIZES = [25, 50, 100, 500];
const DEFAULT_COLUMNS = 12;

interface Sort {
  field: string;
  direction: 'asc' | 'desc';
}

/** A cell of a property value: nulls muted, numbers right-aligned, geopoints as "lat, lon". */
function ValueCell({ value, numeric }: { value: unknown; numeric: boolean }) {
  if (value === null || value === undefined) return <td className="of-grid-null">null</td>;
  const text = valueText(value);
  return (
    <td className={numeric ? 'of-grid-num' : undefined} title={text.length > 40 ? text : undefined}>
      {text}
    </td>
  );
}

function FilterEditor({ type, rows, onChange }: { type: ObjectTypeMeta; rows: FilterRow[]; onChange: (rows: FilterRow[]) => void }) {
  const properties = Object.entries(type.properties);
  const set = (i: number, patch: Partial<FilterRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="of-filters" data-testid="filters">
      {rows.map((r, i) => {
        const dataType = type.properties[r.property]?.dataType ?? { type: 'string' };
        const ops = FILTER_OPS.filter((o) => (!o.numeric || isNumericProperty(dataType) || ['date', 'timestamp', 'string'].includes(dataType.type)) && (!o.text || dataType.type === 'string'));
        const op = FILTER_OPS.find((o) => o.op === r.op);
        return (
          <div key={i} className="of-filter-row" data-testid="filter-row">
            <HTMLSelect aria-label="Filter property" value={r.property} onChange={(e) => set(i, { property: e.currentTarget.value })} options={properties.map(([name, p]) => ({ value: name, label: p.displayName }))} />
            <HTMLSelect aria-label="Filter operator" value={r.op} onChange={(e) => set(i, { op: e.currentTarget.value as FilterOp })} options={ops.map((o) => ({ value: o.op, label: o.label }))} />
            {op?.noValue ? null : (
              <InputGroup aria-label="Filter value" value={r.value} placeholder={typeText(dataType)} onValueChange={(v) => set(i, { value: v })} />
            )}
            <Button variant="minimal" icon="cross" aria-label="Remove filter" onClick={() => onChange(rows.filter((_, j) => j !== i))} />
          </div>
        );
      })}
      <Button icon="filter" text="Add filter" variant="minimal" onClick={() => onChange([...rows, { property: type.titleProperty, op: 'eq', value: '' }])} data-testid="add-filter" />
    </div>
  );
}

function ColumnChooser({ type, columns, onChange }: { type: ObjectTypeMeta; columns: string[]; onChange: (c: string[]) => void }) {
  const all = Object.entries(type.properties);
  return (
    <PopoverNext
      placement="bottom-end"
      content={
        <Menu className="of-column-chooser" data-testid="column-chooser">
          {all.map(([name, p]) => (
            <li key={name} className="of-column-choice">
              <Checkbox
                label={`${p.displayName}${p.visibility === 'HIDDEN' ? ' (hidden)' : ''}`}
                checked={columns.includes(name)}
                onChange={(e) => onChange(e.currentTarget.checked ? all.map(([n]) => n).filter((n) => n === name || columns.includes(n)) : columns.filter((c) => c !== name))}
              />
            </li>
          ))}
        </Menu>
      }
    >
      <Button icon="th" text={`Columns (${columns.length}/${all.length})`} endIcon="caret-down" data-testid="columns-button" />
    </PopoverNext>
  );
}

const DURATION_UNITS = ['DAYS', 'WEEKS', 'MONTHS', 'QUARTERS', 'YEARS'];

/** A chart of one aggregation of the set: a metric (count, or sum/avg/min/max of a number) by the buckets of a property. */
function ChartPanel({ ontology, type, objectSet }: { ontology: string; type: ObjectTypeMeta; objectSet: ObjectSet }) {
  const properties = Object.entries(type.properties);
  const numeric = properties.filter(([, p]) => isNumericProperty(p.dataType));
  // Group by a category by default: a string or boolean that is neither the key nor the title.
  const categorical = properties.filter(([, p]) => p.dataType.type === 'string' || p.dataType.type === 'boolean');
  const firstGroup = (categorical.find(([n]) => n !== type.primaryKey && n !== type.titleProperty) ?? categorical[0] ?? properties[0])?.[0] ?? '';
  const [groupBy, setGroupBy] = useState(firstGroup);
  const [metric, setMetric] = useState('count');
  const [field, setField] = useState(numeric[0]?.[0] ?? '');
  const [kind, setKind] = useState<ChartKind>('bar');
  const [unit, setUnit] = useState('MONTHS');
  const groupType = type.properties[groupBy]?.dataType.type ?? 'string';
  const temporal = groupType === 'date' || groupType === 'timestamp';
  const body = {
    objectSet,
    groupBy: [temporal ? { type: 'duration', field: groupBy, value: 1, unit } : { type: 'exact', field: groupBy, maxGroupCount: 50 }],
    aggregation: [metric === 'count' ? { type: 'count', name: 'value' } : { type: metric, field, name: 'value' }],
  };
  const result = useAggregate(ontology, body, !!groupBy);
  const buckets = useMemo(() => {
    const rows = (result.data?.data ?? []).map((d) => ({ key: d.group[groupBy], value: Number(d.metrics[0]?.value ?? 0) }));
    // Time buckets in time order; other buckets largest first.
    rows.sort((a, b) => (temporal ? String(a.key).localeCompare(String(b.key)) : b.value - a.value));
    return { labels: rows.map((r) => (r.key === null || r.key === undefined ? '(empty)' : valueText(r.key))), values: rows.map((r) => r.value) };
  }, [result.data, groupBy, temporal]);
  const metricLabel = metric === 'count' ? 'Count' : `${metric} of ${type.properties[field]?.displayName ?? field}`;
  return (
    <div className="of-chart-panel" data-testid="chart-panel">
      <div className="of-toolbar">
        <HTMLSelect aria-label="Chart metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value)} options={[{ value: 'count', label: 'Count' }, ...(numeric.length ? ['sum', 'avg', 'min', 'max'].map((m) => ({ value: m, label: m })) : [])]} />
        {metric !== 'count' ? <HTMLSelect aria-label="Chart field" value={field} onChange={(e) => setField(e.currentTarget.value)} options={numeric.map(([n, p]) => ({ value: n, label: p.displayName }))} /> : null}
        <span className="of-muted">by</span>
        <HTMLSelect aria-label="Chart group by" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value)} options={properties.map(([n, p]) => ({ value: n, label: p.displayName }))} />
        {temporal ? <HTMLSelect aria-label="Chart time unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)} options={DURATION_UNITS.map((u) => ({ value: u, label: u.toLowerCase() }))} /> : null}
        <HTMLSelect aria-label="Chart kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as ChartKind)} options={['bar', 'line', 'pie']} />
        {result.isFetching ? <Spinner size={16} /> : null}
      </div>
      {result.isError ? (
        <Callout intent="danger">{describeError(result.error).title}</Callout>
      ) : buckets.labels.length === 0 && result.data ? (
        <div className="of-muted">No objects to chart.</div>
      ) : (
        <Suspense fallback={<Spinner />}>
          <AggregationChart kind={kind} labels={buckets.labels} values={buckets.values} metric={metricLabel} />
        </Suspense>
      )}
      {result.data ? (
        <div className="of-muted of-small" data-testid="chart-summary">
          {buckets.labels.length} groups{result.data.accuracy === 'APPROXIMATE' ? ' (approximate)' : ''}
        </div>
      ) : null}
    </div>
  );
}

function SaveSetDialog({ ontology, objectSet, isOpen, onClose, onSaved }: { ontology: string; objectSet: ObjectSet; isOpen: boolean; onClose: () => void; onSaved: (s: SavedObjectSet) => void }) {
  const info = useResource(ontology);
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [folder, setFolder] = useState('');
  useEffect(() => {
    if (isOpen && !folder && info.data?.parentFolderRid) setFolder(info.data.parentFolderRid);
  }, [isOpen, folder, info.data]);
  const save = useMutation({
    meta: { action: 'Save object set' },
    mutationFn: () =>
      ok(api.POST('/api/v2/ontologies/{ontology}/savedObjectSets', { params: { path: { ontology } }, body: { parentFolderRid: folder, name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), objectSet } })) as Promise<unknown> as Promise<SavedObjectSet>,
    onSuccess: (s) => {
      showSuccess(`Saved ${s.name}`);
      void queryClient.invalidateQueries({ queryKey: ontKeys.savedSets(ontology) });
      onClose();
      onSaved(s);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title="Save object set" icon="floppy-disk" style={{ width: 560 }}>
      <form onSubmit={submit}>
        <DialogBody>
          <p className="of-muted">A saved set keeps the filter, not the objects: it shows current data whenever it is opened. Share it like any resource.</p>
          <FormGroup label="Name" labelFor="set-name">
            <InputGroup id="set-name" required autoFocus maxLength={255} value={name} onValueChange={setName} />
          </FormGroup>
          <FormGroup label="Description" labelFor="set-description" labelInfo="(optional)">
            <TextArea id="set-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          </FormGroup>
          <FormGroup label="Folder">
            <FolderPicker location={folder} onChange={setFolder} />
          </FormGroup>
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={onClose} />
              <Button type="submit" intent="primary" text="Save" loading={save.isPending} disabled={!name.trim() || !folder} data-testid="save-set-submit" />
            </>
          }
        />
      </form>
    </Dialog>
  );
}

/** `?f=` holds the filter rows as JSON, `?sort=field:asc`, `?set=` a saved set, `?ref=` a temporary one. */
function parseRows(text: string | null): FilterRow[] {
  if (!text) return [];
  try {
    const rows = JSON.parse(text) as FilterRow[];
    return Array.isArray(rows) ? rows.filter((r) => typeof r.property === 'string' && typeof r.op === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The objects of one type: filters, sort by a column, a column chooser, pages, CSV export,
 * charts of aggregations; a filter can be saved as a named object set and opened again.
 */
export function ObjectTablePage() {
  const { ontology = '', objectType = '' } = useParams();
  const navigate = useNavigate();
  const [params, updateUrl] = useUrlParams();
  const meta = useFullMetadata(ontology);
  const info = useOntology(ontology);
  const type = meta.data?.objectTypes[objectType]?.objectType;
  const savedRid = params.get('set') ?? undefined;
  const saved = useSavedSet(ontology, savedRid);
  const refRid = params.get('ref') ?? undefined;
  // A temporary set (linked objects opened from an object) is read once and used by its definition.
  const temporary = useQuery({
    queryKey: ['ontologies', ontology, 'objectSet', refRid ?? ''],
    enabled: !!refRid,
    queryFn: () => ok(api.GET('/api/v2/ontologies/{ontology}/objectSets/{objectSetRid}', { params: { path: { ontology, objectSetRid: refRid! }, query: {} } })) as Promise<unknown> as Promise<ObjectSet>,
    staleTime: Infinity,
  });

  const rows = useMemo(() => parseRows(params.get('f')), [params]);
  const [draftRows, setDraftRows] = useState<FilterRow[]>(rows);
  useEffect(() => setDraftRows(rows), [rows]);
  const debouncedRows = useDebounced(draftRows, 400);
  useEffect(() => {
    const text = debouncedRows.length ? JSON.stringify(debouncedRows) : '';
    if ((params.get('f') ?? '') !== text) updateUrl({ f: text }, { replace: true });
  }, [debouncedRows, params, updateUrl]);

  // Opening a saved set of the plain shape fills the filter rows; any other shape is its base.
  const savedView = saved.data ? viewOfSet(saved.data.objectSet) : undefined;
  const savedRows = savedView ? rowsOf(savedView.where) : undefined;
  const [loadedSet, setLoadedSet] = useState<string | undefined>();
  useEffect(() => {
    if (!saved.data || loadedSet === saved.data.rid) return;
    setLoadedSet(saved.data.rid);
    if (savedRows) setDraftRows(savedRows);
  }, [saved.data, savedRows, loadedSet]);

  const base: ObjectSet | undefined = refRid ? temporary.data : saved.data && !savedRows ? saved.data.objectSet : baseSet(objectType);
  const where = type ? whereOf(rows.filter((r) => FILTER_OPS.find((o) => o.op === r.op)?.noValue || r.value.trim() !== ''), type.properties) : undefined;
  const objectSet = base ? filtered(base, where) : undefined;

  const sortParam = params.get('sort');
  const sort: Sort | undefined = sortParam ? { field: sortParam.split(':')[0]!, direction: sortParam.endsWith(':desc') ? 'desc' : 'asc' } : undefined;
  const [pageSize, setPageSize] = useState(50);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const setKey = JSON.stringify([objectSet, sort, pageSize]);
  useEffect(() => setTokens([undefined]), [setKey]);

  const [columns, setColumns] = useState<string[]>([]);
  useEffect(() => {
    if (type) setColumns(Object.entries(type.properties).filter(([, p]) => p.visibility !== 'HIDDEN').map(([n]) => n).slice(0, DEFAULT_COLUMNS));
  }, [type]);

  const request = { objectSet: objectSet ?? baseSet(objectType), pageSize, pageToken: tokens[tokens.length - 1], ...(sort ? { orderBy: { fields: [sort] } } : {}) };
  const page = useObjectsPage(ontology, request, !!objectSet && !!type);

  const [showChart, setShowChart] = useState(false);
  const [saving, setSaving] = useState(false);
  const [exporting, setExporting] = useState<number | undefined>();
  const queryClient = useQueryClient();
  const update = useMutation({
    meta: { action: 'Save object set' },
    mutationFn: () => ok(api.PUT('/api/v2/ontologies/{ontology}/savedObjectSets/{savedObjectSetRid}', { params: { path: { ontology, savedObjectSetRid: savedRid! } }, body: { objectSet: objectSet! } })),
    onSuccess: () => {
      showSuccess(`Saved ${saved.data?.name ?? 'the set'}`);
      void queryClient.invalidateQueries({ queryKey: ontKeys.savedSets(ontology) });
    },
  });

  const exportCsv = async () => {
    if (!objectSet) return;
    setExporting(0);
    try {
      const { objects, truncated } = await loadAll(ontology, { objectSet, select: columns, ...(sort ? { orderBy: { fields: [sort] } } : {}) }, setExporting);
      downloadText(`${objectType}.csv`, toCsv(columns, objects), 'text/csv');
      showSuccess(`Exported ${formatCount(objects.length)} objects${truncated ? ' (the first ones; narrow the filter for the rest)' : ''}`);
    } catch (e) {
      showError(e, 'Export');
    } finally {
      setExporting(undefined);
    }
  };

  if (meta.isPending) return <Spinner />;
  if (meta.isError) return <NonIdealState icon="error" title="Cannot load the ontology" description={describeError(meta.error).title} />;
  if (!type) return <NonIdealState icon="cube" title="No such object type" description={`${objectType} is not an object type you can read.`} action={<Link to={explorerUrl(ontology)}>Explore objects</Link>} />;

  const toggleSort = (field: string) => updateUrl({ sort: `${field}:${sort?.field === field && sort.direction === 'asc' ? 'desc' : 'asc'}` }, { replace: true });
  const objects = page.data?.data ?? [];
  const offset = (tokens.length - 1) * pageSize;
  const total = page.data ? Number(page.data.totalCount) : undefined;
  const isNumeric = (c: string) => !!type.properties[c] && isNumericProperty(type.properties[c]!.dataType);

  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/ontologies">Ontologies</Link> / <Link to={explorerUrl(ontology)}>{info.data?.displayName ?? 'Ontology'}</Link>
          </>
        }
        title={
          <span data-testid="object-type-title">
            <Icon icon={type.icon.name as IconName} color={type.icon.color} size={20} /> {saved.data ? saved.data.name : type.pluralDisplayName}
          </span>
        }
        subtitle={
          saved.data ? (
            <>
              Saved object set of {type.pluralDisplayName} · {saved.data.path}
            </>
          ) : refRid ? (
            'Linked objects'
          ) : (
            type.description
          )
        }
        actions={
          <>
            <Button icon="timeline-bar-chart" text={showChart ? 'Hide chart' : 'Chart'} active={showChart} onClick={() => setShowChart((v) => !v)} data-testid="chart-button" />
            <Button icon="export" text="Export CSV" loading={exporting !== undefined} onClick={() => void exportCsv()} data-testid="export-csv" />
            {savedRid && saved.data ? <Button icon="floppy-disk" text="Save changes" loading={update.isPending} onClick={() => update.mutate()} data-testid="update-set" /> : null}
            <Button intent="primary" icon="floppy-disk" text={savedRid ? 'Save as…' : 'Save as object set'} onClick={() => setSaving(true)} data-testid="save-set" />
            <Button icon="cog" text="Manage" onClick={() => navigate(ontologyUrl(ontology))} />
          </>
        }
      />
      {exporting !== undefined ? (
        <div className="of-export-progress">
          <ProgressBar intent="primary" /> <span className="of-muted">{formatCount(exporting)} objects read…</span>
        </div>
      ) : null}
      <FilterEditor type={type} rows={draftRows} onChange={setDraftRows} />
      {showChart && objectSet ? <ChartPanel ontology={ontology} type={type} objectSet={objectSet} /> : null}
      <div className="of-toolbar of-table-toolbar">
        <span className="of-muted" data-testid="object-count">
          {total === undefined ? '' : total === 0 ? 'No objects' : `${formatCount(offset + 1)}–${formatCount(offset + objects.length)} of ${formatCount(total)} objects`}
        </span>
        {page.isFetching ? <Spinner size={16} /> : null}
        <span className="of-spacer" />
        <ColumnChooser type={type} columns={columns} onChange={setColumns} />
        <HTMLSelect minimal aria-label="Objects per page" value={pageSize} onChange={(e) => setPageSize(Number(e.currentTarget.value))} options={PAGE_SIZES.map((n) => ({ value: n, label: `${n} per page` }))} />
        <Button variant="minimal" icon="chevron-left" aria-label="Previous page" disabled={tokens.length === 1 || page.isFetching} onClick={() => setTokens((t) => t.slice(0, -1))} />
        <Button variant="minimal" icon="chevron-right" aria-label="Next page" disabled={!page.data?.nextPageToken || page.isFetching} onClick={() => setTokens((t) => [...t, page.data!.nextPageToken])} data-testid="next-page" />
      </div>
      {page.isError ? (
        <Callout intent="danger" title={describeError(page.error).title} data-testid="objects-error">
          {describeError(page.error).details}
        </Callout>
      ) : (
        <div className="of-grid-scroll">
          <HTMLTable compact striped interactive className="of-grid of-object-grid" data-testid="object-table">
            <thead>
              <tr>
                <th>{type.displayName}</th>
                {columns.map((c) => (
                  <th key={c} className={isNumeric(c) ? 'of-grid-num' : undefined} data-testid="object-column">
                    <button type="button" className="of-sort-header" onClick={() => toggleSort(c)} aria-label={`Sort by ${type.properties[c]?.displayName ?? c}`}>
                      <span className="of-grid-col-name">{type.properties[c]?.displayName ?? c}</span>
                      {sort?.field === c ? <Icon icon={sort.direction === 'asc' ? 'sort-asc' : 'sort-desc'} size={12} /> : null}
                    </button>
                    <div className="of-grid-col-type">{typeText(type.properties[c]?.dataType ?? { type: '?' })}</div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {objects.map((o: OntologyObject) => (
                <tr key={String(o.__primaryKey)} data-testid="object-row">
                  <td>
                    <Link to={objectUrl(ontology, objectType, o.__primaryKey)}>{valueText(o.__title ?? o.__primaryKey) || <span className="of-muted">(no title)</span>}</Link>
                  </td>
                  {columns.map((c) => (
                    <ValueCell key={c} value={o[c]} numeric={isNumeric(c)} />
                  ))}
                </tr>
              ))}
            </tbody>
          </HTMLTable>
          {page.isPending ? <Spinner /> : null}
        </div>
      )}
      {saved.data && !savedRows ? (
        <Tag minimal icon="info-sign" className="of-set-note">
          This saved set is more than a filter of {type.apiName}; the filters above narrow it further.
        </Tag>
      ) : null}
      {objectSet ? <SaveSetDialog ontology={ontology} objectSet={objectSet} isOpen={saving} onClose={() => setSaving(false)} onSaved={(s) => navigate(objectTableUrl(ontology, objectType, { set: s.rid }))} /> : null}
    </div>
  );
}
