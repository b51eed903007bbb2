import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useUrlParams } from '../../lib/urlState';
import { Button, Callout, HTMLSelect, Icon, NonIdealState, Spinner, Tab, Tabs } from '@blueprintjs/core';
import { useResource } from '../../lib/filesystem';
import { formatDateTime } from '../../lib/format';
import { isOpenFoundryError } from '../../lib/api';
import { describeError } from '../../lib/toaster';
import { quoteIdentifier, shortRid, sqlWorkbenchUrl, useBranches, useDataset, useTransaction, type DatasetDetails, type DatasetView } from '../../lib/datasets';
import { PageHeader } from '../../components/PageHeader';
import { FolderBreadcrumbs } from '../../components/FolderBreadcrumbs';
import { ResourceActions } from '../../components/ResourceActions';
import { UploadDialog } from '../../components/UploadDialog';
import { PreviewTab } from './PreviewTab';
import { SchemaTab } from './SchemaTab';
import { HistoryTab } from './HistoryTab';
import { BranchesTab } from './BranchesTab';
import { FilesTab } from './FilesTab';
import { TransactionTypeTag } from './txn';

const TABS = ['preview', 'schema', 'history', 'branches', 'files'] as const;
type TabId = (typeof TABS)[number];

/** "Viewing as of transaction X": what the time travel shows, and the way back to the latest. */
function TimeTravelBanner({ rid, at, branchName, onLatest }: { rid: string; at: string; branchName: string; onLatest: () => void }) {
  const t = useTransaction(rid, at);
  return (
    <Callout intent="warning" icon="history" className="of-time-travel" data-testid="time-travel-banner">
      <div className="of-time-travel-row">
        <span>
          Viewing <strong>{branchName}</strong> as of transaction{' '}
          <strong className="of-mono-small" title={at}>
            {shortRid(at)}
          </strong>
          {t.data ? (
            <>
              {' '}
              <TransactionTypeTag type={t.data.transactionType} /> committed {formatDateTime(t.data.closedTime ?? t.data.createdTime)}
            </>
          ) : null}
          . Preview, Schema and Files show the dataset as it was then.
        </span>
        <Button icon="fast-forward" text="Back to latest" onClick={onLatest} data-testid="back-to-latest" />
      </div>
    </Callout>
  );
}

/** The SQL a "Query this dataset" starts with: the view's path, with the branch when it is not the default. */
export function defaultQueryFor(dataset: DatasetDetails, view: DatasetView): string {
  const suffix = view.endTransactionRid ? `@${view.endTransactionRid}` : view.branchName !== dataset.defaultBranch ? `@${view.branchName}` : '';
  return `SELECT * FROM ${quoteIdentifier(dataset.path + suffix)} LIMIT 100`;
}

/** A dataset: preview, schema and statistics, history with time travel, branches and files; upload and query. */
export function DatasetPage() {
  const { rid = '' } = useParams();
  const navigate = useNavigate();
  const [params, update] = useUrlParams();
  const dataset = useDataset(rid);
  const resource = useResource(rid);
  const branches = useBranches(rid);
  const [uploading, setUploading] = useState(false);

  const tabParam = params.get('tab') as TabId | null;
  const tab: TabId = tabParam && TABS.includes(tabParam) ? tabParam : 'preview';
  const at = params.get('at') ?? undefined;
  const branchName = params.get('branch') ?? dataset.data?.defaultBranch ?? '';

  if (dataset.isPending) return <Spinner className="of-page-spinner" />;
  if (dataset.isError) {
    const missing = isOpenFoundryError(dataset.error) && (dataset.error.status === 404 || dataset.error.status === 403);
    return (
      <NonIdealState
        icon="database"
        title={missing ? 'Not found' : 'Cannot load the dataset'}
        description={missing ? 'It does not exist, or you do not have access to it.' : describeError(dataset.error).title}
        action={<Link to="/datasets">All datasets</Link>}
      />
    );
  }
  const d = dataset.data;
  const view: DatasetView = { branchName, endTransactionRid: at };
  const setBranch = (b: string) => update({ branch: b === d.defaultBranch ? undefined : b, at: undefined });
  const viewKey = `${branchName}@${at ?? 'head'}`;

  return (
    <div className="of-page of-page-wide">
      <PageHeader
        breadcrumbs={<FolderBreadcrumbs folderRid={d.parentFolderRid} root={{ to: '/datasets', icon: 'database', label: 'Datasets' }} includeFolder />}
        title={
          <>
            <Icon icon="database" size={20} className="of-muted" />
            <span data-testid="dataset-title">{d.name}</span>
          </>
        }
        subtitle={
          <span>
            Dataset · <span className="of-mono-small">{d.path}</span>
          </span>
        }
        actions={
          <>
            <label className="of-branch-select" title="Branch">
              <Icon icon="git-branch" className="of-muted" />
              <HTMLSelect
                aria-label="Branch"
                value={branchName}
                onChange={(e) => setBranch(e.currentTarget.value)}
                options={(branches.data ?? [{ name: branchName }]).map((b) => ({ value: b.name, label: b.name }))}
                data-testid="branch-select"
              />
            </label>
            <Button icon="console" text="Query this dataset" onClick={() => navigate(sqlWorkbenchUrl(defaultQueryFor(d, view)))} data-testid="query-dataset" />
            <Button intent="primary" icon="upload" text="Upload" onClick={() => setUploading(true)} data-testid="upload-button" />
            {resource.data ? <ResourceActions resource={resource.data} variant="header" onTrashed={() => navigate(`/files/${encodeURIComponent(d.parentFolderRid)}`)} /> : null}
          </>
        }
      />
      {at ? <TimeTravelBanner rid={rid} at={at} branchName={branchName} onLatest={() => update({ at: undefined })} /> : null}
      <Tabs id="dataset-tabs" selectedTabId={tab} onChange={(t) => update({ tab: t === 'preview' ? undefined : String(t) })} className="of-tabs">
        <Tab id="preview" title="Preview" icon="th" />
        <Tab id="schema" title="Schema" icon="th-list" />
        <Tab id="history" title="History" icon="history" />
        <Tab id="branches" title="Branches" icon="git-branch" tagContent={branches.data?.length} tagProps={{ minimal: true, round: true }} />
        <Tab id="files" title="Files" icon="document" />
      </Tabs>
      <div className="of-tab-panel" role="tabpanel">
        {tab === 'preview' ? <PreviewTab key={viewKey} rid={rid} view={view} onUpload={at ? undefined : () => setUploading(true)} /> : null}
        {tab === 'schema' ? <SchemaTab rid={rid} view={view} /> : null}
        {tab === 'history' ? <HistoryTab rid={rid} branchName={branchName} at={at} onSelect={(t) => update({ at: t })} /> : null}
        {tab === 'branches' ? <BranchesTab dataset={d} branchName={branchName} onOpen={setBranch} /> : null}
        {tab === 'files' ? <FilesTab rid={rid} view={view} /> : null}
      </div>
      <UploadDialog datasetRid={rid} branchName={branchName} isOpen={uploading} onClose={() => setUploading(false)} onUploaded={() => update({ at: undefined, tab: undefined })} />
    </div>
  );
}
