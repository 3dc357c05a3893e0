import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { RedisUsageLimiter } from '../../src/modules/usage/usage-limiter.ts';
import { LimiterUnavailableError } from '../../src/modules/verification/verifier.ts';
import { makeKey, makeUser } from './fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:vlim` } });
});
afterAll(() => server.close());

describe('rate limits and credits while Redis is unreachable', () => {
  it('fail at once with LimiterUnavailableError instead of queueing (a queued call would spend a credit later)', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId,
      credits: 5,
      rateLimit: { limit: 5, windowSeconds: 60 },
    });
    const record = (await server.app.deps.verifier.lookup(key.keyId))!;
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      const limiter = new RedisUsageLimiter(down, server.app.orm, server.config.redisPrefix);
      const started = Date.now();
      await expect(limiter.consume(record)).rejects.toBeInstanceOf(LimiterUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      down.disconnect();
    }
  });
});
