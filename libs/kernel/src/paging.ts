import { InvalidArgumentError } from './errors.js';

/** Default and maximum page sizes for list endpoints (Foundry uses 1,000 as its max for most). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  pageSize?: number | undefined;
  pageToken?: string | undefined;
}

export interface Page<T> {
  data: T[];
  nextPageToken?: string;
}

/**
 * Keyset page tokens: an opaque base64url JSON of the last row's sort key. The server never
 * trusts their content beyond using it as a comparison value in a parameterised query.
 */
export function encodePageToken(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined): unknown[] | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  } catch {
    /* fall through */
  }
  throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
}

export function resolvePageSize(pageSize: number | undefined, max = MAX_PAGE_SIZE): number {
  if (pageSize === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > max) {
    throw new InvalidArgumentError('InvalidPageSize', { pageSize, max });
  }
  return pageSize;
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only proves there is a next page.
 */
export function toPage<R, T>(rows: R[], pageSize: number, keyOf: (row: R) => unknown[], map: (row: R) => T): Page<T> {
  const hasMore = rows.length > pageSize;
  const pageRows = hasMore ? rows.slice(0, pageSize) : rows;
  const page: Page<T> = { data: pageRows.map(map) };
  if (hasMore) page.nextPageToken = encodePageToken(keyOf(pageRows[pageRows.length - 1]!));
  return page;
}
