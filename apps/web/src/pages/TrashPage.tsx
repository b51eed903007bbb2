import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, HTMLTable, Icon, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { KIND_ICON, KIND_LABEL, fsKeys, invalidateFilesystem, kindOf } from '../lib/filesystem';
import { formatDateTime } from '../lib/format';
import { PrincipalLabel } from '../lib/principals';
import { showSuccess } from '../lib/toaster';
import { PageHeader } from '../components/PageHeader';
import { ConfirmButton } from '../components/ConfirmButton';

/** What the user can see in the trash: restore it, or delete it for good. */
export function TrashPage() {
  const queryClient = useQueryClient();
  const trash = useInfiniteQuery({
    queryKey: fsKeys.trash,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET('/api/v2/filesystem/trash', { params: { query: { pageSize: 100, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
  });
  const restore = useMutation({
    meta: { action: 'Restore' },
    mutationFn: (rid: string) => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/restore', { params: { path: { resourceRid: rid } } })),
    onSuccess: () => {
      showSuccess('Restored');
      void invalidateFilesystem(queryClient);
    },
  });
  const destroy = useMutation({
    meta: { action: 'Delete permanently' },
    mutationFn: (rid: string) => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/permanentlyDelete', { params: { path: { resourceRid: rid } } })),
    onSuccess: () => {
      showSuccess('Deleted permanently');
      void invalidateFilesystem(queryClient);
    },
  });
  const items = trash.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="of-page">
      <PageHeader title="Trash" subtitle="Trashed projects, folders and resources, with everything that was inside them. Restore them, or delete them permanently." />
      {trash.isPending ? (
        <Spinner />
      ) : items.length === 0 ? (
        <NonIdealState icon="trash" title="The trash is empty" />
      ) : (
        <HTMLTable compact striped className="of-table" data-testid="trash-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Was in</th>
              <th>Trashed</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((r) => {
              const kind = kindOf(r);
              return (
                <tr key={r.rid} data-testid="trash-row" data-name={r.displayName}>
                  <td>
                    <span className="of-name-cell">
                      <Icon icon={KIND_ICON[kind]} className="of-muted" />
                      <strong>{r.displayName}</strong>
                      <span className="of-muted">{KIND_LABEL[kind]}</span>
                    </span>
                  </td>
                  <td className="of-muted">{r.path.split('/').slice(0, -1).join('/') || '/'}</td>
                  <td>{formatDateTime(r.trashedTime)}</td>
                  <td>
                    <PrincipalLabel id={r.trashedBy} type="USER" showIcon={false} />
                  </td>
                  <td className="of-cell-actions">
                    <Button size="small" variant="minimal" icon="undo" text="Restore" loading={restore.isPending && restore.variables === r.rid} onClick={() => restore.mutate(r.rid)} />
                    <ConfirmButton
                      size="small"
                      variant="minimal"
                      icon="delete"
                      text="Delete permanently"
                      confirmText="Delete permanently"
                      confirm={
                        <p>
                          Permanently delete <strong>{r.displayName}</strong>
                          {kind !== 'resource' ? ' and everything in it' : ''}? This cannot be undone.
                        </p>
                      }
                      loading={destroy.isPending && destroy.variables === r.rid}
                      onConfirm={() => destroy.mutate(r.rid)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </HTMLTable>
      )}
      {trash.hasNextPage ? <Button className="of-load-more" text="Load more" loading={trash.isFetchingNextPage} onClick={() => void trash.fetchNextPage()} /> : null}
    </div>
  );
}
