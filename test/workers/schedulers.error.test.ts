import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consolePruneJob, CONSOLE_PRUNE_SCHEDULER_ID } from '../../src/jobs/console-prune.job.ts';
import { createQueue, queuePrefix } from '../../src/jobs/define-job.ts';
import { createRedis } from '../../src/infra/redis.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startHealthServer } from '../../workers/health.ts';
import { workerModules } from '../../workers/registry.ts';
import { SCHEDULER_CHECK_MS, startWorkers } from '../../workers/runtime.ts';
import { testRedisPrefix } from '../context.ts';
import { freePort, privateRedis, type PrivateRedis } from '../engines.ts';
import { testConfig, workerOrm } from '../harness.ts';
import { bootstrapOrganization } from '../../src/modules/bootstrap/bootstrap.service.ts';

/**
 * Issue 16, items 1 and 6: job schedulers live in Redis, so losing Redis's data stopped every
 * periodic job until the workers restarted while /healthz said ok. They are restored now, and
 * /healthz answers 503 at once while Redis is away.
 */
let redis: PrivateRedis;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let health: import('node:http').Server;
let healthPort: number;
let queue: Queue;
let client: Redis;

beforeAll(async () => {
  redis = await privateRedis();
  const config = testConfig({ REDIS_URL: redis.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:sched` });
  workers = await startWorkers(config, {
    orm: await workerOrm(config, 'workers'),
    log: createLogger('silent'),
    modules: workerModules.filter((m) => m.name === 'console-prune'),
  });
  healthPort = await freePort();
  health = startHealthServer(workers.deps, workers.workers, healthPort, '127.0.0.1');
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  queue = new Queue(consolePruneJob.queue, { connection: client, prefix: queuePrefix(config) });
});
afterAll(async () => {
  await redis.start().catch(() => {});
  health?.close();
  await queue?.close();
  client?.disconnect();
  await workers?.close();
  await redis.stop();
});

async function healthz() {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
  return {
    status: res.status,
    ms: performance.now() - started,
    body: (await res.json()) as { redis: string; checks: Record<string, boolean>; problems?: string[] },
  };
}

describe('job schedulers and Redis loss', () => {
  it('a scheduler wiped from Redis (FLUSHALL) is put back within the check period', async () => {
    expect(await queue.getJobScheduler(CONSOLE_PRUNE_SCHEDULER_ID)).toBeTruthy();
    await client.flushall();
    expect(await queue.getJobScheduler(CONSOLE_PRUNE_SCHEDULER_ID)).toBeFalsy();
    await expect
      .poll(async () => Boolean(await queue.getJobScheduler(CONSOLE_PRUNE_SCHEDULER_ID)), { timeout: SCHEDULER_CHECK_MS + 3000, interval: 100 })
      .toBe(true);
  });

  it('/healthz answers 503 at once while Redis is down, and the scheduler is back when Redis returns empty', async () => {
    expect((await healthz()).body.checks).toEqual({ [`scheduler:${CONSOLE_PRUNE_SCHEDULER_ID}`]: true });
    await redis.kill();
    const down = await healthz();
    expect(down).toMatchObject({ status: 503, body: { redis: 'down' } });
    // It says why, so an operator need not guess.
    expect(down.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^redis: /)]));
    expect(down.ms).toBeLessThan(1000);
    // A Redis without persistence comes back empty.
    await redis.start();
    await expect
      .poll(async () => Boolean(await queue.getJobScheduler(CONSOLE_PRUNE_SCHEDULER_ID).catch(() => null)), { timeout: 8000, interval: 100 })
      .toBe(true);
    await expect.poll(async () => (await healthz()).status, { timeout: 8000, interval: 100 }).toBe(200);
  });
});

describe('closing the workers during a Redis outage', () => {
  it('is bounded: close() returns within its grace while Redis is down', async () => {
    const down = await privateRedis();
    const config = testConfig({ REDIS_URL: down.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:sched-close` });
    const runtime = await startWorkers(config, { orm: await workerOrm(config, 'workers'), log: createLogger('silent'), modules: workerModules });
    await down.kill();
    // Events waiting in the outbox while Redis is away (the relay must not hold close on them).
    await bootstrapOrganization(runtime.deps.orm, config.pepper, `Outage ${Math.random().toString(36).slice(2, 8)}`);
    await new Promise((r) => setTimeout(r, 1500));
    const started = performance.now();
    await runtime.close(1_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    await down.stop();
  });
});

describe('a queue while Redis is unreachable', () => {
  it('prints nothing to stderr: its connection errors stay with the client, which reconnects', async () => {
    const port = await freePort();
    const connection = createRedis(`redis://127.0.0.1:${port}`, 'queue-outage', { retryStrategy: () => 20 });
    let failures = 0;
    connection.on('error', () => failures++);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const queue = createQueue(consolePruneJob, connection, testConfig({ KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:queue-outage` }));
      await expect.poll(() => failures, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(3);
      expect(printed).not.toHaveBeenCalled();
      connection.disconnect();
      await queue.close();
    } finally {
      printed.mockRestore();
    }
  });
});
