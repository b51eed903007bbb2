import { useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Checkbox, Dialog, DialogBody, DialogFooter, FileInput, FormGroup, HTMLSelect, ProgressBar, SegmentedControl } from '@blueprintjs/core';
import { isOpenFoundryError } from '../lib/api';
import { detectFormat, formatBytes, formatCount, invalidateDataset, UPLOAD_FORMATS, type UploadFormat } from '../lib/datasets';
import { importTable, uploadRawFile, type UploadProgress } from '../lib/upload';
import { describeError, showSuccess } from '../lib/toaster';
import { SESSION_KEY, useSession } from '../lib/session';

export type TransactionType = 'SNAPSHOT' | 'APPEND';

export interface UploadChoice {
  file: File | null;
  format: UploadFormat;
  transactionType: TransactionType;
  header: boolean;
}

export const EMPTY_CHOICE: UploadChoice = { file: null, format: 'csv', transactionType: 'SNAPSHOT', header: true };

/** What an upload did: rows imported (a table) or a raw file stored. */
export interface UploadOutcome {
  rowCount: number | undefined;
  transactionRid: string;
}

type Phase = { kind: 'idle' } | { kind: 'uploading'; progress: UploadProgress } | { kind: 'processing' } | { kind: 'failed'; error: unknown };

/** Runs one upload at a time with its progress, its error and a way to cancel it. */
export function useUpload() {
  const queryClient = useQueryClient();
  const { csrfToken } = useSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);
  const start = async (datasetRid: string, branchName: string | undefined, choice: UploadChoice): Promise<UploadOutcome | undefined> => {
    const file = choice.file;
    if (!file) return undefined;
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ kind: 'uploading', progress: { loaded: 0, total: file.size } });
    const onProgress = (progress: UploadProgress) =>
      // Once every byte is sent the server still converts the file: say so instead of a full bar that does not move.
      setPhase(progress.loaded >= progress.total ? { kind: 'processing' } : { kind: 'uploading', progress });
    try {
      let outcome: UploadOutcome;
      if (choice.format === 'raw') {
        const f = await uploadRawFile({ datasetRid, file, branchName, transactionType: choice.transactionType }, csrfToken, onProgress, controller.signal);
        outcome = { rowCount: undefined, transactionRid: f.transactionRid };
      } else {
        const header = choice.format === 'csv' || choice.format === 'tsv' ? choice.header : undefined;
        const r = await importTable({ datasetRid, file, format: choice.format, branchName, transactionType: choice.transactionType, header }, csrfToken, onProgress, controller.signal);
        outcome = { rowCount: r.rowCount, transactionRid: r.transaction.rid };
      }
      setPhase({ kind: 'idle' });
      await invalidateDataset(queryClient, datasetRid);
      return outcome;
    } catch (error) {
      if (isOpenFoundryError(error) && error.status === 401) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      setPhase(error instanceof DOMException && error.name === 'AbortError' ? { kind: 'idle' } : { kind: 'failed', error });
      return undefined;
    } finally {
      abort.current = null;
    }
  };
  return {
    phase,
    busy: phase.kind === 'uploading' || phase.kind === 'processing',
    start,
    cancel: () => abort.current?.abort(),
    reset: () => setPhase({ kind: 'idle' }),
  };
}

/** The fields of an upload: the file, its format (from the extension), SNAPSHOT or APPEND, CSV header. */
export function UploadFields({ choice, onChange, disabled, showTransactionType = true }: { choice: UploadChoice; onChange: (c: UploadChoice) => void; disabled: boolean; showTransactionType?: boolean }) {
  const delimited = choice.format === 'csv' || choice.format === 'tsv';
  return (
    <>
      <FormGroup label="File" labelFor="upload-file">
        <FileInput
          fill
          disabled={disabled}
          text={choice.file ? `${choice.file.name} (${formatBytes(choice.file.size)})` : 'Choose a file…'}
          hasSelection={!!choice.file}
          inputProps={{ id: 'upload-file', 'aria-label': 'File' }}
          onInputChange={(e) => {
            const file = e.currentTarget.files?.[0] ?? null;
            onChange({ ...choice, file, format: file ? detectFormat(file.name) : choice.format });
          }}
        />
      </FormGroup>
      <div className="of-form-row">
        <FormGroup label="Format" labelFor="upload-format" helperText={choice.format === 'raw' ? 'Stored as it is; preview and SQL need a table.' : 'Imported as a table (Parquet) with inferred column types.'}>
          <HTMLSelect id="upload-format" disabled={disabled} value={choice.format} onChange={(e) => onChange({ ...choice, format: e.currentTarget.value as UploadFormat })} options={UPLOAD_FORMATS} />
        </FormGroup>
        {showTransactionType ? (
          <FormGroup label="Transaction" helperText={choice.transactionType === 'SNAPSHOT' ? 'Replaces the current data.' : 'Adds to the current data.'}>
            <SegmentedControl
              size="small"
              disabled={disabled}
              value={choice.transactionType}
              onValueChange={(v) => onChange({ ...choice, transactionType: v as TransactionType })}
              options={[
                { value: 'SNAPSHOT', label: 'Snapshot' },
                { value: 'APPEND', label: 'Append' },
              ]}
              data-testid="upload-transaction-type"
            />
          </FormGroup>
        ) : null}
      </div>
      {delimited ? <Checkbox disabled={disabled} checked={choice.header} label="The first row holds the column names" onChange={(e) => onChange({ ...choice, header: e.currentTarget.checked })} /> : null}
    </>
  );
}

