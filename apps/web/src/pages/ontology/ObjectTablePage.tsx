import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, HTMLSelect, Icon, NonIdealState, Spinner, Tag, type IconName } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { useUrlParams } from '../../lib/urlState';
import {
  baseSet,
  filtered,
  isNumericProperty,
  loadObjects,
  objectTableUrl,
  ontKeys,
  ontologyUrl,
  explorerUrl,
  rowsOf,
  useAggregate,
  useFullMetadata,
  useObjectsPage,
  useOntology,
  valueText,
  viewOfSet,
  whereOf,
  type ObjectSet,
  type ObjectTypeMeta,
  type SavedObjectSet,
} from '../../lib/ontology';
import { describeError, showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import type { ChartKind } from '../../components/AggregationChart';
import { ColumnChooser, FilterEditor, ObjectGrid, PageToolbar, SaveSetDialog, defaultColumns, orderByOf, useCsvExport, useFilterParam, usePageTokens, useSavedSetParam, useSortParam } from './ObjectGrid';

const AggregationChart = lazy(() => import('../../components/AggregationChart'));

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

/** The filter rows of a saved set that is a filter of one type (or the type itself); undefined for any other shape. */
function filterRowsOf(set: ObjectSet) {
  const view = viewOfSet(set);
  return view ? rowsOf(view.where) : undefined;
}

/**
 * The objects of one type: filters, sort by a column, a column chooser, pages, CSV export,
 * charts of aggregations; a filter can be saved as a named object set and opened again.
 * `?f=` holds the filter rows, `?sort=field:asc`, `?set=` a saved set, `?ref=` a temporary one.
 */
export function ObjectTablePage() {
  const { ontology = '', objectType = '' } = useParams();
  const navigate = useNavigate();
  const [params] = useUrlParams();
  const meta = useFullMetadata(ontology);
  const info = useOntology(ontology);
  const type = meta.data?.objectTypes[objectType]?.objectType;
  const refRid = params.get('ref') ?? undefined;
  // A temporary set (linked objects opened from an object) is read once and used by its definition.
  const temporary = useQuery({
    queryKey: ['ontologies', ontology, 'objectSet', refRid ?? ''],
    enabled: !!refRid,
    queryFn: () => ok(api.GET('/api/v2/ontologies/{ontology}/objectSets/{objectSetRid}', { params: { path: { ontology, objectSetRid: refRid! }, query: {} } })) as Promise<unknown> as Promise<ObjectSet>,
    staleTime: Infinity,
  });

  const filters = useFilterParam();
  const { setDraft } = filters;
  // Opening a saved set of the plain shape fills the filter rows; any other shape is its base.
  const { rid: savedRid, saved } = useSavedSetParam(
    ontology,
    useCallback(
      (s: SavedObjectSet) => {
        const rows = filterRowsOf(s.objectSet);
        if (rows) setDraft(rows);
      },
      [setDraft],
    ),
  );
  const savedRows = saved.data ? filterRowsOf(saved.data.objectSet) : undefined;

  const base: ObjectSet | undefined = refRid ? temporary.data : saved.data && !savedRows ? saved.data.objectSet : baseSet(objectType);
  const where = type ? whereOf(filters.rows, type.properties) : undefined;
  const objectSet = base ? filtered(base, where) : undefined;

  const { sort, toggle: toggleSort } = useSortParam();
  const paging = usePageTokens(JSON.stringify([objectSet, sort]));

  const [columns, setColumns] = useState<string[]>([]);
  useEffect(() => {
    if (type) setColumns(defaultColumns(type.properties));
  }, [type]);

  const request = { objectSet: objectSet ?? baseSet(objectType), pageSize: paging.pageSize, pageToken: paging.pageToken, ...orderByOf(sort) };
  const page = useObjectsPage(ontology, request, !!objectSet && !!type);

  const [showChart, setShowChart] = useState(false);
  const [saving, setSaving] = useState(false);
  const csv = useCsvExport();
  const queryClient = useQueryClient();
  const update = useMutation({
    meta: { action: 'Save object set' },
    mutationFn: () => ok(api.PUT('/api/v2/ontologies/{ontology}/savedObjectSets/{savedObjectSetRid}', { params: { path: { ontology, savedObjectSetRid: savedRid! } }, body: { objectSet: objectSet! } })),
    onSuccess: () => {
      showSuccess(`Saved ${saved.data?.name ?? 'the set'}`);
      void queryClient.invalidateQueries({ queryKey: ontKeys.savedSets(ontology) });
    },
  });

  if (meta.isPending) return <Spinner />;
  if (meta.isError) return <NonIdealState icon="error" title="Cannot load the ontology" description={describeError(meta.error).title} />;
  if (!type) return <NonIdealState icon="cube" title="No such object type" description={`${objectType} is not an object type you can read.`} action={<Link to={explorerUrl(ontology)}>Explore objects</Link>} />;

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
            <Button
              icon="export"
              text="Export CSV"
              loading={csv.exporting}
              onClick={() => objectSet && void csv.run(`${objectType}.csv`, (body) => loadObjects(ontology, body), { objectSet, select: columns, ...orderByOf(sort) }, { columns })}
              data-testid="export-csv"
            />
            {savedRid && saved.data ? <Button icon="floppy-disk" text="Save changes" loading={update.isPending} onClick={() => update.mutate()} data-testid="update-set" /> : null}
            <Button intent="primary" icon="floppy-disk" text={savedRid ? 'Save as…' : 'Save as object set'} onClick={() => setSaving(true)} data-testid="save-set" />
            <Button icon="cog" text="Manage" onClick={() => navigate(ontologyUrl(ontology))} />
          </>
        }
      />
      {csv.progress}
      <FilterEditor columns={type.properties} defaultProperty={type.titleProperty} rows={filters.draft} onChange={setDraft} />
      {showChart && objectSet ? <ChartPanel ontology={ontology} type={type} objectSet={objectSet} /> : null}
      <PageToolbar paging={paging} page={page}>
        <ColumnChooser columns={type.properties} shown={columns} onChange={setColumns} />
      </PageToolbar>
      <ObjectGrid ontology={ontology} titleHeader={type.displayName} columns={type.properties} shown={columns} sort={sort} onSort={toggleSort} page={page} />
      {saved.data && !savedRows ? (
        <Tag minimal icon="info-sign" className="of-set-note">
          This saved set is more than a filter of {type.apiName}; the filters above narrow it further.
        </Tag>
      ) : null}
      {objectSet ? <SaveSetDialog ontology={ontology} objectSet={objectSet} isOpen={saving} onClose={() => setSaving(false)} onSaved={(s) => navigate(objectTableUrl(ontology, objectType, { set: s.rid }))} /> : null}
    </div>
  );
}
