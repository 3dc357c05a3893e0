import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { compactUsage, rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { makeKey, makeUser, type TestKey } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

const CompactUsage = graphql(`
  query CompactUsage($filter: UsageFilter) {
    usage(filter: $filter) { start code count }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:compact`, KEYPLANE_USAGE_MINUTE_DAYS: '7' } });
});
afterAll(() => server.close());

const DAY = 86_400_000;
const hourStart = (t: number) => Math.floor(t / 3_600_000) * 3_600_000;

async function setup(): Promise<{ org: Awaited<ReturnType<typeof seedOrg>>; key: TestKey }> {
  const org = await seedOrg(server);
  const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
  return { org, key: await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId }) };
}

/** Writes minute buckets directly: (minute start, code, count). */
async function insertBuckets(key: TestKey, organizationId: string, rows: [number, string, number][]) {
  const conn = server.app.orm.em.getConnection();
  for (const [at, code, count] of rows)
    await conn.execute('insert into usage_bucket (api_key_id, organization_id, minute, code, count) values (?, ?, ?, ?, ?)', [
      key.id,
      organizationId,
      new Date(at),
      code,
      count,
    ]);
}

async function buckets(keyId: string) {
  return server.app.orm.em
    .getConnection()
    .execute<{ minute: Date; code: string; count: string }[]>('select minute, code, count::text from usage_bucket where api_key_id = ? order by minute, code', [
      keyId,
    ]);
}

describe('usage compaction', () => {
  it('merges minute buckets older than KEYPLANE_USAGE_MINUTE_DAYS into hours, totals unchanged; recent minutes stay', async () => {
    const { org, key } = await setup();
    const oldHour = hourStart(Date.now() - 10 * DAY);
    const recent = hourStart(Date.now() - DAY) + 17 * 60_000;
    await insertBuckets(key, org.organizationId, [
      [oldHour, 'VALID', 2], // minute 0: the hour's own bucket, merged into
      [oldHour + 5 * 60_000, 'VALID', 3],
      [oldHour + 59 * 60_000, 'VALID', 4],
      [oldHour + 7 * 60_000, 'RATE_LIMITED', 1],
      [oldHour + 3_600_000 + 60_000, 'VALID', 10], // the next hour
      [recent, 'VALID', 6],
    ]);
    const day = async () =>
      (await gql(server, org.token, CompactUsage, { filter: { keyId: key.id, granularity: 'DAY', from: new Date(Date.now() - 20 * DAY).toISOString() } })).data!
        .usage;
    const before = await day();

    expect(await compactUsage(server.app.orm, 7)).toBeGreaterThanOrEqual(4);
    const rows = (await buckets(key.id)).map((r) => [new Date(r.minute).getTime(), r.code, Number(r.count)]);
    expect(rows).toEqual([
      [oldHour, 'RATE_LIMITED', 1],
      [oldHour, 'VALID', 9],
      [oldHour + 3_600_000, 'VALID', 10],
      [recent, 'VALID', 6],
    ]);
    expect(await day()).toEqual(before);
    // Nothing left to merge: a second pass moves nothing for this key.
    await compactUsage(server.app.orm, 7);
    expect((await buckets(key.id)).length).toBe(4);
  });

  it('runs with every roll-up pass, and merges counts a late roll-up wrote into an old minute', async () => {
    const { org, key } = await setup();
    const oldHour = hourStart(Date.now() - 9 * DAY);
    await insertBuckets(key, org.organizationId, [[oldHour + 30 * 60_000, 'VALID', 5]]);
    const r = await rollUpUsage({ orm: server.app.orm, config: server.config });
    expect(r.compacted).toBeGreaterThanOrEqual(1);
    await insertBuckets(key, org.organizationId, [[oldHour + 31 * 60_000, 'VALID', 2]]); // a late write
    await rollUpUsage({ orm: server.app.orm, config: server.config });
    expect((await buckets(key.id)).map((b) => [new Date(b.minute).getTime(), Number(b.count)])).toEqual([[oldHour, 7]]);
  });

  it('refuses MINUTE granularity for periods whose minutes were merged, and says what to ask instead', async () => {
    const { org, key } = await setup();
    const res = await gql(server, org.token, CompactUsage, {
      filter: { keyId: key.id, granularity: 'MINUTE', from: new Date(Date.now() - 8 * DAY).toISOString(), to: new Date(Date.now() - 7 * DAY).toISOString() },
    });
    expect(res.errors?.[0]?.message).toMatch(/minute detail is kept for 7 days.*HOUR or DAY/);
    const recentOk = await gql(server, org.token, CompactUsage, {
      filter: { keyId: key.id, granularity: 'MINUTE', from: new Date(Date.now() - 5 * DAY).toISOString(), to: new Date(Date.now() - 4 * DAY).toISOString() },
    });
    expect(recentOk.errors).toBeUndefined();
  });
});
