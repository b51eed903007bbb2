import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite's files may be opened by one process only. The server holds this lock while it runs so
 * the CLI's offline commands refuse to open the same data directory at the same time.
 */
export function lockFile(dataDir: string): string {
  return join(dataDir, 'server.pid');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live process holding the data directory, if any. */
export function lockHolder(dataDir: string): number | undefined {
  const f = lockFile(dataDir);
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

export function acquireLock(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) throw new Error(`the data directory ${dataDir} is in use by process ${holder} (is the server running?)`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockFile(dataDir), String(process.pid));
  return () => rmSync(lockFile(dataDir), { force: true });
}
