import type { DatasetsDeps } from './datasets.deps.js';

export interface GarbageReport {
  /** Blobs deleted because no file row references them. */
  deletedBlobs: number;
  /** Incomplete writes (temporary files, multipart uploads) removed. */
  sweptIncomplete: number;
}

const BATCH = 500;

/**
 * Deletes dataset blobs that no file references and that are older than `graceMs`: uploads whose
 * transaction was aborted or never recorded (a crash between storing and recording), replaced
 * files of open transactions, and the files of permanently deleted datasets. The grace period
 * keeps an upload that is stored but not yet recorded safe from a concurrent collection.
 */
export async function collectGarbage(deps: DatasetsDeps, options: { graceMs?: number } = {}): Promise<GarbageReport> {
  const graceMs = options.graceMs ?? 3_600_000;
  const cutoff = deps.clock.now().getTime() - graceMs;
  let deletedBlobs = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await deps.repo.referencedBlobs(deps.repo.db, batch);
    const garbage = batch.filter((k) => !referenced.has(k));
    if (garbage.length) await deps.blobs.delete(garbage);
    deletedBlobs += garbage.length;
    batch = [];
  };
  for await (const entry of deps.blobs.list('datasets/')) {
    if (entry.lastModified.getTime() > cutoff) continue;
    batch.push(entry.key);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
  const sweptIncomplete = await deps.blobs.sweepIncomplete(graceMs);
  return { deletedBlobs, sweptIncomplete };
}
