import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FailedPreconditionError, InvalidArgumentError } from '@openfoundry/kernel';

/** Settings of the trusted DuckDB instance; anything absent keeps DuckDB's default. */
export interface EngineOptions {
  /** Worker threads (DuckDB defaults to the number of cores). */
  threads?: number;
  /** DuckDB memory limit, e.g. `'2GB'`; operations beyond it spill to `tempDirectory`. */
  memoryLimit?: string;
  /** Where DuckDB spills; without one, large sorts and joins fail instead of spilling. */
  tempDirectory?: string;
}

/**
 * One in-memory DuckDB instance for TRUSTED work: imports and reads of dataset files whose paths
 * the platform chose. User SQL never runs here (see the sandbox). Each operation takes its own
 * connection so concurrent requests do not share transaction state.
 */
export class Engine {
  private closed = false;

  private constructor(private readonly instance: DuckDBInstance) {}

  /** Opens the instance. Timestamps are rendered and cast in UTC whatever the host's zone. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const config: Record<string, string> = {
      // Extensions are statically linked; a network fetch would only hang on an offline machine.
      autoinstall_known_extensions: 'false',
    };
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1) throw new InvalidArgumentError('InvalidEngineOption', { option: 'threads', value: options.threads });
      config.threads = String(options.threads);
    }
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(':memory:', config);
    const engine = new Engine(instance);
    // The TimeZone setting belongs to ICU, which is only registered once a connection exists;
    // UTC makes TIMESTAMP ↔ TIMESTAMP WITH TIME ZONE casts independent of the host.
    await engine.withConnection((conn) => conn.run("SET GLOBAL TimeZone = 'UTC'"));
    return engine;
  }

  /**
   * Runs `fn` with a fresh connection and closes it afterwards, also when `fn` throws.
   * Results must be consumed inside `fn`; for streams that outlive the call use {@link connect}.
   */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  /** A new connection the caller must close (`closeSync()`). */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new FailedPreconditionError('EngineClosed');
    return this.instance.connect();
  }

  /** Closes the instance; connections still open fail on their next use. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
  }
}

/** Opens an {@link Engine}. */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return Engine.create(options);
}

// DuckDB receives SQL as a C string: a NUL would silently end the statement there.
function refuseNul(value: string, what: string): void {
  if (value.includes('\0')) throw new InvalidArgumentError('InvalidSqlText', { problem: `${what} contains a NUL character` });
}

/**
 * Quotes an identifier for DuckDB SQL: `"` doubled, everything else literal (DuckDB has no
 * backslash escapes in identifiers). Throws InvalidArgumentError `InvalidSqlText` on NUL.
 */
export function quoteIdentifier(name: string): string {
  refuseNul(name, 'identifier');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal for DuckDB SQL: standard SQL `'...'` with `'` doubled; backslashes
 * are literal in DuckDB's plain string literals. Use prepared-statement parameters instead
 * wherever DuckDB accepts them; this is for the places it does not (option structs, COPY options).
 * Throws InvalidArgumentError `InvalidSqlText` on NUL.
 */
export function quoteString(value: string): string {
  refuseNul(value, 'string literal');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Refuses a file path DuckDB would not read literally: the table functions expand glob patterns
 * (`*`, `?`, `[`) and understand URLs, so only absolute local paths without those characters are
 * passed to them. The paths come from the platform, never from users; a violation is a bug, hence
 * a plain Error (a 500), not a client error.
 */
export function assertLocalPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || /[*?[\0]/.test(path) || path.includes('://')) {
    throw new Error(`refusing to pass ${JSON.stringify(path)} to DuckDB: not an absolute local path without glob characters`);
  }
}
