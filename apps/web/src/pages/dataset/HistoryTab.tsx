import { Button, HTMLTable, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { formatBytes, formatCount, shortRid, useBranchHistory } from '../../lib/datasets';
import { formatDateTime, formatRelative } from '../../lib/format';
import { PrincipalLabel } from '../../lib/principals';
import { describeError } from '../../lib/toaster';
import { TransactionStatusTag, TransactionTypeTag } from './txn';

/**
 * The committed transactions of the branch, newest first. Choosing one shows the dataset as of
 * that transaction (Preview, Schema and Files); choosing the newest goes back to the latest.
 */
export function HistoryTab({ rid, branchName, at, onSelect }: { rid: string; branchName: string; at: string | undefined; onSelect: (transactionRid: string | undefined) => void }) {
  const history = useBranchHistory(rid, branchName);
  if (history.isPending) return <Spinner className="of-page-spinner" />;
  if (history.isError) return <NonIdealState icon="error" title="Cannot load the history" description={describeError(history.error).title} />;
  const rows = history.data.pages.flatMap((p) => p.data);
  if (rows.length === 0) return <NonIdealState icon="history" title="No transactions yet" description={`Nothing has been committed to ${branchName}.`} />;
  const head = rows[0]!.rid;
  return (
    <div>
      <div className="of-tab-summary of-muted">Committed transactions of {branchName}, newest first. Click one to view the dataset as of that transaction.</div>
      <HTMLTable compact interactive className="of-table" data-testid="history-table">
        <thead>
          <tr>
            <th>Transaction</th>
            <th>Type</th>
            <th>Status</th>
            <th>Committed</th>
            <th>By</th>
            <th className="of-num">Files</th>
            <th className="of-num">Rows</th>
            <th className="of-num">Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const selected = at ? t.rid === at : t.rid === head;
            return (
              <tr
                key={t.rid}
                className={selected ? 'of-row-selected' : undefined}
                onClick={() => onSelect(t.rid === head ? undefined : t.rid)}
                data-testid="history-row"
                data-transaction-rid={t.rid}
                data-type={t.transactionType}
                aria-selected={selected}
              >
                <td className="of-nowrap">
                  <span className="of-mono-small" title={t.rid}>
                    {shortRid(t.rid)}
                  </span>
                  {t.rid === head ? (
                    <Tag minimal round className="of-tag-inline">
                      latest
                    </Tag>
                  ) : null}
                </td>
                <td>
                  <TransactionTypeTag type={t.transactionType} />
                </td>
                <td>
                  <TransactionStatusTag status={t.status} />
                </td>
                <td className="of-nowrap" title={formatDateTime(t.closedTime ?? t.createdTime)}>
                  {formatRelative(t.closedTime ?? t.createdTime)}
                </td>
                <td>
                  <PrincipalLabel id={t.createdBy} type="USER" showIcon={false} />
                </td>
                <td className="of-num">{formatCount(t.fileCount)}</td>
                <td className="of-num">{formatCount(t.rowCount)}</td>
                <td className="of-num of-nowrap">{formatBytes(t.sizeBytes)}</td>
                <td className="of-cell-actions">
                  {selected ? (
                    <span className="of-muted">viewing</span>
                  ) : (
                    <Button size="small" variant="minimal" icon="eye-open" text={t.rid === head ? 'Latest' : 'View as of'} onClick={(e) => {
                        e.stopPropagation();
                        onSelect(t.rid === head ? undefined : t.rid);
                      }}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </HTMLTable>
      {history.hasNextPage ? <Button className="of-load-more" text="Load older transactions" loading={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()} /> : null}
    </div>
  );
}
