import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodStart, sweepCalendarRefills } from '../../src/modules/limits/credit-refill.ts';
import { testRedisPrefix } from '../context.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeUser, verifyHttp } from '../verify/fixtures.ts';

/**
 * Issue 22, item 3: credits (a key's or a customer's pool) refill to an amount daily or monthly,
 * exactly once per period, whatever the number of workers sweeping and however late one is.
 */
let server: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:refill` } });
  org = await seedOrg(server);
});
afterAll(() => server.close());

const at = (iso: string) => new Date(iso);
const sweep = (now: Date) => sweepCalendarRefills({ orm: server.app.orm, redis: server.app.redis, prefix: server.config.redisPrefix }, now);

describe('calendar periods', () => {
  it('start at 00:00 UTC of the day, or of the month’s refill day (its last day when shorter)', () => {
    expect(periodStart({ amount: 1, period: 'DAILY' }, at('2027-01-31T23:59:59Z'))).toEqual(at('2027-01-31T00:00:00Z'));
    expect(periodStart({ amount: 1, period: 'MONTHLY', dayOfMonth: 1 }, at('2027-02-01T00:00:01Z'))).toEqual(at('2027-02-01T00:00:00Z'));
    expect(periodStart({ amount: 1, period: 'MONTHLY', dayOfMonth: 1 }, at('2027-01-31T23:59:59Z'))).toEqual(at('2027-01-01T00:00:00Z'));
    expect(periodStart({ amount: 1, period: 'MONTHLY', dayOfMonth: 31 }, at('2027-02-28T12:00:00Z'))).toEqual(at('2027-02-28T00:00:00Z'));
    expect(periodStart({ amount: 1, period: 'MONTHLY', dayOfMonth: 15 }, at('2027-03-10T00:00:00Z'))).toEqual(at('2027-02-15T00:00:00Z'));
  });
});

describe('a monthly pool refill', () => {
  it('across a month boundary, with two workers at once and a late one: one refill per month, exact', async () => {
    const created = await gql(
      server,
      org.token,
      'mutation { createCustomer(input: { externalId: "monthly", name: "Monthly", credits: 100, creditsRefill: { amount: 100, period: MONTHLY, dayOfMonth: 1 } }) { ... on CreateCustomerSuccess { customer { id creditsRefill { amount period dayOfMonth } } } } }',
    );
    const customer = (created.data as { createCustomer: { customer: { id: string; creditsRefill: unknown } } }).createCustomer.customer;
    expect(customer.creditsRefill).toEqual({ amount: 100, period: 'MONTHLY', dayOfMonth: 1 });
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const { makeKey } = await import('../verify/fixtures.ts');
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, customerId: customer.id });
    const pool = async () =>
      ((await gql(server, org.token, 'query($id: ID!) { customer(id: $id) { credits } }', { id: customer.id })).data as { customer: { credits: number } })
        .customer.credits;

    // January: the setting is stamped with its period; spend 30.
    expect(await sweep(at('2027-01-20T10:00:00Z'))).toBe(0);
    expect((await verifyHttp(server, org.token, { token: key.token, cost: 30 })).body).toMatchObject({ code: 'VALID', poolRemaining: 70 });
    expect(await sweep(at('2027-01-31T23:59:59Z'))).toBe(0);
    expect(await pool()).toBe(70);

    // February 1st: two workers sweep at once, a third comes late: one refill, back to 100.
    const [a, b] = await Promise.all([sweep(at('2027-02-01T00:00:01Z')), sweep(at('2027-02-01T00:00:02Z'))]);
    expect(a + b).toBe(1);
    expect(await sweep(at('2027-02-03T08:00:00Z'))).toBe(0);
    expect(await pool()).toBe(100);
    // The January lease is void: the pool spends from February's grant.
    expect((await verifyHttp(server, org.token, { token: key.token, cost: 5 })).body).toMatchObject({ code: 'VALID', poolRemaining: 95 });

    // A worker down for two months refills once when it returns, not twice.
    expect(await sweep(at('2027-04-02T00:00:00Z'))).toBe(1);
    expect(await sweep(at('2027-04-02T00:00:01Z'))).toBe(0);
    expect(await pool()).toBe(100);
  });

  it('refuses a dayOfMonth without MONTHLY, and bad amounts', async () => {
    for (const refill of ['{ amount: 10, period: DAILY, dayOfMonth: 3 }', '{ amount: 0, period: DAILY }', '{ amount: 10, period: MONTHLY, dayOfMonth: 32 }']) {
      const res = await gql(
        server,
        org.token,
        `mutation { createCustomer(input: { externalId: "bad-${Math.random()}", name: "x", credits: 1, creditsRefill: ${refill} }) { __typename } }`,
      );
      expect((res.data as { createCustomer: { __typename: string } }).createCustomer.__typename, refill).toBe('ValidationError');
    }
  });
});
