import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, InputGroup, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { displayNameOf } from '../../lib/format';
import { useDebounced } from '../../lib/useDebounced';
import { useSession } from '../../lib/session';
import { showSuccess } from '../../lib/toaster';
import type { User } from '../../lib/principals';
import { PageHeader } from '../../components/PageHeader';

const USERS_KEY = ['admin', 'users'];

function CreateUserDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const empty = { email: '', username: '', givenName: '', familyName: '', password: '', organizationAdmin: false };
  const [form, setForm] = useState(empty);
  const set = (k: 'email' | 'username' | 'givenName' | 'familyName' | 'password') => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const close = () => {
    setForm(empty);
    create.reset();
    onClose();
  };
  const create = useMutation({
    meta: { action: 'Create user' },
    mutationFn: () =>
      ok(
        api.POST('/api/v2/admin/users', {
          body: {
            email: form.email,
            ...(form.username ? { username: form.username } : {}),
            ...(form.givenName ? { givenName: form.givenName } : {}),
            ...(form.familyName ? { familyName: form.familyName } : {}),
            ...(form.password ? { password: form.password } : {}),
            organizationAdmin: form.organizationAdmin,
          },
        }),
      ),
    onSuccess: (u) => {
      showSuccess(`Created ${displayNameOf(u)}`);
      void queryClient.invalidateQueries({ queryKey: USERS_KEY });
      close();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New user" icon="new-person">
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Email" labelFor="user-email">
            <InputGroup id="user-email" type="email" required autoFocus value={form.email} onValueChange={set('email')} />
          </FormGroup>
          <div className="of-form-row">
            <FormGroup label="First name" labelFor="user-given">
              <InputGroup id="user-given" value={form.givenName} onValueChange={set('givenName')} />
            </FormGroup>
            <FormGroup label="Last name" labelFor="user-family">
              <InputGroup id="user-family" value={form.familyName} onValueChange={set('familyName')} />
            </FormGroup>
          </div>
          <FormGroup label="Username" labelFor="user-username" helperText="Defaults to the email address.">
            <InputGroup id="user-username" value={form.username} onValueChange={set('username')} />
          </FormGroup>
          <FormGroup label="Initial password" labelFor="user-password" helperText="At least 12 characters. Leave empty for a user who signs in through SSO only.">
            <InputGroup id="user-password" type="password" autoComplete="new-password" value={form.password} onValueChange={set('password')} />
          </FormGroup>
          <Checkbox checked={form.organizationAdmin} onChange={(e) => setForm((f) => ({ ...f, organizationAdmin: e.currentTarget.checked }))} label="Organization administrator" />
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={close} />
              <Button type="submit" intent="primary" text="Create user" loading={create.isPending} />
            </>
          }
        />
      </form>
    </Dialog>
  );
}

function UserRow({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const session = useSession();
  const setAdmin = useMutation({
    meta: { action: 'Change administrator' },
    mutationFn: (organizationAdmin: boolean) => ok(api.PATCH('/api/v2/admin/users/{userId}', { params: { path: { userId: user.id } }, body: { organizationAdmin } })),
    onSuccess: (u) => {
      showSuccess(u.organizationAdmin ? `${displayNameOf(u)} is now an administrator` : `${displayNameOf(u)} is no longer an administrator`);
      void queryClient.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
  const self = user.id === session.user.id;
  return (
    <tr>
      <td>
        <strong>{displayNameOf(user)}</strong>
        {self ? (
          <Tag minimal className="of-tag-inline">
            you
          </Tag>
        ) : null}
      </td>
      <td className="of-mono-small">{user.username}</td>
      <td>{user.email ?? <span className="of-muted">—</span>}</td>
      <td>
        <Tag minimal intent={user.status === 'ACTIVE' ? 'success' : 'none'}>
          {user.status.toLowerCase()}
        </Tag>
      </td>
      <td>{user.organizationAdmin ? <Tag intent="primary">Administrator</Tag> : <span className="of-muted">Member</span>}</td>
      <td className="of-cell-actions">
        {user.status === 'ACTIVE' && !self ? (
          <Button
            size="small"
            variant="minimal"
            icon={user.organizationAdmin ? 'remove' : 'crown'}
            text={user.organizationAdmin ? 'Remove admin' : 'Make admin'}
            loading={setAdmin.isPending}
            onClick={() => setAdmin.mutate(!user.organizationAdmin)}
          />
        ) : null}
      </td>
    </tr>
  );
}

/** Organization admins: list and search users, create users, grant or remove the administrator role. */
export function UsersPage() {
  const [text, setText] = useState('');
  const [creating, setCreating] = useState(false);
  const query = useDebounced(text.trim());
  const list = useInfiniteQuery({
    queryKey: [...USERS_KEY, 'list'],
    enabled: !query,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET('/api/v2/admin/users', { params: { query: { pageSize: 100, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
  });
  const search = useQuery({
    queryKey: [...USERS_KEY, 'search', query],
    enabled: !!query,
    queryFn: () => ok(api.POST('/api/v2/admin/users/search', { body: { where: { type: 'queryString', value: query }, pageSize: 100 } })),
  });
  const active = query ? search : list;
  const users = query ? (search.data?.data ?? []) : (list.data?.pages.flatMap((p) => p.data) ?? []);

  return (
    <div className="of-page">
      <PageHeader title="Users" subtitle="People of your organization." actions={<Button intent="primary" icon="new-person" text="New user" onClick={() => setCreating(true)} />} />
      <div className="of-toolbar">
        <InputGroup leftIcon="search" placeholder="Search by name, username or email" value={text} onValueChange={setText} className="of-toolbar-search" />
      </div>
      {active.isPending ? (
        <Spinner />
      ) : users.length === 0 ? (
        <NonIdealState icon="person" title={query ? 'No matching users' : 'No users'} />
      ) : (
        <HTMLTable compact striped className="of-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Username</th>
              <th>Email</th>
              <th>Status</th>
              <th>Role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <UserRow key={u.id} user={u} />
            ))}
          </tbody>
        </HTMLTable>
      )}
      {!query && list.hasNextPage ? <Button className="of-load-more" text="Load more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} /> : null}
      <CreateUserDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
