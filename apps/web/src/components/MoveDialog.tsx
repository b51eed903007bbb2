import { useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter, Icon, Menu, MenuItem, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { FOLDER_KIND, KIND_ICON, invalidateFilesystem, isContainer, kindOf, useChildren, useFolder, type Resource } from '../lib/filesystem';
import { showSuccess } from '../lib/toaster';

/** Pick a destination folder by browsing, then move the resource (and everything in it) there. */
export function MoveDialog({ resource, isOpen, onClose }: { resource: Resource; isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [location, setLocation] = useState(resource.parentFolderRid);
  useEffect(() => {
    if (isOpen) setLocation(resource.parentFolderRid);
  }, [isOpen, resource.parentFolderRid]);
  const folder = useFolder(isOpen ? location : undefined);
  const children = useChildren(isOpen ? location : undefined);
  const move = useMutation({
    meta: { action: 'Move' },
    mutationFn: () => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/move', { params: { path: { resourceRid: resource.rid } }, body: { parentFolderRid: location } })),
    onSuccess: () => {
      showSuccess(`Moved ${resource.displayName} to ${folder.data?.displayName ?? 'folder'}`);
      void invalidateFilesystem(queryClient);
      onClose();
    },
  });
  const containers = (children.data ?? []).filter((c) => isContainer(c) && c.rid !== resource.rid);
  const kind = folder.data ? FOLDER_KIND[folder.data.type] : undefined;
  const canMoveHere = !!folder.data && kind !== 'space' && location !== resource.parentFolderRid;
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={`Move “${resource.displayName}”`} icon="move" style={{ width: 520 }}>
      <DialogBody>
        <div className="of-move-location">
          <Button
            icon="arrow-up"
            variant="minimal"
            aria-label="Up"
            disabled={!folder.data || kind === 'space'}
            onClick={() => folder.data && setLocation(folder.data.parentFolderRid)}
          />
          {folder.data ? (
            <strong>
              <Icon icon={KIND_ICON[kind!]} className="of-muted" /> {folder.data.path}
            </strong>
          ) : (
            <Spinner size={16} />
          )}
        </div>
        <div className="of-folder-picker">
          {children.isPending ? (
            <Spinner size={24} />
          ) : containers.length === 0 ? (
            <NonIdealState icon="folder-open" description="No folders here." />
          ) : (
            <Menu>
              {containers.map((c) => (
                <MenuItem key={c.rid} icon={KIND_ICON[kindOf(c)]} text={c.displayName} labelElement={<Icon icon="chevron-right" />} onClick={() => setLocation(c.rid)} />
              ))}
            </Menu>
          )}
        </div>
      </DialogBody>
      <DialogFooter
        actions={
          <>
            <Button text="Cancel" onClick={onClose} />
            <Button intent="primary" text="Move here" disabled={!canMoveHere} loading={move.isPending} onClick={() => move.mutate()} />
          </>
        }
      />
    </Dialog>
  );
}
