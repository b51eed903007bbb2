import { keepPreviousData, useInfiniteQuery, useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ok, isOpenFoundryError, type Schemas } from './api';

export type DatasetDetails = Schemas['DatasetDetails'];
export type DatasetListItem = Schemas['DatasetListItem'];
export type Branch = Schemas['DatasetBranch'];
export type Transaction = Schemas['DatasetTransaction'];
export type DatasetFile = Schemas['DatasetFile'];
export type FieldSchema = Schemas['DatasetFieldSchema'];
export type FieldType = FieldSchema['type'];
export type ColumnStat = Schemas['DatasetColumnStats']['columns'][number];
export type ImportResult = Schemas['DatasetImportResult'];

/** The filesystem type of a dataset resource. */
export const DATASET_TYPE = 'FOUNDRY_DATASET';

/** Which version of a dataset a page shows: a branch, at its head or as of an older transaction. */
export interface DatasetView {
  branchName: string;
  endTransactionRid?: string | undefined;
}

/** The query parameters of a view, for the read endpoints. */
export function viewParams(view: DatasetView): { branchName: string; endTransactionRid?: string } {
  return view.endTransactionRid ? { branchName: view.branchName, endTransactionRid: view.endTransactionRid } : { branchName: view.branchName };
}

export const dsKeys = {
  all: ['datasets'] as const,
  catalog: (query: string, pageToken: string | undefined) => ['datasets', 'catalog', query, pageToken ?? ''] as const,
  dataset: (rid: string) => ['datasets', rid] as const,
  branches: (rid: string) => ['datasets', rid, 'branches'] as const,
  history: (rid: string, branch: string) => ['datasets', rid, 'history', branch] as const,
  view: (rid: string, what: string, view: DatasetView, ...rest: unknown[]) => ['datasets', rid, what, view.branchName, view.endTransactionRid ?? 'head', ...rest] as const,
};

/** After a write to a dataset: its details, branches, history and every view are refetched (and the folder lists showing it). */
export async function invalidateDataset(queryClient: QueryClient, rid: string): Promise<void> {
  await Promise.all([queryClient.invalidateQueries({ queryKey: dsKeys.dataset(rid) }), queryClient.invalidateQueries({ queryKey: ['datasets', 'catalog'] }), queryClient.invalidateQueries({ queryKey: ['fs'] })]);
}

/** Errors that only mean "this view holds no table yet" (an empty dataset or branch, non-tabular files). */
export function isNoTableError(e: unknown): boolean {
  return isOpenFoundryError(e) && ['DatasetReadNotSupported', 'SchemaNotFound', 'BranchHasNoTransactions'].includes(e.errorName);
}

export function useDataset(rid: string) {
  return useQuery({
    queryKey: dsKeys.dataset(rid),
    enabled: !!rid,
    queryFn: () => ok(api.GET('/api/v2/datasets/{datasetRid}', { params: { path: { datasetRid: rid } } })),
    meta: { silent: true },
  });
}

