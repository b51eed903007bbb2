import { Button, Icon, Menu, MenuItem, NonIdealState, Spinner } from '@blueprintjs/core';
import { FOLDER_KIND, KIND_ICON, isContainer, kindOf, useChildren, useFolder } from '../lib/filesystem';

/**
 * Browse spaces, projects and folders from `location` (up, and into a child folder). The
 * parent owns the location; `folder` tells it what the location is (a space is not a place
 * to put things). Used by the move dialog and the SQL workbench's export.
 */
export function FolderPicker({ location, onChange, excludeRid }: { location: string; onChange: (rid: string) => void; excludeRid?: string | undefined }) {
  const folder = useFolder(location || undefined);
  const children = useChildren(location || undefined);
  const containers = (children.data ?? []).filter((c) => isContainer(c) && c.rid !== excludeRid);
  const kind = folder.data ? FOLDER_KIND[folder.data.type] : undefined;
  return (
    <>
      <div className="of-move-location" data-testid="folder-picker-location">
        <Button icon="arrow-up" variant="minimal" aria-label="Up" disabled={!folder.data || kind === 'space'} onClick={() => folder.data && onChange(folder.data.parentFolderRid)} />
        {folder.data ? (
          <strong>
            <Icon icon={KIND_ICON[kind!]} className="of-muted" /> {folder.data.path}
          </strong>
        ) : (
          <Spinner size={16} />
        )}
      </div>
      <div className="of-folder-picker" data-testid="folder-picker">
        {children.isPending ? (
          <Spinner size={24} />
        ) : containers.length === 0 ? (
          <NonIdealState icon="folder-open" description="No folders here." />
        ) : (
          <Menu>
            {containers.map((c) => (
              <MenuItem key={c.rid} icon={KIND_ICON[kindOf(c)]} text={c.displayName} labelElement={<Icon icon="chevron-right" />} onClick={() => onChange(c.rid)} />
            ))}
          </Menu>
        )}
      </div>
    </>
  );
}
