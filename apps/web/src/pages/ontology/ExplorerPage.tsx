import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, HTMLTable, Icon, InputGroup, Menu, MenuItem, NonIdealState, Spinner, Tag, type IconName } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { formatCount } from '../../lib/datasets';
import { formatRelative } from '../../lib/format';
import { useUrlParams, useUrlSearch } from '../../lib/urlState';
import {
  interfaceSet,
  interfaceTableUrl,
  objectTableUrl,
  objectUrl,
  ontKeys,
  ontologyUrl,
  useCounts,
  useFullMetadata,
  useIndexStatus,
  useOntology,
  useSavedSets,
  useSearch,
  valueText,
  viewOfInterfaceSet,
  type InterfaceMeta,
  type ObjectTypeMeta,
  type SavedObjectSet,
} from '../../lib/ontology';
import { describeError, showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { ConfirmButton } from '../../components/ConfirmButton';
import { SharingDialog } from '../../components/SharingDialog';

function TypeCard({ ontology, type }: { ontology: string; type: ObjectTypeMeta }) {
  const status = useIndexStatus(ontology, type.apiName);
  return (
    <Link to={objectTableUrl(ontology, type.apiName)} className="of-type-card-link" data-testid="type-card">
      <Card interactive className="of-type-card">
        <Icon icon={type.icon.name as IconName} color={type.icon.color} size={24} />
        <div>
          <div className="of-type-card-name">{type.pluralDisplayName}</div>
          <div className="of-muted of-small">{status.data ? `${formatCount(status.data.objectCount)} objects` : '…'}</div>
        </div>
      </Card>
    </Link>
  );
}

/** An interface with the types implementing it that the user can read, and how many objects they hold. */
function InterfaceCard({ ontology, iface, count }: { ontology: string; iface: InterfaceMeta; count: number | undefined }) {
  const types = iface.implementedByObjectTypes.length;
  return (
    <Link to={interfaceTableUrl(ontology, iface.apiName)} className="of-type-card-link" data-testid="interface-card">
      <Card interactive className="of-type-card">
        <Icon icon="layers" size={24} />
        <div>
          <div className="of-type-card-name">{iface.displayName}</div>
          <div className="of-muted of-small">
            {types === 1 ? '1 object type' : `${types} object types`} · {count === undefined ? '…' : `${formatCount(count)} objects`}
          </div>
        </div>
      </Card>
    </Link>
  );
}

function SavedSets({ ontology, types, interfaces }: { ontology: string; types: Record<string, { objectType: ObjectTypeMeta }>; interfaces: Record<string, { displayName: string }> }) {
  const sets = useSavedSets(ontology);
  const queryClient = useQueryClient();
  const [sharing, setSharing] = useState<SavedObjectSet | undefined>();
  const remove = useMutation({
    meta: { action: 'Delete saved object set' },
    mutationFn: (rid: string) => ok(api.DELETE('/api/v2/ontologies/{ontology}/savedObjectSets/{savedObjectSetRid}', { params: { path: { ontology, savedObjectSetRid: rid } } })),
    onSuccess: () => {
      showSuccess('Deleted the saved set');
      void queryClient.invalidateQueries({ queryKey: ontKeys.savedSets(ontology) });
    },
  });
  const rows = sets.data?.data ?? [];
  if (sets.isPending) return <Spinner size={20} />;
  if (rows.length === 0) return <div className="of-muted">No saved object sets yet: filter a table of objects, then “Save as object set”.</div>;
  return (
    <>
      <HTMLTable compact striped className="of-table" data-testid="saved-sets">
        <thead>
          <tr>
            <th>Name</th>
            <th>Of</th>
            <th>Folder</th>
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const typeName = findType(s.objectSet);
            const iface = typeName ? undefined : viewOfInterfaceSet(s.objectSet);
            const url = typeName ? objectTableUrl(ontology, typeName, { set: s.rid }) : iface ? interfaceTableUrl(ontology, iface.interfaceType, { set: s.rid }) : undefined;
            return (
              <tr key={s.rid} data-testid="saved-set-row">
                <td>{url ? <Link to={url}>{s.name}</Link> : s.name}</td>
                <td>
                  {typeName ? (
                    (types[typeName]?.objectType.pluralDisplayName ?? typeName)
                  ) : iface ? (
                    <>
                      <Icon icon="layers" size={12} /> {interfaces[iface.interfaceType]?.displayName ?? iface.interfaceType}
                    </>
                  ) : (
                    <span className="of-muted">several types</span>
                  )}
                </td>
                <td className="of-muted">{s.path.split('/').slice(0, -1).join('/')}</td>
                <td>{formatRelative(s.updatedTime)}</td>
                <td className="of-table-actions">
                  <Button variant="minimal" icon="people" text="Share" onClick={() => setSharing(s)} />
                  <ConfirmButton variant="minimal" icon="trash" text="Delete" confirmText="Delete saved set" confirm={<p>Delete the saved set {s.name}? The objects stay.</p>} onConfirm={() => remove.mutate(s.rid)} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </HTMLTable>
      {sharing ? <SharingDialog resource={{ rid: sharing.rid, displayName: sharing.name }} isOpen onClose={() => setSharing(undefined)} /> : null}
    </>
  );
}

/** The object type at the root of a set definition (through filters, search-arounds land elsewhere). */
function findType(set: unknown): string | undefined {
  const s = set as { type?: string; objectType?: string; objectSet?: unknown };
  if (s?.type === 'base') return s.objectType;
  if (s?.type === 'filter') return findType(s.objectSet);
  return undefined;
}

/** The Object Explorer: keyword search across every type you can read (ranked, highlighted, with counts per type), the types, the interfaces (each opens the table of all its objects), saved object sets. */
export function ExplorerPage() {
  const { ontology = '' } = useParams();
  const navigate = useNavigate();
  const [params, update] = useUrlParams();
  const { text, setText, query: urlQuery } = useUrlSearch('q', 250);
  const typeFilter = params.get('type') ?? undefined;
  const setType = (t: string | undefined) => update({ type: t }, { replace: true });
  const meta = useFullMetadata(ontology);
  const info = useOntology(ontology);
  // The facets come from the search over every type; the hits are narrowed to the chosen one.
  const all = useSearch(ontology, urlQuery, undefined);
  const hits = useSearch(ontology, urlQuery, typeFilter ? [typeFilter] : undefined);
  const types = meta.data?.objectTypes ?? {};
  const interfaces = Object.values(meta.data?.interfaceTypes ?? {});
  const interfaceCounts = useCounts(ontology, interfaces.map((i) => interfaceSet(i.apiName)));
  if (meta.isError) return <NonIdealState icon="error" title="Cannot load the ontology" description={describeError(meta.error).title} action={<Link to="/ontologies">All ontologies</Link>} />;
  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={<Link to="/ontologies">Ontologies</Link>}
        title={<span data-testid="explorer-title">{info.data?.displayName ?? 'Ontology'}: explore objects</span>}
        actions={<Button icon="cog" text="Manage ontology" onClick={() => navigate(ontologyUrl(ontology))} />}
      />
      <InputGroup
        large
        leftIcon="search"
        type="search"
        placeholder="Search every object: names, codes, descriptions…"
        aria-label="Search objects"
        value={text}
        onValueChange={setText}
        rightElement={hits.isFetching ? <Spinner size={16} className="of-input-spinner" /> : undefined}
        data-testid="object-search"
        className="of-explorer-search"
      />
      {urlQuery ? (
        <div className="of-explorer-results">
          <Menu className="of-facets" data-testid="facets">
            <MenuItem text="All types" active={!typeFilter} label={all.data ? formatCount(all.data.facets.reduce((n, f) => n + f.count, 0)) : undefined} onClick={() => setType(undefined)} />
            {(all.data?.facets ?? []).map((f) => {
              const t = types[f.objectType]?.objectType;
              return (
                <MenuItem
                  key={f.objectType}
                  icon={<Icon icon={(t?.icon.name ?? 'cube') as IconName} color={t?.icon.color} />}
                  text={t?.pluralDisplayName ?? f.objectType}
                  label={formatCount(f.count)}
                  active={typeFilter === f.objectType}
                  onClick={() => setType(f.objectType)}
                  data-testid="facet"
                />
              );
            })}
          </Menu>
          <div className="of-hits" data-testid="hits">
            {hits.isError ? <div className="of-muted">{describeError(hits.error).title}</div> : null}
            {hits.data && hits.data.data.length === 0 ? <NonIdealState icon="search" title="No matching objects" description={`Nothing matches “${urlQuery}”.`} /> : null}
            {(hits.data?.data ?? []).map((h) => {
              const t = types[h.objectType]?.objectType;
              return (
                <Card key={`${h.objectType}:${String(h.primaryKey)}`} className="of-hit" data-testid="hit">
                  <div className="of-hit-title">
                    <Icon icon={(t?.icon.name ?? 'cube') as IconName} color={t?.icon.color} />
                    <Link to={objectUrl(ontology, h.objectType, h.primaryKey)}>{valueText(h.title ?? h.primaryKey)}</Link>
                    <Tag minimal>{t?.displayName ?? h.objectType}</Tag>
                  </div>
                  {h.highlights.map((hl) => (
                    <div key={hl.property} className="of-hit-highlight" data-testid="highlight">
                      <span className="of-muted">{t?.properties[hl.property]?.displayName ?? hl.property}: </span>
                      {hl.segments.map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
                    </div>
                  ))}
                </Card>
              );
            })}
          </div>
        </div>
      ) : (
        <>
          <h3 className="of-section-title">Object types</h3>
          {meta.isPending ? (
            <Spinner />
          ) : Object.keys(types).length === 0 ? (
            <NonIdealState icon="cube" title="No object types you can read" action={<Link to={ontologyUrl(ontology)}>Define one</Link>} />
          ) : (
            <div className="of-type-cards">
              {Object.values(types).map(({ objectType }) => (
                <TypeCard key={objectType.apiName} ontology={ontology} type={objectType} />
              ))}
            </div>
          )}
          {interfaces.length ? (
            <>
              <h3 className="of-section-title">Interfaces</h3>
              <div className="of-type-cards">
                {interfaces.map((i, n) => (
                  <InterfaceCard key={i.apiName} ontology={ontology} iface={i} count={interfaceCounts[n]} />
                ))}
              </div>
            </>
          ) : null}
          <h3 className="of-section-title">Saved object sets</h3>
          <SavedSets ontology={ontology} types={types} interfaces={meta.data?.interfaceTypes ?? {}} />
        </>
      )}
    </div>
  );
}
