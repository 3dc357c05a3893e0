import { z } from 'zod';

const DEV_PEPPER = 'dev-only-pepper-change-me-0123456789abcdef';
const DEV_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/keyplane'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Namespaces every Redis key, channel and queue; lets tests and deployments share one Redis. */
  KEYPLANE_REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]{1,64}$/).default('kp'),
  KEYPLANE_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
  KEYPLANE_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: bool.default(false),
  KEYPLANE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYPLANE_KEY_CACHE_MAX: z.coerce.number().int().min(1).default(100_000),
  KEYPLANE_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  KEYPLANE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(1_048_576),
  KEYPLANE_VERIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  KEYPLANE_PUBLIC_URL: z.url().optional(),
});

export type Config = {
  env: 'development' | 'test' | 'production';
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  pepper: Buffer;
  encryptionKey: Buffer;
  webhooksAllowLoopback: boolean;
  logLevel: string;
  keyCacheMax: number;
  keyCacheTtlMs: number;
  maxBodyBytes: number;
  verificationRetentionDays: number;
  publicUrl: string | undefined;
};

export class ConfigError extends Error {}

/**
 * Reads and validates the environment once. The only reader of process.env in the codebase.
 * Throws ConfigError naming every offending variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production) {
    if (!c.KEYPLANE_PEPPER || c.KEYPLANE_PEPPER === DEV_PEPPER) problems.push('  KEYPLANE_PEPPER: required in production (not the development default)');
    if (!c.KEYPLANE_ENCRYPTION_KEY || c.KEYPLANE_ENCRYPTION_KEY === DEV_ENCRYPTION_KEY)
      problems.push('  KEYPLANE_ENCRYPTION_KEY: required in production (not the development default)');
    if (c.KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK) problems.push('  KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: must be false in production');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return {
    env: c.NODE_ENV,
    production,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    redisPrefix: c.KEYPLANE_REDIS_PREFIX,
    pepper: Buffer.from(c.KEYPLANE_PEPPER ?? DEV_PEPPER, 'utf8'),
    encryptionKey: Buffer.from(c.KEYPLANE_ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY, 'base64'),
    webhooksAllowLoopback: c.KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK,
    logLevel: c.KEYPLANE_LOG_LEVEL,
    keyCacheMax: c.KEYPLANE_KEY_CACHE_MAX,
    keyCacheTtlMs: c.KEYPLANE_KEY_CACHE_TTL_SECONDS * 1000,
    maxBodyBytes: c.KEYPLANE_MAX_BODY_BYTES,
    verificationRetentionDays: c.KEYPLANE_VERIFICATION_RETENTION_DAYS,
    publicUrl: c.KEYPLANE_PUBLIC_URL,
  };
}
