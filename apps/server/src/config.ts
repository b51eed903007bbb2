import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseConfig, parseDuration } from '@openfoundry/kernel';
import type { StorageConfig } from '@openfoundry/storage';

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
    storage: z.enum(['local', 's3']).default('local'),
    s3Endpoint: z.url().optional(),
    s3Region: z.string().min(1).default('us-east-1'),
    s3Bucket: z.string().min(3).max(63).optional(),
    s3AccessKeyId: z.string().min(1).optional(),
    s3SecretAccessKey: z.string().min(1).optional(),
    s3ForcePathStyle: bool.default(true),
    s3Prefix: z
      .string()
      .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with / (e.g. openfoundry/)')
      .default(''),
    maxFileBytes: z.coerce.number().int().min(1024).default(10 * 1024 ** 3),
    importPartBytes: z.coerce.number().int().min(1024).default(64 * 1024 ** 2),
    engineThreads: z.coerce.number().int().min(1).max(256).optional(),
    engineMemoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 512MB or 2GB')
      .default('512MB'),
    sqlRowLimit: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    sqlExportRowLimit: z.coerce.number().int().min(1).default(1_000_000),
    sqlTimeoutMs: duration.default(parseDuration('5m')!),
    sqlExecuteWaitMs: duration.default(parseDuration('2s')!),
    sqlMemoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 512MB or 2GB')
      .default('512MB'),
    sqlResultRetentionMs: duration.default(parseDuration('1d')!),
  })
  .superRefine((c, ctx) => {
    if ((c.adminEmail === undefined) !== (c.adminPassword === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['adminPassword'], message: 'OPENFOUNDRY_ADMIN_EMAIL and OPENFOUNDRY_ADMIN_PASSWORD must be set together' });
    }
    if (c.storage === 's3') {
      for (const key of ['s3Bucket', 's3AccessKeyId', 's3SecretAccessKey'] as const) {
        if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with OPENFOUNDRY_STORAGE=s3' });
      }
    }
  });

export type RawServerConfig = z.infer<typeof schema>;

export interface ServerConfig extends Omit<RawServerConfig, 'secretKey' | 'publicUrl'> {
  /** Where dataset files live (derived from the storage settings). */
  blobStorage: StorageConfig;
  /** 32+ byte key for encrypting secrets at rest and keying HMACs. */
  secretKey: Buffer;
  publicUrl: string;
  /** Whether OPENFOUNDRY_PUBLIC_URL was given (otherwise it is derived from host and port). */
  publicUrlConfigured: boolean;
  /** Whether cookies get the Secure attribute (public URL is https). */
  secureCookies: boolean;
}

/** Environment variable of each setting. */
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
  storage: 'OPENFOUNDRY_STORAGE',
  s3Endpoint: 'OPENFOUNDRY_S3_ENDPOINT',
  s3Region: 'OPENFOUNDRY_S3_REGION',
  s3Bucket: 'OPENFOUNDRY_S3_BUCKET',
  s3AccessKeyId: 'OPENFOUNDRY_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'OPENFOUNDRY_S3_SECRET_ACCESS_KEY',
  s3ForcePathStyle: 'OPENFOUNDRY_S3_FORCE_PATH_STYLE',
  s3Prefix: 'OPENFOUNDRY_S3_PREFIX',
  maxFileBytes: 'OPENFOUNDRY_MAX_FILE_BYTES',
  importPartBytes: 'OPENFOUNDRY_IMPORT_PART_BYTES',
  engineThreads: 'OPENFOUNDRY_ENGINE_THREADS',
  engineMemoryLimit: 'OPENFOUNDRY_ENGINE_MEMORY_LIMIT',
  sqlRowLimit: 'OPENFOUNDRY_SQL_ROW_LIMIT',
  sqlExportRowLimit: 'OPENFOUNDRY_SQL_EXPORT_ROW_LIMIT',
  sqlTimeoutMs: 'OPENFOUNDRY_SQL_TIMEOUT',
  sqlExecuteWaitMs: 'OPENFOUNDRY_SQL_EXECUTE_WAIT',
  sqlMemoryLimit: 'OPENFOUNDRY_SQL_MEMORY_LIMIT',
  sqlResultRetentionMs: 'OPENFOUNDRY_SQL_RESULT_RETENTION',
};

/** Settings that also have a command-line flag. */
const FLAGS: Partial<Record<keyof RawServerConfig, string>> = {
  port: '--port',
  host: '--host',
  dataDir: '--data-dir',
  databaseUrl: '--database-url',
  logLevel: '--log-level',
};

/** Environment variable (and flag) of each setting, for error messages and the docs. */
export const SETTING_NAMES = Object.fromEntries(
  Object.entries(ENV).map(([key, name]) => [key, FLAGS[key as keyof RawServerConfig] ? `${name} (${FLAGS[key as keyof RawServerConfig]})` : name]),
) as Record<keyof RawServerConfig, string>;

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
  const dataDir = resolve(c.dataDir);
  const blobStorage: StorageConfig =
    c.storage === 's3'
      ? {
          kind: 's3',
          endpoint: c.s3Endpoint,
          region: c.s3Region,
          bucket: c.s3Bucket!,
          accessKeyId: c.s3AccessKeyId!,
          secretAccessKey: c.s3SecretAccessKey!,
          forcePathStyle: c.s3ForcePathStyle,
          prefix: c.s3Prefix,
          cacheDir: join(dataDir, 'cache', 'blobs'),
        }
      : { kind: 'local', dir: join(dataDir, 'blobs') };
  return { ...c, dataDir, blobStorage, publicUrl, publicUrlConfigured: c.publicUrl !== undefined, secureCookies: publicUrl.startsWith('https:'), secretKey };
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
