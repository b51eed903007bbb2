import { useEffect, useState } from 'react';
import { Button, Callout, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, TextArea } from '@blueprintjs/core';
import { typeLabel, useDataset, useSchema } from '../../lib/datasets';
import { useDebounced } from '../../lib/useDebounced';
import { API_NAME, apiNameProblems, typeText, useDryRun, type InterfaceLinkInput, type InterfaceTypeInput, type LinkTypeInput, type ObjectTypeInput, type OntologyDocument, type PropertyDataType, type Problem } from '../../lib/ontology';
import { DryRunStatus, ProblemList, useApplyFlow } from './apply';
import { DatasetChooser } from './ObjectTypeEditor';

type Cardinality = LinkTypeInput['cardinality'];

const EMPTY_LINK: LinkTypeInput = { apiName: '', cardinality: 'MANY_TO_ONE', from: { objectType: '', linkApiName: '' }, to: { objectType: '', linkApiName: '' } };

/** Properties of a type, for the foreign key: those of the primary key's type of the other side. */
function propertyNames(t: ObjectTypeInput | undefined, ofType?: string): string[] {
  if (!t) return [];
  return Object.entries(t.properties)
    .filter(([, p]) => !ofType || typeText(p.type as PropertyDataType) === ofType)
    .map(([name]) => name);
}

function JoinColumns({ link, onChange }: { link: LinkTypeInput; onChange: (patch: Partial<LinkTypeInput>) => void }) {
  const dataset = useDataset(link.dataset ?? '');
  const schema = useSchema(link.dataset ?? '', { branchName: link.branch || dataset.data?.defaultBranch || '' });
  const columns = (schema.data?.schema.fieldSchemaList ?? []).filter((f) => f.name).map((f) => ({ value: f.name!, label: `${f.name} · ${typeLabel(f)}` }));
  return (
    <>
      <FormGroup label="Join dataset" helperText="One row per linked pair.">
        <DatasetChooser value={link.dataset ?? ''} onChange={(rid) => onChange({ dataset: rid })} />
      </FormGroup>
      {link.dataset ? (
        <div className="of-editor-grid">
          <FormGroup label={`Column with the ${link.from.objectType || 'from'} key`} labelFor="link-from-column">
            <HTMLSelect id="link-from-column" value={link.fromColumn ?? ''} onChange={(e) => onChange({ fromColumn: e.currentTarget.value })} options={[{ value: '', label: 'Choose…' }, ...columns]} />
          </FormGroup>
          <FormGroup label={`Column with the ${link.to.objectType || 'to'} key`} labelFor="link-to-column">
            <HTMLSelect id="link-to-column" value={link.toColumn ?? ''} onChange={(e) => onChange({ toColumn: e.currentTarget.value })} options={[{ value: '', label: 'Choose…' }, ...columns]} />
          </FormGroup>
        </div>
      ) : null}
    </>
  );
}

