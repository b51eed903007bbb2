import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation } from '@tanstack/react-query';
import { Button, Card, HTMLTable, Icon, NonIdealState, Spinner, Tag, type IconName } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { datasetUrl, formatCount, quoteIdentifier, sqlWorkbenchUrl, useDataset } from '../../lib/datasets';
import {
  explorerUrl,
  interfaceTableUrl,
  objectTableUrl,
  objectUrl,
  typeText,
  useAggregate,
  useDefinition,
  useFullMetadata,
  useObject,
  useObjectsPage,
  useOntology,
  valueText,
  type LinkSideMeta,
  type ObjectSet,
  type ObjectTypeInput,
  type ObjectTypeMeta,
  type PropertyDataType,
} from '../../lib/ontology';
import { describeError } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';

const LINK_PREVIEW = 10;

/** The objects linked to one object through a link type: their count, the first of them, and the way to all of them. */
function LinkedObjects({ ontology, objectType, primaryKey, primaryKeyValue, link, target }: { ontology: string; objectType: string; primaryKey: string; primaryKeyValue: unknown; link: LinkSideMeta; target: ObjectTypeMeta | undefined }) {
  const navigate = useNavigate();
  const set: ObjectSet = { type: 'searchAround', objectSet: { type: 'filter', objectSet: { type: 'base', objectType }, where: { type: 'eq', field: primaryKey, value: primaryKeyValue } }, link: link.apiName };
  const count = useAggregate(ontology, { objectSet: set, aggregation: [{ type: 'count', name: 'count' }] });
  const first = useObjectsPage(ontology, { objectSet: set, pageSize: LINK_PREVIEW, ...(target ? { orderBy: { fields: [{ field: target.titleProperty, direction: 'asc' as const }] } } : {}) });
  const n = Number(count.data?.data[0]?.metrics[0]?.value ?? 0);
  const openAll = useMutation({
    meta: { action: 'Open linked objects' },
    mutationFn: () => ok(api.POST('/api/v2/ontologies/{ontology}/objectSets/createTemporary', { params: { path: { ontology }, query: {} }, body: { objectSet: set } })) as Promise<unknown> as Promise<{ objectSetRid: string }>,
    onSuccess: (r) => navigate(objectTableUrl(ontology, link.objectTypeApiName, { ref: r.objectSetRid })),
  });
  return (
    <Card className="of-linked" data-testid="linked-objects">
      <div className="of-linked-header">
        <Icon icon={(target?.icon.name ?? 'cube') as IconName} color={target?.icon.color} />
        <strong>{link.displayName}</strong>
        <Tag minimal round data-testid="linked-count">
          {count.data ? formatCount(n) : '…'}
        </Tag>
        <span className="of-muted">{target?.pluralDisplayName ?? link.objectTypeApiName}</span>
        <span className="of-spacer" />
        {n > 0 ? <Button variant="minimal" size="small" text={n > LINK_PREVIEW ? `All ${formatCount(n)}` : 'Open as table'} endIcon="arrow-right" loading={openAll.isPending} onClick={() => openAll.mutate()} /> : null}
      </div>
      {first.isError ? (
        <div className="of-muted">{describeError(first.error).title}</div>
      ) : (
        <ul className="of-linked-list">
          {(first.data?.data ?? []).map((o) => (
            <li key={String(o.__primaryKey)}>
              <Link to={objectUrl(ontology, link.objectTypeApiName, o.__primaryKey)} data-testid="linked-object">
                {valueText(o.__title ?? o.__primaryKey)}
              </Link>
            </li>
          ))}
          {first.data && first.data.data.length === 0 ? <li className="of-muted">None</li> : null}
        </ul>
      )}
    </Card>
  );
}

