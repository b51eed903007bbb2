import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are credentials or one-time secrets. */
const SECRET_PARAMS = /^(code|state|nonce|token|access_token|refresh_token|id_token|client_secret|password|code_verifier|setup_token|setupToken)$/i;

/** Paths are logged with secret query values replaced, never the raw URL. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[REDACTED]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Redaction paths for pino: anything that can carry a credential. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
];

export const requestSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: redactUrl(req.url),
  remoteAddress: req.ip,
  userAgent: req.headers['user-agent'],
});