/** A link type: both sides with their API names, one-to-one / many-to-one by a foreign key or many-to-many by a join dataset; checked as you type. */
export function LinkTypeEditor({ ontology, objectTypes, existing, isOpen, onClose }: { ontology: string; objectTypes: ObjectTypeInput[]; existing: LinkTypeInput | undefined; isOpen: boolean; onClose: () => void }) {
  const [link, setLink] = useState<LinkTypeInput>(EMPTY_LINK);
  const [saveProblems, setSaveProblems] = useState<Problem[] | undefined>();
  useEffect(() => {
    if (isOpen) {
      setLink(existing ?? EMPTY_LINK);
      setSaveProblems(undefined);
    }
  }, [isOpen, existing]);
  const set = (patch: Partial<LinkTypeInput>) => setLink((l) => ({ ...l, ...patch }));
  const from = objectTypes.find((t) => t.apiName === link.from.objectType);
  const to = objectTypes.find((t) => t.apiName === link.to.objectType);
  const toKeyType = to ? typeText(to.properties[to.primaryKey]?.type as PropertyDataType) : undefined;
  const join = link.cardinality === 'MANY_TO_MANY';
  // The fields of the other kind of link are left out of the document.
  const clean: LinkTypeInput = join
    ? { apiName: link.apiName, cardinality: link.cardinality, from: link.from, to: link.to, dataset: link.dataset ?? '', ...(link.branch ? { branch: link.branch } : {}), fromColumn: link.fromColumn ?? '', toColumn: link.toColumn ?? '' }
    : { apiName: link.apiName, cardinality: link.cardinality, from: link.from, to: link.to, foreignKey: link.foreignKey ?? '' };
  const complete = API_NAME.test(link.apiName) && !!from && !!to && API_NAME.test(link.from.linkApiName) && API_NAME.test(link.to.linkApiName) && (join ? !!link.dataset && !!link.fromColumn && !!link.toColumn : !!link.foreignKey);
  const doc: OntologyDocument | undefined = complete ? { linkTypes: [clean] } : undefined;
  const check = useDryRun(ontology, useDebounced(doc, 400), isOpen);
  const flow = useApplyFlow(ontology, { onApplied: onClose, onProblems: setSaveProblems });
  const types = [{ value: '', label: 'Choose…' }, ...objectTypes.map((t) => ({ value: t.apiName, label: t.displayName ?? t.apiName }))];
  const side = (which: 'from' | 'to', label: string, help: string) => (
    <div className="of-link-side">
      <FormGroup label={label} labelFor={`link-${which}-type`}>
        <HTMLSelect id={`link-${which}-type`} value={link[which].objectType} disabled={!!existing} onChange={(e) => set({ [which]: { ...link[which], objectType: e.currentTarget.value } })} options={types} />
      </FormGroup>
      <FormGroup label="Link API name on this side" labelFor={`link-${which}-name`} helperText={help}>
        <InputGroup id={`link-${which}-name`} className="of-mono" value={link[which].linkApiName} onValueChange={(v) => set({ [which]: { ...link[which], linkApiName: v } })} />
      </FormGroup>
    </div>
  );
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={existing ? `Edit link ${existing.apiName}` : 'New link type'} icon="link" style={{ width: 720 }}>
      <DialogBody>
        <div className="of-editor-grid">
          <FormGroup label="API name" labelFor="link-api-name">
            <InputGroup id="link-api-name" className="of-mono" value={link.apiName} disabled={!!existing} onValueChange={(v) => set({ apiName: v })} />
          </FormGroup>
          <FormGroup label="Cardinality" labelFor="link-cardinality">
            <HTMLSelect
              id="link-cardinality"
              value={link.cardinality}
              onChange={(e) => set({ cardinality: e.currentTarget.value as Cardinality })}
              options={[
                { value: 'MANY_TO_ONE', label: 'Many to one (a foreign key)' },
                { value: 'ONE_TO_ONE', label: 'One to one (a foreign key)' },
                { value: 'MANY_TO_MANY', label: 'Many to many (a join dataset)' },
              ]}
            />
          </FormGroup>
        </div>
        <div className="of-editor-grid">
          {side('from', join ? 'From' : 'From (holds the foreign key)', `From a ${link.from.objectType || 'from'} object to its ${link.to.objectType || 'to'}`)}
          {side('to', 'To', `From a ${link.to.objectType || 'to'} object back`)}
        </div>
        {join ? (
          <JoinColumns link={link} onChange={set} />
        ) : (
          <FormGroup label={`Foreign key: the property of ${link.from.objectType || 'from'} holding the ${link.to.objectType || 'to'} primary key`} labelFor="link-foreign-key">
            <HTMLSelect id="link-foreign-key" value={link.foreignKey ?? ''} onChange={(e) => set({ foreignKey: e.currentTarget.value })} options={[{ value: '', label: 'Choose…' }, ...propertyNames(from, toKeyType)]} />
          </FormGroup>
        )}
        {saveProblems?.length ? <ProblemList problems={saveProblems} /> : complete ? <DryRunStatus check={check} /> : <div className="of-muted">Name the link, choose both sides and how they are linked.</div>}
      </DialogBody>
      <DialogFooter
        actions={
          <>
            <Button text="Cancel" onClick={onClose} />
            <Button intent="primary" text={existing ? 'Save link' : 'Create link'} disabled={!complete || !!check.data?.problems?.length} loading={flow.isPending} onClick={() => doc && flow.apply(doc)} data-testid="save-link-type" />
          </>
        }
      />
      {flow.dialog}
    </Dialog>
  );
}

const SHARED_TYPES = ['string', 'integer', 'long', 'double', 'boolean', 'date', 'timestamp', 'geopoint'];

interface InterfaceLinkDraft {
  apiName: string;
  displayName: string;
  description: string;
  cardinality: InterfaceLinkInput['cardinality'];
  required: boolean;
  /** What it leads to: `objectType:Site` or `interface:Asset`; empty until chosen. */
  target: string;
}

function linkDraftOf(apiName: string, l: InterfaceLinkInput): InterfaceLinkDraft {
  return {
    apiName,
    // The server's default display name is the API name: shown empty, it stays the default.
    displayName: l.displayName && l.displayName !== apiName ? l.displayName : '',
    description: l.description ?? '',
    cardinality: l.cardinality,
    required: l.required ?? false,
    target: l.linkedInterface ? `interface:${l.linkedInterface}` : l.linkedObjectType ? `objectType:${l.linkedObjectType}` : '',
  };
}

