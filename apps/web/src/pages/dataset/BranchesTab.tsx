import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Radio, RadioGroup, Spinner, Tag } from '@blueprintjs/core';
import { ConfirmAlert } from '../../components/ConfirmButton';
import { api, ok } from '../../lib/api';
import { dsKeys, shortRid, useBranchHistory, useBranches, useTransaction, type DatasetDetails } from '../../lib/datasets';
import { formatRelative } from '../../lib/format';
import { describeError, showSuccess } from '../../lib/toaster';
import { TransactionTypeTag } from './txn';

function NewBranchDialog({ dataset, fromBranch, headRid, isOpen, onClose, onCreated }: { dataset: DatasetDetails; fromBranch: string; headRid: string | undefined; isOpen: boolean; onClose: () => void; onCreated: (name: string) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [from, setFrom] = useState<'head' | 'transaction'>('head');
  const [transactionRid, setTransactionRid] = useState('');
  const history = useBranchHistory(dataset.rid, fromBranch, isOpen);
  const transactions = history.data?.pages.flatMap((p) => p.data) ?? [];
  const close = () => {
    setName('');
    setFrom('head');
    setTransactionRid('');
    create.reset();
    onClose();
  };
  const start = from === 'head' ? headRid : transactionRid || transactions[0]?.rid;
  const create = useMutation({
    meta: { action: 'Create branch' },
    mutationFn: () => ok(api.POST('/api/v2/datasets/{datasetRid}/branches', { params: { path: { datasetRid: dataset.rid } }, body: { name: name.trim(), ...(start ? { transactionRid: start } : {}) } })),
    onSuccess: (b) => {
      showSuccess(`Created branch ${b.name}`);
      void queryClient.invalidateQueries({ queryKey: dsKeys.branches(dataset.rid) });
      close();
      onCreated(b.name);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New branch" icon="git-branch">
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Branch name" labelFor="branch-name" helperText="Letters, digits, and - _ . /">
            <InputGroup id="branch-name" required autoFocus maxLength={255} value={name} onValueChange={setName} />
          </FormGroup>
          {headRid ? (
            <RadioGroup label="Start from" selectedValue={from} onChange={(e) => setFrom(e.currentTarget.value as 'head' | 'transaction')}>
              <Radio value="head" label={`The head of ${fromBranch} (${shortRid(headRid)})`} />
              <Radio value="transaction" label="An older transaction of it" />
            </RadioGroup>
          ) : (
            <p className="of-muted">{fromBranch} has no transactions: the new branch starts empty.</p>
          )}
          {from === 'transaction' && headRid ? (
            <FormGroup label="Transaction" labelFor="branch-transaction">
              <HTMLSelect
                id="branch-transaction"
                fill
                value={transactionRid || transactions[0]?.rid || ''}
                onChange={(e) => setTransactionRid(e.currentTarget.value)}
                options={transactions.map((t) => ({ value: t.rid, label: `${shortRid(t.rid)} · ${t.transactionType} · ${formatRelative(t.closedTime ?? t.createdTime)}` }))}
              />
            </FormGroup>
          ) : null}
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={close} />
              <Button type="submit" intent="primary" text="Create branch" loading={create.isPending} disabled={!name.trim()} />
            </>
          }
        />
      </form>
    </Dialog>
  );
}

/** The dataset's branches: switch to one, create one from the current branch, delete one (never the default). */
export function BranchesTab({ dataset, branchName, onOpen }: { dataset: DatasetDetails; branchName: string; onOpen: (branch: string) => void }) {
  const queryClient = useQueryClient();
  const branches = useBranches(dataset.rid);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const remove = useMutation({
    meta: { action: 'Delete branch' },
    mutationFn: (name: string) => ok(api.DELETE('/api/v2/datasets/{datasetRid}/branches/{branchName}', { params: { path: { datasetRid: dataset.rid, branchName: name } } })),
    onSuccess: (_r, name) => {
      showSuccess(`Deleted branch ${name}`);
      void queryClient.invalidateQueries({ queryKey: dsKeys.branches(dataset.rid) });
      if (name === branchName) onOpen(dataset.defaultBranch);
    },
  });
  if (branches.isPending) return <Spinner className="of-page-spinner" />;
  if (branches.isError) return <NonIdealState icon="error" title="Cannot load the branches" description={describeError(branches.error).title} />;
  const current = branches.data.find((b) => b.name === branchName);
  return (
    <div>
      <div className="of-tab-toolbar">
        <span className="of-muted">{branches.data.length === 1 ? 'One branch' : `${branches.data.length} branches`}</span>
        <Button icon="git-new-branch" text="New branch" onClick={() => setCreating(true)} data-testid="new-branch" />
      </div>
      <HTMLTable compact striped interactive className="of-table" data-testid="branches-table">
        <thead>
          <tr>
            <th>Branch</th>
            <th>Head transaction</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {branches.data.map((b) => (
            <tr key={b.name} data-testid="branch-row" data-name={b.name} onClick={() => onOpen(b.name)}>
              <td>
                <a>{b.name}</a>
                {b.name === dataset.defaultBranch ? (
                  <Tag minimal intent="primary" className="of-tag-inline">
                    default
                  </Tag>
                ) : null}
                {b.name === branchName ? (
                  <Tag minimal className="of-tag-inline">
                    viewing
                  </Tag>
                ) : null}
              </td>
              <td>{b.transactionRid ? <HeadCell rid={dataset.rid} transactionRid={b.transactionRid} /> : <span className="of-muted">empty</span>}</td>
              <td className="of-cell-actions">
                {b.name !== dataset.defaultBranch ? (
                  <Button
                    size="small"
                    variant="minimal"
                    intent="danger"
                    icon="trash"
                    aria-label={`Delete branch ${b.name}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      setDeleting(b.name);
                    }}
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      <NewBranchDialog dataset={dataset} fromBranch={branchName} headRid={current?.transactionRid} isOpen={creating} onClose={() => setCreating(false)} onCreated={onOpen} />
      <ConfirmAlert
        isOpen={deleting !== null}
        icon="trash"
        confirmText="Delete branch"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) remove.mutate(deleting);
          setDeleting(null);
        }}
      >
        <p>
          Delete the branch <strong>{deleting}</strong>? Its transactions stay in the dataset&apos;s history; an open transaction on it is aborted.
        </p>
      </ConfirmAlert>
    </div>
  );
}

function HeadCell({ rid, transactionRid }: { rid: string; transactionRid: string }) {
  const head = useTransaction(rid, transactionRid).data;
  return (
    <span className="of-name-cell">
      <span className="of-mono-small" title={transactionRid}>
        {shortRid(transactionRid)}
      </span>
      {head ? (
        <>
          <TransactionTypeTag type={head.transactionType} />
          <span className="of-muted">{formatRelative(head.closedTime ?? head.createdTime)}</span>
        </>
      ) : null}
    </span>
  );
}
