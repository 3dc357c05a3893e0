import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { ApiKey } from '../../src/modules/keys/api-key.entity.ts';
import { limiterKeys, usageKeys } from '../../src/modules/usage/usage-keys.ts';
import { applyBatch, moveBatch, readBatch, rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { KeyVerification } from '../../src/modules/usage/usage.entity.ts';
import { startWorkers } from '../../workers/runtime.ts';
import { usageRollupWorker } from '../../workers/usage-rollup.worker.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:roll`, KEYPLANE_USAGE_ROLLUP_SECONDS: '1', KEYPLANE_VERIFICATION_LOG_PER_MINUTE: '5' },
  });
});
afterAll(() => server.close());

const deps = () => ({ orm: server.app.orm, redis: server.app.redis, config: server.config });

async function usageOf(apiKeyId: string): Promise<Record<string, number>> {
  const rows = await server.app.orm.em
    .fork()
    .execute<{ code: string; n: string }[]>('select code, sum(count)::text as n from usage_bucket where api_key_id = ? group by code', [apiKeyId]);
  return Object.fromEntries(rows.map((r) => [r.code, Number(r.n)]));
}

async function setup(opts: Partial<Parameters<typeof makeKey>[2]> = {}): Promise<{ org: Awaited<ReturnType<typeof seedOrg>>; key: TestKey }> {
  const org = await seedOrg(server);
  const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
  const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, ...opts });
  return { org, key };
}

async function verifyTimes(org: { token: string }, key: TestKey, n: number) {
  for (let i = 0; i < n; i++) await verifyHttp(server, org.token, { token: key.token });
  await server.app.usage.flush();
}

describe('the usage roll-up is exactly-once', () => {
  it('a run that died after moving the batch aside: the next run applies it once', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 3);
    const moved = await moveBatch(deps());
    expect(moved).toBeTruthy();
    // Counted while the batch was set aside: lands in the next batch.
    await verifyTimes(org, key, 2);
    // "Crash": nothing applied. The next run resumes the same batch.
    const r1 = await rollUpUsage(deps());
    expect(r1).toMatchObject({ batchId: moved, applied: true });
    expect(await usageOf(key.id)).toEqual({ VALID: 3 });
    const r2 = await rollUpUsage(deps());
    expect(r2.batchId).not.toBe(moved);
    expect(await usageOf(key.id)).toEqual({ VALID: 5 });
  });

  it('a run that died after committing to PostgreSQL but before clearing Redis: the batch is not counted twice', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 4);
    const id = (await moveBatch(deps()))!;
    const batch = (await readBatch(deps(), id))!;
    expect(await applyBatch(server.app.orm.em.fork(), id, batch)).toBe(true);
    expect(await usageOf(key.id)).toEqual({ VALID: 4 });
    // "Crash" before finish: the processing keys and batch id are still in Redis.
    expect(await server.app.redis.get(usageKeys(server.config.redisPrefix).procId)).toBe(id);
    const again = await rollUpUsage(deps());
    expect(again).toMatchObject({ batchId: id, applied: false });
    expect(await usageOf(key.id)).toEqual({ VALID: 4 });
    expect(await server.app.redis.exists(usageKeys(server.config.redisPrefix).procId)).toBe(0);
  });

  it('two roll-ups at once count each verification once', async () => {
    const { org, key } = await setup();
    let expected = 0;
    for (let round = 0; round < 5; round++) {
      await verifyTimes(org, key, 3);
      expected += 3;
      await Promise.all([rollUpUsage(deps()), rollUpUsage(deps()), rollUpUsage(deps())]);
    }
    await rollUpUsage(deps());
    expect(await usageOf(key.id)).toEqual({ VALID: expected });
  });

  it('keeps a bounded sample of verifications in detail and prunes them after the retention', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 12); // KEYPLANE_VERIFICATION_LOG_PER_MINUTE=5 per outcome class
    await rollUpUsage(deps());
    const em = server.app.orm.em.fork();
    const kept = await em.count(KeyVerification, { apiKeyId: key.id });
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThanOrEqual(10); // the sample window may straddle a minute boundary
    expect(await usageOf(key.id)).toEqual({ VALID: 12 });
    const old = new Date(Date.now() - (server.config.verificationRetentionDays + 1) * 86_400_000);
    await em.execute('update key_verification set at = ? where api_key_id = ?', [old, key.id]);
    const r = await rollUpUsage(deps());
    expect(r.pruned).toBeGreaterThanOrEqual(kept);
    expect(await em.count(KeyVerification, { apiKeyId: key.id })).toBe(0);
  });
});

