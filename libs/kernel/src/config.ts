import { z } from 'zod';

/** Error thrown when configuration is invalid; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses a configuration object against a zod schema and reports every issue, naming the
 * setting (environment variable or flag) the user has to fix.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, names: Record<string, string> = {}): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigError(
    r.error.issues.map((i) => {
      const key = i.path.join('.');
      return `${names[key] ?? key}: ${i.message}`;
    }),
  );
}

/** Parses durations like `30d`, `12h`, `15m`, `45s` into milliseconds. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return n * unit;
}
