import type { Sandbox } from '@openfoundry/engine';

export interface SandboxPoolOptions {
  /** How long an unused sandbox is kept. */
  idleMs: number;
  /** Sandboxes kept unused at most; the least recently used goes first. */
  maxIdle: number;
}

/**
 * Sandboxes kept for the next query of the same user over the same tables at the same versions.
 * The key names the user and the exact files, so a sandbox is only ever reused by whoever it was
 * opened for, over data they were just authorized to read again; and a sandbox holds no state a
 * query could leave behind (only queries run in it, its configuration is locked). What a reused one
 * saves is starting an engine, creating the views and reading every file's footer again.
 *
 * Only a sandbox whose last query ended normally comes back: one that failed, timed out or was
 * canceled is closed.
 */
export class SandboxPool {
  private readonly idle = new Map<string, { sandbox: Sandbox; timer: NodeJS.Timeout }>();
  private readonly closing = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {}

  /** An idle sandbox for `key`, or a new one from `open`. */
  async acquire(key: string, open: () => Promise<Sandbox>): Promise<Sandbox> {
    const entry = this.idle.get(key);
    if (!entry) return open();
    this.idle.delete(key);
    clearTimeout(entry.timer);
    return entry.sandbox;
  }

  /** Hands a sandbox back: kept for reuse when `reusable`, closed otherwise. */
  release(key: string, sandbox: Sandbox, reusable: boolean): void {
    if (!reusable || this.closed || this.options.maxIdle === 0 || this.idle.has(key)) {
      this.close(sandbox);
      return;
    }
    if (this.idle.size >= this.options.maxIdle) {
      const [oldest, entry] = this.idle.entries().next().value!;
      this.idle.delete(oldest);
      clearTimeout(entry.timer);
      this.close(entry.sandbox);
    }
    const timer = setTimeout(() => {
      if (this.idle.get(key)?.sandbox !== sandbox) return;
      this.idle.delete(key);
      this.close(sandbox);
    }, this.options.idleMs);
    timer.unref();
    this.idle.set(key, { sandbox, timer });
  }

  /** Closes every idle sandbox and waits for closes under way; later releases close at once. */
  async closeAll(): Promise<void> {
    this.closed = true;
    for (const { sandbox, timer } of this.idle.values()) {
      clearTimeout(timer);
      this.close(sandbox);
    }
    this.idle.clear();
    await Promise.all(this.closing);
  }

  /** Sandboxes kept now (for tests and metrics). */
  get size(): number {
    return this.idle.size;
  }

  private close(sandbox: Sandbox): void {
    const closed = sandbox.close().catch(() => undefined);
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }
}
