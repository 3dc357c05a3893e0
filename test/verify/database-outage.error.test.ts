import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { testDatabaseUrl, testRedisPrefix } from '../context.ts';
import { privateRedis, tcpProxy, type PrivateRedis, type TcpProxy } from '../engines.ts';
import { verifyHttp } from './fixtures.ts';

/**
 * Issue 16, items 6 and 10: while PostgreSQL (or Redis) is away, an uncached verification answers
 * 503 with Retry-After (GraphQL: code UNAVAILABLE) instead of 500, and /readyz answers 503 at
 * once and 200 again within a second of the engine's return.
 */
let proxy: TcpProxy;
let redis: PrivateRedis;
let server: TestServer;

beforeAll(async () => {
  const db = new URL(testDatabaseUrl());
  proxy = await tcpProxy(Number(db.port || 5432), db.hostname);
  db.port = String(proxy.port);
  redis = await privateRedis();
  server = await startTestServer({ config: { DATABASE_URL: db.toString(), REDIS_URL: redis.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:dbout` } });
});
afterAll(async () => {
  proxy.restore();
  await redis.start().catch(() => {});
  await server.close();
  await Promise.all([proxy.close(), redis.stop()]);
});

async function readyz(): Promise<{ status: number; ms: number; body: unknown; retryAfter: string | null }> {
  const started = performance.now();
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, ms: performance.now() - started, body: await res.json(), retryAfter: res.headers.get('retry-after') };
}

describe('while PostgreSQL is away', () => {
  it('an uncached key answers 503 with Retry-After, GraphQL says UNAVAILABLE, and both recover', async () => {
    const org = await seedOrg(server);
    const cold = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const warm = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    expect((await verifyHttp(server, org.token, { token: warm.token })).body.code).toBe('VALID');

    proxy.cut();
    const res = await fetch(`${server.url}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}` },
      body: JSON.stringify({ token: cold.token }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAVAILABLE' } }] });
    const viaGraphql = await gql(server, org.token, 'mutation($t: String!) { verifyKey(input: { token: $t }) { valid code } }', { t: cold.token });
    expect(viaGraphql.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    // A cached key still verifies: PostgreSQL is not on the warm path.
    expect((await verifyHttp(server, org.token, { token: warm.token })).body.code).toBe('VALID');

    proxy.restore();
    await expect.poll(async () => (await verifyHttp(server, org.token, { token: cold.token })).body.code, { timeout: 5000, interval: 100 }).toBe('VALID');
  });

  it('/readyz answers 503 within a second of PostgreSQL or Redis going away and 200 within a second of its return', async () => {
    await expect.poll(async () => (await readyz()).status, { timeout: 1000, interval: 50 }).toBe(200);

    proxy.cut();
    const dbDown = await readyz();
    expect(dbDown).toMatchObject({ status: 503, body: { postgres: 'down', redis: 'ok' }, retryAfter: '1' });
    expect(dbDown.ms).toBeLessThan(1000);
    proxy.restore();
    const dbBack = performance.now();
    await expect.poll(async () => (await readyz()).status, { timeout: 1000, interval: 50 }).toBe(200);
    expect(performance.now() - dbBack).toBeLessThan(1000);

    await redis.kill();
    const redisDown = await readyz();
    expect(redisDown).toMatchObject({ status: 503, body: { postgres: 'ok', redis: 'down' } });
    expect(redisDown.ms).toBeLessThan(1000);
    await redis.start();
    // ioredis reconnects with a backoff (200 ms a try, growing): back within its next try.
    const redisBack = performance.now();
    await expect.poll(async () => (await readyz()).status, { timeout: 6000, interval: 50 }).toBe(200);
    expect(performance.now() - redisBack).toBeLessThan(6000);
  });
});
