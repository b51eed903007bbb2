import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, TextArea } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { invalidateFilesystem, useSpaces } from '../lib/filesystem';
import { showSuccess } from '../lib/toaster';

/** New project in a space; the creator becomes its owner. Opens the project when created. */
export function CreateProjectDialog({ isOpen, onClose, spaceRid }: { isOpen: boolean; onClose: () => void; spaceRid?: string | undefined }) {
  const spaces = useSpaces();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [space, setSpace] = useState(spaceRid ?? '');
  useEffect(() => {
    if (isOpen) setSpace(spaceRid ?? spaces.data?.[0]?.rid ?? '');
  }, [isOpen, spaceRid, spaces.data]);
  const close = () => {
    setName('');
    setDescription('');
    create.reset();
    onClose();
  };
  const create = useMutation({
    meta: { action: 'Create project' },
    mutationFn: () =>
      ok(
        api.POST('/api/v2/filesystem/projects/create', {
          body: { displayName: name.trim(), spaceRid: space, ...(description.trim() ? { description: description.trim() } : {}), roleGrants: {}, defaultRoles: [], organizationRids: [] },
        }),
      ),
    onSuccess: (p) => {
      showSuccess(`Created project ${p.displayName}`);
      void invalidateFilesystem(queryClient);
      close();
      navigate(`/files/${encodeURIComponent(p.rid)}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New project" icon="projects">
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Project name" labelFor="project-name">
            <InputGroup id="project-name" required autoFocus maxLength={255} value={name} onValueChange={setName} />
          </FormGroup>
          <FormGroup label="Description" labelFor="project-description" labelInfo="(optional)">
            <TextArea id="project-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          </FormGroup>
          {(spaces.data?.length ?? 0) > 1 || !spaceRid ? (
            <FormGroup label="Space" labelFor="project-space">
              <HTMLSelect id="project-space" value={space} onChange={(e) => setSpace(e.currentTarget.value)} options={(spaces.data ?? []).map((s) => ({ value: s.rid, label: s.displayName }))} />
            </FormGroup>
          ) : null}
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={close} />
              <Button type="submit" intent="primary" text="Create project" loading={create.isPending} disabled={!name.trim() || !space} data-testid="create-project-submit" />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
