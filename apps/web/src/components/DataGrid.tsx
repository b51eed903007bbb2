import { Button, HTMLSelect } from '@blueprintjs/core';
import { formatCount, isNumericType, typeLabel, type FieldSchema } from '../lib/datasets';

export type GridField = Pick<FieldSchema, 'name' | 'type' | 'nullable' | 'precision' | 'scale' | 'arraySubtype' | 'mapKeyType' | 'mapValueType'>;

function Cell({ value, numeric }: { value: unknown; numeric: boolean }) {
  if (value === null || value === undefined) return <td className="of-grid-null">null</td>;
  if (typeof value === 'boolean') return <td className="of-grid-bool">{String(value)}</td>;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '') return <td className="of-grid-empty" title="empty string" />;
  return (
    <td className={numeric ? 'of-grid-num' : undefined} title={text.length > 40 ? text : undefined}>
      {text}
    </td>
  );
}

/**
 * Rows of a table with typed column headers: a sticky header and row numbers, horizontal
 * scrolling for wide tables, nulls shown as a muted `null` (never as an empty cell).
 * The dataset preview and the SQL workbench's results both use it.
 */
export function DataGrid({ fields, rows, offset = 0, testId = 'data-grid' }: { fields: GridField[]; rows: unknown[][]; offset?: number; testId?: string }) {
  return (
    <div className="of-grid-scroll" data-testid={testId}>
      <table className="of-grid">
        <thead>
          <tr>
            <th className="of-grid-rownum" aria-label="Row" />
            {fields.map((f, i) => (
              <th key={i} className={isNumericType(f.type) ? 'of-grid-num' : undefined} data-testid="grid-column">
                <div className="of-grid-col-name">{f.name ?? `column ${i + 1}`}</div>
                <div className="of-grid-col-type">
                  {typeLabel(f)}
                  {f.nullable ? '' : ' · not null'}
                </div>
              </th>
            ))}
            <th className="of-grid-fill" aria-hidden />
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={offset + r} data-testid="grid-row">
              <td className="of-grid-rownum">{offset + r + 1}</td>
              {fields.map((f, c) => (
                <Cell key={c} value={row[c]} numeric={isNumericType(f.type)} />
              ))}
              <td className="of-grid-fill" aria-hidden />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const PAGE_SIZES = [50, 100, 500, 1000];

/** "Rows 101–200 of 1,234" with previous and next and the page size. */
export function GridPager({
  offset,
  limit,
  shown,
  total,
  loading,
  onChange,
}: {
  offset: number;
  limit: number;
  shown: number;
  total: number | undefined;
  loading?: boolean;
  onChange: (offset: number, limit: number) => void;
}) {
  const last = total !== undefined ? offset + limit >= total : shown < limit;
  return (
    <div className="of-grid-pager" data-testid="grid-pager">
      <span className="of-muted">
        {shown === 0 ? 'No rows' : `Rows ${formatCount(offset + 1)}–${formatCount(offset + shown)}`}
        {total !== undefined ? ` of ${formatCount(total)}` : ''}
      </span>
      <span className="of-grid-pager-controls">
        <HTMLSelect
          minimal
          aria-label="Rows per page"
          value={limit}
          onChange={(e) => onChange(0, Number(e.currentTarget.value))}
          options={PAGE_SIZES.map((n) => ({ value: n, label: `${n} per page` }))}
        />
        <Button variant="minimal" icon="double-chevron-left" aria-label="First page" disabled={offset === 0 || loading} onClick={() => onChange(0, limit)} />
        <Button variant="minimal" icon="chevron-left" aria-label="Previous page" disabled={offset === 0 || loading} onClick={() => onChange(Math.max(0, offset - limit), limit)} />
        <Button variant="minimal" icon="chevron-right" aria-label="Next page" disabled={last || loading} onClick={() => onChange(offset + limit, limit)} />
      </span>
    </div>
  );
}