const LOCATION_KEYS = ['row', 'line', 'column', 'value', 'expectedType', 'expectedColumns', 'foundColumns'] as const;

/** An import error as the server explains it: its problem, and the row, line and column it points at. */
export function UploadError({ error }: { error: unknown }) {
  const { title, details, instance } = describeError(error);
  if (!isOpenFoundryError(error)) {
    return (
      <Callout intent="danger" icon="error" title={title} data-testid="upload-error">
        {details}
      </Callout>
    );
  }
  const p = error.parameters;
  const located = LOCATION_KEYS.filter((k) => p[k] !== undefined && p[k] !== null);
  return (
    <Callout intent="danger" icon="error" title={error.errorName} data-testid="upload-error">
      {typeof p.problem === 'string' ? <div>{p.problem}</div> : details ? <div>{details}</div> : null}
      {located.length ? (
        <dl className="of-kv of-upload-error-where">
          {located.map((k) => (
            <div key={k} className="of-kv-row">
              <dt>{k === 'expectedType' ? 'expected type' : k === 'expectedColumns' ? 'expected columns' : k === 'foundColumns' ? 'found columns' : k}</dt>
              <dd className="of-mono-small">{String(p[k])}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {instance ? <div className="of-toast-instance">Error id {instance}</div> : null}
    </Callout>
  );
}

/** The progress of a running upload (bytes sent, then the server's import), or its error. */
export function UploadStatus({ phase }: { phase: ReturnType<typeof useUpload>['phase'] }) {
  if (phase.kind === 'uploading') {
    const { loaded, total } = phase.progress;
    const fraction = total > 0 ? loaded / total : 0;
    return (
      <div className="of-upload-progress" data-testid="upload-progress">
        <ProgressBar intent="primary" value={fraction} />
        <span className="of-muted">
          Uploading {formatBytes(loaded)} of {formatBytes(total)} ({Math.round(fraction * 100)}%)
        </span>
      </div>
    );
  }
  if (phase.kind === 'processing') {
    return (
      <div className="of-upload-progress" data-testid="upload-progress">
        <ProgressBar intent="primary" />
        <span className="of-muted">Uploaded; importing…</span>
      </div>
    );
  }
  if (phase.kind === 'failed') return <UploadError error={phase.error} />;
  return null;
}

/** Upload a file into a dataset's branch: a table import (CSV, JSON, Parquet) or a raw file, with progress. */
export function UploadDialog({ datasetRid, branchName, isOpen, onClose, onUploaded }: { datasetRid: string; branchName: string; isOpen: boolean; onClose: () => void; onUploaded?: (o: UploadOutcome) => void }) {
  const [choice, setChoice] = useState<UploadChoice>(EMPTY_CHOICE);
  const upload = useUpload();
  const close = () => {
    if (upload.busy) upload.cancel();
    upload.reset();
    setChoice(EMPTY_CHOICE);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const outcome = await upload.start(datasetRid, branchName, choice);
    if (!outcome) return;
    showSuccess(outcome.rowCount !== undefined ? `Imported ${formatCount(outcome.rowCount)} rows from ${choice.file!.name}` : `Uploaded ${choice.file!.name}`);
    onUploaded?.(outcome);
    close();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Upload to ${branchName}`} icon="upload" style={{ width: 560 }} canOutsideClickClose={!upload.busy}>
      <form onSubmit={(e) => void submit(e)}>
        <DialogBody>
          <UploadFields choice={choice} onChange={(c) => {
              upload.reset();
              setChoice(c);
            }} disabled={upload.busy} />
          <UploadStatus phase={upload.phase} />
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text={upload.busy ? 'Cancel upload' : 'Cancel'} onClick={close} />
              <Button type="submit" intent="primary" icon="upload" text="Upload" loading={upload.busy} disabled={!choice.file} data-testid="upload-submit" />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
