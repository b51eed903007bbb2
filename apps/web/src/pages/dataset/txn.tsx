import { Tag, type Intent } from '@blueprintjs/core';
import type { Transaction } from '../../lib/datasets';

const TYPE_INTENT: Record<Transaction['transactionType'], Intent> = { SNAPSHOT: 'primary', APPEND: 'success', UPDATE: 'warning', DELETE: 'danger' };
const STATUS_INTENT: Record<Transaction['status'], Intent> = { COMMITTED: 'success', OPEN: 'primary', ABORTED: 'danger' };

export function TransactionTypeTag({ type }: { type: Transaction['transactionType'] }) {
  return (
    <Tag minimal intent={TYPE_INTENT[type]} data-testid="transaction-type">
      {type}
    </Tag>
  );
}

export function TransactionStatusTag({ status }: { status: Transaction['status'] }) {
  return (
    <Tag minimal intent={STATUS_INTENT[status]}>
      {status.toLowerCase()}
    </Tag>
  );
}
