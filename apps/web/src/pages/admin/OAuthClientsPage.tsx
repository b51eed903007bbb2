import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, InputGroup, NonIdealState, Radio, RadioGroup, Spinner, Tag, TextArea } from '@blueprintjs/core';
import { api, ok, type BodyOf, type ResponseOf } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { API_SCOPES } from '../../lib/scopes';
import { showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { SecretReveal } from '../../components/SecretReveal';
import { ConfirmButton } from '../../components/ConfirmButton';
import { toggled } from '../../lib/sets';

type Registered = ResponseOf<'/api/v2/admin/oauthClients', 'post'>;
type CreateBody = BodyOf<'/api/v2/admin/oauthClients', 'post'>;
type ClientType = CreateBody['type'];
type GrantType = CreateBody['grantTypes'][number];
type Scope = CreateBody['allowedScopes'][number];

const GRANTS: { id: GrantType; label: string; confidentialOnly?: boolean }[] = [
  { id: 'authorization_code', label: 'Authorization code — users sign in and consent' },
  { id: 'refresh_token', label: 'Refresh token — stay connected (needs offline_access)' },
  { id: 'client_credentials', label: 'Client credentials — the application acts as itself', confidentialOnly: true },
];

const CLIENTS_KEY = ['admin', 'oauth-clients'];
const OAUTH_SCOPES: { id: Scope; label: string }[] = [...API_SCOPES, { id: 'offline_access', label: 'Refresh tokens (stay connected)' }];

function RegisterClientDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [type, setType] = useState<ClientType>('CONFIDENTIAL');
  const [redirects, setRedirects] = useState('');
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(['api:filesystem-read']));
  const [grants, setGrants] = useState<Set<GrantType>>(new Set(['authorization_code']));
  const [registered, setRegistered] = useState<Registered | null>(null);
  const redirectUris = redirects
    .split(/\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const register = useMutation({
    meta: { action: 'Register client' },
    mutationFn: () =>
      ok(
        api.POST('/api/v2/admin/oauthClients', {
          body: { name, type, redirectUris, allowedScopes: [...scopes], grantTypes: [...grants].filter((g) => type === 'CONFIDENTIAL' || g !== 'client_credentials') },
        }),
      ),
    onSuccess: (c) => {
      setRegistered(c);
      void queryClient.invalidateQueries({ queryKey: CLIENTS_KEY });
    },
  });
  const close = () => {
    setName('');
    setType('CONFIDENTIAL');
    setRedirects('');
    setScopes(new Set(['api:filesystem-read']));
    setGrants(new Set(['authorization_code']));
    setRegistered(null);
    register.reset();
    onClose();
  };
  const toggle = <T,>(set: (f: (prev: Set<T>) => Set<T>) => void, v: T) => set((prev) => toggled(prev, v));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    register.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title={registered ? 'Client registered' : 'Register an OAuth client'} icon="application" style={{ width: 560 }}>
      {registered ? (
        <>
          <DialogBody>
            <FormGroup label="Client id" labelFor="client-id">
              <InputGroup id="client-id" readOnly value={registered.clientId} className="of-mono" onFocus={(e) => e.currentTarget.select()} />
            </FormGroup>
            {registered.clientSecret ? (
              <SecretReveal label="client secret" secret={registered.clientSecret} testId="client-secret" />
            ) : (
              <p className="of-muted">Public clients have no secret; they must use PKCE.</p>
            )}
          </DialogBody>
          <DialogFooter actions={<Button intent="primary" text="Done" onClick={close} />} />
        </>
      ) : (
        <form onSubmit={submit}>
          <DialogBody>
            <FormGroup label="Name" labelFor="client-name" helperText="Shown to users on the consent page.">
              <InputGroup id="client-name" required autoFocus value={name} onValueChange={setName} />
            </FormGroup>
            <RadioGroup label="Type" inline selectedValue={type} onChange={(e) => setType(e.currentTarget.value as ClientType)}>
              <Radio value="CONFIDENTIAL" label="Confidential (a server that keeps a secret)" />
              <Radio value="PUBLIC" label="Public (browser or native app, PKCE)" />
            </RadioGroup>
            <FormGroup label="Grant types">
              {GRANTS.map((g) => (
                <Checkbox
                  key={g.id}
                  disabled={g.confidentialOnly && type === 'PUBLIC'}
                  checked={grants.has(g.id) && !(g.confidentialOnly && type === 'PUBLIC')}
                  onChange={() => toggle(setGrants, g.id)}
                  label={g.label}
                />
              ))}
            </FormGroup>
            <FormGroup label="Redirect URIs" labelFor="client-redirects" helperText="One per line; matched exactly. https, or http on a loopback host. Needed for the authorization code grant.">
              <TextArea id="client-redirects" fill rows={3} className="of-mono" value={redirects} onChange={(e) => setRedirects(e.currentTarget.value)} placeholder="https://app.example.com/callback" />
            </FormGroup>
            <FormGroup label="Scopes the client may ask for">
              {OAUTH_SCOPES.map((s) => (
                <Checkbox key={s.id} checked={scopes.has(s.id)} onChange={() => toggle(setScopes, s.id)}>
                  <code>{s.id}</code> <span className="of-muted">— {s.label}</span>
                </Checkbox>
              ))}
            </FormGroup>
          </DialogBody>
          <DialogFooter
            actions={
              <>
                <Button text="Cancel" onClick={close} />
                <Button type="submit" intent="primary" text="Register" loading={register.isPending} disabled={!name.trim() || scopes.size === 0 || grants.size === 0} />
              </>
            }
          />
        </form>
      )}
    </Dialog>
  );
}

