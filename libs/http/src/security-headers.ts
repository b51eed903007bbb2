import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers as helmet computes them, evaluated once at start-up. (@fastify/helmet builds
 * and re-parses the whole policy on every request, which cost a measurable share of an
 * authenticated request; the headers do not vary per request here.)
 */
export function staticSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}
