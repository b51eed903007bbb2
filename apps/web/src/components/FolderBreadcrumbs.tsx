import { Link } from 'react-router-dom';
import { Icon, type IconName } from '@blueprintjs/core';
import { FOLDER_KIND, KIND_ICON, useFolderChain } from '../lib/filesystem';

/**
 * Breadcrumbs from a root page (Files, Datasets) down the folder chain of `folderRid`: the
 * folder itself is included for things inside it, left out on the folder's own page.
 */
export function FolderBreadcrumbs({ folderRid, root, includeFolder }: { folderRid: string; root: { to: string; icon: IconName; label: string }; includeFolder: boolean }) {
  const chain = useFolderChain(folderRid);
  const folders = chain.data ?? [];
  return (
    <ul className="bp6-breadcrumbs" data-testid="breadcrumbs">
      <li>
        <Link className="bp6-breadcrumb" to={root.to}>
          <Icon icon={root.icon} /> {root.label}
        </Link>
      </li>
      {(includeFolder ? folders : folders.slice(0, -1)).map((f) => (
        <li key={f.rid}>
          <Link className="bp6-breadcrumb" to={`/files/${encodeURIComponent(f.rid)}`}>
            <Icon icon={KIND_ICON[FOLDER_KIND[f.type]]} /> {f.displayName}
          </Link>
        </li>
      ))}
    </ul>
  );
}
