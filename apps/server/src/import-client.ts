import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable, Transform } from 'node:stream';

/** What `openfoundry dataset import` needs: where the server is, who calls, what goes where. */
export interface ImportRequest {
  url: string;
  token: string;
  file: string;
  /** Dataset path: `/Space/Project/folder/name`; created in its folder when missing. */
  to: string;
  format?: string | undefined;
  transactionType: 'SNAPSHOT' | 'APPEND' | 'UPDATE';
  branch?: string | undefined;
  delimiter?: string | undefined;
  /** Where progress goes (stderr); a TTY gets a bar redrawn in place, anything else a line per 10%. */
  progress: NodeJS.WriteStream;
}

const FORMATS: Record<string, string> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.parquet': 'parquet' };

function human(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** Counts bytes going through and draws the progress of the upload. */
/** Size of the reads that feed an upload. */
const UPLOAD_CHUNK_BYTES = 1024 * 1024;

function progressMeter(total: number, out: NodeJS.WriteStream): Transform {
  let sent = 0;
  let lastDecile = -1;
  const started = Date.now();
  const draw = (final = false) => {
    const fraction = total ? sent / total : 1;
    const rate = sent / Math.max(0.001, (Date.now() - started) / 1000);
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      out.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${human(sent)} / ${human(total)} ${human(rate)}/s${final ? '\n' : ''}`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile || final) {
        lastDecile = decile;
        out.write(`uploaded ${(fraction * 100).toFixed(0)}% (${human(sent)} of ${human(total)}, ${human(rate)}/s)\n`);
      }
    }
  };
  let lastDraw = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      if (Date.now() - lastDraw > 100) {
        lastDraw = Date.now();
        draw();
      }
      done(null, chunk);
    },
    flush(done) {
      draw(true);
      done();
    },
  });
}

/** A JSON call to the server with a bearer token (the CLI's commands that talk to a running server). */
export async function api<T>(req: { url: string; token: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, req.url), {
    method,
    headers: { authorization: `Bearer ${req.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function failure(what: string, res: { status: number; body: unknown }): Error {
  const b = res.body as { errorName?: string; parameters?: Record<string, unknown> } | undefined;
  const detail = b?.parameters?.problem ?? (b?.parameters ? JSON.stringify(b.parameters) : '');
  return new Error(`${what}: ${res.status} ${b?.errorName ?? ''} ${detail}`.trim());
}

/**
 * Imports a local file into a dataset through the server's API, streaming it (never read whole)
 * with a progress display: finds the dataset by path or creates it in its folder, then posts the
 * file to the dataset's import endpoint, which converts it to Parquet and commits a transaction.
 */
export async function importFile(req: ImportRequest): Promise<{ datasetRid: string; rowCount: number; transactionRid: string }> {
  if (!req.token) throw new Error('a token is needed: --token or OPENFOUNDRY_TOKEN (create one with `openfoundry token create`)');
  const format = req.format ?? FORMATS[extname(req.file).toLowerCase()];
  if (!format) throw new Error(`cannot tell the format of ${req.file}; pass --format csv|tsv|jsonl|json|parquet`);
  const size = (await stat(req.file)).size;
  const to = req.to.replace(/\/+$/, '');
  const slash = to.lastIndexOf('/');
  if (!to.startsWith('/') || slash <= 0) throw new Error(`--to must be a dataset path like /Space/Project/name, not ${req.to}`);
  const existing = await api<{ rid: string; type: string }>(req, 'GET', `/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(to)}`);
  if (existing.status === 401 || existing.status === 403) throw failure('the server refused the token', existing);
  let datasetRid: string;
  if (existing.status === 200) {
    if (existing.body.type !== 'FOUNDRY_DATASET') throw new Error(`${to} exists and is not a dataset`);
    datasetRid = existing.body.rid;
  } else {
    const parent = await api<{ rid: string }>(req, 'GET', `/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(to.slice(0, slash))}`);
    if (parent.status !== 200) throw failure(`folder ${to.slice(0, slash)}`, parent);
    const created = await api<{ rid: string }>(req, 'POST', '/api/v2/datasets', { parentFolderRid: parent.body.rid, name: to.slice(slash + 1) });
    if (created.status !== 200) throw failure('create dataset', created);
    datasetRid = created.body.rid;
  }
  const query = new URLSearchParams({ format, fileName: basename(req.file), transactionType: req.transactionType });
  if (req.branch) query.set('branchName', req.branch);
  if (req.delimiter) query.set('delimiter', req.delimiter);
  // Reads of 1 MiB: with the default 64 KiB, sending costs twice the CPU and takes twice as long.
  const body = createReadStream(req.file, { highWaterMark: UPLOAD_CHUNK_BYTES }).pipe(progressMeter(size, req.progress));
  const res = await fetch(new URL(`/api/v2/datasets/${datasetRid}/import?${query}`, req.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${req.token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status !== 200) throw failure('import', { status: res.status, body: parsed });
  return { datasetRid, rowCount: parsed.rowCount, transactionRid: parsed.transaction.rid };
}
