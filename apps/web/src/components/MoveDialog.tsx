import { useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, DialogBody, DialogFooter } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { FOLDER_KIND, invalidateFilesystem, useFolder, type Resource } from '../lib/filesystem';
import { showSuccess } from '../lib/toaster';
import { FolderPicker } from './FolderPicker';

/** Pick a destination folder by browsing, then move the resource (and everything in it) there. */
export function MoveDialog({ resource, isOpen, onClose }: { resource: Resource; isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [location, setLocation] = useState(resource.parentFolderRid);
  useEffect(() => {
    if (isOpen) setLocation(resource.parentFolderRid);
  }, [isOpen, resource.parentFolderRid]);
  const folder = useFolder(isOpen ? location : undefined);
  const move = useMutation({
    meta: { action: 'Move' },
    mutationFn: () => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/move', { params: { path: { resourceRid: resource.rid } }, body: { parentFolderRid: location } })),
    onSuccess: () => {
      showSuccess(`Moved ${resource.displayName} to ${folder.data?.displayName ?? 'folder'}`);
      void invalidateFilesystem(queryClient);
      onClose();
    },
  });
  const kind = folder.data ? FOLDER_KIND[folder.data.type] : undefined;
  const canMoveHere = !!folder.data && kind !== 'space' && location !== resource.parentFolderRid;
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={`Move “${resource.displayName}”`} icon="move" style={{ width: 520 }}>
      <DialogBody>{isOpen ? <FolderPicker location={location} onChange={setLocation} excludeRid={resource.rid} /> : null}</DialogBody>
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
