import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConvertInput, DatasetSchema } from './engine.types.js';
import { convertCsvPart, convertToParquet, sniffCsvDialect, type CsvDialect } from './convert.js';
import type { Engine } from './duckdb.js';
import { describeParquet } from './read.js';

/** One Parquet file of an import, ready to be stored. */
export interface ImportedPart {
  index: number;
  path: string;
  rowCount: number;
  sizeBytes: number;
}

export interface ImportedTable {
  parts: ImportedPart[];
  rowCount: number;
  schema: DatasetSchema;
}

export interface StreamImportOptions {
  /** An empty directory of this import's own, on local disk; the caller removes it afterwards. */
  workDir: string;
  /** Size of the parts a CSV upload is cut into (default 64 MiB). */
  partBytes?: number;
  /** Bytes the upload may have; past them the import stops with `tooLarge()`. */
  maxBytes?: number;
  tooLarge?: () => Error;
  /** Called with each Parquet file as soon as it is written (not necessarily in order), e.g. to store it meanwhile. */
  onPart?: (part: ImportedPart) => Promise<void>;
  /** Parts converted at the same time (default 2). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 2;

/** Runs at most `size` tasks at a time, in the order they were given. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** Body chunks are gathered to this size before they are written (fewer, larger writes). */
const WRITE_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/** A file written through a buffer of {@link WRITE_BYTES}, which can be cut short at a record boundary. */
class PartFile {
  size = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<PartFile> {
    return new PartFile(path, await open(path, 'wx+'));
  }

