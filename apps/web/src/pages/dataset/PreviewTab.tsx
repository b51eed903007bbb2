import { useState } from 'react';
import { Button, NonIdealState, Spinner } from '@blueprintjs/core';
import { isNoTableError, usePreview, type DatasetView } from '../../lib/datasets';
import { describeError } from '../../lib/toaster';
import { DataGrid, GridPager } from '../../components/DataGrid';

/** The rows of the view, a page at a time, with typed column headers. */
export function PreviewTab({ rid, view, onUpload }: { rid: string; view: DatasetView; onUpload: (() => void) | undefined }) {
  const [page, setPage] = useState({ offset: 0, limit: 100 });
  const preview = usePreview(rid, view, page.offset, page.limit);
  if (preview.isPending) return <Spinner className="of-page-spinner" />;
  if (preview.isError) {
    if (isNoTableError(preview.error)) {
      return (
        <div data-testid="preview-empty">
          <NonIdealState
            icon="th-disconnect"
            title="No table to preview"
            description={view.endTransactionRid ? 'The dataset held no tabular data at this transaction.' : 'This branch has no tabular data yet. Upload a CSV, JSON or Parquet file to fill it.'}
            action={onUpload ? <Button icon="upload" intent="primary" text="Upload a file" onClick={onUpload} /> : undefined}
          />
        </div>
      );
    }
    const { title, details } = describeError(preview.error);
    return <NonIdealState icon="error" title="Cannot preview" description={details ? `${title}: ${details}` : title} action={<Button text="Retry" onClick={() => void preview.refetch()} />} />;
  }
  const p = preview.data;
  return (
    <div className={`of-grid-panel${preview.isPlaceholderData ? ' of-grid-loading' : ''}`}>
      <DataGrid fields={p.schema.fieldSchemaList} rows={p.rows} offset={p.offset} testId="preview-grid" />
      <GridPager offset={p.offset} limit={page.limit} shown={p.rows.length} total={p.rowCount} loading={preview.isFetching} onChange={(offset, limit) => setPage({ offset, limit })} />
    </div>
  );
}
