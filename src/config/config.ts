import { z } from 'zod';
import { PrivateNetworks } from '../lib/ssrf.ts';
import { GITHUB_KEYS_URL, type GithubPublicKey, parseGithubKeysConfig } from '../modules/leaks/github-signature.ts';

const DEV_PEPPER = 'dev-only-pepper-change-me-0123456789abcdef';
const DEV_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** A retention in days for data kept a month-partition at a time: 0 keeps it for ever, otherwise at least 30 days. */
const keptDays = z.coerce
  .number()
  .int()
  .refine((d) => d === 0 || (d >= 30 && d <= 36_500), '0 (keep for ever) or 30 to 36500 days')
  .default(0);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/keyplane'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Seed nodes of a Redis Cluster (`host:port,…`); when set, every Redis client of the service uses the cluster (credentials and TLS from REDIS_URL). */
  KEYPLANE_REDIS_CLUSTER_NODES: z
    .string()
    .max(4096)
    .default('')
    .transform((v, ctx) => {
      try {
        return parseClusterNodes(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  /** Namespaces every Redis key, channel and queue; lets tests and deployments share one Redis. */
  KEYPLANE_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,64}$/)
    .default('kp'),
  KEYPLANE_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
  KEYPLANE_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: bool.default(false),
  /** Private ranges webhooks may reach (self-hosted receivers), comma-separated CIDRs inside private space. */
  KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS: z
    .string()
    .max(4096)
    .default('')
    .transform((v, ctx) => {
      try {
        return PrivateNetworks.parse(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  KEYPLANE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYPLANE_KEY_CACHE_MAX: z.coerce.number().int().min(1).default(100_000),
  KEYPLANE_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  KEYPLANE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(1_048_576),
  KEYPLANE_VERIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Usage and credit buckets older than this are dropped, a month-partition at a time (0: kept for ever). */
  KEYPLANE_USAGE_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(400),
  /** Events, their deliveries and attempts older than this are dropped, a month-partition at a time (0: kept for ever; at least 30 otherwise). */
  KEYPLANE_EVENT_RETENTION_DAYS: keptDays,
  /** Audit entries older than this are dropped, a month-partition at a time (0: kept for ever; at least 30 otherwise). */
  KEYPLANE_AUDIT_RETENTION_DAYS: keptDays,
  /** Minute buckets of usage older than this are merged into hourly ones. */
  KEYPLANE_USAGE_MINUTE_DAYS: z.coerce.number().int().min(3).max(365).default(7),
  /** How often an API process pushes its buffered usage counts to Redis. */
  KEYPLANE_USAGE_FLUSH_MS: z.coerce.number().int().min(10).max(5000).default(1000),
  /** How often the worker rolls usage from Redis into PostgreSQL (the issue asks for at least every 10 s). */
  KEYPLANE_USAGE_ROLLUP_SECONDS: z.coerce.number().int().min(1).max(10).default(5),
  /** Verifications kept in detail per key, minute and outcome class (valid / refused) per API process. */
  KEYPLANE_VERIFICATION_LOG_PER_MINUTE: z.coerce.number().int().min(0).max(1000).default(30),
  /** Lookups per second (per process) allowed for key ids the key id filter has never seen. */
  KEYPLANE_UNKNOWN_KEY_LOADS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(10),
  KEYPLANE_PUBLIC_URL: z.url().optional(),
  /** Where the built console is served from (`vite build` output). */
  KEYPLANE_CONSOLE_DIR: z.string().min(1).default('console/dist'),
  /** How long a one-time console link can be exchanged, and how long the session it becomes lasts. */
  KEYPLANE_CONSOLE_LINK_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  KEYPLANE_CONSOLE_SESSION_HOURS: z.coerce.number().int().min(1).max(168).default(8),
  /** A console session with no request for this long is signed out. */
  KEYPLANE_CONSOLE_IDLE_MINUTES: z.coerce.number().int().min(5).max(1440).default(30),
  /** How often the inactivity-expiry sweep runs, and how many keys it handles per transaction. */
  KEYPLANE_EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  KEYPLANE_EXPIRY_SWEEP_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Between these, sweeps read only keys that crossed a threshold since the previous one. */
  KEYPLANE_EXPIRY_FULL_SWEEP_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** Delays between webhook attempts (`5s,5m,30m,2h`): one entry per retry, each at most 24 h. */
  KEYPLANE_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(ms|s|m|h)\s*(,\s*\d+(ms|s|m|h)\s*){0,19}$/, 'comma-separated durations such as 5s,5m,30m,2h (at most 20)')
    .default('5s,5m,30m,2h,5h,10h,10h'),
  /** An endpoint failing without a success for this long is disabled. */
  KEYPLANE_WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(120),
  KEYPLANE_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(30).default(15),
  KEYPLANE_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  /** The most first attempts to one endpoint the relay puts in one delivery job (1: a job per delivery). */
  KEYPLANE_WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  /** The outbox relay's polling period; a trigger also wakes it at the commit of new events (LISTEN/NOTIFY). */
  KEYPLANE_OUTBOX_INTERVAL_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
  KEYPLANE_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  /** Pending deliveries overdue by this long get their job re-created (e.g. after Redis lost it). */
  KEYPLANE_DELIVERY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** BullMQ job lock: a job whose worker died is retried after about this long. */
  KEYPLANE_WORKER_LOCK_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** How often open subscriptions re-check that their key and user are still valid. */
  KEYPLANE_SUBSCRIPTION_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * GitHub secret scanning: the public keys that sign partner requests, as JSON
   * (`[{ "key_identifier", "key" }]`), for tests and air-gapped installs. Unset: fetched from
   * KEYPLANE_GITHUB_SCANNING_KEYS_URL and cached for an hour.
   */
  KEYPLANE_GITHUB_SCANNING_KEYS: z.string().max(100_000).optional(),
  KEYPLANE_GITHUB_SCANNING_KEYS_URL: z.url({ protocol: /^https?$/ }).default(GITHUB_KEYS_URL),
  /** The workers process answers GET /healthz here; 0 turns it off. */
  KEYPLANE_WORKERS_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  /**
   * The connection the service runs with: a role that owns no table (DATABASE_URL, the owner,
   * only migrates). Default: DATABASE_URL with its user replaced by KEYPLANE_DATABASE_APP_ROLE.
   */
  KEYPLANE_DATABASE_APP_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** A streaming replica for list pages and reports; without a user in it, the runtime role's credentials are used. */
  DATABASE_REPLICA_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** After a caller's mutation, its reads stay on the primary this long (read-your-writes across requests and replicas). */
  KEYPLANE_READ_YOUR_WRITES_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  KEYPLANE_DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL role name')
    .default('keyplane_app'),
  /** Slow clients: a request's headers, and the whole request, must arrive within these. */
  KEYPLANE_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  KEYPLANE_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Open connections (HTTP and WebSocket) per API process; more are closed at once. */
  KEYPLANE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** When set, /metrics answers only requests with `Authorization: Bearer <token>`. */
  KEYPLANE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  /** When set, /metrics is served on this port only (a listener apart from the API's). */
  KEYPLANE_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const m = /^(\d+)(ms|s|m|h)$/.exec(part.trim())!;
    return Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS];
  });
}

export type Config = {
  env: 'development' | 'test' | 'production';
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster; null: the single node of redisUrl. */
  redisClusterNodes: { host: string; port: number }[] | null;
  redisPrefix: string;
  pepper: Buffer;
  encryptionKey: Buffer;
  webhooksAllowLoopback: boolean;
  webhooksAllowPrivate: PrivateNetworks;
  logLevel: string;
  keyCacheMax: number;
  keyCacheTtlMs: number;
  maxBodyBytes: number;
  verificationRetentionDays: number;
  /** 0: kept for ever. */
  usageRetentionDays: number;
  /** 0: kept for ever. */
  auditRetentionDays: number;
  /** Events with their deliveries and attempts; 0: kept for ever. */
  eventRetentionDays: number;
  usageMinuteDays: number;
  usageFlushMs: number;
  usageRollupMs: number;
  verificationLogPerMinute: number;
  unknownKeyLoadsPerSecond: number;
  publicUrl: string | undefined;
  consoleDir: string;
  consoleLinkTtlMs: number;
  consoleSessionTtlMs: number;
  consoleIdleMs: number;
  expirySweepMs: number;
  expirySweepBatch: number;
  expiryFullSweepMs: number;
  webhookRetryScheduleMs: number[];
  webhookDisableAfterMs: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  webhookBatchSize: number;
  outboxIntervalMs: number;
  outboxBatchSize: number;
  deliverySweepMs: number;
  workerLockMs: number;
  subscriptionRecheckMs: number;
  workersHealthPort: number;
  /** The runtime (non-owner) connection, its role, and the password to give the role when creating it. */
  databaseAppUrl: string;
  /** The read replica, as the runtime role; null: every read goes to the primary. */
  databaseReplicaUrl: string | null;
  readYourWritesMs: number;
  databaseAppRole: string;
  databaseAppPassword: string | null;
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  maxConnections: number;
  metricsToken: string | undefined;
  githubScanningKeys: GithubPublicKey[] | null;
  githubScanningKeysUrl: string;
  metricsPort: number | undefined;
};

/** DATABASE_URL with another user (and no password): the runtime role's URL by default. */
function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

/** The replica's URL with the runtime role's user and password when it names no user. */
function replicaAsAppRole(replicaUrl: string, appUrl: string): string {
  const u = new URL(replicaUrl);
  if (u.username) return replicaUrl;
  const app = new URL(appUrl);
  u.username = app.username;
  u.password = app.password;
  return u.toString();
}

export class ConfigError extends Error {}

/** The runtime connection: given, or derived from DATABASE_URL; its role name is the URL's user. */
function databaseApp(ownerUrl: string, appUrl: string | undefined, role: string) {
  if (!appUrl) return { databaseAppUrl: withUser(ownerUrl, role), databaseAppRole: role, databaseAppPassword: null };
  const u = new URL(appUrl);
  return {
    databaseAppUrl: appUrl,
    databaseAppRole: decodeURIComponent(u.username) || role,
    databaseAppPassword: u.password ? decodeURIComponent(u.password) : null,
  };
}

/**
 * Reads and validates the environment once. The only reader of process.env in the codebase.
 * Throws ConfigError naming every offending variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  // Production checks read the raw values, so one start reports every problem at once.
  if (env.NODE_ENV === 'production') {
    if (!env.KEYPLANE_PEPPER || env.KEYPLANE_PEPPER === DEV_PEPPER) problems.push('  KEYPLANE_PEPPER: required in production (not the development default)');
    if (!env.KEYPLANE_ENCRYPTION_KEY || env.KEYPLANE_ENCRYPTION_KEY === DEV_ENCRYPTION_KEY)
      problems.push('  KEYPLANE_ENCRYPTION_KEY: required in production (not the development default)');
    if (env.KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK === 'true' || env.KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK === '1')
      problems.push('  KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: must be false in production');
  }
  if (env.NODE_ENV === 'production' && parsed.success) {
    const owner = decodeURIComponent(new URL(parsed.data.DATABASE_URL).username);
    const app = databaseApp(parsed.data.DATABASE_URL, parsed.data.KEYPLANE_DATABASE_APP_URL, parsed.data.KEYPLANE_DATABASE_APP_ROLE);
    if (app.databaseAppRole === owner) problems.push('  KEYPLANE_DATABASE_APP_URL: must name a role other than the owner in DATABASE_URL in production');
  }
  const schedule = parsed.success ? parseSchedule(parsed.data.KEYPLANE_WEBHOOK_RETRY_SCHEDULE) : [];
  if (schedule.some((ms) => ms > 24 * 3_600_000)) problems.push('  KEYPLANE_WEBHOOK_RETRY_SCHEDULE: each delay must be at most 24h');
  if (problems.length || !parsed.success) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  return {
    env: c.NODE_ENV,
    production,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    redisClusterNodes: c.KEYPLANE_REDIS_CLUSTER_NODES,
    redisPrefix: c.KEYPLANE_REDIS_PREFIX,
    pepper: Buffer.from(c.KEYPLANE_PEPPER ?? DEV_PEPPER, 'utf8'),
    encryptionKey: Buffer.from(c.KEYPLANE_ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY, 'base64'),
    webhooksAllowLoopback: c.KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK,
    webhooksAllowPrivate: c.KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS,
    logLevel: c.KEYPLANE_LOG_LEVEL,
    keyCacheMax: c.KEYPLANE_KEY_CACHE_MAX,
    keyCacheTtlMs: c.KEYPLANE_KEY_CACHE_TTL_SECONDS * 1000,
    maxBodyBytes: c.KEYPLANE_MAX_BODY_BYTES,
    verificationRetentionDays: c.KEYPLANE_VERIFICATION_RETENTION_DAYS,
    usageRetentionDays: c.KEYPLANE_USAGE_RETENTION_DAYS,
    auditRetentionDays: c.KEYPLANE_AUDIT_RETENTION_DAYS,
    eventRetentionDays: c.KEYPLANE_EVENT_RETENTION_DAYS,
    usageMinuteDays: c.KEYPLANE_USAGE_MINUTE_DAYS,
    usageFlushMs: c.KEYPLANE_USAGE_FLUSH_MS,
    usageRollupMs: c.KEYPLANE_USAGE_ROLLUP_SECONDS * 1000,
    verificationLogPerMinute: c.KEYPLANE_VERIFICATION_LOG_PER_MINUTE,
    unknownKeyLoadsPerSecond: c.KEYPLANE_UNKNOWN_KEY_LOADS_PER_SECOND,
    publicUrl: c.KEYPLANE_PUBLIC_URL,
    consoleDir: c.KEYPLANE_CONSOLE_DIR,
    consoleLinkTtlMs: c.KEYPLANE_CONSOLE_LINK_MINUTES * 60_000,
    consoleSessionTtlMs: c.KEYPLANE_CONSOLE_SESSION_HOURS * 3_600_000,
    consoleIdleMs: c.KEYPLANE_CONSOLE_IDLE_MINUTES * 60_000,
    expirySweepMs: c.KEYPLANE_EXPIRY_SWEEP_SECONDS * 1000,
    expirySweepBatch: c.KEYPLANE_EXPIRY_SWEEP_BATCH,
    expiryFullSweepMs: c.KEYPLANE_EXPIRY_FULL_SWEEP_MINUTES * 60_000,
    webhookRetryScheduleMs: schedule,
    webhookDisableAfterMs: Math.round(c.KEYPLANE_WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000),
    webhookTimeoutMs: c.KEYPLANE_WEBHOOK_TIMEOUT_SECONDS * 1000,
    webhookConcurrency: c.KEYPLANE_WEBHOOK_CONCURRENCY,
    webhookBatchSize: c.KEYPLANE_WEBHOOK_BATCH_SIZE,
    outboxIntervalMs: c.KEYPLANE_OUTBOX_INTERVAL_MS,
    outboxBatchSize: c.KEYPLANE_OUTBOX_BATCH_SIZE,
    deliverySweepMs: c.KEYPLANE_DELIVERY_SWEEP_SECONDS * 1000,
    workerLockMs: c.KEYPLANE_WORKER_LOCK_SECONDS * 1000,
    subscriptionRecheckMs: c.KEYPLANE_SUBSCRIPTION_RECHECK_SECONDS * 1000,
    workersHealthPort: c.KEYPLANE_WORKERS_HEALTH_PORT,
    ...databaseApp(c.DATABASE_URL, c.KEYPLANE_DATABASE_APP_URL, c.KEYPLANE_DATABASE_APP_ROLE),
    databaseReplicaUrl: c.DATABASE_REPLICA_URL
      ? replicaAsAppRole(c.DATABASE_REPLICA_URL, databaseApp(c.DATABASE_URL, c.KEYPLANE_DATABASE_APP_URL, c.KEYPLANE_DATABASE_APP_ROLE).databaseAppUrl)
      : null,
    readYourWritesMs: c.KEYPLANE_READ_YOUR_WRITES_SECONDS * 1000,
    httpHeadersTimeoutMs: c.KEYPLANE_HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: Math.max(c.KEYPLANE_HTTP_REQUEST_TIMEOUT_MS, c.KEYPLANE_HTTP_HEADERS_TIMEOUT_MS),
    maxConnections: c.KEYPLANE_MAX_CONNECTIONS,
    metricsToken: c.KEYPLANE_METRICS_TOKEN,
    githubScanningKeys: c.KEYPLANE_GITHUB_SCANNING_KEYS ? parseGithubKeysConfig(c.KEYPLANE_GITHUB_SCANNING_KEYS) : null,
    githubScanningKeysUrl: c.KEYPLANE_GITHUB_SCANNING_KEYS_URL,
    metricsPort: c.KEYPLANE_METRICS_PORT,
  };
}

/** Parses KEYPLANE_REDIS_CLUSTER_NODES: `host:port[,host:port…]` (IPv6 as `[::1]:7000`); null when empty. */
export function parseClusterNodes(value: string | undefined): { host: string; port: number }[] | null {
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) return null;
  return list.map((entry) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65535) throw new Error(`"${entry.slice(0, 100)}" is not host:port`);
    return { host: m[1] ?? m[2]!, port };
  });
}
