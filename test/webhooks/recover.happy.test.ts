import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, ownerSql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from './helpers.ts';
import { Deliveries, Recover } from './ops.ts';

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
let down = true;
let receiver: HookReceiver;

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('wh-recover') });
  workers = await startEventWorkers(server.config);
  receiver = await startReceiver((_req, res) => {
    res.statusCode = down ? 503 : 200;
    res.end(down ? 'down' : 'ok');
  });
});
afterAll(async () => {
  await workers.close();
  await receiver.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

describe('recoverDeliveries', () => {
  it('re-sends exactly the failed deliveries since a time, keeping their webhook-ids', async () => {
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: `${receiver.url}/in`, eventTypes: ['user.created'] });
    for (const name of ['old', 'a', 'b', 'c'])
      success((await gql(server, org.token, CreateUser, { input: { name, kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess');
    const list = async () =>
      (await gql(server, org.token, Deliveries, { filter: { endpointId: webhookEndpoint.id }, first: 50 })).data!.deliveries.edges.map((e) => e.node);
    let last: unknown = null;
    const failed = await waitFor(
      async () => {
        const l = await list();
        last = l.map((d) => [d.status, d.attemptCount, d.lastError]);
        return l.length === 4 && l.every((d) => d.status === 'FAILED') ? l : null;
        // Four attempts each at 300 ms apart, unless a loaded machine stalls a job past its 2 s lock
        // (BullMQ's own backoff then takes over): a generous bound, not a timing claim.
      },
      'four failed deliveries (the receiver is down)',
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}`);
    });
    // One failed before the outage being recovered from: it stays as it is.
    const old = failed.find((d) => (d.event?.data as { user?: { name?: string } } | undefined)?.user?.name === 'old')!;
    await ownerSql(`update delivery set created_at = now() - interval '2 days' where id = $1`, [old.id]);
    const since = new Date(Date.now() - 3600_000).toISOString();

    down = false;
    const hitsBefore = receiver.hits.length;
    // In two calls: a limit of 2, then the rest.
    const first = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since, limit: 2 } });
    expect(first.data?.recoverDeliveries).toEqual({
      __typename: 'RecoverDeliveriesSuccess',
      recovered: 2,
      hasMore: true,
      webhookEndpoint: { id: webhookEndpoint.id },
    });
    const rest = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since } });
    expect(rest.data?.recoverDeliveries).toMatchObject({ recovered: 1, hasMore: false });
    const bad = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since, limit: 0 } });
    expect(bad.data?.recoverDeliveries).toMatchObject({ __typename: 'ValidationError' });

    const after = await waitFor(
      async () => {
        const l = await list();
        return l.filter((d) => d.status === 'SUCCEEDED').length === 3 ? l : null;
      },
      'the three recovered deliveries to succeed',
      60_000,
    );
    expect(after.find((d) => d.id === old.id)).toMatchObject({ status: 'FAILED', round: 0 });
    for (const d of after.filter((x) => x.id !== old.id)) expect(d).toMatchObject({ status: 'SUCCEEDED', round: 1 });
    const resent = receiver.hits.slice(hitsBefore).map((h) => String(h.headers['webhook-id']));
    expect(resent.sort()).toEqual(
      failed
        .filter((d) => d.id !== old.id)
        .map((d) => d.webhookId)
        .sort(),
    );

    // Nothing failed is left since then: a second call recovers none.
    const again = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since } });
    expect(again.data?.recoverDeliveries).toMatchObject({ recovered: 0, hasMore: false });
    const audit = await ownerSql<{ n: number }>(`select count(*)::int as n from audit_entry where action = 'delivery.recover' and target_id = $1`, [
      webhookEndpoint.id,
    ]);
    expect(audit[0]!.n).toBe(3);
  }, 150_000);

  it('answers a typed error for a future since, a disabled endpoint and an unknown one', async () => {
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: `${receiver.url}/in`, eventTypes: ['user.created'] });
    const future = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since: new Date(Date.now() + 3600_000).toISOString() } });
    expect(future.data?.recoverDeliveries).toMatchObject({ __typename: 'ValidationError' });
    const unknown = await gql(server, org.token, Recover, { input: { endpointId: 'whe_AAAAAAAAAAAAAAAAAAAA', since: new Date().toISOString() } });
    expect(unknown.data?.recoverDeliveries).toMatchObject({ __typename: 'NotFoundError' });
    await gql(server, org.token, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { __typename } }`, { id: webhookEndpoint.id });
    const disabled = await gql(server, org.token, Recover, { input: { endpointId: webhookEndpoint.id, since: new Date().toISOString() } });
    expect(disabled.data?.recoverDeliveries).toMatchObject({ __typename: 'ConflictError' });
  });
});
