import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from './helpers.ts';
import { CreateWebhookEndpoint, UpdateWebhookEndpoint } from './ops.ts';

/**
 * Issue 20: a per-endpoint rate, so a slow receiver is not flooded: deliveries over it wait for
 * the next second (no attempt is made or counted), and all of them arrive.
 */
let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
let receiver: HookReceiver;

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('wh-rate') });
  workers = await startEventWorkers(server.config);
  receiver = await startReceiver();
});
afterAll(async () => {
  await workers.close();
  await receiver.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

describe('maxDeliveriesPerSecond', () => {
  it('spreads a burst over seconds, every delivery arriving once at its first attempt', async () => {
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: `${receiver.url}/in`, eventTypes: ['user.created'], maxDeliveriesPerSecond: 2 });
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        success((await gql(server, org.token, CreateUser, { input: { name: `burst ${i}`, kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess'),
      ),
    );
    await waitFor(() => receiver.hits.length >= 6, 'six deliveries', 20_000);
    const at = receiver.hits.map((h) => h.at).sort((a, b) => a - b);
    // Two per second at most: the sixth cannot arrive within a second of the first.
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(new Set(receiver.hits.map((h) => h.headers['webhook-id'])).size).toBe(6);
    const [{ n }] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from delivery_attempt a join delivery d on d.id = a.delivery_id where d.endpoint_id = ?`, [
        webhookEndpoint.id,
      ]);
    expect(n).toBe(6);
  });

  it('is validated, shown, and removed with null', async () => {
    const org = await seedOrg(server);
    const bad = await gql(server, org.token, CreateWebhookEndpoint, { input: { url: `${receiver.url}/x`, maxDeliveriesPerSecond: 0 } });
    expect(bad.data?.createWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.maxDeliveriesPerSecond' }] });
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: `${receiver.url}/y`, maxDeliveriesPerSecond: 5 });
    const shown = await gql(server, org.token, `query($id: ID!) { webhookEndpoint(id: $id) { maxDeliveriesPerSecond } }`, { id: webhookEndpoint.id });
    expect(shown.data).toEqual({ webhookEndpoint: { maxDeliveriesPerSecond: 5 } });
    await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, maxDeliveriesPerSecond: null } });
    const cleared = await gql(server, org.token, `query($id: ID!) { webhookEndpoint(id: $id) { maxDeliveriesPerSecond } }`, { id: webhookEndpoint.id });
    expect(cleared.data).toEqual({ webhookEndpoint: { maxDeliveriesPerSecond: null } });
  });
});
