import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { testRedisPrefix } from '../context.ts';
import { privatePostgres, type PrivatePostgres } from '../engines.ts';
import { verifyHttp } from './fixtures.ts';

/**
 * Issue 16 against a real crash: the test's own PostgreSQL cluster stopped with `-m immediate`
 * (no checkpoint, every connection cut) and started again on its data. Warm keys go on, a cold
 * key answers 503 with Retry-After, /readyz says 503 at once and 200 soon after the return, and
 * the usage counted during the outage waits in memory and lands exactly once.
 */
let pg: PrivatePostgres;
let server: TestServer;

beforeAll(async () => {
  pg = await privatePostgres();
  server = await startTestServer({ config: { DATABASE_URL: pg.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:pgcrash` }, app: { migrate: true } });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await pg?.destroy();
});

async function readyz(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${server.url}/readyz`);
  await res.body?.cancel();
  return { status: res.status, ms: performance.now() - started };
}

describe('PostgreSQL crashes (-m immediate) and comes back', () => {
  it('warm keys verify, cold ones answer 503, usage of the outage lands exactly once after it', async () => {
    const org = await seedOrg(server);
    const warm = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const cold = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    expect((await verifyHttp(server, org.token, { token: warm.token })).body.code).toBe('VALID');
    await server.app.usage.flush();

    await pg.stopImmediate();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(1000);
    const refused = await verifyHttp(server, org.token, { token: cold.token });
    expect(refused.status).toBe(503);
    for (let i = 0; i < 5; i++) expect((await verifyHttp(server, org.token, { token: warm.token })).body.code).toBe('VALID');
    await server.app.usage.flush(); // fails: the counts stay in memory

    await pg.start();
    const back = performance.now();
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000, interval: 50 }).toBe(200);
    const recoveredMs = performance.now() - back;
    expect((await verifyHttp(server, org.token, { token: cold.token })).body.code).toBe('VALID');
    await server.app.usage.flush();
    const rows = await server.app.orm.em
      .fork()
      .execute<{ n: string }[]>(
        `select coalesce(sum(count), 0)::text as n from usage_bucket b join api_key k on k.id = b.api_key_id where k.key_id = ? and code = 'VALID'`,
        [warm.keyId],
      );
    expect(Number(rows[0]!.n)).toBe(6);
    expect(recoveredMs).toBeLessThan(5000);
  });
});
