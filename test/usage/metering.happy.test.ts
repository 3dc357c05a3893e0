import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer, workerOrm } from '../harness.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { ApiKey } from '../../src/db/entities/api-key.entity.ts';
import { limiterKeys } from '../../src/modules/limits/usage-keys.ts';
import { applyBatch } from '../../src/modules/usage/usage-batch.ts';
import { maintainPartitions } from '../../src/modules/retention/partitions.ts';
import { KeyVerification } from '../../src/db/entities/usage.entity.ts';
import { startWorkers } from '../../workers/runtime.ts';
import { usageRollupWorker } from '../../workers/usage-rollup.worker.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:meter`, KEYPLANE_USAGE_ROLLUP_SECONDS: '1', KEYPLANE_VERIFICATION_LOG_PER_MINUTE: '5' },
  });
});
afterAll(() => server.close());

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

const creditsQuery = 'query($id: ID!) { apiKey(id: $id) { credits } }';
async function creditsShown(org: { token: string }, key: TestKey): Promise<number | null> {
  const res = await gql(server, org.token, creditsQuery, { id: key.id });
  return (res.data as { apiKey: { credits: number | null } }).apiKey.credits;
}

describe('usage goes from each API process straight to PostgreSQL, exactly once', () => {
  it('a flush writes the counts, last use and the sample in one transaction', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 3);
    expect(await usageOf(key.id)).toEqual({ VALID: 3 });
    const row = await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id });
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    expect(await server.app.orm.em.fork().count(KeyVerification, { apiKeyId: key.id })).toBe(3);
  });

  it('a batch applied twice (a retry whose first commit did land) counts once', async () => {
    const { key } = await setup();
    const rows = await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id });
    const minute = Math.floor(Date.now() / 60_000);
    const batch = { counts: [[key.id, rows.organizationId, minute, 'VALID', 4] as [string, string, number, string, number]], last: [], log: [] };
    expect(await applyBatch(server.app.orm.em.fork(), 'batch-retried', batch)).toBe(true);
    expect(await applyBatch(server.app.orm.em.fork(), 'batch-retried', batch)).toBe(false);
    expect(await usageOf(key.id)).toEqual({ VALID: 4 });
  });

  it('keeps a bounded sample of verifications in detail and prunes them after the retention', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 12); // KEYPLANE_VERIFICATION_LOG_PER_MINUTE=5 per outcome class
    const em = server.app.orm.em.fork();
    const kept = await em.count(KeyVerification, { apiKeyId: key.id });
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThanOrEqual(10); // the sample window may straddle a minute boundary
    expect(await usageOf(key.id)).toEqual({ VALID: 12 });
    // Moved two days past the retention, into a day partition of their own: the pass drops it whole.
    const old = new Date(Date.now() - (server.config.verificationRetentionDays + 2) * 86_400_000);
    await em.execute('select keyplane_maintain_partitions(?, null, ?)', ['key_verification', old]);
    await em.execute('update key_verification set at = ? where api_key_id = ?', [old, key.id]);
    const passes = await maintainPartitions(server.app.orm, server.config);
    expect(passes.find((p) => p.table === 'key_verification')!.dropped).toBeGreaterThanOrEqual(1);
    expect(await em.count(KeyVerification, { apiKeyId: key.id })).toBe(0);
  });

  it('counts survive the loss of Redis entirely: Redis never holds them', async () => {
    const { org, key } = await setup();
    await verifyTimes(org, key, 2);
    const prefix = server.config.redisPrefix;
    // Whatever Redis holds under this deployment's prefix goes (a flush of a non-persistent Redis).
    const names = await server.app.redis.keys(`${prefix}:*`);
    expect(names.some((n) => n.includes('usage'))).toBe(false);
    await verifyTimes(org, key, 3);
    expect(await usageOf(key.id)).toEqual({ VALID: 5 });
  });
});

