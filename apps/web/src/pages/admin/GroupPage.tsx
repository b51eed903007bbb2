import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Breadcrumbs, Button, HTMLTable, NonIdealState, Section, SectionCard, Spinner } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { PrincipalLabel, useGroup, principalKeys } from '../../lib/principals';
import { showSuccess } from '../../lib/toaster';
import { PageHeader } from '../../components/PageHeader';
import { PrincipalSearch } from '../../components/PrincipalSearch';
import { ConfirmButton } from '../../components/ConfirmButton';
import { GROUPS_KEY } from './GroupsPage';

/** One group: its members (users and nested groups), add and remove them, delete the group. */
export function GroupPage() {
  const { groupId = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const group = useGroup(groupId);
  const membersKey = [...GROUPS_KEY, groupId, 'members'];
  const members = useQuery({
    queryKey: membersKey,
    queryFn: async () => {
      const all = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/admin/groups/{groupId}/groupMembers', { params: { path: { groupId }, query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
  const add = useMutation({
    meta: { action: 'Add member' },
    mutationFn: (principalId: string) => ok(api.POST('/api/v2/admin/groups/{groupId}/groupMembers/add', { params: { path: { groupId } }, body: { principalIds: [principalId] } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: membersKey }),
  });
  const remove = useMutation({
    meta: { action: 'Remove member' },
    mutationFn: (principalId: string) => ok(api.POST('/api/v2/admin/groups/{groupId}/groupMembers/remove', { params: { path: { groupId } }, body: { principalIds: [principalId] } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: membersKey }),
  });
  const del = useMutation({
    meta: { action: 'Delete group' },
    mutationFn: () => ok(api.DELETE('/api/v2/admin/groups/{groupId}', { params: { path: { groupId } } })),
    onSuccess: () => {
      showSuccess('Group deleted');
      queryClient.removeQueries({ queryKey: principalKeys.group(groupId) });
      void queryClient.invalidateQueries({ queryKey: GROUPS_KEY });
      navigate('/admin/groups', { replace: true });
    },
  });

  if (group.isPending) return <Spinner />;
  if (group.isError) return <NonIdealState icon="people" title="Group not found" action={<Link to="/admin/groups">All groups</Link>} />;
  const memberIds = (members.data ?? []).map((m) => m.principalId);

  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={<Breadcrumbs items={[{ text: 'Groups', onClick: () => navigate('/admin/groups'), icon: 'people' }, { text: group.data.name }]} />}
        title={group.data.name}
        subtitle={group.data.description}
        actions={
          <ConfirmButton
            icon="trash"
            text="Delete group"
            confirmText="Delete group"
            confirm={
              <p>
                Delete <strong>{group.data.name}</strong>? Its members lose the access the group gave them.
              </p>
            }
            loading={del.isPending}
            onConfirm={() => del.mutate()}
          />
        }
      />
      <Section title="Members" icon="people" className="of-section">
        <SectionCard>
          <PrincipalSearch placeholder="Add a person or group…" exclude={[...memberIds, groupId]} onPick={(p) => add.mutate(p.id)} />
        </SectionCard>
        <SectionCard padded={false}>
          {members.isPending ? (
            <Spinner />
          ) : members.data?.length ? (
            <HTMLTable compact className="of-table of-table-flush">
              <tbody>
                {members.data.map((m) => (
                  <tr key={m.principalId}>
                    <td>
                      <PrincipalLabel id={m.principalId} type={m.principalType} />
                    </td>
                    <td className="of-muted">{m.principalType === 'USER' ? 'User' : 'Group'}</td>
                    <td className="of-cell-actions">
                      <Button size="small" variant="minimal" icon="cross" text="Remove" loading={remove.isPending && remove.variables === m.principalId} onClick={() => remove.mutate(m.principalId)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          ) : (
            <NonIdealState icon="people" title="No members" description="Search above to add people or groups." />
          )}
        </SectionCard>
      </Section>
    </div>
  );
}
