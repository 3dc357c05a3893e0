import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { testConfig } from '../harness.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from './helpers.ts';
import { Deliveries, ReplayDelivery, UpdateWebhookEndpoint, WebhookEndpointQ } from './ops.ts';

const Events = `query($filter: EventFilter) { events(filter: $filter, first: 50) { edges { node { type data } } } }`;

// Three quick retries; an endpoint failing for 2.2 s without a success is disabled.
const ENV = webhookEnv('wh-delivery-error', { KEYPLANE_WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms', KEYPLANE_WEBHOOK_DISABLE_AFTER_HOURS: '0.0006' });

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: ENV });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await Promise.all(receivers.map((r) => r.close()));
  await server.close();
  await dropRedisNamespace(server.config);
});

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function deliveries(token: string, endpointId: string) {
  return (await gql(server, token, Deliveries, { filter: { endpointId } })).data!.deliveries.edges.map((e) => e.node);
}

describe('failing deliveries', () => {
  it('gives up after the retry schedule, logging every attempt', async () => {
    const org = await seedOrg(server);
    const r = await receiver((_req, res) => res.writeHead(500).end('boom'));
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Never lands', kind: 'HUMAN' } });
    const [d] = await waitFor(async () => {
      const list = await deliveries(org.token, webhookEndpoint.id);
      return list[0]?.status === 'FAILED' ? list : null;
    }, 'the delivery to fail');
    expect(d).toMatchObject({ attemptCount: 4, lastStatusCode: 500, lastError: 'HTTP 500', nextAttemptAt: null });
    expect(d!.attempts.map((a) => [a.attempt, a.statusCode, a.success, a.responseExcerpt])).toEqual([
      [1, 500, false, 'boom'],
      [2, 500, false, 'boom'],
      [3, 500, false, 'boom'],
      [4, 500, false, 'boom'],
    ]);
    expect(new Set(r.hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    const endpoint = (await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!;
    expect(endpoint.enabled).toBe(true);
    expect(endpoint.failingSince).not.toBeNull();

    // A replay of a failed delivery starts a new round; the receiver has recovered meanwhile.
    const ok = await receiver();
    success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, url: ok.url } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    success((await gql(server, org.token, ReplayDelivery, { input: { id: d!.id } })).data?.replayDelivery, 'ReplayDeliverySuccess');
    await waitFor(async () => (await deliveries(org.token, webhookEndpoint.id))[0]?.status === 'SUCCEEDED', 'the replay');
    expect(ok.hits[0]!.headers['webhook-id']).toBe(r.hits[0]!.headers['webhook-id']);
    const healed = (await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!;
    expect(healed.failingSince).toBeNull();
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target is never called', async () => {
    const org = await seedOrg(server);
    const target = await receiver();
    const r = await receiver((_req, res) => res.writeHead(307, { location: `${target.url}/elsewhere` }).end());
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Redirected', kind: 'HUMAN' } });
    const [d] = await waitFor(async () => {
      const list = await deliveries(org.token, webhookEndpoint.id);
      return list[0]?.status === 'FAILED' ? list : null;
    }, 'the delivery to give up');
    expect(d!.attempts.every((a) => a.statusCode === 307 && !a.success)).toBe(true);
    expect(target.hits).toHaveLength(0);
  });

  it('disables an endpoint that answers 410 Gone, with a webhook_endpoint.disabled event', async () => {
    const org = await seedOrg(server);
    const r = await receiver((_req, res) => res.writeHead(410).end());
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'], kind: 'ZAPIER' });
    await gql(server, org.token, CreateUser, { input: { name: 'Zap turned off', kind: 'HUMAN' } });
    const endpoint = await waitFor(async () => {
      const e = (await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!;
      return e.enabled ? null : e;
    }, 'the endpoint to be disabled');
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'GONE' });
    expect(r.hits).toHaveLength(1);
    const [d] = await deliveries(org.token, webhookEndpoint.id);
    expect(d).toMatchObject({ status: 'FAILED', attemptCount: 1, lastStatusCode: 410 });
    const events = (await gql(server, org.token, Events, { filter: { types: ['webhook_endpoint.disabled'] } })).data as any;
    expect(events.events.edges.map((e: any) => e.node.data)).toEqual([
      expect.objectContaining({
        webhookEndpoint: expect.objectContaining({ id: webhookEndpoint.id, enabled: false, disabledReason: 'GONE' }),
        reason: 'the receiver answered 410 Gone',
      }),
    ]);
    // The organisation's admins are notified, naming the endpoint and why, not its URL.
    const notes = (await gql(server, org.token, `{ notifications(first: 10) { edges { node { type title reason webhookEndpointId } } } }`)).data as {
      notifications: { edges: { node: { type: string; title: string; reason: string; webhookEndpointId: string } }[] };
    };
    const note = notes.notifications.edges.map((e) => e.node).find((n) => n.type === 'webhook_endpoint.disabled');
    expect(note).toEqual({
      type: 'webhook_endpoint.disabled',
      title: `Webhook endpoint ${webhookEndpoint.id} was disabled: the receiver answered 410 Gone`,
      reason: 'the receiver answered 410 Gone',
      webhookEndpointId: webhookEndpoint.id,
    });
    expect(JSON.stringify(note)).not.toContain(r.url);

    // Nothing more is sent to it, and a replay is refused until it is enabled again.
    await gql(server, org.token, CreateUser, { input: { name: 'Not sent', kind: 'HUMAN' } });
    await new Promise((res) => setTimeout(res, 600));
    expect(r.hits).toHaveLength(1);
    expect(await deliveries(org.token, webhookEndpoint.id)).toHaveLength(1);
    const replay = await gql(server, org.token, ReplayDelivery, { input: { id: d!.id } });
    expect(replay.data!.replayDelivery).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
  });

  it('disables an endpoint that has failed for longer than the configured time', async () => {
    const org = await seedOrg(server);
    const r = await receiver((_req, res) => res.writeHead(503).end());
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'First failure', kind: 'HUMAN' } });
    await waitFor(async () => (await deliveries(org.token, webhookEndpoint.id))[0]?.status === 'FAILED', 'the first delivery to give up');
    await waitFor(() => Date.now() - r.hits[0]!.at > 2300 || null, 'the failure window to pass', 5000);
    expect((await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!.enabled).toBe(true);

    await gql(server, org.token, CreateUser, { input: { name: 'Last straw', kind: 'HUMAN' } });
    const endpoint = await waitFor(async () => {
      const e = (await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!;
      return e.enabled ? null : e;
    }, 'the endpoint to be disabled');
    expect(endpoint.disabledReason).toBe('FAILING');
    const list = await deliveries(org.token, webhookEndpoint.id);
    expect(list.map((d) => [d.status, d.attemptCount])).toEqual([
      ['FAILED', 4],
      ['FAILED', 1],
    ]);
    const events = (await gql(server, org.token, Events, { filter: { types: ['webhook_endpoint.disabled'] } })).data as any;
    expect(events.events.edges).toHaveLength(1);
  });

  it('refuses a loopback receiver again at delivery time when the workers do not allow it', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    // Same namespace, stricter workers: as if the URL had passed creation and then turned bad.
    await workers.close();
    workers = await startEventWorkers(testConfig({ ...ENV, KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'false' }));
    await gql(server, org.token, CreateUser, { input: { name: 'Refused', kind: 'HUMAN' } });
    const [d] = await waitFor(async () => {
      const list = await deliveries(org.token, webhookEndpoint.id);
      return list[0]?.attempts[0] && list[0].attempts[0].errorCode !== 'IN_FLIGHT' ? list : null;
    }, 'a refused attempt');
    expect(d!.attempts[0]).toMatchObject({ success: false, statusCode: null, errorCode: 'ESSRF' });
    expect(r.hits).toHaveLength(0);
    await workers.close();
    workers = await startEventWorkers(server.config);
  });
});