describe('credits: PostgreSQL holds what is not leased, Redis spends leases', () => {
  it('leases a tenth at a time; the API shows PostgreSQL + the unspent lease', async () => {
    const { org, key } = await setup({ credits: 50 });
    await verifyTimes(org, key, 4);
    // 50 → lease 5 (a tenth), 4 spent: PostgreSQL holds 45, Redis 1.
    expect((await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id })).credits).toBe(45);
    expect(await server.app.redis.hget(limiterKeys(server.config.redisPrefix, key.id)[1], 'n')).toBe('1');
    expect(await creditsShown(org, key)).toBe(46);
    expect((await verifyHttp(server, org.token, { token: key.token })).body).toMatchObject({ code: 'VALID', remaining: 45 });
  });

  it('after Redis loses the lease the key goes on from PostgreSQL, never above its grant', async () => {
    const { org, key } = await setup({ credits: 20 });
    await verifyTimes(org, key, 1); // lease 2, spent 1: PostgreSQL 18, Redis 1
    await server.app.redis.del(limiterKeys(server.config.redisPrefix, key.id)[1]);
    const codes: string[] = [];
    for (let i = 0; i < 25; i++) codes.push((await verifyHttp(server, org.token, { token: key.token })).body.code);
    const valid = codes.filter((c) => c === 'VALID').length;
    // 1 spent before + 18 from PostgreSQL: the 1 unspent credit of the lost lease is withheld, no credit is spent twice.
    expect(valid).toBe(18);
    expect(codes.slice(valid).every((c) => c === 'USAGE_EXCEEDED')).toBe(true);
  });

  it('an admin change of credits starts a new grant: the old lease is void', async () => {
    const { org, key } = await setup({ credits: 10 });
    await verifyTimes(org, key, 2); // lease 1 at a time → PostgreSQL 8
    const res = await gql(
      server,
      org.token,
      'mutation($id: ID!) { updateApiKey(input: { id: $id, credits: 100 }) { ... on UpdateApiKeySuccess { apiKey { credits } } } }',
      {
        id: key.id,
      },
    );
    expect(res.data).toEqual({ updateApiKey: { apiKey: { credits: 100 } } });
    expect((await verifyHttp(server, org.token, { token: key.token })).body).toMatchObject({ code: 'VALID', remaining: 99 });
    expect(await creditsShown(org, key)).toBe(99);
  });

  it('credits set through updateApiKey take effect on the next verification', async () => {
    const { org, key } = await setup({ credits: 3 });
    await verifyTimes(org, key, 3);
    expect((await verifyHttp(server, org.token, { token: key.token })).body.code).toBe('USAGE_EXCEEDED');
    const res = await gql(server, org.token, 'mutation($id: ID!) { updateApiKey(input: { id: $id, credits: 50 }) { __typename } }', { id: key.id });
    expect((res.data as { updateApiKey: { __typename: string } }).updateApiKey.__typename).toBe('UpdateApiKeySuccess');
    expect((await verifyHttp(server, org.token, { token: key.token })).body).toMatchObject({ code: 'VALID', remaining: 49 });
  });

  it('refills to the refill amount once per interval, in PostgreSQL', async () => {
    const { org, key } = await setup({ credits: 2, creditsRefill: { amount: 3, intervalSeconds: 1 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await verifyHttp(server, org.token, { token: key.token })).body.code);
    expect(codes).toEqual(['VALID', 'VALID', 'USAGE_EXCEEDED']);
    await new Promise((r) => setTimeout(r, 1100));
    const after = (await verifyHttp(server, org.token, { token: key.token })).body;
    expect(after).toMatchObject({ code: 'VALID', remaining: 2 });
    const row = await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id });
    expect(row.credits).toBe(2); // lease of 1 out of the refilled 3
  });
});

describe('the usage roll-up worker', () => {
  it('rolls old minutes into hours on its schedule, without being asked', async () => {
    const { key } = await setup();
    const row = await server.app.orm.em.fork().findOneOrFail(ApiKey, { id: key.id });
    const old = Math.floor((Date.now() - (server.config.usageMinuteDays + 2) * 86_400_000) / 3_600_000) * 60 + 7;
    await applyBatch(server.app.orm.em.fork(), `old-${key.id}`, { counts: [[key.id, row.organizationId, old, 'VALID', 6]], last: [], log: [] });
    const workers = await startWorkers(server.config, {
      orm: await workerOrm(server.config, 'workers'),
      log: createLogger('silent'),
      modules: [usageRollupWorker],
    });
    const minuteOf = async () =>
      (
        await server.app.orm.em
          .fork()
          .execute<{ m: number }[]>(`select date_part('minute', minute at time zone 'UTC')::int as m from usage_bucket where api_key_id = ?`, [key.id])
      ).map((r) => r.m);
    try {
      const started = Date.now();
      while (Date.now() - started < 10_000 && (await minuteOf())[0] !== 0) await new Promise((r) => setTimeout(r, 200));
      expect(await minuteOf()).toEqual([0]);
      expect(await usageOf(key.id)).toEqual({ VALID: 6 });
    } finally {
      await workers.close();
    }
  });
});
