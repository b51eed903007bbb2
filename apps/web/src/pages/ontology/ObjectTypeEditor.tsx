import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Callout, Checkbox, Classes, Drawer, FormGroup, HTMLSelect, HTMLTable, InputGroup, Menu, MenuItem, Spinner, Tag, TextArea } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { dsKeys, typeLabel, useDataset, useSchema, type FieldSchema } from '../../lib/datasets';
import { useDebounced } from '../../lib/useDebounced';
import {
  API_NAME,
  apiNameProblems,
  PRIMARY_KEY_TYPES,
  apiNameOf,
  interfaceLinkText,
  interfaceLinksOf,
  interfacePropertiesOf,
  outgoingLinks,
  propertyTypesFor,
  typeText,
  useDryRun,
  type InterfaceLinkInput,
  type InterfaceTypeInput,
  type LinkTypeInput,
  type ObjectTypeInput,
  type OntologyDocument,
  type OutgoingLink,
  type PropertyDataType,
  type Problem,
} from '../../lib/ontology';
import { DryRunStatus, useApplyFlow } from './apply';

interface PropertyDraft {
  apiName: string;
  column: string;
  type: PropertyDataType;
  displayName: string;
  description: string;
  hidden: boolean;
  searchable: boolean;
}

interface TypeDraft {
  apiName: string;
  displayName: string;
  pluralDisplayName: string;
  description: string;
  iconName: string;
  iconColor: string;
  status: 'ACTIVE' | 'EXPERIMENTAL' | 'DEPRECATED';
  dataset: string;
  branch: string;
  primaryKey: string;
  titleProperty: string;
  properties: PropertyDraft[];
  implements: Record<string, Record<string, string>>;
  /** Interface → interface link → the links of this type implementing it. */
  interfaceLinks: Record<string, Record<string, string[]>>;
}

const EMPTY: TypeDraft = { apiName: '', displayName: '', pluralDisplayName: '', description: '', iconName: 'cube', iconColor: '#4C90F0', status: 'ACTIVE', dataset: '', branch: '', primaryKey: '', titleProperty: '', properties: [], implements: {}, interfaceLinks: {} };

function draftOf(input: ObjectTypeInput): TypeDraft {
  return {
    apiName: input.apiName,
    displayName: input.displayName ?? '',
    pluralDisplayName: input.pluralDisplayName ?? '',
    description: input.description ?? '',
    iconName: input.icon?.name ?? 'cube',
    iconColor: input.icon?.color ?? '#4C90F0',
    status: input.status ?? 'ACTIVE',
    dataset: input.dataset,
    branch: input.branch ?? '',
    primaryKey: input.primaryKey,
    titleProperty: input.titleProperty,
    properties: Object.entries(input.properties).map(([apiName, p]) => ({
      apiName,
      column: p.column ?? apiName,
      type: (typeof p.type === 'string' ? { type: p.type } : p.type) as PropertyDataType,
      displayName: p.displayName ?? '',
      description: p.description ?? '',
      hidden: p.hidden ?? false,
      searchable: p.searchable ?? (typeof p.type === 'string' ? p.type === 'string' : p.type.type === 'string'),
    })),
    implements: input.implements ?? {},
    interfaceLinks: Object.fromEntries(Object.entries(input.interfaceLinks ?? {}).map(([i, byLink]) => [i, Object.fromEntries(Object.entries(byLink).map(([x, names]) => [x, typeof names === 'string' ? [names] : names]))])),
  };
}

/** The links implementing the interfaces' links, of the interfaces the type still implements; links no link implements are left out. */
function interfaceLinksInput(d: TypeDraft): NonNullable<ObjectTypeInput['interfaceLinks']> {
  return Object.fromEntries(
    Object.entries(d.interfaceLinks)
      .filter(([i]) => i in d.implements)
      .map(([i, byLink]) => [i, Object.fromEntries(Object.entries(byLink).filter(([, names]) => names.length))] as const)
      .filter(([, byLink]) => Object.keys(byLink).length),
  );
}

