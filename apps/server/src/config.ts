import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseConfig, parseDuration } from '@openfoundry/kernel';

const duration = z.string().refine((v) => parseDuration(v) !== undefined, 'must be a duration like 30m, 12h or 14d').transform((v) => parseDuration(v)!);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting, its environment variable and its default. The one schema the server starts from. */
const schema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    dataDir: z.string().min(1).default('./.openfoundry'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    publicUrl: z.url().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    bodyLimitBytes: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(1024 * 1024),
    trustProxy: bool.default(false),
    secretKey: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length >= 32, 'must be at least 32 bytes, base64-encoded (openssl rand -base64 32)')
      .optional(),
    adminEmail: z.email().optional(),
    adminPassword: z.string().min(12, 'must be at least 12 characters').optional(),
    adminOrg: z.string().min(1).max(255).default('Default'),
    sessionTtlMs: duration.default(parseDuration('12h')!),
    outboundAllowHosts: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)),
    webDir: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.adminEmail === undefined) !== (c.adminPassword === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['adminPassword'], message: 'OPENFOUNDRY_ADMIN_EMAIL and OPENFOUNDRY_ADMIN_PASSWORD must be set together' });
    }
  });

export type RawServerConfig = z.infer<typeof schema>;

export interface ServerConfig extends Omit<RawServerConfig, 'secretKey' | 'publicUrl'> {
  /** 32+ byte key for encrypting secrets at rest and keying HMACs. */
  secretKey: Buffer;
  publicUrl: string;
  /** Whether OPENFOUNDRY_PUBLIC_URL was given (otherwise it is derived from host and port). */
  publicUrlConfigured: boolean;
  /** Whether cookies get the Secure attribute (public URL is https). */
  secureCookies: boolean;
}

/** Environment variable (and flag) of each setting, for error messages and the docs. */
export const SETTING_NAMES: Record<keyof RawServerConfig, string> = {
  port: 'PORT (--port)',
  host: 'HOST (--host)',
  dataDir: 'OPENFOUNDRY_DATA_DIR (--data-dir)',
  databaseUrl: 'DATABASE_URL (--database-url)',
  publicUrl: 'OPENFOUNDRY_PUBLIC_URL',
  logLevel: 'OPENFOUNDRY_LOG_LEVEL (--log-level)',
  bodyLimitBytes: 'OPENFOUNDRY_BODY_LIMIT_BYTES',
  trustProxy: 'OPENFOUNDRY_TRUST_PROXY',
  secretKey: 'OPENFOUNDRY_SECRET_KEY',
  adminEmail: 'OPENFOUNDRY_ADMIN_EMAIL',
  adminPassword: 'OPENFOUNDRY_ADMIN_PASSWORD',
  adminOrg: 'OPENFOUNDRY_ADMIN_ORG',
  sessionTtlMs: 'OPENFOUNDRY_SESSION_TTL',
  outboundAllowHosts: 'OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS',
  webDir: 'OPENFOUNDRY_WEB_DIR',
};

const ENV: Record<keyof RawServerConfig, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'OPENFOUNDRY_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  publicUrl: 'OPENFOUNDRY_PUBLIC_URL',
  logLevel: 'OPENFOUNDRY_LOG_LEVEL',
  bodyLimitBytes: 'OPENFOUNDRY_BODY_LIMIT_BYTES',
  trustProxy: 'OPENFOUNDRY_TRUST_PROXY',
  secretKey: 'OPENFOUNDRY_SECRET_KEY',
  adminEmail: 'OPENFOUNDRY_ADMIN_EMAIL',
  adminPassword: 'OPENFOUNDRY_ADMIN_PASSWORD',
  adminOrg: 'OPENFOUNDRY_ADMIN_ORG',
  sessionTtlMs: 'OPENFOUNDRY_SESSION_TTL',
  outboundAllowHosts: 'OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS',
  webDir: 'OPENFOUNDRY_WEB_DIR',
};

/**
 * Reads configuration from the environment, overridden by command-line flags, and validates it.
 * Throws a ConfigError listing every problem. The only place that reads `process.env`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Partial<Record<keyof RawServerConfig, string>> = {}): ServerConfig {
  const raw: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const v = flags[key as keyof RawServerConfig] ?? env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const c = parseConfig(schema, raw, SETTING_NAMES);
  const publicUrl = (c.publicUrl ?? `http://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`).replace(/\/$/, '');
  const secretKey = c.secretKey ? Buffer.from(c.secretKey, 'base64') : embeddedSecretKey(c);
  return { ...c, dataDir: resolve(c.dataDir), publicUrl, publicUrlConfigured: c.publicUrl !== undefined, secureCookies: publicUrl.startsWith('https:'), secretKey };
}

/**
 * In embedded mode the key is generated once and kept (mode 0600) in the data directory. A
 * deployment on PostgreSQL has several replicas, which must share a key from configuration.
 */
function embeddedSecretKey(c: RawServerConfig): Buffer {
  if (c.databaseUrl) {
    throw new ConfigError([`${SETTING_NAMES.secretKey}: is required with DATABASE_URL (every replica needs the same key; generate one with: openssl rand -base64 32)`]);
  }
  const dir = resolve(c.dataDir);
  const file = join(dir, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}
