import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Checkbox, Dialog, DialogBody, HTMLTable, Icon, NonIdealState, Spinner, Tab, Tabs, Tag, TextArea, type IconName } from '@blueprintjs/core';
import { parse, stringify } from 'yaml';
import { api, ok } from '../../lib/api';
import { datasetUrl, formatCount, useDataset } from '../../lib/datasets';
import { useResource } from '../../lib/filesystem';
import { formatRelative } from '../../lib/format';
import { useDebounced } from '../../lib/useDebounced';
import { useUrlParams } from '../../lib/urlState';
import {
  downloadText,
  explorerUrl,
  interfaceLinkText,
  interfaceTableUrl,
  invalidateOntology,
  objectTableUrl,
  typeText,
  useDefinition,
  useDryRun,
  useIndexStatus,
  useOntology,
  type IndexStatus,
  type InterfaceTypeInput,
  type LinkTypeInput,
  type ObjectTypeInput,
  type OntologyDocument,
  type PropertyDataType,
} from '../../lib/ontology';
import { describeError, showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ResourceActions } from '../../components/ResourceActions';
import { DryRunStatus, useApplyFlow } from './apply';
import { ObjectTypeEditor } from './ObjectTypeEditor';
import { InterfaceEditor, LinkTypeEditor } from './LinkAndInterfaceEditors';

type TabId = 'objectTypes' | 'linkTypes' | 'interfaces' | 'code';

const STATUS_INTENT = { READY: 'success', INDEXING: 'primary', PENDING: 'none', FAILED: 'danger' } as const;

/** The index state of a type: status, count, invalid rows; opens the details. */
function IndexCell({ ontology, objectType, onOpen }: { ontology: string; objectType: string; onOpen: () => void }) {
  const status = useIndexStatus(ontology, objectType);
  if (!status.data) return status.isPending ? <Spinner size={14} /> : <span className="of-muted">—</span>;
  const s = status.data;
  return (
    <Button variant="minimal" size="small" onClick={onOpen} data-testid="index-status" aria-label={`Index of ${objectType}`}>
      <Tag minimal intent={STATUS_INTENT[s.status]}>
        {s.status}
      </Tag>{' '}
      {formatCount(s.objectCount)} objects
      {s.invalidCount ? (
        <Tag minimal intent="warning" className="of-tag-gap">
          {formatCount(s.invalidCount)} invalid
        </Tag>
      ) : null}
    </Button>
  );
}

/** An object type's index: how far it is, the last build, and the first invalid rows with their reasons. */
function IndexDialog({ ontology, objectType, onClose }: { ontology: string; objectType: string | undefined; onClose: () => void }) {
  const status = useIndexStatus(ontology, objectType ?? '');
  const s: IndexStatus | undefined = objectType ? status.data : undefined;
  return (
    <Dialog isOpen={!!objectType} onClose={onClose} title={`Index of ${objectType ?? ''}`} icon="database" style={{ width: 760 }}>
      <DialogBody>
        {!s ? (
          <Spinner />
        ) : (
          <div data-testid="index-details">
            <HTMLTable compact className="of-table of-props-table">
              <tbody>
                <tr>
                  <th>Status</th>
                  <td>
                    <Tag minimal intent={STATUS_INTENT[s.status]}>
                      {s.status}
                    </Tag>
                  </td>
                </tr>
                <tr>
                  <th>Objects</th>
                  <td>{formatCount(s.objectCount)}</td>
                </tr>
                <tr>
                  <th>Invalid rows</th>
                  <td>{formatCount(s.invalidCount)}</td>
                </tr>
                <tr>
                  <th>Dataset</th>
                  <td>
                    {s.datasetRid ? <Link to={datasetUrl(s.datasetRid, { branch: s.branchName, ...(s.indexedTransactionRid ? { at: s.indexedTransactionRid } : {}) })}>{s.branchName ?? ''}</Link> : '—'}
                    {s.indexedTransactionRid ? <span className="of-mono-small of-muted"> at {s.indexedTransactionRid}</span> : null}
                  </td>
                </tr>
                <tr>
                  <th>Last build</th>
                  <td>
                    {s.lastMode ? `${s.lastMode === 'FULL' ? 'Full' : 'Incremental'}, ${formatCount(s.lastDurationMs)} ms` : '—'}
                    {s.updatedTime ? <span className="of-muted"> · {formatRelative(s.updatedTime)}</span> : null}
                  </td>
                </tr>
              </tbody>
            </HTMLTable>
            {s.lastError ? (
              <Callout intent="danger" title={s.lastError.errorName}>
                {s.lastError.message}
              </Callout>
            ) : null}
            {s.invalidRows.length ? (
              <>
                <h3 className="of-section-title">First invalid rows</h3>
                <HTMLTable compact striped className="of-table" data-testid="invalid-rows">
                  <thead>
                    <tr>
                      <th>Primary key</th>
                      <th>Reason</th>
                      <th>Values</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.invalidRows.map((r, i) => (
                      <tr key={i} data-testid="invalid-row">
                        <td className="of-mono">{r.primaryKey ?? <span className="of-muted">null</span>}</td>
                        <td>{r.reason}</td>
                        <td className="of-mono-small">{JSON.stringify(r.values)}</td>
                      </tr>
                    ))}
                  </tbody>
                </HTMLTable>
              </>
            ) : null}
          </div>
        )}
      </DialogBody>
    </Dialog>
  );
}

