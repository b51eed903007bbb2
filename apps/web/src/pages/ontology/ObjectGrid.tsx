import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { Button, Callout, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, Icon, InputGroup, Menu, PopoverNext, ProgressBar, Spinner, TextArea, type IconName } from '@blueprintjs/core';
import { api, ok } from '../../lib/api';
import { useResource } from '../../lib/filesystem';
import { FolderPicker } from '../../components/FolderPicker';
import { formatCount } from '../../lib/datasets';
import { useDebounced } from '../../lib/useDebounced';
import { useUrlParams } from '../../lib/urlState';
import {
  FILTER_OPS,
  downloadText,
  isNumericProperty,
  loadAll,
  objectUrl,
  ontKeys,
  toCsv,
  useOntology,
  useSavedSet,
  typeText,
  valueText,
  type FilterOp,
  type FilterRow,
  type LoadRequest,
  type ObjectSet,
  type ObjectsPage,
  type OntologyObject,
  type PageLoader,
  type PropertyDataType,
  type PropertyMeta,
  type SavedObjectSet,
} from '../../lib/ontology';
import { describeError, showError, showSuccess } from '../../lib/toaster';

/*
 * The parts of a table of objects that the object type table and the interface table share:
 * filters and sort kept in the URL, server pages by their tokens, the grid with sortable
 * headers, the column chooser and the CSV export.
 */

/** What a table knows of a column: an object type's property or an interface's shared property. */
export interface ColumnMeta {
  displayName: string;
  dataType: PropertyDataType;
  visibility?: PropertyMeta['visibility'];
}

export type Columns = Record<string, ColumnMeta>;

export interface Sort {
  field: string;
  direction: 'asc' | 'desc';
}

const PAGE_SIZES = [25, 50, 100, 500];
const DEFAULT_COLUMNS = 12;

/** The columns shown at first: the visible ones, at most {@link DEFAULT_COLUMNS}. */
export function defaultColumns(columns: Columns): string[] {
  return Object.entries(columns)
    .filter(([, c]) => c.visibility !== 'HIDDEN')
    .map(([n]) => n)
    .slice(0, DEFAULT_COLUMNS);
}

/** `?f=` holds the filter rows as JSON. */
function parseRows(text: string | null): FilterRow[] {
  if (!text) return [];
  try {
    const rows = JSON.parse(text) as FilterRow[];
    return Array.isArray(rows) ? rows.filter((r) => typeof r.property === 'string' && typeof r.op === 'string') : [];
  } catch {
    return [];
  }
}

/** The filter rows of `?f=`: `draft` is what is being typed, written to the URL (`rows`) once typing pauses. */
export function useFilterParam() {
  const [params, updateUrl] = useUrlParams();
  const text = params.get('f') ?? '';
  const rows = useMemo(() => parseRows(text), [text]);
  const [draft, setDraft] = useState<FilterRow[]>(rows);
  useEffect(() => setDraft(rows), [rows]);
  const debounced = useDebounced(draft, 400);
  useEffect(() => {
    const next = debounced.length ? JSON.stringify(debounced) : '';
    if (text !== next) updateUrl({ f: next }, { replace: true });
  }, [debounced, text, updateUrl]);
  return { rows, draft, setDraft };
}

/** `?sort=field:asc|desc`; sorting by a column sorts ascending first, then descending. */
export function useSortParam() {
  const [params, updateUrl] = useUrlParams();
  const text = params.get('sort');
  const sort = useMemo((): Sort | undefined => (text ? { field: text.split(':')[0]!, direction: text.endsWith(':desc') ? 'desc' : 'asc' } : undefined), [text]);
  const toggle = (field: string) => updateUrl({ sort: `${field}:${sort?.field === field && sort.direction === 'asc' ? 'desc' : 'asc'}` }, { replace: true });
  return { sort, toggle };
}

export const orderByOf = (sort: Sort | undefined): Pick<LoadRequest, 'orderBy'> => (sort ? { orderBy: { fields: [sort] } } : {});

/**
 * The server's pages, walked by their tokens: the token of each page up to this one, so that
 * "previous" needs nothing but the list. Back to the first page whenever `key` (the set, its
 * order) or the page size changes.
 */
