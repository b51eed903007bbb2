import { useQuery } from '@tanstack/react-query';
import { Icon } from '@blueprintjs/core';
import { api, ok, type Schemas } from './api';
import { displayNameOf } from './format';

export type User = Schemas['User'];
export type Group = Schemas['Group'];
export type PrincipalType = 'USER' | 'GROUP';

export const principalKeys = {
  user: (id: string) => ['principal', 'user', id] as const,
  group: (id: string) => ['principal', 'group', id] as const,
};

export function useUser(id: string | null | undefined) {
  return useQuery({
    queryKey: principalKeys.user(id ?? ''),
    queryFn: () => ok(api.GET('/api/v2/admin/users/{userId}', { params: { path: { userId: id! } } })),
    enabled: !!id,
    staleTime: 5 * 60_000,
    retry: false,
    meta: { silent: true },
  });
}

export function useGroup(id: string | null | undefined) {
  return useQuery({
    queryKey: principalKeys.group(id ?? ''),
    queryFn: () => ok(api.GET('/api/v2/admin/groups/{groupId}', { params: { path: { groupId: id! } } })),
    enabled: !!id,
    staleTime: 5 * 60_000,
    retry: false,
    meta: { silent: true },
  });
}

/** A user's or group's name with its icon; the raw id when it cannot be resolved (deleted, not visible). */
export function PrincipalLabel({ id, type, showIcon = true }: { id: string | null | undefined; type: PrincipalType; showIcon?: boolean }) {
  const user = useUser(type === 'USER' ? id : undefined);
  const group = useGroup(type === 'GROUP' ? id : undefined);
  if (!id) return <span className="of-muted">—</span>;
  const name = type === 'USER' ? (user.data ? displayNameOf(user.data) : undefined) : group.data?.name;
  return (
    <span className="of-principal" title={id}>
      {showIcon ? <Icon icon={type === 'USER' ? 'person' : 'people'} size={12} className="of-muted" /> : null}
      <span>{name ?? ((type === 'USER' ? user : group).isLoading ? '…' : id)}</span>
    </span>
  );
}