describe('credits: PostgreSQL is the truth, Redis the live counter', () => {
  it('writes the counter back, and re-seeds from PostgreSQL when Redis loses it', async () => {
    const { org, key } = await setup({ credits: 10 });
    await verifyTimes(org, key, 4);
    const r = await rollUpUsage(deps());
    expect(r.creditsWritten).toBe(1);
    const em = server.app.orm.em.fork();
    expect((await em.findOneOrFail(ApiKey, { id: key.id })).credits).toBe(6);
    // Redis loses the counter (flush, failover): the next verification seeds it from PostgreSQL.
    await server.app.redis.del(limiterKeys(server.config.redisPrefix, key.id)[1]);
    expect((await verifyHttp(server, org.token, { token: key.token })).body).toMatchObject({ code: 'VALID', remaining: 5 });
  });

  it('an admin change of credits wins over an older live counter', async () => {
    const { org, key } = await setup({ credits: 10 });
    await verifyTimes(org, key, 2); // live counter: 8, epoch 0
    // The admin sets 100 (any write of credits bumps the epoch), and the key's cache entry is dropped.
    await server.app.orm.em.fork().nativeUpdate(ApiKey, { id: key.id }, { credits: 100 });
    // A roll-up holding the old counter must not overwrite the admin's value.
    await rollUpUsage(deps());
    const em = server.app.orm.em.fork();
    expect((await em.findOneOrFail(ApiKey, { id: key.id })).credits).toBe(100);
    await server.app.deps.invalidate({ scope: 'key', keyId: key.keyId });
    expect((await verifyHttp(server, org.token, { token: key.token })).body.remaining).toBe(99);
    await server.app.usage.flush();
    await rollUpUsage(deps());
    expect((await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id })).credits).toBe(99);
  });

  it('credits set through updateApiKey take effect on the next verification', async () => {
    const { org, key } = await setup({ credits: 3 });
    await verifyTimes(org, key, 3);
    expect((await verifyHttp(server, org.token, { token: key.token })).body.code).toBe('USAGE_EXCEEDED');
    const res = await gql(server, org.token, 'mutation($id: ID!) { updateApiKey(input: { id: $id, credits: 50 }) { __typename } }', { id: key.id });
    expect((res.data as { updateApiKey: { __typename: string } }).updateApiKey.__typename).toBe('UpdateApiKeySuccess');
    expect((await verifyHttp(server, org.token, { token: key.token })).body).toMatchObject({ code: 'VALID', remaining: 49 });
  });

  it('refills to the refill amount once per interval', async () => {
    const { org, key } = await setup({ credits: 2, creditsRefill: { amount: 3, intervalSeconds: 1 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await verifyHttp(server, org.token, { token: key.token })).body.code);
    expect(codes).toEqual(['VALID', 'VALID', 'USAGE_EXCEEDED']);
    await new Promise((r) => setTimeout(r, 1100));
    const after = (await verifyHttp(server, org.token, { token: key.token })).body;
    expect(after).toMatchObject({ code: 'VALID', remaining: 2 });
  });
});

describe('the usage roll-up worker', () => {
  it('rolls counts into PostgreSQL on its schedule, without being asked', async () => {
    const { org, key } = await setup();
    const workers = await startWorkers(server.config, { log: createLogger('silent'), modules: [usageRollupWorker] });
    try {
      await verifyTimes(org, key, 6);
      const started = Date.now();
      while (Date.now() - started < 10_000 && (await usageOf(key.id)).VALID !== 6) await new Promise((r) => setTimeout(r, 200));
      expect(await usageOf(key.id)).toEqual({ VALID: 6 });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await workers.close();
    }
  });
});