function DatasetCell({ rid }: { rid: string }) {
  const d = useDataset(rid);
  return <Link to={datasetUrl(rid)}>{d.data?.path ?? rid}</Link>;
}

function ObjectTypesTab({ ontology, doc, onEdit }: { ontology: string; doc: Required<OntologyDocument>; onEdit: (t: ObjectTypeInput) => void }) {
  const queryClient = useQueryClient();
  const [indexOf, setIndexOf] = useState<string | undefined>();
  const remove = useMutation({
    meta: { action: 'Delete object type' },
    mutationFn: (objectType: string) => ok(api.DELETE('/api/v2/ontologies/{ontology}/objectTypes/{objectType}', { params: { path: { ontology, objectType } } })),
    onSuccess: (_, objectType) => {
      showSuccess(`Deleted ${objectType} and its objects`);
      void invalidateOntology(queryClient, ontology);
    },
  });
  if (doc.objectTypes.length === 0) return <NonIdealState icon="cube" title="No object types yet" description="Create one from a dataset: its rows become objects." />;
  return (
    <>
      <HTMLTable compact striped className="of-table" data-testid="object-type-table">
        <thead>
          <tr>
            <th>Object type</th>
            <th>API name</th>
            <th>Status</th>
            <th>Backing dataset</th>
            <th>Index</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {doc.objectTypes.map((t) => (
            <tr key={t.apiName} data-testid="object-type-row">
              <td>
                <Icon icon={(t.icon?.name ?? 'cube') as IconName} color={t.icon?.color} /> <Link to={objectTableUrl(ontology, t.apiName)}>{t.displayName ?? t.apiName}</Link>
                <div className="of-muted of-small">{Object.keys(t.properties).length} properties · key {t.primaryKey}</div>
              </td>
              <td className="of-mono">{t.apiName}</td>
              <td>
                <Tag minimal intent={t.status === 'DEPRECATED' ? 'warning' : t.status === 'EXPERIMENTAL' ? 'primary' : 'none'}>
                  {t.status}
                </Tag>
              </td>
              <td>
                <DatasetCell rid={t.dataset} />
              </td>
              <td>
                <IndexCell ontology={ontology} objectType={t.apiName} onOpen={() => setIndexOf(t.apiName)} />
              </td>
              <td className="of-table-actions">
                <Button variant="minimal" icon="edit" text="Edit" onClick={() => onEdit(t)} aria-label={`Edit ${t.apiName}`} />
                <ConfirmButton
                  variant="minimal"
                  icon="trash"
                  text="Delete"
                  confirmText="Delete object type"
                  loading={remove.isPending && remove.variables === t.apiName}
                  confirm={
                    <p>
                      Delete <strong>{t.displayName ?? t.apiName}</strong> and its objects? Clients using it will break. Its dataset is kept.
                    </p>
                  }
                  onConfirm={() => remove.mutate(t.apiName)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      <IndexDialog ontology={ontology} objectType={indexOf} onClose={() => setIndexOf(undefined)} />
    </>
  );
}

function LinkTypesTab({ doc, onEdit }: { doc: Required<OntologyDocument>; onEdit: (l: LinkTypeInput) => void }) {
  if (doc.linkTypes.length === 0) return <NonIdealState icon="link" title="No link types yet" description="Link two object types by a foreign key or a join dataset." />;
  return (
    <HTMLTable compact striped className="of-table" data-testid="link-type-table">
      <thead>
        <tr>
          <th>Link type</th>
          <th>From</th>
          <th>To</th>
          <th>Cardinality</th>
          <th>By</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {doc.linkTypes.map((l) => (
          <tr key={l.apiName} data-testid="link-type-row">
            <td className="of-mono">{l.apiName}</td>
            <td>
              {l.from.objectType} <span className="of-muted">→ {l.from.linkApiName}</span>
            </td>
            <td>
              {l.to.objectType} <span className="of-muted">→ {l.to.linkApiName}</span>
            </td>
            <td>{l.cardinality.replace(/_/g, ' ').toLowerCase()}</td>
            <td>{l.foreignKey ? <span className="of-mono">{l.foreignKey}</span> : l.dataset ? <DatasetCell rid={l.dataset} /> : null}</td>
            <td className="of-table-actions">
              <Button variant="minimal" icon="edit" text="Edit" onClick={() => onEdit(l)} aria-label={`Edit ${l.apiName}`} />
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

function InterfacesTab({ ontology, doc, onEdit }: { ontology: string; doc: Required<OntologyDocument>; onEdit: (i: InterfaceTypeInput) => void }) {
  if (doc.interfaceTypes.length === 0) return <NonIdealState icon="layers" title="No interfaces yet" description="An interface names shared properties; object types implementing it can be queried together." />;
  return (
    <HTMLTable compact striped className="of-table" data-testid="interface-table">
      <thead>
        <tr>
          <th>Interface</th>
          <th>Shared properties</th>
          <th>Links</th>
          <th>Implemented by</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {doc.interfaceTypes.map((i) => (
          <tr key={i.apiName} data-testid="interface-row">
            <td>
              <Link to={interfaceTableUrl(ontology, i.apiName)} className="of-mono">
                {i.apiName}
              </Link>
              {i.extends?.length ? <span className="of-muted"> extends {i.extends.join(', ')}</span> : null}
            </td>
            <td>
              {Object.entries(i.properties)
                .map(([name, p]) => `${name}: ${typeText(p.type as PropertyDataType)}`)
                .join(', ')}
            </td>
            <td>
              {Object.entries(i.links ?? {})
                .map(([name, l]) => `${name} → ${interfaceLinkText(l)}`)
                .join(', ') || <span className="of-muted">none</span>}
            </td>
            <td>
              {doc.objectTypes
                .filter((t) => t.implements?.[i.apiName])
                .map((t) => t.apiName)
                .join(', ') || <span className="of-muted">nothing yet</span>}
            </td>
            <td className="of-table-actions">
              <Button variant="minimal" icon="edit" text="Edit" onClick={() => onEdit(i)} aria-label={`Edit ${i.apiName}`} />
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

/** The ontology as code (YAML, as `openfoundry ontology apply` takes it): edited, planned as you type, applied. */
function CodeTab({ ontology, apiName, doc }: { ontology: string; apiName: string; doc: Required<OntologyDocument> }) {
  const fileName = `${apiName}.yaml`;
  const original = useMemo(() => stringify(doc), [doc]);
  const [text, setText] = useState(original);
  const [prune, setPrune] = useState(false);
  useEffect(() => setText(original), [original]);
  const parsed = useMemo((): { doc?: OntologyDocument; error?: string } => {
    try {
      const value: unknown = parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'The document must be a mapping with interfaceTypes, objectTypes and linkTypes.' };
      return { doc: value as OntologyDocument };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [text]);
  const debounced = useDebounced(parsed.doc, 500);
  const check = useDryRun(ontology, debounced);
  const flow = useApplyFlow(ontology, { onApplied: () => undefined });
  return (
    <div className="of-code-tab">
      <div className="of-toolbar">
        <Button icon="download" text="Download YAML" onClick={() => downloadText(fileName, text, 'application/yaml')} />
        <Button icon="reset" text="Revert" disabled={text === original} onClick={() => setText(original)} />
        <Checkbox label="Delete the types the document does not name (prune)" checked={prune} onChange={(e) => setPrune(e.currentTarget.checked)} className="of-inline-check" />
        <Button intent="primary" icon="tick" text="Apply" disabled={!parsed.doc || !!check.data?.problems?.length} loading={flow.isPending} onClick={() => parsed.doc && flow.apply(parsed.doc, { prune })} data-testid="apply-code" />
      </div>
      <div className="of-code-layout">
        <TextArea className="of-code-editor of-mono" value={text} onChange={(e) => setText(e.currentTarget.value)} spellCheck={false} aria-label="Ontology as code" data-testid="code-editor" />
        <div className="of-code-side">
          {parsed.error ? (
            <Callout intent="danger" title="Not valid YAML">
              <pre className="of-mono-small">{parsed.error}</pre>
            </Callout>
          ) : (
            <DryRunStatus check={check} />
          )}
          <p className="of-muted of-small">
            The same document works with <code>openfoundry ontology apply {fileName} --ontology {apiName}</code>. See docs/ontology-as-code.md.
          </p>
        </div>
      </div>
      {flow.dialog}
    </div>
  );
}

/** The Ontology Manager: an ontology's object types (with their index), link types, interfaces, and all of it as code. */
export function OntologyPage() {
  const { ontology = '' } = useParams();
  const navigate = useNavigate();
  const [params, update] = useUrlParams();
  const tab = (params.get('tab') as TabId | null) ?? 'objectTypes';
  const definition = useDefinition(ontology);
  const info = useOntology(ontology);
  // The URL names the ontology by RID or API name; its resource is read by RID.
  const meta = useResource(info.data?.rid);
  const [editing, setEditing] = useState<{ kind: 'objectType' | 'linkType' | 'interface'; existing?: unknown } | undefined>();
  const onTab = (t: TabId) => update({ tab: t }, { replace: true });
  if (definition.isPending) return <Spinner />;
  if (definition.isError) return <NonIdealState icon="error" title="Cannot load the ontology" description={describeError(definition.error).title} action={<Link to="/ontologies">All ontologies</Link>} />;
  const doc = definition.data;
  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={<Link to="/ontologies">Ontologies</Link>}
        title={<span data-testid="ontology-title">{info.data?.displayName ?? ontology}</span>}
        subtitle={
          <>
            <span className="of-mono">{info.data?.apiName}</span> · {doc.objectTypes.length} object types · {doc.linkTypes.length} link types · {doc.interfaceTypes.length} interfaces
          </>
        }
        actions={
          <>
            <Button icon="search" text="Explore objects" onClick={() => navigate(explorerUrl(ontology))} />
            <Button intent="primary" icon="cube-add" text="New object type" onClick={() => setEditing({ kind: 'objectType' })} data-testid="new-object-type" />
            <Button icon="link" text="New link type" disabled={doc.objectTypes.length === 0} onClick={() => setEditing({ kind: 'linkType' })} data-testid="new-link-type" />
            <Button icon="layers" text="New interface" onClick={() => setEditing({ kind: 'interface' })} data-testid="new-interface" />
            {meta.data ? <ResourceActions resource={meta.data} variant="header" onTrashed={() => navigate('/ontologies')} /> : null}
          </>
        }
      />
      <Tabs id="ontology-tabs" selectedTabId={tab} onChange={(t) => onTab(t as TabId)} renderActiveTabPanelOnly>
        <Tab id="objectTypes" title={`Object types (${doc.objectTypes.length})`} panel={<ObjectTypesTab ontology={ontology} doc={doc} onEdit={(t) => setEditing({ kind: 'objectType', existing: t })} />} />
        <Tab id="linkTypes" title={`Link types (${doc.linkTypes.length})`} panel={<LinkTypesTab doc={doc} onEdit={(l) => setEditing({ kind: 'linkType', existing: l })} />} />
        <Tab id="interfaces" title={`Interfaces (${doc.interfaceTypes.length})`} panel={<InterfacesTab ontology={ontology} doc={doc} onEdit={(i) => setEditing({ kind: 'interface', existing: i })} />} />
        <Tab id="code" title="As code" panel={<CodeTab ontology={ontology} apiName={info.data?.apiName ?? ontology} doc={doc} />} />
      </Tabs>
      <ObjectTypeEditor
        ontology={ontology}
        interfaces={doc.interfaceTypes}
        linkTypes={doc.linkTypes}
        existing={editing?.kind === 'objectType' ? (editing.existing as ObjectTypeInput | undefined) : undefined}
        isOpen={editing?.kind === 'objectType'}
        onClose={() => setEditing(undefined)}
      />
      <LinkTypeEditor
        ontology={ontology}
        objectTypes={doc.objectTypes}
        existing={editing?.kind === 'linkType' ? (editing.existing as LinkTypeInput | undefined) : undefined}
        isOpen={editing?.kind === 'linkType'}
        onClose={() => setEditing(undefined)}
      />
      <InterfaceEditor
        ontology={ontology}
        interfaces={doc.interfaceTypes}
        objectTypes={doc.objectTypes}
        existing={editing?.kind === 'interface' ? (editing.existing as InterfaceTypeInput | undefined) : undefined}
        isOpen={editing?.kind === 'interface'}
        onClose={() => setEditing(undefined)}
      />
    </div>
  );
}
