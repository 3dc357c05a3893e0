import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { testRedisPrefix } from '../context.ts';
import { privateRedis, type PrivateRedis } from '../engines.ts';
import { verifyHttp } from '../verify/fixtures.ts';
import { RevokeApiKey } from './ops.ts';

/**
 * Issue 16, item 7: a revoke answers at once while Redis is down, and every other API process
 * refuses the key within a second, because the invalidation travels through PostgreSQL
 * (LISTEN/NOTIFY) as well as Redis.
 */
let redis: PrivateRedis;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  redis = await privateRedis();
  const config = { REDIS_URL: redis.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:outage` };
  a = await startTestServer({ config });
  b = await startTestServer({ config });
});
afterAll(async () => {
  await redis.start().catch(() => {});
  await Promise.all([a?.close(), b?.close()]);
  await redis.stop();
});

describe('revoking while Redis is down', () => {
  it('answers within a second, and the other replica refuses the key within a second', async () => {
    const org = await seedOrg(a);
    const holder = await userWithKey(a, org.token, org.organizationId, ['keys:read']);
    // Both replicas have the key (and the caller's own) cached and valid.
    for (const s of [a, b]) expect((await verifyHttp(s, org.token, { token: holder.token })).body.code).toBe('VALID');

    await redis.kill();
    const started = performance.now();
    const res = await gql(a, org.token, RevokeApiKey, { input: { id: holder.apiKeyId, reason: 'leaked' } });
    const answeredMs = performance.now() - started;
    expect(res.data?.revokeApiKey.__typename).toBe('RevokeApiKeySuccess');
    expect(answeredMs).toBeLessThan(1000);

    const revokedAt = performance.now();
    await expect.poll(async () => (await verifyHttp(b, org.token, { token: holder.token })).body.code, { timeout: 1000, interval: 50 }).toBe('REVOKED');
    expect(performance.now() - revokedAt).toBeLessThan(1000);
    expect((await verifyHttp(a, org.token, { token: holder.token })).body.code).toBe('REVOKED');
  });

  it('a replica whose invalidation listener lost PostgreSQL forgets every cached key when it is back', async () => {
    await redis.start();
    const org = await seedOrg(a);
    const holder = await userWithKey(a, org.token, org.organizationId, ['keys:read']);
    expect((await verifyHttp(b, org.token, { token: holder.token })).body.code).toBe('VALID');
    // Cut b's LISTEN connection (as a PostgreSQL restart would), then revoke behind its back on
    // a path that publishes nothing: only the reconnect's flush can make b see it.
    await a.app.orm.em
      .getConnection()
      .execute(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'keyplane-invalidations' and datname = current_database()`);
    await a.app.orm.em.getConnection().execute(`update api_key set status = 'REVOKED' where id = ?`, [holder.apiKeyId]);
    await expect.poll(async () => (await verifyHttp(b, org.token, { token: holder.token })).body.code, { timeout: 5000, interval: 50 }).toBe('REVOKED');
  });
});

describe('invalidations from another replica', () => {
  it('are applied once each, though they arrive by PostgreSQL and by Redis', async () => {
    await redis.start().catch(() => {});
    await expect.poll(() => a.app.redis.status, { timeout: 10_000 }).toBe('ready');
    await expect.poll(() => b.app.redis.status, { timeout: 10_000 }).toBe('ready');
    const org = await seedOrg(a);
    const holder = await userWithKey(a, org.token, org.organizationId, ['keys:read']);
    const heard: string[] = [];
    const off = b.app.deps.onInvalidation((inv) => {
      if (inv.scope === 'key' && inv.keyId === holder.keyId) heard.push(inv.keyId);
    });
    try {
      await gql(a, org.token, RevokeApiKey, { input: { id: holder.apiKeyId } });
      await expect.poll(() => heard.length, { timeout: 2000, interval: 20 }).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(heard).toHaveLength(1);
    } finally {
      off();
    }
  });
});