/** The draft as the document's object type: empty optional fields left out, so the server's defaults apply. */
function inputOf(d: TypeDraft): ObjectTypeInput {
  const opt = (k: string, v: string) => (v.trim() ? { [k]: v.trim() } : {});
  const interfaceLinks = interfaceLinksInput(d);
  return {
    apiName: d.apiName,
    ...opt('displayName', d.displayName),
    ...opt('pluralDisplayName', d.pluralDisplayName),
    ...opt('description', d.description),
    icon: { name: d.iconName.trim() || 'cube', color: d.iconColor },
    status: d.status,
    dataset: d.dataset,
    ...opt('branch', d.branch),
    primaryKey: d.primaryKey,
    titleProperty: d.titleProperty,
    properties: Object.fromEntries(
      d.properties.map((p) => [
        p.apiName,
        {
          column: p.column,
          type: p.type as ObjectTypeInput['properties'][string]['type'],
          ...opt('displayName', p.displayName),
          ...opt('description', p.description),
          ...(p.hidden ? { hidden: true } : {}),
          ...(p.type.type === 'string' ? { searchable: p.searchable } : {}),
        },
      ]),
    ),
    ...(Object.keys(d.implements).length ? { implements: d.implements } : {}),
    ...(Object.keys(interfaceLinks).length ? { interfaceLinks } : {}),
  };
}

/** A property for every column that can back one, with the most natural type; key and title guessed. */
function proposal(fields: FieldSchema[]): Pick<TypeDraft, 'properties' | 'primaryKey' | 'titleProperty'> {
  const properties: PropertyDraft[] = [];
  for (const f of fields) {
    const types = propertyTypesFor(f);
    if (!f.name || types.length === 0) continue;
    properties.push({ apiName: apiNameOf(f.name), column: f.name, type: types[0]!, displayName: '', description: '', hidden: false, searchable: types[0]!.type === 'string' });
  }
  const keys = properties.filter((p) => PRIMARY_KEY_TYPES.has(p.type.type));
  const key = keys.find((p) => /^(id|key|pk)$/i.test(p.column)) ?? keys.find((p) => /(_id|Id|ID)$/.test(p.column)) ?? keys[0];
  const title = properties.find((p) => p.type.type === 'string' && p !== key && /name|title|label/i.test(p.column)) ?? properties.find((p) => p.type.type === 'string' && p !== key) ?? key;
  return { properties, primaryKey: key?.apiName ?? '', titleProperty: title?.apiName ?? '' };
}

