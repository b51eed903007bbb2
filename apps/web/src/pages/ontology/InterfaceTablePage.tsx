import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Button, Icon, NonIdealState, Spinner, Tag, type IconName } from '@blueprintjs/core';
import { formatCount } from '../../lib/datasets';
import { useUrlParams } from '../../lib/urlState';
import { explorerUrl, filtered, interfaceSet, interfaceTableUrl, loadInterfaceObjects, objectTableUrl, ontologyUrl, rowsOf, useCounts, useFullMetadata, useInterfaceObjectsPage, useOntology, viewOfInterfaceSet, whereOf, type ObjectTypeMeta, type OntologyObject, type SavedObjectSet } from '../../lib/ontology';
import { describeError } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { ChecklistButton, ColumnChooser, FilterEditor, ObjectGrid, PageToolbar, SaveSetDialog, defaultColumns, orderByOf, useCsvExport, useFilterParam, usePageTokens, useSavedSetParam, useSortParam } from './ObjectGrid';

/** CSV headers of the object's type and key: API names have no spaces, so no property can take them. */
const CSV_IDENTITY = { columns: ['__apiName', '__primaryKey'], headers: ['object type', 'primary key'] };

/** An object type by its icon and name; in the type chooser, plural with how many of its objects match (once counted). */
function TypeLabel({ type, plural = false, count }: { type: ObjectTypeMeta | undefined; plural?: boolean; count?: number | undefined }) {
  return (
    <span className="of-type-label">
      <Icon icon={(type?.icon.name ?? 'cube') as IconName} color={type?.icon.color} /> {plural ? type?.pluralDisplayName : type?.displayName}
      {count !== undefined ? (
        <Tag minimal round className="of-tag-gap">
          {formatCount(count)}
        </Tag>
      ) : null}
    </span>
  );
}

/**
 * The objects of an interface: every object type implementing it (that the user can read) in one
 * table, by the interface's shared properties. Filters, sort, pages, columns and the CSV export
 * work as in an object type's table; `?types=` narrows it to some of the implementing types.
 */
