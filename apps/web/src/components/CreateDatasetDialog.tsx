import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, InputGroup } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { baseName, datasetUrl, formatCount, invalidateDataset, type DatasetDetails } from '../lib/datasets';
import { showSuccess } from '../lib/toaster';
import { EMPTY_CHOICE, UploadFields, UploadStatus, useUpload, type UploadChoice } from './UploadDialog';

/**
 * New dataset in a folder: empty, or with a file imported as its first (SNAPSHOT) transaction.
 * Opens the dataset when done; if the import fails the dataset exists, empty, and the dialog says so.
 */
export function CreateDatasetDialog({ isOpen, folderRid, withFile, onClose }: { isOpen: boolean; folderRid: string; withFile: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [choice, setChoice] = useState<UploadChoice>(EMPTY_CHOICE);
  const [created, setCreated] = useState<DatasetDetails | null>(null);
  const upload = useUpload();
  const close = () => {
    if (upload.busy) upload.cancel();
    upload.reset();
    create.reset();
    setName('');
    setChoice(EMPTY_CHOICE);
    setCreated(null);
    onClose();
  };
  const create = useMutation({
    meta: { action: 'Create dataset' },
    mutationFn: () => ok(api.POST('/api/v2/datasets', { body: { parentFolderRid: folderRid, name: name.trim() } })),
  });
  const open = (d: DatasetDetails) => {
    close();
    navigate(datasetUrl(d.rid));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // After a failed import the dataset exists: retry the upload into it rather than create another.
    const dataset = created ?? (await create.mutateAsync().catch(() => null));
    if (!dataset) return;
    setCreated(dataset);
    void invalidateDataset(queryClient, dataset.rid);
    if (!choice.file) {
      showSuccess(`Created dataset ${dataset.name}`);
      open(dataset);
      return;
    }
    const outcome = await upload.start(dataset.rid, dataset.defaultBranch, choice);
    if (!outcome) return;
    showSuccess(outcome.rowCount !== undefined ? `Created dataset ${dataset.name} with ${formatCount(outcome.rowCount)} rows` : `Created dataset ${dataset.name}`);
    open(dataset);
  };
  const busy = create.isPending || upload.busy;
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New dataset" icon="database" style={{ width: 560 }} canOutsideClickClose={!busy}>
      <form onSubmit={(e) => void submit(e)}>
        <DialogBody>
          <FormGroup label="Dataset name" labelFor="dataset-name">
            <InputGroup id="dataset-name" required autoFocus maxLength={255} disabled={busy || !!created} value={name} onValueChange={setName} />
          </FormGroup>
          {withFile ? (
            <UploadFields
              choice={choice}
              disabled={busy}
              showTransactionType={false}
              onChange={(c) => {
                upload.reset();
                if (c.file && !name.trim()) setName(baseName(c.file.name));
                setChoice(c);
              }}
            />
          ) : null}
          <UploadStatus phase={upload.phase} />
          {created && upload.phase.kind === 'failed' ? (
            <Callout intent="warning" icon="info-sign" className="of-callout-gap">
              The dataset {created.name} was created, empty. Fix the file and upload again, or open the dataset.
            </Callout>
          ) : null}
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text={upload.busy ? 'Cancel upload' : 'Cancel'} onClick={close} />
              {created && upload.phase.kind === 'failed' ? <Button text="Open dataset" onClick={() => open(created)} /> : null}
              <Button
                type="submit"
                intent="primary"
                icon={choice.file ? 'upload' : 'add'}
                text={created ? 'Upload again' : choice.file ? 'Create and upload' : 'Create dataset'}
                loading={busy}
                disabled={!name.trim()}
                data-testid="create-dataset-submit"
              />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
