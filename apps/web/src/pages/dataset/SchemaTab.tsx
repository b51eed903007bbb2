import { HTMLTable, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { formatCount, isNoTableError, shortRid, typeLabel, useColumnStats, useSchema, type ColumnStat, type DatasetView } from '../../lib/datasets';
import { describeError } from '../../lib/toaster';

function statValue(v: unknown): string {
  if (v === undefined || v === null) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The view's fields with their types, and per column: nulls, distinct values, min and max. */
export function SchemaTab({ rid, view }: { rid: string; view: DatasetView }) {
  const schema = useSchema(rid, view);
  const stats = useColumnStats(rid, view);
  if (schema.isPending) return <Spinner className="of-page-spinner" />;
  if (schema.isError) {
    if (isNoTableError(schema.error)) return <NonIdealState icon="th-list" title="No schema" description="The view holds no tabular data, so it has no schema yet." />;
    return <NonIdealState icon="error" title="Cannot load the schema" description={describeError(schema.error).title} />;
  }
  const byName = new Map<string, ColumnStat>((stats.data?.columns ?? []).map((c) => [c.name, c]));
  const rowCount = stats.data?.rowCount;
  return (
    <div>
      <div className="of-tab-summary of-muted">
        {schema.data.schema.fieldSchemaList.length} columns
        {rowCount !== undefined ? ` · ${formatCount(rowCount)} rows` : ''} · schema of transaction <span className="of-mono-small">{shortRid(schema.data.endTransactionRid)}</span>
        {stats.isFetching ? ' · computing statistics…' : ''}
        {stats.isError && !isNoTableError(stats.error) ? ` · statistics unavailable (${describeError(stats.error).title})` : ''}
      </div>
      <HTMLTable compact striped className="of-table" data-testid="schema-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Column</th>
            <th>Type</th>
            <th>Nullable</th>
            <th className="of-num">Nulls</th>
            <th className="of-num" title="Approximate">Distinct</th>
            <th>Min</th>
            <th>Max</th>
          </tr>
        </thead>
        <tbody>
          {schema.data.schema.fieldSchemaList.map((f, i) => {
            const s = f.name ? byName.get(f.name) : undefined;
            return (
              <tr key={i} data-testid="schema-row" data-name={f.name}>
                <td className="of-muted">{i + 1}</td>
                <td>
                  <strong>{f.name}</strong>
                </td>
                <td>
                  <Tag minimal className="of-mono-small">
                    {typeLabel(f)}
                  </Tag>
                </td>
                <td>{f.nullable ? 'yes' : <span className="of-muted">no</span>}</td>
                <td className="of-num">
                  {s ? formatCount(s.nullCount) : '—'}
                  {s && rowCount ? <span className="of-muted"> ({Math.round((s.nullCount / rowCount) * 100)}%)</span> : null}
                </td>
                <td className="of-num">{s ? `≈ ${formatCount(s.distinctCount)}` : '—'}</td>
                <td className="of-mono-small of-stat">{statValue(s?.min)}</td>
                <td className="of-mono-small of-stat">{statValue(s?.max)}</td>
              </tr>
            );
          })}
        </tbody>
      </HTMLTable>
    </div>
  );
}