export function InterfaceTablePage() {
  const { ontology = '', interfaceType = '' } = useParams();
  const navigate = useNavigate();
  const [params, updateUrl] = useUrlParams();
  const meta = useFullMetadata(ontology);
  const info = useOntology(ontology);
  const iface = meta.data?.interfaceTypes[interfaceType];
  const implementing = useMemo(() => iface?.implementedByObjectTypes ?? [], [iface]);
  const typeOf = (apiName: string) => meta.data?.objectTypes[apiName]?.objectType;

  // `?types=` keeps only implementing types the user can read; none of them (or all) is the whole interface.
  const typesParam = params.get('types');
  const chosen = useMemo(() => {
    const named = (typesParam ?? '').split(',').filter((t) => implementing.includes(t));
    return named.length && named.length < implementing.length ? named : undefined;
  }, [typesParam, implementing]);
  const selected = chosen ?? implementing;
  const chooseTypes = (types: string[]) => updateUrl({ types: types.length < implementing.length ? types.join(',') : undefined }, { replace: true });

  const filters = useFilterParam();
  const { setDraft } = filters;
  // `?set=` opens a saved set of this interface: its filter and its types fill the controls.
  const { saved } = useSavedSetParam(
    ontology,
    useCallback(
      (s: SavedObjectSet) => {
        const view = viewOfInterfaceSet(s.objectSet);
        if (!view || view.interfaceType !== interfaceType) return;
        setDraft(rowsOf(view.where) ?? []);
        if (view.objectTypes) updateUrl({ types: view.objectTypes.join(',') }, { replace: true });
      },
      [interfaceType, setDraft, updateUrl],
    ),
  );
  const [saving, setSaving] = useState(false);

  const where = iface ? whereOf(filters.rows, iface.allProperties) : undefined;
  const objectSet = filtered(interfaceSet(interfaceType, chosen), where);
  const counts = useCounts(ontology, implementing.map((t) => filtered(interfaceSet(interfaceType, [t]), where)));

  const { sort, toggle: toggleSort } = useSortParam();
  const paging = usePageTokens(JSON.stringify([objectSet, sort]));
  const [columns, setColumns] = useState<string[]>([]);
  useEffect(() => {
    if (iface) setColumns(defaultColumns(iface.allProperties));
  }, [iface]);
  const page = useInterfaceObjectsPage(ontology, interfaceType, { objectSet, pageSize: paging.pageSize, pageToken: paging.pageToken, ...orderByOf(sort) }, implementing.length > 0);
  const csv = useCsvExport();

  if (meta.isPending) return <Spinner />;
  if (meta.isError) return <NonIdealState icon="error" title="Cannot load the ontology" description={describeError(meta.error).title} />;
  if (!iface) return <NonIdealState icon="layers" title="No such interface" description={`${interfaceType} is not an interface of this ontology.`} action={<Link to={explorerUrl(ontology)}>Explore objects</Link>} />;
  const shared = Object.keys(iface.allProperties);

  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/ontologies">Ontologies</Link> / <Link to={explorerUrl(ontology)}>{info.data?.displayName ?? 'Ontology'}</Link>
          </>
        }
        title={
          <span data-testid="interface-title">
            <Icon icon="layers" size={20} /> {iface.displayName}
          </span>
        }
        subtitle={
          <>
            Interface · implemented by{' '}
            {implementing.length
              ? implementing.map((t, i) => (
                  <span key={t}>
                    {i ? ', ' : ''}
                    <Link to={objectTableUrl(ontology, t)}>{typeOf(t)?.pluralDisplayName ?? t}</Link>
                  </span>
                ))
              : 'no object type you can read'}
            {iface.description ? <> · {iface.description}</> : null}
            {saved.data ? <> · saved object set {saved.data.path}</> : null}
          </>
        }
        actions={
          <>
            <Button
              icon="export"
              text="Export CSV"
              loading={csv.exporting}
              onClick={() =>
                void csv.run(`${interfaceType}.csv`, (body) => loadInterfaceObjects(ontology, interfaceType, body), { objectSet, select: columns, ...orderByOf(sort) }, { columns: [...CSV_IDENTITY.columns, ...columns], headers: [...CSV_IDENTITY.headers, ...columns] })
              }
              data-testid="export-csv"
            />
            <Button intent="primary" icon="floppy-disk" text="Save as object set" onClick={() => setSaving(true)} data-testid="save-set" />
            <Button icon="cog" text="Manage" onClick={() => navigate(`${ontologyUrl(ontology)}?tab=interfaces`)} />
          </>
        }
      />
      {csv.progress}
      {implementing.length === 0 ? (
        <NonIdealState icon="layers" title="No objects to show" description="No object type that you can read implements this interface." />
      ) : (
        <>
          <div className="of-toolbar">
            <ChecklistButton
              icon="cube"
              text={`Object types (${selected.length}/${implementing.length})`}
              // The last type chosen stays chosen: the table always shows some type.
              items={implementing.map((t, i) => ({ value: t, label: <TypeLabel type={typeOf(t)} plural count={counts[i]} />, disabled: selected.length === 1 && selected[0] === t }))}
              selected={selected}
              onChange={chooseTypes}
              testIds={{ button: 'types-button', menu: 'type-chooser' }}
              placement="bottom-start"
            />
          </div>
          {shared.length ? <FilterEditor columns={iface.allProperties} defaultProperty={shared[0]!} rows={filters.draft} onChange={filters.setDraft} /> : null}
          <PageToolbar paging={paging} page={page}>
            <ColumnChooser columns={iface.allProperties} shown={columns} onChange={setColumns} />
          </PageToolbar>
          <ObjectGrid
            ontology={ontology}
            titleHeader={iface.displayName}
            leading={[{ header: 'Object type', cell: (o: OntologyObject) => <TypeLabel type={typeOf(o.__apiName)} /> }]}
            columns={iface.allProperties}
            shown={columns}
            sort={sort}
            onSort={toggleSort}
            page={page}
          />
        </>
      )}
      <SaveSetDialog ontology={ontology} objectSet={objectSet} isOpen={saving} onClose={() => setSaving(false)} onSaved={(s) => navigate(interfaceTableUrl(ontology, interfaceType, { set: s.rid, types: chosen?.join(',') }))} />
    </div>
  );
}
