import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { testRedisPrefix } from '../context.ts';
import { privateRedis, type PrivateRedis } from '../engines.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';
import { MAX_LEASE } from '../../src/modules/usage/usage-limiter.ts';

/**
 * Issue 16, items 2 and 3: two API processes on a Redis that keeps nothing (killed and started
 * again mid-run). Usage is counted exactly (it never passes through Redis); credits never exceed
 * their grant (Redis only spends leases PostgreSQL handed out); a rate window that spans the loss
 * lets through at most twice its limit, as documented.
 */
let redis: PrivateRedis;
let a: TestServer;
let b: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;

beforeAll(async () => {
  redis = await privateRedis();
  const config = { REDIS_URL: redis.url, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:rloss` };
  [a, b] = await Promise.all([startTestServer({ config }), startTestServer({ config })]);
  org = await seedOrg(a);
});
afterAll(async () => {
  await redis.start().catch(() => {});
  await Promise.all([a?.close(), b?.close()]);
  await redis.stop();
});

async function key(opts: Partial<Parameters<typeof makeKey>[2]> = {}): Promise<TestKey> {
  const { userId } = await makeUser(a.app.orm, org.organizationId, ['keys:read']);
  return makeKey(a.app.orm, a.config.pepper, { organizationId: org.organizationId, userId, ...opts });
}

/** Verifies `n` times, alternating the two processes, `concurrency` at a time; tallies the answers. */
async function hammer(k: TestKey, n: number, tally: Record<string, number>, concurrency = 10): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const res = await verifyHttp(i % 2 ? a : b, org.token, { token: k.token });
        const code = res.status === 503 ? 'UNAVAILABLE' : (res.body.code as string);
        tally[code] = (tally[code] ?? 0) + 1;
      }
    }),
  );
}

async function loseRedis(): Promise<void> {
  await redis.kill();
  await redis.start();
}

async function usageOf(apiKeyId: string): Promise<Record<string, number>> {
  await Promise.all([a.app.usage.flush(), b.app.usage.flush()]);
  const rows = await a.app.orm.em
    .fork()
    .execute<{ code: string; n: string }[]>('select code, sum(count)::text as n from usage_bucket where api_key_id = ? group by code', [apiKeyId]);
  return Object.fromEntries(rows.map((r) => [r.code, Number(r.n)]));
}

/** Until both processes' limiter connections are back; the probes are verifications too, tallied. */
async function waitLimiter(k: TestKey, tally: Record<string, number>): Promise<void> {
  for (const s of [a, b]) {
    const until = Date.now() + 10_000;
    for (;;) {
      const res = await verifyHttp(s, org.token, { token: k.token });
      const code = res.status === 503 ? 'UNAVAILABLE' : (res.body.code as string);
      tally[code] = (tally[code] ?? 0) + 1;
      if (code !== 'UNAVAILABLE') break;
      if (Date.now() > until) throw new Error('the limiter did not reconnect within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What metering must hold: every answer but 503 (the verification did not happen). */
function metered(tally: Record<string, number>): Record<string, number> {
  const { UNAVAILABLE: _unavailable, ...rest } = tally;
  return rest;
}

describe('Redis lost twice under load, two API processes', () => {
  it('credits never exceed the grant, and usage equals the verifications answered, exactly', async () => {
    const grant = 300;
    const credited = await key({ credits: grant });
    const plain = await key();
    const tally: Record<string, number> = {};
    const plainTally: Record<string, number> = {};

    await Promise.all([hammer(credited, 120, tally), hammer(plain, 60, plainTally)]);
    await loseRedis();
    // While Redis restarts, keys without limits keep verifying from the cache (counted all the same).
    await hammer(plain, 30, plainTally);
    await waitLimiter(credited, tally);
    await hammer(credited, 40, tally);
    await loseRedis();
    await waitLimiter(credited, tally);
    await hammer(credited, 400, tally);

    const valid = tally.VALID ?? 0;
    expect(valid).toBeLessThanOrEqual(grant);
    // Each loss can withhold the unspent part of one lease per process (at most a tenth of what was left, ≤ MAX_LEASE).
    expect(valid).toBeGreaterThanOrEqual(grant - 2 * 2 * Math.min(MAX_LEASE, Math.ceil(grant / 10)));
    expect(tally.USAGE_EXCEEDED).toBeGreaterThan(0);
    // Usage equals what was answered, outcome by outcome, across both losses.
    expect(await usageOf(credited.id)).toEqual(metered(tally));
    expect(plainTally).toEqual({ VALID: 90 });
    expect(await usageOf(plain.id)).toEqual({ VALID: 90 });
  });

  it('a rate window that spans a Redis loss lets through at most twice its limit', async () => {
    const limited = await key({ rateLimit: { limit: 5, windowSeconds: 60 } });
    const before: Record<string, number> = {};
    await hammer(limited, 8, before, 1);
    expect(before).toEqual({ VALID: 5, RATE_LIMITED: 3 });
    await loseRedis();
    const after: Record<string, number> = {};
    await waitLimiter(limited, after);
    await hammer(limited, 8, after, 1);
    // Within one minute: 5 before the loss, and a new window after it (waitLimiter's probes count in it).
    expect(after.VALID).toBe(5);
    expect(after.RATE_LIMITED).toBeGreaterThanOrEqual(3);
    expect(await usageOf(limited.id)).toEqual(metered({ VALID: 10, RATE_LIMITED: before.RATE_LIMITED! + after.RATE_LIMITED!, UNAVAILABLE: 0 }));
  });
});
