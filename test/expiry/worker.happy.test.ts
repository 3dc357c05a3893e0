import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { createRedis } from '../../src/infra/redis.ts';
import { queuePrefix } from '../../src/jobs/define-job.ts';
import { EXPIRY_SWEEP_SCHEDULER_ID, expirySweepJob } from '../../src/jobs/expiry-sweep.job.ts';
import { workerModules } from '../../workers/registry.ts';
import { startWorkers } from '../../workers/runtime.ts';
import { seedOrg, startTestServer, testConfig, type TestServer, workerOrm } from '../harness.ts';
import { day, expiryEvents, keyStatus, makeKey, summary } from './helpers.ts';
import { testRedisPrefix } from '../context.ts';

// This file's own queues and channels: the API and the worker share them, nobody else does.
const env = { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}-expiryw`, KEYPLANE_EXPIRY_SWEEP_SECONDS: '1' };

let server: TestServer;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let clock = day(0);

beforeAll(async () => {
  // The API process meters uses at the same clock, so using the key at day 0 is a use at day 0.
  server = await startTestServer({ config: env, app: { now: () => clock.getTime() } });
  const config = testConfig(env);
  const module = workerModules.find((m) => m.name === 'expiry-sweep');
  if (!module) throw new Error('expiry-sweep worker module is not registered');
  workers = await startWorkers(config, { orm: await workerOrm(config, 'workers'), log: createLogger(config.logLevel), now: () => clock, modules: [module] });
});

afterAll(async () => {
  await workers?.close();
  const redis = createRedis(server.config.redisUrl, 'test-cleanup');
  const queue = new Queue(expirySweepJob.queue, { connection: redis, prefix: queuePrefix(server.config) });
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
  await server.close();
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('expiry sweep worker', () => {
  it('repeats on its schedule, expires keys at the worker’s clock and drops them from API caches at once', async () => {
    const redis = createRedis(server.config.redisUrl, 'test-queue');
    const queue = new Queue(expirySweepJob.queue, { connection: redis, prefix: queuePrefix(server.config) });
    const schedulers = await queue.getJobSchedulers();
    await queue.close();
    await redis.quit();
    expect(schedulers.find((s) => s.key === EXPIRY_SWEEP_SCHEDULER_ID)).toMatchObject({ every: 1000 });

    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    // The API process caches the key as valid.
    expect((await server.app.deps.verifier.verify({ token: key.token })).code).toBe('VALID');

    clock = day(83);
    const warned = await until(
      () => expiryEvents(server.app.orm, key.id),
      (e) => e.length > 0,
      10_000,
    );
    expect(summary(warned)).toEqual(['warn:7']);

    clock = day(90);
    expect(
      await until(
        () => keyStatus(server.app.orm, key.id),
        (s) => s === 'EXPIRED',
        10_000,
      ),
    ).toBe('EXPIRED');
    // Invalidation travels from the worker process over Redis pub/sub; the cache TTL is 60 s.
    const code = await until(
      async () => (await server.app.deps.verifier.verify({ token: key.token })).code,
      (c) => c === 'EXPIRED',
      1000,
    );
    expect(code).toBe('EXPIRED');
    // Later runs of the schedule change nothing more.
    await new Promise((r) => setTimeout(r, 1500));
    expect(summary(await expiryEvents(server.app.orm, key.id))).toEqual(['warn:7', 'expired:inactivity']);
  });
});