export function useBranches(rid: string) {
  return useQuery({
    queryKey: dsKeys.branches(rid),
    queryFn: async () => {
      const all: Branch[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/datasets/{datasetRid}/branches', { params: { path: { datasetRid: rid }, query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
}

/** The committed transactions of a branch, newest first, a page at a time. */
export function useBranchHistory(rid: string, branchName: string, enabled = true) {
  return useInfiniteQuery({
    queryKey: dsKeys.history(rid, branchName),
    enabled: enabled && !!branchName,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok(api.GET('/api/v2/datasets/{datasetRid}/branches/{branchName}/transactions', { params: { path: { datasetRid: rid, branchName }, query: { pageSize: 100, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
  });
}

export function useTransaction(rid: string, transactionRid: string | undefined) {
  return useQuery({
    queryKey: ['datasets', rid, 'transaction', transactionRid ?? ''],
    enabled: !!transactionRid,
    queryFn: () => ok(api.GET('/api/v2/datasets/{datasetRid}/transactions/{transactionRid}', { params: { path: { datasetRid: rid, transactionRid: transactionRid! } } })),
    staleTime: Infinity,
  });
}

export function usePreview(rid: string, view: DatasetView, offset: number, limit: number) {
  return useQuery({
    queryKey: dsKeys.view(rid, 'preview', view, offset, limit),
    queryFn: () => ok(api.GET('/api/v2/datasets/{datasetRid}/preview', { params: { path: { datasetRid: rid }, query: { ...viewParams(view), offset, limit } } })),
    placeholderData: keepPreviousData,
    meta: { silent: true },
  });
}

export function useSchema(rid: string, view: DatasetView) {
  return useQuery({
    queryKey: dsKeys.view(rid, 'schema', view),
    enabled: !!rid && !!view.branchName,
    queryFn: () => ok(api.GET('/api/v2/datasets/{datasetRid}/getSchema', { params: { path: { datasetRid: rid }, query: viewParams(view) } })),
    meta: { silent: true },
  });
}

export function useColumnStats(rid: string, view: DatasetView) {
  return useQuery({
    queryKey: dsKeys.view(rid, 'stats', view),
    queryFn: () => ok(api.GET('/api/v2/datasets/{datasetRid}/columnStats', { params: { path: { datasetRid: rid }, query: viewParams(view) } })),
    meta: { silent: true },
  });
}

export function useFiles(rid: string, view: DatasetView) {
  return useInfiniteQuery({
    queryKey: dsKeys.view(rid, 'files', view),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok(api.GET('/api/v2/datasets/{datasetRid}/files', { params: { path: { datasetRid: rid }, query: { ...viewParams(view), pageSize: 500, pageToken: pageParam } } })),
    getNextPageParam: (last) => last.nextPageToken,
    meta: { silent: true },
  });
}

/** The download link of a file of a view (the browser fetches it with the session cookie). */
export function fileContentUrl(rid: string, path: string, view: DatasetView): string {
  const qs = new URLSearchParams(viewParams(view)).toString();
  return `/api/v2/datasets/${encodeURIComponent(rid)}/files/${encodeURIComponent(path)}/content?${qs}`;
}

export function datasetUrl(rid: string, params: Record<string, string | undefined> = {}): string {
  const qs = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return `/datasets/${encodeURIComponent(rid)}${qs ? `?${qs}` : ''}`;
}

/** A SQL identifier for a dataset path or RID: double quotes, inner quotes doubled. */
export function quoteIdentifier(pathOrRid: string): string {
  return `"${pathOrRid.replace(/"/g, '""')}"`;
}

export function sqlWorkbenchUrl(query: string): string {
  return `/sql?${new URLSearchParams({ query }).toString()}`;
}

/** Files the import endpoint turns into a table; anything else is uploaded as a raw file. */
export type ImportFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';
export type UploadFormat = ImportFormat | 'raw';

export const UPLOAD_FORMATS: { value: UploadFormat; label: string }[] = [
  { value: 'csv', label: 'CSV' },
  { value: 'tsv', label: 'TSV (tab-separated)' },
  { value: 'jsonl', label: 'JSON Lines' },
  { value: 'json', label: 'JSON (array of objects)' },
  { value: 'parquet', label: 'Parquet' },
  { value: 'raw', label: 'Raw file (no table)' },
];

const EXTENSION_FORMAT: Record<string, ImportFormat> = { csv: 'csv', tsv: 'tsv', tab: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'json', parquet: 'parquet', pq: 'parquet' };

/** The format a file name suggests (`sales.csv` → csv, `x.csv.gz` is a raw file); raw when unknown. */
export function detectFormat(fileName: string): UploadFormat {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  return EXTENSION_FORMAT[ext] ?? 'raw';
}

/** `sales.csv` → `sales`, for a default dataset name. */
export function baseName(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '') || fileName;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return '—';
  let n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

const count = new Intl.NumberFormat();

/** 1234567 → 1,234,567 (strings too: LONG counts arrive as strings). */
export function formatCount(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? count.format(n) : String(value);
}

/** The short end of a RID, enough to tell transactions apart on a page. */
export function shortRid(rid: string): string {
  const locator = rid.split('.').pop() ?? rid;
  return locator.slice(0, 8);
}

/** `DECIMAL(10,2)`, `ARRAY<STRING>`, `MAP<STRING, LONG>`, `STRUCT<…>`. */
export function typeLabel(f: Pick<FieldSchema, 'type' | 'precision' | 'scale' | 'arraySubtype' | 'mapKeyType' | 'mapValueType'>): string {
  switch (f.type) {
    case 'DECIMAL':
      return f.precision !== undefined ? `DECIMAL(${f.precision}${f.scale !== undefined ? `,${f.scale}` : ''})` : 'DECIMAL';
    case 'ARRAY':
      return f.arraySubtype ? `ARRAY<${typeLabel(f.arraySubtype)}>` : 'ARRAY';
    case 'MAP':
      return f.mapKeyType && f.mapValueType ? `MAP<${typeLabel(f.mapKeyType)}, ${typeLabel(f.mapValueType)}>` : 'MAP';
    default:
      return f.type;
  }
}

const NUMERIC: ReadonlySet<string> = new Set(['BYTE', 'SHORT', 'INTEGER', 'LONG', 'FLOAT', 'DOUBLE', 'DECIMAL']);

export function isNumericType(type: string): boolean {
  return NUMERIC.has(type);
}