function linkInputOf(d: InterfaceLinkDraft): InterfaceLinkInput {
  const [kind, name] = d.target.split(':') as ['objectType' | 'interface', string];
  return {
    ...(d.displayName.trim() ? { displayName: d.displayName.trim() } : {}),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    cardinality: d.cardinality,
    required: d.required,
    ...(kind === 'interface' ? { linkedInterface: name } : { linkedObjectType: name }),
  };
}

/** One interface link: its names, one or many objects, whether every implementing type must provide it, what it leads to. */
function InterfaceLinkRow({ link, targets, problems, onChange, onRemove }: { link: InterfaceLinkDraft; targets: Array<{ value: string; label: string }>; problems: Problem[]; onChange: (patch: Partial<InterfaceLinkDraft>) => void; onRemove: () => void }) {
  return (
    <div className={`of-interface-link${problems.length ? ' of-row-problem' : ''}`} data-testid="interface-link">
      <div className="of-interface-link-fields">
        <InputGroup className="of-mono" aria-label="Link API name" placeholder="apiName" value={link.apiName} intent={API_NAME.test(link.apiName) ? 'none' : 'danger'} onValueChange={(v) => onChange({ apiName: v })} />
        <InputGroup aria-label="Link display name" placeholder={link.apiName || 'Display name'} value={link.displayName} onValueChange={(v) => onChange({ displayName: v })} />
        <InputGroup aria-label="Link description" placeholder="Description (optional)" value={link.description} onValueChange={(v) => onChange({ description: v })} />
        <Button variant="minimal" icon="cross" aria-label={`Remove link ${link.apiName}`} onClick={onRemove} />
      </div>
      <div className="of-interface-link-fields">
        <HTMLSelect
          aria-label="Link cardinality"
          value={link.cardinality}
          onChange={(e) => onChange({ cardinality: e.currentTarget.value as InterfaceLinkDraft['cardinality'] })}
          options={[
            { value: 'ONE', label: 'To one object' },
            { value: 'MANY', label: 'To many objects' },
          ]}
        />
        <HTMLSelect aria-label="Link leads to" value={link.target} onChange={(e) => onChange({ target: e.currentTarget.value })} options={[{ value: '', label: 'Leads to…' }, ...targets]} />
        <Checkbox label="Required" checked={link.required} onChange={(e) => onChange({ required: e.currentTarget.checked })} className="of-inline-check" />
      </div>
      {problems.map((p) => (
        <div key={`${p.path}:${p.problem}`} className="of-field-problem" data-testid="link-problem">
          {p.problem}
        </div>
      ))}
    </div>
  );
}

