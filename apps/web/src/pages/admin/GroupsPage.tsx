import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, InputGroup, NonIdealState, Spinner, TextArea } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { useSession } from '../../lib/session';
import { showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';

export const GROUPS_KEY = ['admin', 'groups'];

function CreateGroupDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    meta: { action: 'Create group' },
    mutationFn: () =>
      ok(
        api.POST('/api/v2/admin/groups', {
          body: { name, ...(description ? { description } : {}), organizations: [session.organization.rid], attributes: {} },
        }),
      ),
    onSuccess: (g) => {
      showSuccess(`Created group ${g.name}`);
      void queryClient.invalidateQueries({ queryKey: GROUPS_KEY });
      close();
      navigate(`/admin/groups/${encodeURIComponent(g.id)}`);
    },
  });
  function close() {
    setName('');
    setDescription('');
    create.reset();
    onClose();
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New group" icon="people">
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Name" labelFor="group-name">
            <InputGroup id="group-name" required autoFocus value={name} onValueChange={setName} />
          </FormGroup>
          <FormGroup label="Description" labelFor="group-description">
            <TextArea id="group-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          </FormGroup>
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={close} />
              <Button type="submit" intent="primary" text="Create group" loading={create.isPending} disabled={!name.trim()} />
            </>
          }
        />
      </form>
    </Dialog>
  );
}

/** Organization admins: the organization's groups; a group's page manages its members. */
export function GroupsPage() {
  const [creating, setCreating] = useState(false);
  const groups = useInfiniteQuery({
    queryKey: [...GROUPS_KEY, 'list'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET('/api/v2/admin/groups', { params: { query: { pageSize: 100, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
  });
  const list = groups.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="of-page">
      <PageHeader
        title="Groups"
        subtitle="Share projects with a group instead of one person at a time."
        actions={<Button intent="primary" icon="add" text="New group" onClick={() => setCreating(true)} data-testid="new-group" />}
      />
      {groups.isPending ? (
        <Spinner />
      ) : list.length === 0 ? (
        <NonIdealState icon="people" title="No groups yet" action={<Button icon="add" text="New group" onClick={() => setCreating(true)} />} />
      ) : (
        <HTMLTable compact striped interactive className="of-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Realm</th>
            </tr>
          </thead>
          <tbody>
            {list.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link to={`/admin/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>
                </td>
                <td>{g.description ?? <span className="of-muted">—</span>}</td>
                <td className="of-mono-small of-muted">{g.realm}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
      {groups.hasNextPage ? <Button className="of-load-more" text="Load more" loading={groups.isFetchingNextPage} onClick={() => void groups.fetchNextPage()} /> : null}
      <CreateGroupDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
