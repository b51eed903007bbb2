import type { FastifyBaseLogger } from 'fastify';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request logger that creates its pino child (with the request id binding and redaction) only
 * when something is logged at an enabled level. Fastify makes one per request; at `warn` most
 * requests log nothing, and building the child was a measurable share of a request's cost.
 */
class LazyChildLogger {
  private materialized: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: Record<string, unknown>,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.materialized ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.materialized?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }

  private log(level: Level, args: unknown[]): void {
    if ((this.parent as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level)) (this.real[level] as (...a: unknown[]) => void)(...args);
  }
  fatal(...args: unknown[]) {
    this.log('fatal', args);
  }
  error(...args: unknown[]) {
    this.log('error', args);
  }
  warn(...args: unknown[]) {
    this.log('warn', args);
  }
  info(...args: unknown[]) {
    this.log('info', args);
  }
  debug(...args: unknown[]) {
    this.log('debug', args);
  }
  trace(...args: unknown[]) {
    this.log('trace', args);
  }
  silent() {}
  child(bindings: Record<string, unknown>, options?: Record<string, unknown>) {
    return this.real.child(bindings, options);
  }
}

export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Record<string, unknown>, options: Record<string, unknown>): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