export function usePageTokens(key: string) {
  const [pageSize, setPageSize] = useState(50);
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  useEffect(() => setTokens([undefined]), [key, pageSize]);
  return {
    pageSize,
    setPageSize,
    pageToken: tokens[tokens.length - 1],
    offset: (tokens.length - 1) * pageSize,
    isFirst: tokens.length === 1,
    next: (token: string) => setTokens((t) => [...t, token]),
    previous: () => setTokens((t) => t.slice(0, -1)),
  };
}

export type PageTokens = ReturnType<typeof usePageTokens>;

/** Filter rows over the given columns: a property, an operator its type allows, a value. */
export function FilterEditor({ columns, defaultProperty, rows, onChange }: { columns: Columns; defaultProperty: string; rows: FilterRow[]; onChange: (rows: FilterRow[]) => void }) {
  const set = (i: number, patch: Partial<FilterRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="of-filters" data-testid="filters">
      {rows.map((r, i) => {
        const dataType = columns[r.property]?.dataType ?? { type: 'string' };
        const ops = FILTER_OPS.filter((o) => (!o.numeric || isNumericProperty(dataType) || ['date', 'timestamp', 'string'].includes(dataType.type)) && (!o.text || dataType.type === 'string'));
        const op = FILTER_OPS.find((o) => o.op === r.op);
        return (
          <div key={i} className="of-filter-row" data-testid="filter-row">
            <HTMLSelect aria-label="Filter property" value={r.property} onChange={(e) => set(i, { property: e.currentTarget.value })} options={Object.entries(columns).map(([name, c]) => ({ value: name, label: c.displayName }))} />
            <HTMLSelect aria-label="Filter operator" value={r.op} onChange={(e) => set(i, { op: e.currentTarget.value as FilterOp })} options={ops.map((o) => ({ value: o.op, label: o.label }))} />
            {op?.noValue ? null : <InputGroup aria-label="Filter value" value={r.value} placeholder={typeText(dataType)} onValueChange={(v) => set(i, { value: v })} />}
            <Button variant="minimal" icon="cross" aria-label="Remove filter" onClick={() => onChange(rows.filter((_, j) => j !== i))} />
          </div>
        );
      })}
      <Button icon="filter" text="Add filter" variant="minimal" onClick={() => onChange([...rows, { property: defaultProperty, op: 'eq', value: '' }])} data-testid="add-filter" />
    </div>
  );
}

/** A button opening a list of checkboxes (columns, object types); the choice keeps the list's order. */
export function ChecklistButton({
  icon,
  text,
  items,
  selected,
  onChange,
  testIds,
  placement = 'bottom-end',
}: {
  icon: IconName;
  text: string;
  items: Array<{ value: string; label: ReactNode; disabled?: boolean }>;
  selected: string[];
  onChange: (selected: string[]) => void;
  testIds: { button: string; menu: string };
  placement?: 'bottom-start' | 'bottom-end';
}) {
  return (
    <PopoverNext
      placement={placement}
      content={
        <Menu className="of-column-chooser" data-testid={testIds.menu}>
          {items.map((item) => (
            <li key={item.value} className="of-column-choice">
              <Checkbox
                labelElement={item.label}
                checked={selected.includes(item.value)}
                disabled={item.disabled}
                onChange={(e) => onChange(e.currentTarget.checked ? items.map((x) => x.value).filter((v) => v === item.value || selected.includes(v)) : selected.filter((v) => v !== item.value))}
              />
            </li>
          ))}
        </Menu>
      }
    >
      <Button icon={icon} text={text} endIcon="caret-down" data-testid={testIds.button} />
    </PopoverNext>
  );
}

export function ColumnChooser({ columns, shown, onChange }: { columns: Columns; shown: string[]; onChange: (shown: string[]) => void }) {
  const items = Object.entries(columns).map(([name, c]) => ({ value: name, label: `${c.displayName}${c.visibility === 'HIDDEN' ? ' (hidden)' : ''}` }));
  return <ChecklistButton icon="th" text={`Columns (${shown.length}/${items.length})`} items={items} selected={shown} onChange={onChange} testIds={{ button: 'columns-button', menu: 'column-chooser' }} />;
}

