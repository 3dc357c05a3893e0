import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisPrefix } from '../context.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';

/**
 * Issue 22, shared limits: one customer's credit pool and rate limit, drawn on by all its keys
 * across two API processes, atomically with each key's own limits (both must allow).
 */
let a: TestServer;
let b: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  const config = { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:pool` };
  [a, b] = await Promise.all([startTestServer({ config }), startTestServer({ config })]);
  org = await seedOrg(a);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

const CreateCustomer = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id credits } } ... on Error { message } } }`;

async function customer(input: Record<string, unknown>): Promise<string> {
  const res = await gql(a, org.token, CreateCustomer, { input: { externalId: `ext-${Math.random().toString(36).slice(2)}`, name: 'Acme Corp', ...input } });
  const payload = (res.data as { createCustomer: { __typename: string; customer: { id: string } } }).createCustomer;
  expect(payload.__typename).toBe('CreateCustomerSuccess');
  return payload.customer.id;
}

async function keysOf(customerId: string, n: number, opts: Record<string, unknown> = {}): Promise<TestKey[]> {
  const { userId } = await makeUser(a.app.orm, org.organizationId, ['keys:read']);
  return Promise.all(Array.from({ length: n }, () => makeKey(a.app.orm, a.config.pepper, { organizationId: org.organizationId, userId, customerId, ...opts })));
}

const poolOf = async (id: string) =>
  ((await gql(a, org.token, 'query($id: ID!) { customer(id: $id) { credits } }', { id })).data as { customer: { credits: number | null } }).customer.credits;

describe('a customer’s credit pool', () => {
  it('two processes, three keys, 150 concurrent verifications of mixed cost: exactly the pool is spent, never more', async () => {
    const cus = await customer({ credits: 100 });
    const keys = await keysOf(cus, 3);
    const costs = Array.from({ length: 150 }, (_, i) => 1 + (i % 3));
    const answers = await Promise.all(
      costs.map(async (cost, i) => {
        const res = await verifyHttp(i % 2 ? a : b, org.token, { token: keys[i % 3]!.token, cost });
        return { cost, code: res.body.code as string, pool: res.body.poolRemaining as number | null, status: res.status };
      }),
    );
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);
    const spent = answers.filter((x) => x.code === 'VALID').reduce((s, x) => s + x.cost, 0);
    const refused = answers.filter((x) => x.code === 'USAGE_EXCEEDED');
    expect(answers.filter((x) => x.code !== 'VALID' && x.code !== 'USAGE_EXCEEDED')).toEqual([]);
    const left = await poolOf(cus);
    expect(spent + left!).toBe(100);
    expect(refused.length).toBeGreaterThan(0);
    // A call is refused only when the pool cannot pay it, and the pool only shrinks: what is left is below the largest refused cost.
    expect(left!).toBeLessThan(Math.max(...refused.map((x) => x.cost)));
    expect(answers.filter((x) => x.code === 'VALID').every((x) => x.pool !== null && x.pool >= 0)).toBe(true);

    // The billing report equals what verification consumed: per customer and per key.
    await Promise.all([a.app.usage.flush(), b.app.usage.flush()]);
    const window = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const report = async (filter: Record<string, unknown>) =>
      (
        (await gql(a, org.token, 'query($f: CreditUsageFilter!) { creditUsage(filter: $f) { start credits } }', { f: { ...window, ...filter } })).data as {
          creditUsage: { credits: number }[];
        }
      ).creditUsage.reduce((s, p) => s + p.credits, 0);
    expect(await report({ customerId: cus })).toBe(spent);
    expect(await report({ customerId: cus, granularity: 'MINUTE' })).toBe(spent);
    for (let k = 0; k < 3; k++) {
      const mine = answers.filter((x, i) => i % 3 === k && x.code === 'VALID').reduce((s, x) => s + x.cost, 0);
      expect(await report({ keyId: keys[k]!.id })).toBe(mine);
    }
  });

  it('both must allow: the key’s own credits and the pool are spent together, or neither', async () => {
    const cus = await customer({ credits: 10 });
    const [k] = await keysOf(cus, 1, { credits: 3 });
    const first = await verifyHttp(a, org.token, { token: k!.token, cost: 2 });
    expect(first.body).toMatchObject({ code: 'VALID', remaining: 1, poolRemaining: 8 });
    const tooMuch = await verifyHttp(b, org.token, { token: k!.token, cost: 2 }); // the key has 1
    expect(tooMuch.body).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 1, poolRemaining: 8 });
    expect((await verifyHttp(a, org.token, { token: k!.token })).body).toMatchObject({ code: 'VALID', remaining: 0, poolRemaining: 7 });
    expect(await poolOf(cus)).toBe(7);
  });

  it('a shared rate limit counts every key of the customer', async () => {
    const cus = await customer({ rateLimit: { limit: 4, windowSeconds: 60 } });
    const keys = await keysOf(cus, 2);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push((await verifyHttp(i % 2 ? a : b, org.token, { token: keys[i % 2]!.token })).body.code);
    expect(codes).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    const last = await verifyHttp(a, org.token, { token: keys[0]!.token });
    expect(last.body).toMatchObject({ code: 'RATE_LIMITED', rateLimit: { limit: 4, remaining: 0 } });
  });

  it('updateCustomer starts a new pool grant on every process; a key moved out of the customer stops drawing on it', async () => {
    const cus = await customer({ credits: 2 });
    const [k] = await keysOf(cus, 1);
    expect((await verifyHttp(a, org.token, { token: k!.token, cost: 2 })).body.code).toBe('VALID');
    expect((await verifyHttp(b, org.token, { token: k!.token })).body.code).toBe('USAGE_EXCEEDED');
    await gql(a, org.token, 'mutation($id: ID!) { updateCustomer(input: { id: $id, credits: 50 }) { __typename } }', { id: cus });
    await expect.poll(async () => (await verifyHttp(b, org.token, { token: k!.token })).body.code, { timeout: 2000, interval: 50 }).toBe('VALID');
    expect(await poolOf(cus)).toBe(49);
    await gql(a, org.token, 'mutation($id: ID!) { updateApiKey(input: { id: $id, customerId: null }) { __typename } }', { id: k!.id });
    await expect.poll(async () => (await verifyHttp(b, org.token, { token: k!.token })).body.poolRemaining, { timeout: 2000, interval: 50 }).toBeNull();
    expect(await poolOf(cus)).toBe(49);
  });

  it('refuses a cost that is not a whole number from 1 to 1,000,000', async () => {
    const cus = await customer({ credits: 5 });
    const [k] = await keysOf(cus, 1);
    for (const cost of [0, -1, 1.5, 2_000_000, '3'] as unknown[]) {
      const res = await verifyHttp(a, org.token, { token: k!.token, cost: cost as number });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('input.cost');
    }
  });
});