/** Where the object comes from: the backing dataset (at its indexed version) and the row's columns. */
function SourceRow({ def, object }: { def: ObjectTypeInput; object: Record<string, unknown> }) {
  const dataset = useDataset(def.dataset);
  const pk = def.properties[def.primaryKey];
  const pkColumn = pk?.column ?? def.primaryKey;
  const pkValue = object[def.primaryKey];
  const literal = typeText((pk?.type ?? 'string') as PropertyDataType | string) === 'string' ? `'${String(pkValue).replace(/'/g, "''")}'` : String(pkValue);
  const query = `SELECT * FROM ${quoteIdentifier(dataset.data?.path ?? def.dataset)} WHERE ${quoteIdentifier(pkColumn)} = ${literal}`;
  return (
    <Card className="of-source" data-testid="source-row">
      <div className="of-linked-header">
        <Icon icon="database" />
        <strong>Source</strong>
        <Link to={datasetUrl(def.dataset, { branch: def.branch })}>{dataset.data?.path ?? def.dataset}</Link>
        <span className="of-muted">branch {def.branch}</span>
        <span className="of-spacer" />
        <Link to={sqlWorkbenchUrl(query)} data-testid="source-sql">
          Query the row in SQL
        </Link>
      </div>
      <HTMLTable compact className="of-table of-props-table">
        <tbody>
          {Object.entries(def.properties).map(([name, p]) => (
            <tr key={name}>
              <th className="of-mono">{p.column ?? name}</th>
              <td>{object[name] === undefined || object[name] === null ? <span className="of-muted">null</span> : valueText(object[name])}</td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
    </Card>
  );
}

/** One object: its properties, the objects linked to it (counted, navigable) and its source row. */
export function ObjectPage() {
  const { ontology = '', objectType = '', primaryKey = '' } = useParams();
  const meta = useFullMetadata(ontology);
  const info = useOntology(ontology);
  const definition = useDefinition(ontology);
  const object = useObject(ontology, objectType, primaryKey);
  const full = meta.data?.objectTypes[objectType];
  const type = full?.objectType;
  if (meta.isPending || object.isPending) return <Spinner />;
  if (object.isError || !type) return <NonIdealState icon="cube" title="No such object" description={object.isError ? describeError(object.error).title : `${objectType} is not an object type you can read.`} action={<Link to={objectTableUrl(ontology, objectType)}>All {objectType} objects</Link>} />;
  const o = object.data;
  const def = definition.data?.objectTypes.find((t) => t.apiName === objectType);
  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/ontologies">Ontologies</Link> / <Link to={explorerUrl(ontology)}>{info.data?.displayName ?? 'Ontology'}</Link> / <Link to={objectTableUrl(ontology, objectType)}>{type.pluralDisplayName}</Link>
          </>
        }
        title={
          <span data-testid="object-title">
            <Icon icon={type.icon.name as IconName} color={type.icon.color} size={20} /> {valueText(o.__title ?? o.__primaryKey)}
          </span>
        }
        subtitle={
          <>
            {type.displayName} · <span className="of-mono">{String(o.__primaryKey)}</span>
            {full.implementsInterfaces.length ? (
              <>
                {' '}
                · implements{' '}
                {full.implementsInterfaces.map((i, n) => (
                  <span key={i}>
                    {n ? ', ' : ''}
                    <Link to={interfaceTableUrl(ontology, i)}>{meta.data?.interfaceTypes[i]?.displayName ?? i}</Link>
                  </span>
                ))}
              </>
            ) : null}
          </>
        }
      />
      <div className="of-object-layout">
        <div>
          <Card className="of-properties" data-testid="object-properties">
            <HTMLTable compact className="of-table of-props-table">
              <tbody>
                {Object.entries(type.properties).map(([name, p]) => (
                  <tr key={name} data-testid="object-property">
                    <th>
                      {p.displayName}
                      {name === type.primaryKey ? (
                        <Tag minimal className="of-tag-gap">
                          key
                        </Tag>
                      ) : null}
                      <div className="of-muted of-small">{typeText(p.dataType)}</div>
                    </th>
                    <td>{o[name] === undefined || o[name] === null ? <span className="of-muted">null</span> : valueText(o[name])}</td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          </Card>
          {def ? <SourceRow def={def} object={o} /> : null}
        </div>
        <div className="of-object-links">
          <h3 className="of-section-title">Linked objects</h3>
          {full.linkTypes.length === 0 ? <div className="of-muted">{type.displayName} has no link types.</div> : null}
          {full.linkTypes.map((l) => (
            <LinkedObjects key={l.apiName} ontology={ontology} objectType={objectType} primaryKey={type.primaryKey} primaryKeyValue={o.__primaryKey} link={l} target={meta.data?.objectTypes[l.objectTypeApiName]?.objectType} />
          ))}
        </div>
      </div>
    </div>
  );
}
