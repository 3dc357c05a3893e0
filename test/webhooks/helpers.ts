import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queuePrefix } from '../../src/jobs/define-job.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { workerModules } from '../../workers/registry.ts';
import { startWorkers } from '../../workers/runtime.ts';
import type { Config } from '../../src/config/config.ts';
import { gql, success, type Auth, type TestServer, workerOrm } from '../harness.ts';
import { CreateWebhookEndpoint } from './ops.ts';
import { testRedisPrefix } from '../context.ts';

/** Env overrides giving a test file its own Redis namespace (queues, pub/sub) and fast timings. */
export function webhookEnv(suffix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:${suffix}`,
    KEYPLANE_OUTBOX_INTERVAL_MS: '100',
    KEYPLANE_WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms',
    KEYPLANE_WEBHOOK_TIMEOUT_SECONDS: '5',
    KEYPLANE_DELIVERY_SWEEP_SECONDS: '1',
    KEYPLANE_WORKER_LOCK_SECONDS: '2',
    KEYPLANE_SUBSCRIPTION_RECHECK_SECONDS: '1',
    ...extra,
  };
}

/** The outbox relay and the delivery worker, in this process. */
export async function startEventWorkers(config: Config) {
  const modules = workerModules.filter((m) => m.name === 'outbox-relay' || m.name === 'deliver-webhook');
  return startWorkers(config, { orm: await workerOrm(config, 'workers'), log: createLogger(config.logLevel), modules });
}

/** Removes every key of a test file's namespace (its queues and their jobs). */
export async function dropRedisNamespace(config: Config): Promise<void> {
  const redis = new Redis(config.redisUrl);
  try {
    for (const pattern of [`${queuePrefix(config)}*`, `${config.redisPrefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern.replace(/[{}[\]]/g, '\\$&'), 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    await redis.quit();
  }
}

/**
 * Polls `probe` until it answers. Without `everyMs`, polls at 20 ms and backs off to 250 ms:
 * a probe is often a GraphQL list or SQL query, and the suite shares two cores.
 */
export async function waitFor<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  what: string,
  timeoutMs = 15_000,
  everyMs?: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let wait = everyMs ?? 20;
  for (;;) {
    const v = await probe();
    if (v) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
    if (everyMs === undefined) wait = Math.min(250, Math.ceil(wait * 1.5));
  }
}

export async function createEndpoint(
  server: TestServer,
  auth: Auth,
  input: {
    url: string;
    eventTypes?: string[];
    organizationId?: string;
    includeSubAccounts?: boolean;
    kind?: 'WEBHOOK' | 'ZAPIER';
    maxDeliveriesPerSecond?: number;
  },
) {
  const res = await gql(server, auth, CreateWebhookEndpoint, { input });
  return success(res.data?.createWebhookEndpoint, 'CreateWebhookEndpointSuccess');
}

export async function queueCounts(config: Config, queue: string) {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection, prefix: queuePrefix(config) });
  try {
    return await q.getJobCounts();
  } finally {
    await q.close();
    await connection.quit();
  }
}

export type Hit = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; at: number };
export type HookReceiver = { url: string; port: number; hits: Hit[]; close(): Promise<void> };

/** A real HTTP receiver on 127.0.0.1 (optionally on a given port) recording each request's raw body. */
export async function startReceiver(
  answer: (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit) => void = (_req, res) => res.end('ok'),
  port = 0,
): Promise<HookReceiver> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      hits.push(hit);
      answer(req, res, hit);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function webhookHeaders(hit: Hit): Record<string, string> {
  return {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  };
}