describe('delivery and endpoint input errors', () => {
  it('names the offending fields', async () => {
    const org = await seedOrg(server);
    const bad = await gql(
      server,
      org.token,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename ... on ValidationError { fields { path } } } }`,
      {
        input: { url: 'http://127.0.0.1:9/x', eventTypes: ['api_key.created', 'api_key.exploded', 'nope.*'], description: 'd'.repeat(501) },
      },
    );
    expect((bad.data as any).createWebhookEndpoint.fields.map((f: any) => f.path)).toEqual(['input.description']);
    const types = await gql(
      server,
      org.token,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename ... on ValidationError { fields { path } } } }`,
      {
        input: { url: 'http://127.0.0.1:9/x', eventTypes: ['api_key.created', 'api_key.exploded'] },
      },
    );
    expect((types.data as any).createWebhookEndpoint.fields.map((f: any) => f.path)).toEqual(['input.eventTypes.1']);

    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/x' });
    const overlapAlone = await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, secretOverlapSeconds: 60 } });
    expect(overlapAlone.data!.updateWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.secretOverlapSeconds' }] });
    const tooLong = await gql(server, org.token, UpdateWebhookEndpoint, {
      input: { id: webhookEndpoint.id, rotateSecret: true, secretOverlapSeconds: 8 * 24 * 3600 },
    });
    expect(tooLong.data!.updateWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.secretOverlapSeconds' }] });
    expect((await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: 'whe_doesNotExist000000' } })).data!.updateWebhookEndpoint.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, org.token, ReplayDelivery, { input: { id: 'dlv_doesNotExist000000' } })).data!.replayDelivery.__typename).toBe('NotFoundError');
    const cursor = await gql(server, org.token, Deliveries, { after: 'not-a-cursor' });
    expect(cursor.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('refuses to replay a delivery that is still being attempted', async () => {
    const org = await seedOrg(server);
    let release: (() => void) | null = null;
    const r = await receiver((_req, res) => {
      release = () => res.end('ok');
    });
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Slow', kind: 'HUMAN' } });
    await waitFor(() => r.hits.length === 1, 'the request');
    const [d] = await deliveries(org.token, webhookEndpoint.id);
    expect(d!.status).toBe('PENDING');
    expect((await gql(server, org.token, ReplayDelivery, { input: { id: d!.id } })).data!.replayDelivery.__typename).toBe('ConflictError');
    (release as (() => void) | null)?.();
    await waitFor(async () => (await deliveries(org.token, webhookEndpoint.id))[0]?.status === 'SUCCEEDED', 'the delivery');
  });

  it('caps the endpoints of an organisation', async () => {
    const org = await seedOrg(server);
    // A type nothing here emits, so the hundred endpoints do not flood each other with deliveries.
    for (let i = 0; i < 100; i++) await createEndpoint(server, org.token, { url: `http://127.0.0.1:9/${i}`, eventTypes: ['role.deleted'] });
    const res = await gql(server, org.token, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename } }`, {
      input: { url: 'http://127.0.0.1:9/101' },
    });
    expect((res.data as any).createWebhookEndpoint.__typename).toBe('ConflictError');
  });
});