/** Organization admins: applications that call the API on behalf of users (OAuth 2.0). */
export function OAuthClientsPage() {
  const queryClient = useQueryClient();
  const [registering, setRegistering] = useState(false);
  const clients = useQuery({ queryKey: CLIENTS_KEY, queryFn: () => ok(api.GET('/api/v2/admin/oauthClients', { params: { query: { pageSize: 1000 } } })) });
  const remove = useMutation({
    meta: { action: 'Delete client' },
    mutationFn: (clientId: string) => ok(api.DELETE('/api/v2/admin/oauthClients/{clientId}', { params: { path: { clientId } } })),
    onSuccess: () => {
      showSuccess('Client deleted');
      void queryClient.invalidateQueries({ queryKey: CLIENTS_KEY });
    },
  });
  const list = clients.data?.data ?? [];
  return (
    <div className="of-page">
      <PageHeader
        title="OAuth clients"
        subtitle="Applications that act for users through OAuth 2.0 (authorization code with PKCE) or as themselves (client credentials)."
        actions={<Button intent="primary" icon="add" text="Register client" onClick={() => setRegistering(true)} />}
      />
      {clients.isPending ? (
        <Spinner />
      ) : list.length === 0 ? (
        <NonIdealState icon="application" title="No OAuth clients" description="Register an application to let it use the API." />
      ) : (
        <HTMLTable compact striped className="of-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Client id</th>
              <th>Type</th>
              <th>Grants</th>
              <th>Redirect URIs</th>
              <th>Scopes</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.clientId}>
                <td>
                  <strong>{c.name}</strong>
                </td>
                <td className="of-mono-small">{c.clientId}</td>
                <td>
                  <Tag minimal>{c.type.toLowerCase()}</Tag>
                </td>
                <td className="of-mono-small">
                  {c.grantTypes.map((g) => (
                    <div key={g}>{g}</div>
                  ))}
                </td>
                <td className="of-mono-small">
                  {c.redirectUris.map((u) => (
                    <div key={u}>{u}</div>
                  ))}
                </td>
                <td>
                  <div className="of-tags">
                    {c.allowedScopes.map((s) => (
                      <Tag key={s} minimal>
                        {s}
                      </Tag>
                    ))}
                  </div>
                </td>
                <td className="of-nowrap">{formatDateTime(c.createdAt)}</td>
                <td className="of-cell-actions">
                  <ConfirmButton
                    size="small"
                    variant="minimal"
                    icon="trash"
                    text="Delete"
                    confirmText="Delete client"
                    confirm={
                      <p>
                        Delete <strong>{c.name}</strong>? Its tokens stop working and users must consent again to a new client.
                      </p>
                    }
                    loading={remove.isPending && remove.variables === c.clientId}
                    onConfirm={() => remove.mutate(c.clientId)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
      <RegisterClientDialog isOpen={registering} onClose={() => setRegistering(false)} />
    </div>
  );
}
