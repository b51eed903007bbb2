import { OpenFoundryError, type Schemas } from '@openfoundry/sdk';
import type { ImportFormat } from './datasets';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface ImportRequest {
  datasetRid: string;
  file: File;
  format: ImportFormat;
  branchName?: string | undefined;
  transactionType: 'SNAPSHOT' | 'APPEND' | 'UPDATE';
  /** CSV and TSV: whether the first row names the columns (the server detects it when unset). */
  header?: boolean | undefined;
}

export interface RawUploadRequest {
  datasetRid: string;
  file: File;
  branchName?: string | undefined;
  transactionType: 'SNAPSHOT' | 'APPEND' | 'UPDATE';
}

/**
 * POSTs a file as the raw body with XMLHttpRequest, the one browser API that reports upload
 * progress (fetch, and so the SDK, cannot). It sends what the SDK sends: the session cookie
 * (same origin) and the session's CSRF token (from `GET /api/v2/auth/session`), and turns an error answer into the same
 * {@link OpenFoundryError} the SDK throws.
 */
function postFile<T>(url: string, file: File, csrfToken: string | undefined, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        // Not JSON (a proxy's error page): the error keeps the text.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(OpenFoundryError.fromResponse(xhr.status, body, xhr.statusText));
    };
    xhr.onerror = () => reject(new TypeError('The upload failed: the server could not be reached'));
    xhr.onabort = () => reject(new DOMException('The upload was canceled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

function query(params: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();
}

/** Imports a CSV, TSV, JSON Lines, JSON or Parquet file as the dataset's table (a new transaction, committed). */
export function importTable(request: ImportRequest, csrfToken: string | undefined, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<Schemas['DatasetImportResult']> {
  const qs = query({
    format: request.format,
    fileName: request.file.name,
    branchName: request.branchName,
    transactionType: request.transactionType,
    header: request.header === undefined ? undefined : String(request.header),
  });
  return postFile(`/api/v2/datasets/${encodeURIComponent(request.datasetRid)}/import?${qs}`, request.file, csrfToken, onProgress, signal);
}

/** Uploads any file as it is (no table), in a new transaction committed at once. */
export function uploadRawFile(request: RawUploadRequest, csrfToken: string | undefined, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<Schemas['DatasetFile']> {
  const qs = query({ branchName: request.branchName, transactionType: request.transactionType });
  return postFile(`/api/v2/datasets/${encodeURIComponent(request.datasetRid)}/files/${encodeURIComponent(request.file.name)}/upload?${qs}`, request.file, csrfToken, onProgress, signal);
}
