import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Icon, InputGroup, Menu, MenuItem, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { displayNameOf } from '../lib/format';
import { useDebounced } from '../lib/useDebounced';
import type { PrincipalType } from '../lib/principals';

export interface PickedPrincipal {
  id: string;
  type: PrincipalType;
  name: string;
  detail?: string | undefined;
}

/**
 * Search box over the organization's users and groups (server-side prefix search); picking a
 * result calls `onPick`.
 */
export function PrincipalSearch({
  kinds = ['USER', 'GROUP'],
  exclude = [],
  onPick,
  placeholder = 'Search people and groups…',
  autoFocus,
}: {
  kinds?: PrincipalType[];
  exclude?: string[];
  onPick: (p: PickedPrincipal) => void;
  placeholder?: string;
  autoFocus?: boolean;
}) {
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 200);
  const results = useQuery({
    queryKey: ['principal-search', kinds.join(','), query],
    enabled: query.length > 0,
    queryFn: async (): Promise<PickedPrincipal[]> => {
      const [users, groups] = await Promise.all([
        kinds.includes('USER') ? ok(api.POST('/api/v2/admin/users/search', { body: { where: { type: 'queryString', value: query }, pageSize: 10 } })) : undefined,
        kinds.includes('GROUP') ? ok(api.POST('/api/v2/admin/groups/search', { body: { where: { type: 'queryString', value: query }, pageSize: 10 } })) : undefined,
      ]);
      return [
        ...(groups?.data ?? []).map((g) => ({ id: g.id, type: 'GROUP' as const, name: g.name, detail: g.description })),
        ...(users?.data ?? []).map((u) => ({ id: u.id, type: 'USER' as const, name: displayNameOf(u), detail: u.email ?? u.username })),
      ];
    },
  });
  const shown = (results.data ?? []).filter((p) => !exclude.includes(p.id));
  return (
    <div className="of-principal-search">
      <InputGroup
        leftIcon="search"
        placeholder={placeholder}
        value={text}
        onValueChange={setText}
        autoFocus={autoFocus}
        rightElement={results.isFetching ? <Spinner size={16} className="of-input-spinner" /> : undefined}
        data-testid="principal-search"
      />
      {query && results.isSuccess ? (
        <Menu className="of-principal-results" data-testid="principal-results">
          {shown.length === 0 ? <MenuItem disabled text="No matches" /> : null}
          {shown.map((p) => (
            <MenuItem
              key={`${p.type}:${p.id}`}
              icon={<Icon icon={p.type === 'USER' ? 'person' : 'people'} />}
              text={p.name}
              label={p.detail}
              onClick={() => {
                onPick(p);
                setText('');
              }}
            />
          ))}
        </Menu>
      ) : null}
    </div>
  );
}