  async append(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    this.size += chunk.byteLength;
    if (this.pendingBytes >= WRITE_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    let buffers = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    while (buffers.length > 0) {
      let { bytesWritten } = await this.handle.writev(buffers);
      // A short write leaves the rest of the buffers to write again.
      const rest: Uint8Array[] = [];
      for (const b of buffers) {
        if (bytesWritten >= b.byteLength) bytesWritten -= b.byteLength;
        else {
          rest.push(b.subarray(bytesWritten));
          bytesWritten = 0;
        }
      }
      buffers = rest;
    }
  }

  /** Ends the file at `offset` and returns the bytes that were past it. */
  async cut(offset: number): Promise<Uint8Array> {
    await this.flush();
    const tail = Buffer.allocUnsafe(this.size - offset);
    let read = 0;
    while (read < tail.length) {
      const { bytesRead } = await this.handle.read(tail, read, tail.length - read, offset + read);
      if (bytesRead === 0) throw new Error(`${this.path}: short read`);
      read += bytesRead;
    }
    await this.handle.truncate(offset);
    this.size = offset;
    return tail;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  /** Reads the whole file in slices (the first part is scanned once its dialect is known). */
  async *slices(): AsyncGenerator<Uint8Array> {
    await this.flush();
    for (let position = 0; position < this.size; position += WRITE_BYTES) {
      const slice = Buffer.allocUnsafe(Math.min(WRITE_BYTES, this.size - position));
      const { bytesRead } = await this.handle.read(slice, 0, slice.length, position);
      yield slice.subarray(0, bytesRead);
    }
  }
}

/**
 * Finds record boundaries in CSV bytes: the position after each line feed that is outside quotes.
 * Quotes are counted (a doubled quote inside a quoted value counts twice, so it changes nothing),
 * which is exact when the escape character is the quote itself or absent; line feeds inside
 * quoted values are not boundaries.
 */
export class RecordBoundaries {
  /** Bytes scanned since the last reset. */
  private scanned = 0;
  private quoted = false;
  /** Offset (since the last reset) just after the last boundary; 0 when none yet. */
  last = 0;

  constructor(private readonly quote: number | undefined) {}

  reset(): void {
    this.scanned = 0;
    this.quoted = false;
    this.last = 0;
  }

  scan(chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.scanned;
    this.scanned += bytes.length;
    if (this.quote === undefined) {
      const nl = bytes.lastIndexOf(NEWLINE);
      if (nl >= 0) this.last = base + nl + 1;
      return;
    }
    // Between two quotes the state is constant: only the last line feed of an unquoted stretch matters.
    let from = 0;
    for (;;) {
      const q = bytes.indexOf(this.quote, from);
      const end = q < 0 ? bytes.length : q;
      if (!this.quoted && end > from) {
        const nl = bytes.lastIndexOf(NEWLINE, end - 1);
        if (nl >= from) this.last = base + nl + 1;
      }
      if (q < 0) return;
      this.quoted = !this.quoted;
      from = q + 1;
    }
  }
}

/**
 * Imports an upload as it arrives. CSV and TSV bodies larger than one part are cut into parts of
 * about `partBytes` at record boundaries; each part is converted to its own Parquet file as soon as
 * it is on disk, while the rest of the body is still arriving, all with the dialect and column types
 * DuckDB's sniffer found in the first part. Other formats, smaller bodies and CSV that cannot be cut
 * safely ({@link sniffCsvDialect}) are written whole and converted once ({@link convertToParquet}).
 *
 * Parts are converted `concurrency` at a time, each to its own file: rows keep the upload's order
 * across the files (the parts are returned in order), and an error names its row in the whole
 * upload. A failed part stops the import: the body is no longer read, and the failure of the
 * earliest failed part is thrown.
 */
export async function importStream(engine: Engine, body: AsyncIterable<Uint8Array>, input: Omit<ConvertInput, 'path'>, options: StreamImportOptions): Promise<ImportedTable> {
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  const { workDir, maxBytes } = options;
  const parts: ImportedPart[] = [];
  let total = 0;
  let file = await PartFile.create(join(workDir, 'part-00000.upload'));

  let dialect: CsvDialect | undefined;
  let boundaries: RecordBoundaries | undefined;
  /** Undecided until the first part is full; then whether the body is cut into parts. */
  let split: boolean | undefined = input.format === 'csv' || input.format === 'tsv' ? undefined : false;
  let schema: DatasetSchema | undefined;
  /** Rows of all parts queued so far, once they are converted. */
  let rowsQueued: Promise<number> = Promise.resolve(0);
  const jobs: Array<Promise<void>> = [];
  const converters = new Slots(options.concurrency ?? DEFAULT_CONCURRENCY);
  /** Set by a failure, which stops the import; the failure of the earliest part is the one reported. */
  const state: { failure?: { error: unknown; index: number } } = {};
  const fail = (error: unknown, index: number) => {
    if (!state.failure || index < state.failure.index) state.failure = { error, index };
  };
  // A function, so that TypeScript does not narrow what other callbacks change meanwhile.
  const rethrowFailure = () => {
    if (state.failure) throw state.failure.error;
  };
  let queued = 0;
  const partPath = (index: number, ext: string) => join(workDir, `part-${String(index).padStart(5, '0')}.${ext}`);

  // Parts convert `concurrency` at a time (DuckDB's parallel CSV reader idles at the start and end
  // of each file; two at once keep both cores busy); a part's rows are numbered after all earlier
  // parts', known once those are converted.
  const convertPart = (part: PartFile) => {
    const index = queued++;
    const rowsBefore = rowsQueued;
    const job = converters.run(async () => {
      if (state.failure) throw new Error('import stopped');
      const output = partPath(index, 'parquet');
      const converted = await convertCsvPart(engine, part.path, dialect!, rowsBefore, index === 0, output);
      await rm(part.path, { force: true });
      if (index === 0) schema = dialect!.schema ?? (await describeParquet(engine, [output])).schema;
      const imported = { index, path: output, ...converted };
      parts.push(imported);
      await options.onPart?.(imported);
      return converted.rowCount;
    });
    rowsQueued = Promise.all([rowsBefore, job]).then(([a, b]) => a + b, () => Number.NaN);
    jobs.push(job.then(() => undefined, (error: unknown) => fail(error, index)));
  };

  /** Queues the current part and starts the next with `tail`, the bytes cut off past its last record. */
  const nextPart = async (tail: Uint8Array) => {
    const finished = file;
    await finished.close();
    convertPart(finished);
    file = await PartFile.create(partPath(queued, 'upload'));
    boundaries!.reset();
    if (tail.length > 0) {
      boundaries!.scan(tail);
      await file.append(tail);
    }
  };

  /**
   * Decides, once the first part is full, whether to cut the upload: the first part is cut at its
   * last record boundary by the quote the user gave or `"`, then sniffed; cutting goes on only if
   * the sniffer agrees on the quote (or finds none) and on a dialect quotes can be counted in.
   */
  const decide = async (): Promise<boolean> => {
    const assumed = input.csv?.quote ?? '"';
    if (assumed.length !== 1) return false;
    const first = new RecordBoundaries(assumed.charCodeAt(0));
    for await (const slice of file.slices()) first.scan(slice);
    if (first.last === 0) return false;
    const tail = await file.cut(first.last);
    dialect = await sniffCsvDialect(engine, { ...input, path: file.path });
    if (!dialect || (dialect.quote !== assumed && dialect.quote !== '')) {
      await file.append(tail);
      return false;
    }
    boundaries = new RecordBoundaries(dialect.quote === '' ? undefined : dialect.quote.charCodeAt(0));
    await nextPart(tail);
    return true;
  };

  try {
    for await (const received of body) {
      if (state.failure) break;
      total += received.byteLength;
      if (maxBytes !== undefined && total > maxBytes) throw options.tooLarge?.() ?? new RangeError(`the upload is larger than ${maxBytes} bytes`);
      // A chunk larger than a part is taken a part at a time, so it is cut like a stream of small ones.
      for (let at = 0; at < received.byteLength; at += partBytes) {
        const chunk = received.subarray(at, at + partBytes);
        await file.append(chunk);
        if (split) boundaries!.scan(chunk);
        if (file.size < partBytes) continue;
        if (split === undefined) split = await decide();
        else if (split && boundaries!.last > 0) await nextPart(await file.cut(boundaries!.last));
      }
    }
    rethrowFailure();
    if (!split) {
      await file.close();
      const output = partPath(0, 'parquet');
      const converted = await convertToParquet(engine, { ...input, path: file.path }, output);
      await rm(file.path, { force: true });
      const imported = { index: 0, path: output, rowCount: converted.rowCount, sizeBytes: converted.sizeBytes };
      await options.onPart?.(imported);
      return { parts: [imported], rowCount: converted.rowCount, schema: converted.schema };
    }
    await file.close();
    if (file.size > 0) convertPart(file);
    else await rm(file.path, { force: true });
    await Promise.all(jobs);
    rethrowFailure();
    parts.sort((a, b) => a.index - b.index);
    return { parts, rowCount: await rowsQueued, schema: schema! };
  } catch (e) {
    await file.close().catch(() => undefined);
    // Stop converting what is queued; the caller removes the work directory.
    fail(e, -1);
    await Promise.all(jobs);
    throw e;
  }
}
