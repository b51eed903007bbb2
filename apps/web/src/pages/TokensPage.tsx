import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { api, ok, type ResponseOf } from '../lib/api';
import { formatDateTime, formatRelative } from '../lib/format';
import { API_SCOPES, type TokenScope } from '../lib/scopes';
import { showSuccess } from '../lib/toaster';
import { PageHeader } from '../components/PageHeader';
import { SecretReveal } from '../components/SecretReveal';
import { ConfirmButton } from '../components/ConfirmButton';
import { toggled } from '../lib/sets';

type CreatedToken = ResponseOf<'/api/v2/auth/tokens', 'post'>;

const EXPIRY_DAYS = [7, 30, 90, 180, 366];
const TOKENS_KEY = ['tokens'];

function CreateTokenDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState(30);
  const [scopes, setScopes] = useState<Set<TokenScope>>(new Set(['api:filesystem-read']));
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const create = useMutation({
    meta: { action: 'Create token' },
    mutationFn: () => ok(api.POST('/api/v2/auth/tokens', { body: { name, expiresInDays: days, scopes: [...scopes] } })),
    onSuccess: (t) => {
      setCreated(t);
      void queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });
  const close = () => {
    setName('');
    setDays(30);
    setScopes(new Set(['api:filesystem-read']));
    setCreated(null);
    create.reset();
    onClose();
  };
  const toggle = (s: TokenScope) => setScopes((prev) => toggled(prev, s));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title={created ? 'Token created' : 'New personal access token'} icon="key">
      {created ? (
        <>
          <DialogBody>
            <p>
              <strong>{created.name}</strong> expires {formatDateTime(created.expiresAt)}.
            </p>
            <SecretReveal label="token" secret={created.token} testId="created-token" />
          </DialogBody>
          <DialogFooter actions={<Button intent="primary" text="Done" onClick={close} />} />
        </>
      ) : (
        <form onSubmit={submit}>
          <DialogBody>
            <FormGroup label="Name" labelFor="token-name" helperText="What the token is for, e.g. “CI pipeline”.">
              <InputGroup id="token-name" required autoFocus maxLength={100} value={name} onValueChange={setName} />
            </FormGroup>
            <FormGroup label="Expires in" labelFor="token-expiry">
              <HTMLSelect id="token-expiry" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))} options={EXPIRY_DAYS.map((d) => ({ value: d, label: `${d} days` }))} />
            </FormGroup>
            <FormGroup label="Scopes" helperText="A token can never do more than you can; scopes limit it further.">
              {API_SCOPES.map((s) => (
                <Checkbox key={s.id} checked={scopes.has(s.id)} onChange={() => toggle(s.id)}>
                  <code>{s.id}</code> <span className="of-muted">— {s.label}</span>
                </Checkbox>
              ))}
            </FormGroup>
          </DialogBody>
          <DialogFooter
            actions={
              <>
                <Button text="Cancel" onClick={close} />
                <Button type="submit" intent="primary" text="Create token" loading={create.isPending} disabled={!name.trim() || scopes.size === 0} />
              </>
            }
          />
        </form>
      )}
    </Dialog>
  );
}

const STATUS_INTENT = { ACTIVE: 'success', EXPIRED: 'none', REVOKED: 'danger' } as const;

/** The caller's personal access tokens: create (secret shown once), list, revoke. */
export function TokensPage() {
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const tokens = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: async () => {
      const all = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/auth/tokens', { params: { query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
  const revoke = useMutation({
    meta: { action: 'Revoke token' },
    mutationFn: (tokenId: string) => ok(api.POST('/api/v2/auth/tokens/{tokenId}/revoke', { params: { path: { tokenId } } })),
    onSuccess: () => {
      showSuccess('Token revoked');
      void queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });

  return (
    <div className="of-page">
      <PageHeader
        title="Personal access tokens"
        subtitle="Tokens let scripts, the CLI and SDKs call the API as you. Treat them like passwords."
        actions={<Button intent="primary" icon="plus" text="New token" onClick={() => setCreating(true)} />}
      />
      {tokens.isPending ? (
        <Spinner />
      ) : tokens.isError ? null : tokens.data.length === 0 ? (
        <NonIdealState icon="key" title="No tokens yet" description="Create a token to use the API from scripts and the CLI." />
      ) : (
        <HTMLTable compact striped className="of-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td>
                  <strong>{t.name}</strong>
                </td>
                <td>
                  <div className="of-tags">
                    {t.scopes.map((s) => (
                      <Tag key={s} minimal>
                        {s}
                      </Tag>
                    ))}
                  </div>
                </td>
                <td className="of-nowrap">{formatDateTime(t.createdAt)}</td>
                <td className="of-nowrap">{formatDateTime(t.expiresAt)}</td>
                <td>{t.lastUsedAt ? formatRelative(t.lastUsedAt) : <span className="of-muted">never</span>}</td>
                <td>
                  <Tag minimal intent={STATUS_INTENT[t.status]}>
                    {t.status.toLowerCase()}
                  </Tag>
                </td>
                <td className="of-cell-actions">
                  {t.status === 'ACTIVE' ? (
                    <ConfirmButton
                      variant="minimal"
                      size="small"
                      icon="disable"
                      text="Revoke"
                      confirmText="Revoke"
                      confirm={
                        <p>
                          Revoke <strong>{t.name}</strong>? Anything using it stops working immediately.
                        </p>
                      }
                      loading={revoke.isPending && revoke.variables === t.id}
                      onConfirm={() => revoke.mutate(t.id)}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
      <CreateTokenDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
