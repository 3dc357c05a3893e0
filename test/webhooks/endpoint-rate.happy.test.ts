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

describe('Webhook-No-Retry', () => {
  it('a receiver declines one message for good: no retry, the endpoint stays healthy and enabled', async () => {
    const org = await seedOrg(server);
    const declining = await startReceiver((_req, res) => {
      res.writeHead(422, { 'webhook-no-retry': 'true' }).end('cannot process this one');
    });
    try {
      const { webhookEndpoint } = await createEndpoint(server, org.token, { url: `${declining.url}/in`, eventTypes: ['user.created'] });
      success((await gql(server, org.token, CreateUser, { input: { name: 'declined', kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess');
      const conn = server.app.orm.em.fork().getConnection();
      const row = await waitFor(async () => {
        const [d] = await conn.execute<{ status: string; attempt_count: number; last_error: string }[]>(
          'select status, attempt_count, last_error from delivery where endpoint_id = ?',
          [webhookEndpoint.id],
        );
        return d?.status === 'FAILED' ? d : null;
      }, 'the declined delivery');
      expect(row).toMatchObject({ attempt_count: 1 });
      expect(row.last_error).toContain('Webhook-No-Retry');
      await new Promise((r) => setTimeout(r, 800)); // the retry schedule here is 300 ms: none comes
      expect(declining.hits).toHaveLength(1);
      const [e] = await conn.execute<{ enabled: boolean; failing_since: Date | null }[]>('select enabled, failing_since from webhook_endpoint where id = ?', [
        webhookEndpoint.id,
      ]);
      expect(e).toEqual({ enabled: true, failing_since: null });
    } finally {
      await declining.close();
    }
  });
});
