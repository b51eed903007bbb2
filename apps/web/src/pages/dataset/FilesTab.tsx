import { AnchorButton, Button, HTMLTable, Icon, NonIdealState, Spinner } from '@blueprintjs/core';
import { fileContentUrl, formatBytes, shortRid, useFiles, type DatasetView } from '../../lib/datasets';
import { formatDateTime, formatRelative } from '../../lib/format';
import { describeError } from '../../lib/toaster';

/** The files of the view with their size and the transaction that wrote them, each downloadable. */
export function FilesTab({ rid, view }: { rid: string; view: DatasetView }) {
  const files = useFiles(rid, view);
  if (files.isPending) return <Spinner className="of-page-spinner" />;
  if (files.isError) return <NonIdealState icon="error" title="Cannot list the files" description={describeError(files.error).title} />;
  const rows = files.data.pages.flatMap((p) => p.data);
  if (rows.length === 0) return <NonIdealState icon="document" title="No files" description="This view of the dataset holds no files." />;
  return (
    <div>
      <HTMLTable compact striped className="of-table" data-testid="files-table">
        <thead>
          <tr>
            <th>Path</th>
            <th className="of-num">Size</th>
            <th>Updated</th>
            <th>Transaction</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <tr key={f.path} data-testid="file-row" data-path={f.path}>
              <td>
                <span className="of-name-cell">
                  <Icon icon="document" className="of-muted" />
                  <span className="of-mono-small">{f.path}</span>
                </span>
              </td>
              <td className="of-num of-nowrap">{formatBytes(f.sizeBytes)}</td>
              <td className="of-nowrap" title={formatDateTime(f.updatedTime)}>
                {formatRelative(f.updatedTime)}
              </td>
              <td className="of-mono-small" title={f.transactionRid}>
                {shortRid(f.transactionRid)}
              </td>
              <td className="of-cell-actions">
                <AnchorButton size="small" variant="minimal" icon="download" text="Download" href={fileContentUrl(rid, f.path, view)} download={f.path.split('/').pop()} />
              </td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      {files.hasNextPage ? <Button className="of-load-more" text="More files" loading={files.isFetchingNextPage} onClick={() => void files.fetchNextPage()} /> : null}
    </div>
  );
}
