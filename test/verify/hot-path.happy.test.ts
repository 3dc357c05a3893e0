import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { formatToken, mintCredential } from '../../src/lib/token.ts';
import { initORM } from '../../src/infra/orm.ts';
import { issueKey } from '../../src/modules/keys/api-key.factory.ts';
import { makeKey, makeUser, typo, VerifyKey, verifyHttp } from './fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
let stoppedAt: number | null = null;
/** Every SQL statement MikroORM sends (its onQuery hook sits under em.find, flush and raw execute alike). */
const statements: string[] = [];
/** The statements of PgUsageSink's periodic flush transaction. */
const METERING = /^\s*(begin|commit|rollback)\b|usage_batch|usage_bucket|credit_usage|key_verification|set last_used_at/i;

beforeAll(async () => {
  server = await startTestServer({
    config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:vhot`, KEYPLANE_UNKNOWN_KEY_LOADS_PER_SECOND: '5' },
    // Real time, which a test may stop: a stopped clock refills no load budget, however slow the machine.
    app: { now: () => stoppedAt ?? Date.now() },
  });
  server.app.orm.config.set('onQuery', (sql: string) => {
    // Metering's own flush (a timer, once a second, not per verification) is not the hot path.
    if (!METERING.test(sql)) statements.push(sql);
    return sql;
  });
});
afterAll(() => server.close());

/** Cuts this API's pub/sub connection (as a Redis restart or a network blip would); ioredis reconnects. */
async function killSubscriber(): Promise<void> {
  const subscriberIds = async () => {
    const clients = (await server.app.redis.client('LIST')) as string;
    return [...clients.matchAll(/id=(\d+) .*name=(\S+)/g)].filter((m) => m[2] === `keyplane:api-sub:${server.config.redisPrefix}`).map((m) => m[1]!);
  };
  // A subscriber killed by an earlier test may still be reconnecting: wait for exactly one.
  await expect.poll(async () => (await subscriberIds()).length, { timeout: 10_000, interval: 50 }).toBe(1);
  const [id] = await subscriberIds();
  await server.app.redis.client('KILL', 'ID', id!);
}

async function sqlDuring(fn: () => Promise<unknown>): Promise<string[]> {
  statements.length = 0;
  await fn();
  return [...statements];
}

describe('the verification hot path', () => {
  it('runs no SQL for a warm key, over HTTP and GraphQL, with a rate limit and credits', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId,
      rateLimit: { limit: 1000, windowSeconds: 60 },
      credits: 1000,
    });
    // Cold: the key record is loaded (and the credits counter seeded) once; the counter proves it counts.
    const cold = await sqlDuring(() => verifyHttp(server, org.token, { token: key.token, permission: 'keys:read' }));
    expect(cold.length).toBeGreaterThan(0);
    expect(cold.some((s) => s.includes('from api_key k'))).toBe(true);

    const warmHttp = await sqlDuring(async () => {
      for (let i = 0; i < 20; i++) {
        const r = await verifyHttp(server, org.token, { token: key.token, permission: 'keys:read' });
        expect(r.body.code).toBe('VALID');
      }
    });
    expect(warmHttp).toEqual([]);

    const warmGql = await sqlDuring(async () => {
      for (let i = 0; i < 10; i++) {
        const r = await gql(server, org.token, VerifyKey, { input: { keyId: key.keyId, secret: key.secret, permission: 'keys:read' } });
        expect(r.data?.verifyKey.code).toBe('VALID');
        expect(r.data?.verifyKey.remaining).toBeLessThan(1000);
      }
    });
    expect(warmGql).toEqual([]);
  });

  it('answers a warm key without rate limit or credits, and a forged token, synchronously (no promise, no microtask)', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const plain = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const limited = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId,
      rateLimit: { limit: 100, windowSeconds: 60 },
    });
    const { verifier } = server.app.deps;
    // Cold: loaded from PostgreSQL, so a promise.
    const cold = verifier.verify({ token: plain.token, permission: 'keys:read' });
    expect(cold).toBeInstanceOf(Promise);
    expect((await cold).code).toBe('VALID');
    // Warm: the answer itself, whatever the outcome.
    for (const [req, code] of [
      [{ token: plain.token, permission: 'keys:read' }, 'VALID'],
      [{ token: plain.token, permission: 'keys:write' }, 'INSUFFICIENT_PERMISSIONS'],
      [{ keyId: plain.keyId, secret: typo(plain.secret) }, 'MALFORMED'],
      [{ token: typo(plain.token) }, 'MALFORMED'],
    ] as const) {
      const warm = verifier.verify(req);
      expect(warm).not.toBeInstanceOf(Promise);
      expect((warm as Awaited<typeof warm>).code).toBe(code);
    }
    // An unknown id: once PostgreSQL has said so (negative cache), or when the key id filter rejects it, synchronously.
    const unknown = mintCredential('SECRET').token;
    const first = verifier.verify({ token: unknown });
    if (first instanceof Promise) await first;
    const second = first instanceof Promise ? verifier.verify({ token: unknown }) : first;
    expect(second).not.toBeInstanceOf(Promise);
    expect((second as Awaited<typeof second>).code).toBe('NOT_FOUND');
    // A rate limit is consumed in Redis: always a promise, and counted.
    await verifier.verify({ token: limited.token });
    const r = verifier.verify({ token: limited.token });
    expect(r).toBeInstanceOf(Promise);
    expect((await r).rateLimit?.remaining).toBe(98);
  });

  it('runs no SQL for forged tokens, even never seen before', async () => {
    const org = await seedOrg(server);
    await verifyHttp(server, org.token, { token: 'kp_sk_warmup' }); // warms the caller's own key
    const forged = await sqlDuring(async () => {
      for (let i = 0; i < 50; i++) {
        const token = `kp_sk_${randomBytes(8).toString('hex')}_${randomBytes(25).toString('hex')}`;
        expect((await verifyHttp(server, org.token, { token })).body.code).toBe('MALFORMED');
        expect((await verifyHttp(server, org.token, { token: typo(org.token) })).body.code).toBe('MALFORMED');
      }
    });
    expect(forged).toEqual([]);
  });

  it('asks PostgreSQL about an unknown key id once, then answers from the negative cache', async () => {
    const org = await seedOrg(server);
    await verifyHttp(server, org.token, { token: 'kp_sk_warmup' });
    const unknown = mintCredential('SECRET');
    const first = await sqlDuring(() => verifyHttp(server, org.token, { token: unknown.token }));
    expect(first).toHaveLength(1);
    const again = await sqlDuring(async () => {
      for (let i = 0; i < 20; i++)
        expect((await verifyHttp(server, org.token, { token: formatToken('SECRET', unknown.keyId, unknown.secret) })).body.code).toBe('NOT_FOUND');
    });
    expect(again).toEqual([]);
  });

  it('coalesces concurrent cold loads of one key into one', async () => {
    const org = await seedOrg(server);
    await verifyHttp(server, org.token, { token: 'kp_sk_warmup' });
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const sql = await sqlDuring(() => Promise.all(Array.from({ length: 20 }, () => verifyHttp(server, org.token, { token: key.token }))));
    expect(sql.filter((s) => s.includes('from api_key k'))).toHaveLength(1);
  });

  it('answers a flood of random unknown key ids without PostgreSQL, beyond a small per-second budget', async () => {
    const org = await seedOrg(server);
    await verifyHttp(server, org.token, { token: 'kp_sk_warmup' });
    const filter = server.app.deps.verifier.filter!;
    await filter.rebuild();
    expect(filter.ready).toBe(true);
    const started = performance.now();
    const sql = await sqlDuring(async () => {
      for (let i = 0; i < 300; i++) expect((await verifyHttp(server, org.token, { token: mintCredential('SECRET').token })).body.code).toBe('NOT_FOUND');
    });
    const seconds = (performance.now() - started) / 1000;
    // KEYPLANE_UNKNOWN_KEY_LOADS_PER_SECOND=5: a full bucket, then 5 per second.
    expect(sql.length).toBeLessThanOrEqual(5 + Math.ceil(seconds * 5) + 1);
    expect(sql.length).toBeLessThan(300 / 4);

    // With the budget spent, a key this process creates is known at once (the filter hears of it)…
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const fresh = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    expect((await verifyHttp(server, org.token, { token: fresh.token })).body.code).toBe('VALID');
    // …and one written by a process that did not announce it is found as soon as there is budget.
    const other = await initORM(server.config.databaseUrl, { migrate: false });
    try {
      const em = other.em.fork();
      const silent = issueKey(em, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'SECRET', name: 'silent' });
      await em.flush();
      await new Promise((r) => setTimeout(r, 400));
      expect((await verifyHttp(server, org.token, { token: silent.token })).body.code).toBe('VALID');

      // Announcements sent while this process's subscriber was away are lost: when it reconnects,
      // the filter is rebuilt. Until then a silent key is refused while the budget is spent…
      const hidden = issueKey(em, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'SECRET', name: 'hidden' });
      await em.flush();
      const spendBudgetThenVerify = async () => {
        for (let i = 0; i < 8; i++) await verifyHttp(server, org.token, { token: mintCredential('SECRET').token });
        return (await verifyHttp(server, org.token, { token: hidden.token })).body.code;
      };
      stoppedAt = Date.now();
      expect(await spendBudgetThenVerify()).toBe('NOT_FOUND');
      // …and found with no budget at all once the subscriber has come back.
      await killSubscriber();
      await expect.poll(spendBudgetThenVerify, { timeout: 10_000, interval: 200 }).toBe('VALID');
    } finally {
      stoppedAt = null;
      await other.close(true);
    }
  });

  it('forgets every cached key when its pub/sub connection comes back (invalidations sent meanwhile are lost)', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    expect((await verifyHttp(server, org.token, { token: key.token })).body.code).toBe('VALID');
    // Revoked behind the cache's back: no invalidation is published (as if it had been lost).
    await server.app.orm.em.getConnection().execute(`update api_key set status = 'REVOKED' where key_id = ?`, [key.keyId]);
    expect((await verifyHttp(server, org.token, { token: key.token })).body.code).toBe('VALID');
    await killSubscriber();
    await expect.poll(async () => (await verifyHttp(server, org.token, { token: key.token })).body.code, { timeout: 10_000, interval: 100 }).toBe('REVOKED');
  });
});