/** "1–50 of 1,234 objects", the page size, previous and next page; `children` go before the page size. */
export function PageToolbar({ paging, page, children }: { paging: PageTokens; page: UseQueryResult<ObjectsPage>; children?: ReactNode }) {
  const shown = page.data?.data.length ?? 0;
  const total = page.data ? Number(page.data.totalCount) : undefined;
  const next = page.data?.nextPageToken;
  return (
    <div className="of-toolbar of-table-toolbar">
      <span className="of-muted" data-testid="object-count">
        {total === undefined ? '' : total === 0 ? 'No objects' : `${formatCount(paging.offset + 1)}–${formatCount(paging.offset + shown)} of ${formatCount(total)} objects`}
      </span>
      {page.isFetching ? <Spinner size={16} /> : null}
      <span className="of-spacer" />
      {children}
      <HTMLSelect minimal aria-label="Objects per page" value={paging.pageSize} onChange={(e) => paging.setPageSize(Number(e.currentTarget.value))} options={PAGE_SIZES.map((n) => ({ value: n, label: `${n} per page` }))} />
      <Button variant="minimal" icon="chevron-left" aria-label="Previous page" disabled={paging.isFirst || page.isFetching} onClick={paging.previous} />
      <Button variant="minimal" icon="chevron-right" aria-label="Next page" disabled={!next || page.isFetching} onClick={() => next && paging.next(next)} data-testid="next-page" />
    </div>
  );
}

/** A cell of a property value: nulls muted, numbers right-aligned, geopoints as "lat, lon". */
function ValueCell({ value, numeric }: { value: unknown; numeric: boolean }) {
  if (value === null || value === undefined) return <td className="of-grid-null">null</td>;
  const text = valueText(value);
  return (
    <td className={numeric ? 'of-grid-num' : undefined} title={text.length > 40 ? text : undefined}>
      {text}
    </td>
  );
}

/**
 * A page of objects: the title (a link to the object's page), any `leading` columns, then the
 * chosen property columns, each sorted by its header.
 */
