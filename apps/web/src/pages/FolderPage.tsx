import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Icon, Menu, MenuItem, NonIdealState, PopoverNext, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { FOLDER_KIND, KIND_ICON, KIND_LABEL, folderAsResource, invalidateFilesystem, useChildren, useFolder } from '../lib/filesystem';
import { formatDateTime } from '../lib/format';
import { PrincipalLabel } from '../lib/principals';
import { showSuccess } from '../lib/toaster';
import { PageHeader } from '../components/PageHeader';
import { FolderBreadcrumbs } from '../components/FolderBreadcrumbs';
import { NameDialog } from '../components/NameDialog';
import { CreateProjectDialog } from '../components/CreateProjectDialog';
import { CreateDatasetDialog } from '../components/CreateDatasetDialog';
import { ResourceActions } from '../components/ResourceActions';
import { ResourceTable } from '../components/ResourceTable';

type Creating = 'folder' | 'project' | 'dataset' | 'dataset-upload' | null;

/** The "New" menu of a project or folder: a folder, an empty dataset, or a dataset from a file. */
function NewMenu({ onPick, minimal }: { onPick: (c: Exclude<Creating, null | 'project'>) => void; minimal?: boolean }) {
  return (
    <PopoverNext
      placement="bottom-end"
      content={
        <Menu>
          <MenuItem icon="folder-new" text="Folder" onClick={() => onPick('folder')} data-testid="new-folder" />
          <MenuItem icon="database" text="Dataset" onClick={() => onPick('dataset')} data-testid="new-dataset" />
          <MenuItem icon="upload" text="Dataset from a file…" onClick={() => onPick('dataset-upload')} data-testid="new-dataset-upload" />
        </Menu>
      }
    >
      <Button intent={minimal ? 'none' : 'primary'} icon="add" endIcon="caret-down" text="New" data-testid={minimal ? 'new-menu-empty' : 'new-menu'} />
    </PopoverNext>
  );
}

/** A space (its projects), a project or a folder (its contents), with the actions allowed on it. */
export function FolderPage() {
  const { rid = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const folder = useFolder(rid);
  const children = useChildren(rid);
  const [creating, setCreating] = useState<Creating>(null);
  const createFolder = useMutation({
    meta: { action: 'Create folder' },
    mutationFn: (displayName: string) => ok(api.POST('/api/v2/filesystem/folders', { body: { parentFolderRid: rid, displayName } })),
    onSuccess: (f) => {
      showSuccess(`Created folder ${f.displayName}`);
      void invalidateFilesystem(queryClient);
      setCreating(null);
    },
  });

  if (folder.isPending) return <Spinner className="of-page-spinner" />;
  if (folder.isError) {
    return <NonIdealState icon="folder-close" title="Not found" description="It does not exist, or you do not have access to it." action={<Link to="/files">All files</Link>} />;
  }
  const f = folder.data;
  const kind = FOLDER_KIND[f.type];
  const trashed = f.trashStatus !== 'NOT_TRASHED';

  return (
    <div className="of-page">
      <PageHeader
        breadcrumbs={<FolderBreadcrumbs folderRid={rid} root={{ to: '/files', icon: 'folder-close', label: 'Files' }} includeFolder={false} />}
        title={
          <>
            <Icon icon={KIND_ICON[kind]} size={20} className="of-muted" />
            <span data-testid="folder-title">{f.displayName}</span>
          </>
        }
        subtitle={
          <>
            {f.description ? <div>{f.description}</div> : null}
            <span>
              {KIND_LABEL[kind]} · created {formatDateTime(f.createdTime)} by <PrincipalLabel id={f.createdBy} type="USER" showIcon={false} />
              {trashed ? ' · in the trash' : ''}
            </span>
          </>
        }
        actions={
          trashed ? null : kind === 'space' ? (
            <Button intent="primary" icon="add" text="New project" onClick={() => setCreating('project')} data-testid="new-project" />
          ) : (
            <>
              <NewMenu onPick={setCreating} />
              <ResourceActions resource={folderAsResource(f)} variant="header" onTrashed={() => navigate(`/files/${encodeURIComponent(f.parentFolderRid)}`)} />
            </>
          )
        }
      />
      {children.isPending ? (
        <Spinner />
      ) : (children.data?.length ?? 0) === 0 ? (
        <NonIdealState
          icon={kind === 'space' ? 'projects' : 'folder-open'}
          title={kind === 'space' ? 'No projects yet' : 'This folder is empty'}
          action={
            trashed ? undefined : kind === 'space' ? (
              <Button icon="add" text="New project" onClick={() => setCreating('project')} />
            ) : (
              <NewMenu onPick={setCreating} minimal />
            )
          }
        />
      ) : (
        <ResourceTable resources={children.data ?? []} />
      )}
      <NameDialog
        isOpen={creating === 'folder'}
        title="New folder"
        icon="folder-new"
        label="Folder name"
        submitText="Create folder"
        loading={createFolder.isPending}
        onSubmit={(name) => createFolder.mutate(name)}
        onClose={() => setCreating(null)}
      />
      {kind !== 'space' ? (
        <CreateDatasetDialog isOpen={creating === 'dataset' || creating === 'dataset-upload'} withFile={creating === 'dataset-upload'} folderRid={rid} onClose={() => setCreating(null)} />
      ) : null}
      <CreateProjectDialog isOpen={creating === 'project'} spaceRid={kind === 'space' ? rid : undefined} onClose={() => setCreating(null)} />
    </div>
  );
}