/** An interface: shared properties that the types implementing it map to their own, and links that they implement with links of their own. */
export function InterfaceEditor({
  ontology,
  existing,
  interfaces,
  objectTypes,
  isOpen,
  onClose,
}: {
  ontology: string;
  existing: InterfaceTypeInput | undefined;
  interfaces: InterfaceTypeInput[];
  objectTypes: ObjectTypeInput[];
  isOpen: boolean;
  onClose: () => void;
}) {
  const [apiName, setApiName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [description, setDescription] = useState('');
  const [parent, setParent] = useState('');
  const [properties, setProperties] = useState<Array<{ name: string; type: string }>>([]);
  const [links, setLinks] = useState<InterfaceLinkDraft[]>([]);
  const [saveProblems, setSaveProblems] = useState<Problem[] | undefined>();
  useEffect(() => {
    if (!isOpen) return;
    setApiName(existing?.apiName ?? '');
    setDisplayName(existing?.displayName ?? '');
    setDescription(existing?.description ?? '');
    setParent(existing?.extends?.[0] ?? '');
    setProperties(Object.entries(existing?.properties ?? {}).map(([name, p]) => ({ name, type: typeText(p.type as PropertyDataType) })));
    setLinks(Object.entries(existing?.links ?? {}).map(([name, l]) => linkDraftOf(name, l)));
    setSaveProblems(undefined);
  }, [isOpen, existing]);
  const setLink = (i: number, patch: Partial<InterfaceLinkDraft>) => setLinks((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  const duplicateLinks = links.map((l) => l.apiName).filter((n, i, all) => n && all.indexOf(n) !== i);
  const localProblems = [
    ...(apiName && !API_NAME.test(apiName) ? ['API name: starts with a letter; letters, digits and _ only'] : []),
    ...apiNameProblems('shared property', properties.map((p) => p.name)),
    ...apiNameProblems('link', links.map((l) => l.apiName)),
    ...[...new Set(duplicateLinks)].map((n) => `two links are named ${n}`),
    ...links.filter((l) => API_NAME.test(l.apiName) && !l.target).map((l) => `link ${l.apiName}: choose what it leads to`),
  ];
  const complete = !!apiName && localProblems.length === 0;
  const input: InterfaceTypeInput = {
    apiName,
    ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
    ...(description.trim() ? { description: description.trim() } : {}),
    ...(existing?.icon ? { icon: existing.icon } : {}),
    extends: parent ? [parent] : [],
    properties: Object.fromEntries(properties.map((p) => [p.name, { type: (SHARED_TYPES.includes(p.type) ? p.type : { type: p.type }) as InterfaceTypeInput['properties'][string]['type'] }])),
    ...(links.length ? { links: Object.fromEntries(links.map((l) => [l.apiName, linkInputOf(l)])) } : {}),
  };
  const doc: OntologyDocument | undefined = complete ? { interfaceTypes: [input] } : undefined;
  const check = useDryRun(ontology, useDebounced(doc, 400), isOpen);
  const flow = useApplyFlow(ontology, { onApplied: onClose, onProblems: setSaveProblems });
  const problemsOfLink = (name: string) => (check.data?.problems ?? saveProblems ?? []).filter((p) => p.path === `interfaceTypes[0].links.${name}` || p.path.startsWith(`interfaceTypes[0].links.${name}.`));
  // An interface link may lead to the interface itself (parts of an asset are assets).
  const targets = [
    ...objectTypes.map((t) => ({ value: `objectType:${t.apiName}`, label: t.displayName ?? t.apiName })),
    ...[...new Set([...interfaces.map((i) => i.apiName), ...(API_NAME.test(apiName) ? [apiName] : [])])].map((i) => ({ value: `interface:${i}`, label: `any ${i} (interface)` })),
  ];
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={existing ? `Edit interface ${existing.apiName}` : 'New interface'} icon="layers" style={{ width: 760 }}>
      <DialogBody>
        <div className="of-editor-grid">
          <FormGroup label="API name" labelFor="iface-api-name">
            <InputGroup id="iface-api-name" className="of-mono" value={apiName} disabled={!!existing} onValueChange={setApiName} />
          </FormGroup>
          <FormGroup label="Display name" labelFor="iface-display-name" labelInfo="(optional)">
            <InputGroup id="iface-display-name" value={displayName} onValueChange={setDisplayName} />
          </FormGroup>
        </div>
        <FormGroup label="Description" labelFor="iface-description" labelInfo="(optional)">
          <TextArea id="iface-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        </FormGroup>
        <FormGroup label="Extends" labelFor="iface-extends" labelInfo="(optional)">
          <HTMLSelect id="iface-extends" value={parent} onChange={(e) => setParent(e.currentTarget.value)} options={[{ value: '', label: 'Nothing' }, ...interfaces.filter((i) => i.apiName !== apiName).map((i) => i.apiName)]} />
        </FormGroup>
        <FormGroup label="Shared properties">
          {properties.map((p, i) => (
            <div key={i} className="of-shared-property">
              <InputGroup className="of-mono" aria-label="Shared property name" value={p.name} onValueChange={(v) => setProperties((ps) => ps.map((x, j) => (j === i ? { ...x, name: v } : x)))} />
              <HTMLSelect aria-label="Shared property type" value={p.type} onChange={(e) => setProperties((ps) => ps.map((x, j) => (j === i ? { ...x, type: e.currentTarget.value } : x)))} options={SHARED_TYPES} />
              <Button variant="minimal" icon="cross" aria-label={`Remove ${p.name}`} onClick={() => setProperties((ps) => ps.filter((_, j) => j !== i))} />
            </div>
          ))}
          <Button icon="add" text="Add a shared property" onClick={() => setProperties((ps) => [...ps, { name: '', type: 'string' }])} />
        </FormGroup>
        <FormGroup label="Links" helperText="Each type implementing the interface says which of its links implements each of these (Edit the object type).">
          {links.map((l, i) => (
            <InterfaceLinkRow key={i} link={l} targets={targets} problems={problemsOfLink(l.apiName)} onChange={(patch) => setLink(i, patch)} onRemove={() => setLinks((ls) => ls.filter((_, j) => j !== i))} />
          ))}
          <Button icon="add" text="Add a link" onClick={() => setLinks((ls) => [...ls, { apiName: '', displayName: '', description: '', cardinality: 'ONE', required: false, target: '' }])} data-testid="add-interface-link" />
        </FormGroup>
        {localProblems.length ? (
          <Callout intent="danger" data-testid="local-problems">
            {localProblems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Callout>
        ) : saveProblems?.length ? (
          <ProblemList problems={saveProblems} />
        ) : complete ? (
          <DryRunStatus check={check} />
        ) : null}
      </DialogBody>
      <DialogFooter
        actions={
          <>
            <Button text="Cancel" onClick={onClose} />
            <Button intent="primary" text={existing ? 'Save interface' : 'Create interface'} disabled={!complete || !!check.data?.problems?.length} loading={flow.isPending} onClick={() => doc && flow.apply(doc)} data-testid="save-interface" />
          </>
        }
      />
      {flow.dialog}
    </Dialog>
  );
}