export function ObjectGrid({
  ontology,
  titleHeader,
  leading = [],
  columns,
  shown,
  sort,
  onSort,
  page,
}: {
  ontology: string;
  titleHeader: string;
  leading?: Array<{ header: string; cell: (o: OntologyObject) => ReactNode }>;
  columns: Columns;
  shown: string[];
  sort: Sort | undefined;
  onSort: (field: string) => void;
  page: UseQueryResult<ObjectsPage>;
}) {
  if (page.isError)
    return (
      <Callout intent="danger" title={describeError(page.error).title} data-testid="objects-error">
        {describeError(page.error).details}
      </Callout>
    );
  const isNumeric = (c: string) => !!columns[c] && isNumericProperty(columns[c].dataType);
  return (
    <div className="of-grid-scroll">
      <HTMLTable compact striped interactive className="of-grid of-object-grid" data-testid="object-table">
        <thead>
          <tr>
            <th>{titleHeader}</th>
            {leading.map((l) => (
              <th key={l.header}>{l.header}</th>
            ))}
            {shown.map((c) => (
              <th key={c} className={isNumeric(c) ? 'of-grid-num' : undefined} data-testid="object-column">
                <button type="button" className="of-sort-header" onClick={() => onSort(c)} aria-label={`Sort by ${columns[c]?.displayName ?? c}`}>
                  <span className="of-grid-col-name">{columns[c]?.displayName ?? c}</span>
                  {sort?.field === c ? <Icon icon={sort.direction === 'asc' ? 'sort-asc' : 'sort-desc'} size={12} /> : null}
                </button>
                <div className="of-grid-col-type">{typeText(columns[c]?.dataType ?? { type: '?' })}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(page.data?.data ?? []).map((o) => (
            <tr key={`${o.__apiName}:${String(o.__primaryKey)}`} data-testid="object-row">
              <td>
                <Link to={objectUrl(ontology, o.__apiName, o.__primaryKey)}>{valueText(o.__title ?? o.__primaryKey) || <span className="of-muted">(no title)</span>}</Link>
              </td>
              {leading.map((l) => (
                <td key={l.header}>{l.cell(o)}</td>
              ))}
              {shown.map((c) => (
                <ValueCell key={c} value={o[c]} numeric={isNumeric(c)} />
              ))}
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      {page.isPending ? <Spinner /> : null}
    </div>
  );
}

/**
 * CSV export of a whole set, read page by page from the server (up to EXPORT_LIMIT objects):
 * `run` downloads it, `progress` shows how far the reading is.
 */
export function useCsvExport() {
  const [loaded, setLoaded] = useState<number | undefined>();
  const run = async (fileName: string, load: PageLoader, request: Omit<LoadRequest, 'pageSize' | 'pageToken'>, csv: { columns: string[]; headers?: string[] }) => {
    setLoaded(0);
    try {
      const { objects, truncated } = await loadAll(load, request, setLoaded);
      downloadText(fileName, toCsv(csv.columns, objects, csv.headers), 'text/csv');
      showSuccess(`Exported ${formatCount(objects.length)} objects${truncated ? ' (the first ones; narrow the filter for the rest)' : ''}`);
    } catch (e) {
      showError(e, 'Export');
    } finally {
      setLoaded(undefined);
    }
  };
  const progress =
    loaded !== undefined ? (
      <div className="of-export-progress">
        <ProgressBar intent="primary" /> <span className="of-muted">{formatCount(loaded)} objects read…</span>
      </div>
    ) : null;
  return { run, exporting: loaded !== undefined, progress };
}

/**
 * `?set=`: the saved object set the URL names, handed to `apply` once it has loaded (to fill the
 * page's filter and choices from it); later edits are the page's own.
 */
export function useSavedSetParam(ontology: string, apply: (saved: SavedObjectSet) => void) {
  const [params] = useUrlParams();
  const rid = params.get('set') ?? undefined;
  const saved = useSavedSet(ontology, rid);
  const [loaded, setLoaded] = useState<string | undefined>();
  useEffect(() => {
    if (!saved.data || loaded === saved.data.rid) return;
    setLoaded(saved.data.rid);
    apply(saved.data);
  }, [saved.data, loaded, apply]);
  return { rid, saved };
}

/** Saves a set definition with a name in a folder (the ontology's by default); it re-evaluates to current data. */
export function SaveSetDialog({ ontology, objectSet, isOpen, onClose, onSaved }: { ontology: string; objectSet: ObjectSet; isOpen: boolean; onClose: () => void; onSaved: (s: SavedObjectSet) => void }) {
  // The URL names the ontology by RID or API name; its resource (its folder) is read by RID.
  const info = useResource(useOntology(ontology).data?.rid);
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [folder, setFolder] = useState('');
  useEffect(() => {
    if (isOpen && !folder && info.data?.parentFolderRid) setFolder(info.data.parentFolderRid);
  }, [isOpen, folder, info.data]);
  const save = useMutation({
    meta: { action: 'Save object set' },
    mutationFn: () =>
      ok(api.POST('/api/v2/ontologies/{ontology}/savedObjectSets', { params: { path: { ontology } }, body: { parentFolderRid: folder, name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), objectSet } })) as Promise<unknown> as Promise<SavedObjectSet>,
    onSuccess: (s) => {
      showSuccess(`Saved ${s.name}`);
      void queryClient.invalidateQueries({ queryKey: ontKeys.savedSets(ontology) });
      onClose();
      onSaved(s);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title="Save object set" icon="floppy-disk" style={{ width: 560 }}>
      <form onSubmit={submit}>
        <DialogBody>
          <p className="of-muted">A saved set keeps the filter, not the objects: it shows current data whenever it is opened. Share it like any resource.</p>
          <FormGroup label="Name" labelFor="set-name">
            <InputGroup id="set-name" required autoFocus maxLength={255} value={name} onValueChange={setName} />
          </FormGroup>
          <FormGroup label="Description" labelFor="set-description" labelInfo="(optional)">
            <TextArea id="set-description" fill value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          </FormGroup>
          <FormGroup label="Folder">
            <FolderPicker location={folder} onChange={setFolder} />
          </FormGroup>
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={onClose} />
              <Button type="submit" intent="primary" text="Save" loading={save.isPending} disabled={!name.trim() || !folder} data-testid="save-set-submit" />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
