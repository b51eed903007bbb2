import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, Icon, InputGroup, NonIdealState, Spinner, TextArea } from '@blueprintjs/core';
import { api } from '../../lib/api';
import { useFolder, useSpaces } from '../../lib/filesystem';
import { API_NAME, apiNameOf, explorerUrl, ontKeys, ontologyUrl, useOntologies, type Ontology } from '../../lib/ontology';
import { describeError, showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { FolderPicker } from '../../components/FolderPicker';

/** The ontologies the user can read; a new one in a project or folder. */
export function OntologiesPage() {
  const ontologies = useOntologies();
  const [creating, setCreating] = useState(false);
  const rows = ontologies.data?.data ?? [];
  return (
    <div className="of-page">
      <PageHeader
        title="Ontologies"
        subtitle="Object types backed by datasets, the links between them and the interfaces they share. Manage their definitions, or explore their objects."
        actions={<Button intent="primary" icon="add" text="New ontology" onClick={() => setCreating(true)} data-testid="new-ontology" />}
      />
      {ontologies.isPending ? (
        <Spinner />
      ) : ontologies.isError ? (
        <NonIdealState icon="error" title="Cannot load the ontologies" description={describeError(ontologies.error).title} />
      ) : rows.length === 0 ? (
        <NonIdealState icon="graph" title="No ontologies yet" description="Create one in a project, then define its object types from datasets." />
      ) : (
        <HTMLTable compact striped className="of-table" data-testid="ontology-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>API name</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.rid} data-testid="ontology-row">
                <td>
                  <Link to={ontologyUrl(o.rid)}>
                    <Icon icon="graph" className="of-muted" /> {o.displayName}
                  </Link>
                </td>
                <td className="of-mono">{o.apiName}</td>
                <td className="of-muted">{o.description}</td>
                <td className="of-table-actions">
                  <Link to={explorerUrl(o.rid)}>Explore objects</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
      <CreateOntologyDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

function CreateOntologyDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const spaces = useSpaces();
  const [displayName, setDisplayName] = useState('');
  const [apiName, setApiName] = useState('');
  const [apiNameTouched, setApiNameTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [folder, setFolder] = useState('');
  const location = useFolder(folder || undefined);
  useEffect(() => {
    if (isOpen && !folder && spaces.data?.[0]) setFolder(spaces.data[0].rid);
  }, [isOpen, folder, spaces.data]);
  const effectiveApiName = apiNameTouched ? apiName : apiNameOf(displayName);
  const create = useMutation({
    meta: { action: 'Create ontology' },
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v2/ontologies', { body: { parentFolderRid: folder, apiName: effectiveApiName, displayName: displayName.trim(), ...(description.trim() ? { description: description.trim() } : {}) } });
      if (error !== undefined) throw error;
      return data as unknown as Ontology;
    },
    onSuccess: (o) => {
      showSuccess(`Created ontology ${o.displayName}`);
      void queryClient.invalidateQueries({ queryKey: ontKeys.list() });
      onClose();
      navigate(ontologyUrl(o.rid));
    },
  });
  const inSpace = location.data?.type === 'SPACE';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title="New ontology" icon="graph" style={{ width: 560 }}>
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Display name" labelFor="ontology-name">
            <InputGroup id="ontology-name" required autoFocus maxLength={255} value={displayName} onValueChange={setDisplayName} />
          </FormGroup>
          <FormGroup
            label="API name"
            labelFor="ontology-api-name"
            helperText={effectiveApiName && !API_NAME.test(effectiveApiName) ? 'Starts with a letter; letters, digits and _ only.' : 'How clients name it; unique in the organization.'}
            intent={effectiveApiName && !API_NAME.test(effectiveApiName) ? 'danger' : 'none'}
          >
            <InputGroup
              id="ontology-api-name"
              className="of-mono"
              value={effectiveApiName}
              onValueChange={(v) => {
                setApiNameTouched(true);
                setApiName(v);
              }}
            />
          </FormGroup>
          <FormGroup label="Description" labelFor="ontology-description" labelInfo="(optional)">
            <TextArea id="ontology-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          </FormGroup>
          <FormGroup label="Folder" helperText={inSpace ? 'Choose a project or a folder in one: its roles decide who can see the ontology.' : undefined} intent={inSpace ? 'warning' : 'none'}>
            <FolderPicker location={folder} onChange={setFolder} />
          </FormGroup>
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={onClose} />
              <Button type="submit" intent="primary" text="Create ontology" loading={create.isPending} disabled={!displayName.trim() || !API_NAME.test(effectiveApiName) || !folder || inSpace} data-testid="create-ontology-submit" />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