/** Finds a dataset by name or path in the catalog. */
export function DatasetChooser({ value, onChange }: { value: string; onChange: (rid: string) => void }) {
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 250);
  const chosen = useDataset(value);
  const results = useQuery({
    queryKey: dsKeys.catalog(query, 'chooser'),
    enabled: !value || query.length > 0,
    queryFn: () => ok(api.GET('/api/v2/datasets', { params: { query: { pageSize: 8, ...(query ? { query } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  if (value && !text)
    return (
      <div className="of-chosen-dataset" data-testid="chosen-dataset">
        <Tag icon="database" large minimal>
          {chosen.data?.path ?? value}
        </Tag>
        <Button variant="minimal" text="Change" onClick={() => setText(' ')} />
      </div>
    );
  return (
    <div className="of-dataset-chooser">
      <InputGroup leftIcon="search" placeholder="Search datasets by name or path" value={text.trim() ? text : ''} onValueChange={setText} aria-label="Backing dataset" autoFocus={!!value} data-testid="dataset-chooser" />
      <Menu className="of-dataset-chooser-results">
        {(results.data?.data ?? []).map((d) => (
          <MenuItem
            key={d.rid}
            icon="database"
            text={d.name}
            label={d.path}
            onClick={() => {
              setText('');
              onChange(d.rid);
            }}
          />
        ))}
        {results.data && results.data.data.length === 0 ? <MenuItem disabled text="No matching datasets" /> : null}
      </Menu>
    </div>
  );
}

function TypeSelect({ field, value, onChange }: { field: FieldSchema | undefined; value: PropertyDataType; onChange: (t: PropertyDataType) => void }) {
  const options = field ? propertyTypesFor(field) : [];
  const all = options.some((o) => typeText(o) === typeText(value)) ? options : [value, ...options];
  return (
    <HTMLSelect
      minimal
      aria-label="Property type"
      value={typeText(value)}
      onChange={(e) => onChange(all.find((o) => typeText(o) === e.currentTarget.value)!)}
      options={all.map((o) => ({ value: typeText(o), label: typeText(o) }))}
    />
  );
}

/** Which of the type's links implements each link of an interface it implements: one for a ONE link, any number for MANY. */
function InterfaceLinkChoices({
  iface,
  links,
  sides,
  chosen,
  problemsAt,
  onChange,
}: {
  iface: string;
  links: Record<string, InterfaceLinkInput>;
  sides: OutgoingLink[];
  chosen: Record<string, string[]>;
  problemsAt: (path: string) => Problem[];
  onChange: (link: string, names: string[]) => void;
}) {
  return (
    <div className="of-implements of-implements-links" data-testid="interface-links">
      <span className="of-muted">Links</span>
      {Object.entries(links).map(([x, l]) => {
        const names = chosen[x] ?? [];
        // A link named by the definition that the type no longer has stays visible, marked.
        const options = [...sides.map((side) => ({ value: side.apiName, label: `${side.apiName} → ${side.target}` })), ...names.filter((n) => !sides.some((side) => side.apiName === n)).map((n) => ({ value: n, label: `${n} (missing)` }))];
        const problems = problemsAt(`objectTypes[0].interfaceLinks.${iface}.${x}`);
        return (
          <FormGroup key={x} inline label={x} labelInfo={interfaceLinkText(l)} intent={problems.length ? 'danger' : 'none'}>
            {l.cardinality === 'ONE' ? (
              <HTMLSelect aria-label={`Link implementing ${iface}.${x}`} value={names[0] ?? ''} onChange={(e) => onChange(x, e.currentTarget.value ? [e.currentTarget.value] : [])} options={[{ value: '', label: 'None' }, ...options]} />
            ) : (
              options.map((o) => (
                <Checkbox key={o.value} inline label={o.label} checked={names.includes(o.value)} onChange={(e) => onChange(x, e.currentTarget.checked ? [...names, o.value] : names.filter((n) => n !== o.value))} />
              ))
            )}
            {problems.map((p) => (
              <div key={p.problem} className="of-field-problem" data-testid="interface-link-problem">
                {p.problem}
              </div>
            ))}
          </FormGroup>
        );
      })}
      {sides.length === 0 ? <span className="of-muted">No link types leave this type yet: create one, then choose it here.</span> : null}
    </div>
  );
}

/**
 * An object type's definition: names, icon, status, the backing dataset and the properties its
 * columns back, the primary key and title, the interfaces it implements (shared properties and
 * links mapped to its own). Checked as you type
 * (a dry run of the apply, with the server's problems by path); saved with the plan, breaking
 * changes confirmed first.
 */
export function ObjectTypeEditor({
  ontology,
  existing,
  interfaces,
  linkTypes,
  isOpen,
  onClose,
}: {
  ontology: string;
  existing: ObjectTypeInput | undefined;
  interfaces: InterfaceTypeInput[];
  linkTypes: LinkTypeInput[];
  isOpen: boolean;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<TypeDraft>(EMPTY);
  const [apiNameTouched, setApiNameTouched] = useState(false);
  const [saveProblems, setSaveProblems] = useState<Problem[] | undefined>();
  useEffect(() => {
    if (!isOpen) return;
    setDraft(existing ? draftOf(existing) : EMPTY);
    setApiNameTouched(!!existing);
    setSaveProblems(undefined);
  }, [isOpen, existing]);
  const set = (patch: Partial<TypeDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setProperty = (i: number, patch: Partial<PropertyDraft>) => setDraft((d) => ({ ...d, properties: d.properties.map((p, j) => (j === i ? { ...p, ...patch } : p)) }));

  const dataset = useDataset(draft.dataset);
  const branch = draft.branch || dataset.data?.defaultBranch || '';
  const schema = useSchema(draft.dataset, { branchName: branch });
  const fields = useMemo(() => schema.data?.schema.fieldSchemaList ?? [], [schema.data]);
  const fieldOf = (column: string) => fields.find((f) => f.name === column);
  const unmapped = fields.filter((f) => f.name && !draft.properties.some((p) => p.column === f.name));

  // A new type proposes its properties from the dataset's columns once its schema is known.
  const [proposedFor, setProposedFor] = useState('');
  useEffect(() => {
    if (existing || !draft.dataset || !schema.data || proposedFor === draft.dataset) return;
    setProposedFor(draft.dataset);
    set(proposal(schema.data.schema.fieldSchemaList));
  }, [existing, draft.dataset, schema.data, proposedFor]);
  useEffect(() => {
    if (!existing && !apiNameTouched && dataset.data) set({ apiName: apiNameOf(dataset.data.name).replace(/^./, (c) => c.toUpperCase()) });
  }, [existing, apiNameTouched, dataset.data]);

  const duplicates = draft.properties.map((p) => p.apiName).filter((n, i, all) => all.indexOf(n) !== i);
  const localProblems = [
    ...(draft.apiName && !API_NAME.test(draft.apiName) ? ['API name: starts with a letter; letters, digits and _ only'] : []),
    ...duplicates.map((n) => `two properties are named ${n}`),
    ...apiNameProblems('property', draft.properties.map((p) => p.apiName)),
  ];
  const complete = !!draft.apiName && !!draft.dataset && draft.properties.length > 0 && !!draft.primaryKey && !!draft.titleProperty && localProblems.length === 0;
  const doc: OntologyDocument | undefined = complete ? { objectTypes: [inputOf(draft)] } : undefined;
  const debouncedDoc = useDebounced(doc, 400);
  const check = useDryRun(ontology, debouncedDoc, isOpen);
  const problemsAt = (path: string) => (check.data?.problems ?? saveProblems ?? []).filter((p) => p.path === path || p.path.startsWith(`${path}.`));

  const flow = useApplyFlow(ontology, { onApplied: onClose, onProblems: setSaveProblems });
  const keyCandidates = draft.properties.filter((p) => PRIMARY_KEY_TYPES.has(p.type.type));
  const notImplemented = interfaces.filter((i) => !draft.implements[i.apiName]);
  const sides = outgoingLinks(draft.apiName, linkTypes);
  const setInterfaceLink = (iface: string, link: string, names: string[]) => setDraft((d) => ({ ...d, interfaceLinks: { ...d.interfaceLinks, [iface]: { ...d.interfaceLinks[iface], [link]: names } } }));
  const implement = (i: InterfaceTypeInput) =>
    set({
      implements: { ...draft.implements, [i.apiName]: Object.fromEntries(Object.keys(interfacePropertiesOf(i.apiName, interfaces)).map((k) => [k, draft.properties.find((p) => p.apiName === k)?.apiName ?? ''])) },
      // Links of the type named like the interface's links are proposed, as properties are.
      interfaceLinks: { ...draft.interfaceLinks, [i.apiName]: Object.fromEntries(Object.keys(interfaceLinksOf(i.apiName, interfaces)).map((x) => [x, sides.some((side) => side.apiName === x) ? [x] : []])) },
    });

  return (
    <Drawer isOpen={isOpen} onClose={onClose} title={existing ? `Edit ${existing.displayName ?? existing.apiName}` : 'New object type'} icon="cube" size="min(1100px, 92vw)">
      <div className={`${Classes.DRAWER_BODY} of-editor`} data-testid="object-type-editor">
        <div className={Classes.DIALOG_BODY}>
          <div className="of-editor-grid">
            <FormGroup label="Backing dataset" helperText="Its rows become the objects; every new transaction re-indexes them.">
              <DatasetChooser value={draft.dataset} onChange={(rid) => set({ dataset: rid, branch: '' })} />
            </FormGroup>
            <FormGroup label="Branch" labelFor="ot-branch" labelInfo="(default branch when empty)">
              <InputGroup id="ot-branch" value={draft.branch} placeholder={dataset.data?.defaultBranch} onValueChange={(v) => set({ branch: v })} />
            </FormGroup>
            <FormGroup label="API name" labelFor="ot-api-name" intent={problemsAt('objectTypes[0].apiName').length ? 'danger' : 'none'} helperText={existing ? 'The API name of an existing type cannot change.' : undefined}>
              <InputGroup
                id="ot-api-name"
                className="of-mono"
                value={draft.apiName}
                disabled={!!existing}
                onValueChange={(v) => {
                  setApiNameTouched(true);
                  set({ apiName: v });
                }}
              />
            </FormGroup>
            <FormGroup label="Display name" labelFor="ot-display-name" labelInfo="(API name when empty)">
              <InputGroup id="ot-display-name" value={draft.displayName} placeholder={draft.apiName} onValueChange={(v) => set({ displayName: v })} />
            </FormGroup>
            <FormGroup label="Plural display name" labelFor="ot-plural" labelInfo="(optional)">
              <InputGroup id="ot-plural" value={draft.pluralDisplayName} placeholder={`${draft.displayName || draft.apiName}s`} onValueChange={(v) => set({ pluralDisplayName: v })} />
            </FormGroup>
            <FormGroup label="Status" labelFor="ot-status">
              <HTMLSelect id="ot-status" value={draft.status} onChange={(e) => set({ status: e.currentTarget.value as TypeDraft['status'] })} options={['ACTIVE', 'EXPERIMENTAL', 'DEPRECATED']} />
            </FormGroup>
            <FormGroup label="Icon" labelFor="ot-icon" helperText="A Blueprint icon name and a colour.">
              <div className="of-icon-inputs">
                <InputGroup id="ot-icon" value={draft.iconName} onValueChange={(v) => set({ iconName: v })} />
                <input type="color" aria-label="Icon colour" value={draft.iconColor} onChange={(e) => set({ iconColor: e.currentTarget.value.toUpperCase() })} />
              </div>
            </FormGroup>
            <FormGroup label="Description" labelFor="ot-description" labelInfo="(optional)">
              <TextArea id="ot-description" fill value={draft.description} onChange={(e) => set({ description: e.currentTarget.value })} />
            </FormGroup>
          </div>

          {draft.dataset ? (
            <>
              <h3 className="of-section-title">Properties</h3>
              {schema.isPending ? <Spinner size={20} /> : null}
              {schema.isError ? <Callout intent="warning">The dataset has no schema on branch {branch} yet: import data into it first.</Callout> : null}
              <div className="of-editor-keys">
                <FormGroup label="Primary key" labelFor="ot-primary-key" inline intent={problemsAt('objectTypes[0].primaryKey').length ? 'danger' : 'none'}>
                  <HTMLSelect id="ot-primary-key" value={draft.primaryKey} onChange={(e) => set({ primaryKey: e.currentTarget.value })} options={[{ value: '', label: 'Choose…' }, ...keyCandidates.map((p) => p.apiName)]} />
                </FormGroup>
                <FormGroup label="Title" labelFor="ot-title" inline>
                  <HTMLSelect id="ot-title" value={draft.titleProperty} onChange={(e) => set({ titleProperty: e.currentTarget.value })} options={[{ value: '', label: 'Choose…' }, ...draft.properties.map((p) => p.apiName)]} />
                </FormGroup>
              </div>
              <HTMLTable compact className="of-table of-editor-properties" data-testid="property-table">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>API name</th>
                    <th>Type</th>
                    <th>Display name</th>
                    <th>Description</th>
                    <th>Searchable</th>
                    <th>Hidden</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {draft.properties.map((p, i) => {
                    const problems = problemsAt(`objectTypes[0].properties.${p.apiName}`);
                    const field = fieldOf(p.column);
                    return (
                      <tr key={i} data-testid="property-row" className={problems.length ? 'of-row-problem' : undefined}>
                        <td>
                          <HTMLSelect
                            minimal
                            aria-label="Column"
                            value={p.column}
                            onChange={(e) => setProperty(i, { column: e.currentTarget.value })}
                            options={[...(field ? [] : [{ value: p.column, label: `${p.column} (missing)` }]), ...fields.filter((f) => f.name).map((f) => ({ value: f.name!, label: `${f.name} · ${typeLabel(f)}` }))]}
                          />
                          {problems.map((x) => (
                            <div key={x.problem} className="of-field-problem" data-testid="property-problem">
                              {x.problem}
                            </div>
                          ))}
                        </td>
                        <td>
                          <InputGroup small className="of-mono" aria-label="Property API name" value={p.apiName} onValueChange={(v) => setProperty(i, { apiName: v })} intent={duplicates.includes(p.apiName) || !API_NAME.test(p.apiName) ? 'danger' : 'none'} />
                        </td>
                        <td>
                          <TypeSelect field={field} value={p.type} onChange={(t) => setProperty(i, { type: t, searchable: t.type === 'string' })} />
                        </td>
                        <td>
                          <InputGroup small aria-label="Property display name" value={p.displayName} placeholder={p.apiName} onValueChange={(v) => setProperty(i, { displayName: v })} />
                        </td>
                        <td>
                          <InputGroup small aria-label="Property description" value={p.description} onValueChange={(v) => setProperty(i, { description: v })} />
                        </td>
                        <td>
                          <Checkbox aria-label="Searchable" checked={p.type.type === 'string' && p.searchable} disabled={p.type.type !== 'string'} onChange={(e) => setProperty(i, { searchable: e.currentTarget.checked })} />
                        </td>
                        <td>
                          <Checkbox aria-label="Hidden" checked={p.hidden} onChange={(e) => setProperty(i, { hidden: e.currentTarget.checked })} />
                        </td>
                        <td>
                          <Button variant="minimal" icon="cross" aria-label={`Remove ${p.apiName}`} onClick={() => setDraft((d) => ({ ...d, properties: d.properties.filter((_, j) => j !== i) }))} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </HTMLTable>
              {unmapped.length ? (
                <div className="of-unmapped">
                  <span className="of-muted">Columns without a property:</span>
                  {unmapped.map((f) => {
                    const types = propertyTypesFor(f);
                    return (
                      <Button
                        key={f.name}
                        size="small"
                        icon="add"
                        disabled={types.length === 0}
                        title={types.length === 0 ? `${typeLabel(f)} columns cannot back a property` : undefined}
                        text={`${f.name} · ${typeLabel(f)}`}
                        onClick={() => setDraft((d) => ({ ...d, properties: [...d.properties, { apiName: apiNameOf(f.name!), column: f.name!, type: types[0]!, displayName: '', description: '', hidden: false, searchable: types[0]!.type === 'string' }] }))}
                      />
                    );
                  })}
                </div>
              ) : null}

              <h3 className="of-section-title">Interfaces</h3>
              {Object.entries(draft.implements).map(([name, mapping]) => {
                const known = interfaces.some((x) => x.apiName === name);
                const links = interfaceLinksOf(name, interfaces);
                return (
                  <div key={name} data-testid="implements">
                    <div className="of-implements">
                      <strong className="of-mono">{name}</strong>
                      {Object.keys(known ? interfacePropertiesOf(name, interfaces) : mapping).map((shared) => (
                        <FormGroup key={shared} inline label={shared} labelFor={`impl-${name}-${shared}`}>
                          <HTMLSelect
                            id={`impl-${name}-${shared}`}
                            value={mapping[shared] ?? ''}
                            onChange={(e) => set({ implements: { ...draft.implements, [name]: { ...mapping, [shared]: e.currentTarget.value } } })}
                            options={[{ value: '', label: 'Choose…' }, ...draft.properties.map((p) => p.apiName)]}
                          />
                        </FormGroup>
                      ))}
                      <Button
                        variant="minimal"
                        icon="cross"
                        aria-label={`Stop implementing ${name}`}
                        onClick={() => set({ implements: Object.fromEntries(Object.entries(draft.implements).filter(([k]) => k !== name)) })}
                      />
                    </div>
                    {Object.keys(links).length ? (
                      <InterfaceLinkChoices iface={name} links={links} sides={sides} chosen={draft.interfaceLinks[name] ?? {}} problemsAt={problemsAt} onChange={(link, names) => setInterfaceLink(name, link, names)} />
                    ) : null}
                  </div>
                );
              })}
              {notImplemented.length ? (
                <HTMLSelect
                  aria-label="Implement an interface"
                  value=""
                  onChange={(e) => {
                    const i = interfaces.find((x) => x.apiName === e.currentTarget.value);
                    if (i) implement(i);
                  }}
                  options={[{ value: '', label: 'Implement an interface…' }, ...notImplemented.map((i) => i.apiName)]}
                />
              ) : Object.keys(draft.implements).length === 0 ? (
                <div className="of-muted">The ontology has no interfaces.</div>
              ) : null}
            </>
          ) : null}

          {localProblems.length ? (
            <Callout intent="danger" className="of-editor-status">
              {localProblems.map((p) => (
                <div key={p}>{p}</div>
              ))}
            </Callout>
          ) : complete ? (
            <div className="of-editor-status">
              <DryRunStatus check={check} pathPrefix="objectTypes[0]" />
            </div>
          ) : (
            <div className="of-editor-status of-muted">Choose a backing dataset, its properties, a primary key and a title.</div>
          )}
        </div>
      </div>
      <div className={Classes.DRAWER_FOOTER}>
        <div className="of-drawer-actions">
          <Button text="Cancel" onClick={onClose} />
          <Button intent="primary" text={existing ? 'Save changes' : 'Create object type'} disabled={!complete || !!check.data?.problems?.length} loading={flow.isPending} onClick={() => doc && flow.apply(doc)} data-testid="save-object-type" />
        </div>
      </div>
      {flow.dialog}
    </Drawer>
  );
}
