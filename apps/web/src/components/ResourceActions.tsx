import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Menu, MenuDivider, MenuItem, PopoverNext } from '@blueprintjs/core';
import { ConfirmAlert } from './ConfirmButton';
import { api, ok } from '../lib/api';
import { KIND_LABEL, invalidateFilesystem, kindOf, type Resource } from '../lib/filesystem';
import { showSuccess } from '../lib/toaster';
import { NameDialog } from './NameDialog';
import { MoveDialog } from './MoveDialog';
import { SharingDialog } from './SharingDialog';

type Dialog = 'rename' | 'move' | 'share' | 'trash' | null;

/**
 * Rename, move, share and trash one project, folder or resource: a "more" menu (`variant="menu"`)
 * or buttons for the page header (`variant="header"`).
 */
export function ResourceActions({ resource, variant, onTrashed }: { resource: Resource; variant: 'menu' | 'header'; onTrashed?: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<Dialog>(null);
  const kind = kindOf(resource);
  const label = KIND_LABEL[kind].toLowerCase();
  const rename = useMutation({
    meta: { action: 'Rename' },
    mutationFn: (displayName: string) => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/rename', { params: { path: { resourceRid: resource.rid } }, body: { displayName } })),
    onSuccess: (r) => {
      showSuccess(`Renamed to ${r.displayName}`);
      void invalidateFilesystem(queryClient);
      setDialog(null);
    },
  });
  const trash = useMutation({
    meta: { action: 'Move to trash' },
    mutationFn: () => ok(api.DELETE('/api/v2/filesystem/resources/{resourceRid}', { params: { path: { resourceRid: resource.rid } } })),
    onSuccess: () => {
      showSuccess(`Moved ${resource.displayName} to the trash`);
      void invalidateFilesystem(queryClient);
      onTrashed?.();
    },
  });

  const items = (
    <>
      {variant === 'menu' ? <MenuItem icon="people" text="Share…" onClick={() => setDialog('share')} /> : null}
      <MenuItem icon="edit" text="Rename…" onClick={() => setDialog('rename')} />
      {kind !== 'project' ? <MenuItem icon="move" text="Move…" onClick={() => setDialog('move')} /> : null}
      <MenuDivider />
      <MenuItem icon="trash" intent="danger" text="Move to trash" onClick={() => setDialog('trash')} />
    </>
  );

  return (
    <>
      {variant === 'header' ? (
        <>
          <Button icon="people" text="Share" onClick={() => setDialog('share')} data-testid="share-button" />
          <PopoverNext placement="bottom-end" content={<Menu>{items}</Menu>}>
            <Button icon="more" aria-label="More actions" />
          </PopoverNext>
        </>
      ) : (
        <PopoverNext placement="bottom-end" content={<Menu>{items}</Menu>}>
          <Button icon="more" variant="minimal" size="small" aria-label={`Actions for ${resource.displayName}`} />
        </PopoverNext>
      )}
      <NameDialog
        isOpen={dialog === 'rename'}
        title={`Rename ${label}`}
        icon="edit"
        initial={resource.displayName}
        submitText="Rename"
        loading={rename.isPending}
        onSubmit={(name) => rename.mutate(name)}
        onClose={() => setDialog(null)}
      />
      {dialog === 'move' ? <MoveDialog resource={resource} isOpen onClose={() => setDialog(null)} /> : null}
      <SharingDialog resource={resource} isOpen={dialog === 'share'} onClose={() => setDialog(null)} />
      <ConfirmAlert
        isOpen={dialog === 'trash'}
        icon="trash"
        confirmText="Move to trash"
        onCancel={() => setDialog(null)}
        onConfirm={() => {
          setDialog(null);
          trash.mutate();
        }}
      >
        <p>
          Move the {label} <strong>{resource.displayName}</strong>
          {kind !== 'resource' ? ' and everything in it' : ''} to the trash? You can restore it from the{' '}
          <a
            onClick={() => {
              setDialog(null);
              navigate('/trash');
            }}
          >
            trash
          </a>
          .
        </p>
      </ConfirmAlert>
    </>
  );
}
