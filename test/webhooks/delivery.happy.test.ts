import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, webhookHeaders, type HookReceiver } from './helpers.ts';
import { Deliveries, ReplayDelivery, UpdateWebhookEndpoint } from './ops.ts';

const CreateKey = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { apiKey { id } } ... on Error { message } } }`;

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('wh-delivery-happy') });
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

async function deliveriesOf(token: string, endpointId: string) {
  const res = await gql(server, token, Deliveries, { filter: { endpointId } });
  return res.data!.deliveries.edges.map((e) => e.node);
}

describe('webhook deliveries', () => {
  it('delivers a created key to a receiver, signed so the standardwebhooks verifier accepts it', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: `${r.url}/hooks`, eventTypes: ['api_key.*'] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const created = await gql(server, org.token, CreateKey, { input: { name: 'ci deploy' } });
    const apiKeyId = (created.data as any).createApiKey.apiKey.id as string;

    const hit = await waitFor(() => r.hits.find((h) => JSON.parse(h.body).data?.apiKey?.id === apiKeyId), 'the api_key.created webhook');
    const verified = new Webhook(secret).verify(hit.body, webhookHeaders(hit)) as any;
    expect(verified).toMatchObject({ type: 'api_key.created', organizationId: org.organizationId, data: { apiKey: { id: apiKeyId } } });
    expect(hit.headers['webhook-id']).toBe(verified.id);
    expect(hit.path).toBe('/hooks');
    // The endpoint's own creation event is not an api_key.* event.
    expect(r.hits.every((h) => JSON.parse(h.body).type.startsWith('api_key.'))).toBe(true);

    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      return list.length && list[0]!.status === 'SUCCEEDED' ? list : null;
    }, 'the delivery to be logged');
    expect(d).toMatchObject({ webhookId: verified.id, eventId: verified.id, eventType: 'api_key.created', attemptCount: 1, lastStatusCode: 200, round: 0 });
    expect(d!.event).toMatchObject({ id: verified.id, type: 'api_key.created', keyId: apiKeyId });
    expect(d!.attempts).toHaveLength(1);
    expect(d!.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, success: true, responseExcerpt: 'ok', errorCode: null });
    expect(JSON.stringify(r.hits)).not.toContain(secret);
  });

  it('sends only the event types an endpoint asks for, and every type for an empty list', async () => {
    const org = await seedOrg(server);
    const users = await receiver();
    const all = await receiver();
    await createEndpoint(server, org.token, { url: users.url, eventTypes: ['user.created'] });
    await createEndpoint(server, org.token, { url: all.url });
    success((await gql(server, org.token, CreateUser, { input: { name: 'Ada', kind: 'HUMAN' } })).data?.createUser, 'CreateUserSuccess');
    await gql(server, org.token, CreateKey, { input: { name: 'after the user' } });

    await waitFor(() => all.hits.some((h) => JSON.parse(h.body).type === 'api_key.created'), 'the key event at the catch-all endpoint');
    await waitFor(() => users.hits.length > 0, 'the user event');
    // Deliveries run concurrently, so arrival order is not promised (receivers order by the
    // event's occurredAt); what counts is that the filtered endpoint got the user event only.
    await waitFor(() => all.hits.some((h) => JSON.parse(h.body).type === 'user.created'), 'the user event at the catch-all endpoint');
    expect(users.hits.map((h) => JSON.parse(h.body).type)).toEqual(['user.created']);
    const types = all.hits.map((h) => JSON.parse(h.body).type);
    expect(types).toEqual(expect.arrayContaining(['webhook_endpoint.created', 'user.created', 'api_key.created']));
  });

  it('retries a receiver that is down, and delivers once when it is back', async () => {
    const org = await seedOrg(server);
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close(); // nothing listens there now
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: `http://127.0.0.1:${port}/in`, eventTypes: ['user.created'] });
    success((await gql(server, org.token, CreateUser, { input: { name: 'Down then up', kind: 'HUMAN' } })).data?.createUser, 'CreateUserSuccess');

    const [failed] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      // An attempt is on record from the moment it is sent (IN_FLIGHT) until its answer.
      return list[0]?.attempts[0] && list[0].attempts[0].errorCode !== 'IN_FLIGHT' ? list : null;
    }, 'a failed first attempt');
    expect(failed!.status).toBe('PENDING');
    expect(failed!.attempts[0]).toMatchObject({ success: false, statusCode: null, errorCode: 'ECONNREFUSED' });

    const up = await startReceiver(undefined, port);
    receivers.push(up);
    const [done] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      return list[0]?.status === 'SUCCEEDED' ? list : null;
    }, 'delivery after the receiver came back');
    expect(up.hits).toHaveLength(1);
    const hit = up.hits[0]!;
    expect(new Webhook(secret).verify(hit.body, webhookHeaders(hit))).toMatchObject({ type: 'user.created' });
    expect(hit.headers['webhook-id']).toBe(done!.webhookId);
    expect(done!.attemptCount).toBeGreaterThanOrEqual(2);
    expect(done!.attempts.at(-1)).toMatchObject({ success: true, statusCode: 200 });
    await new Promise((r) => setTimeout(r, 800)); // longer than the retry schedule: no second copy
    expect(up.hits).toHaveLength(1);
  });

  it('honours Retry-After on 503 and logs every attempt with a bounded excerpt', async () => {
    const org = await seedOrg(server);
    let n = 0;
    const r = await receiver((_req, res) => {
      if (n++ === 0) res.writeHead(503, { 'retry-after': '2' }).end('x'.repeat(5000));
      else res.writeHead(204).end();
    });
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Patience', kind: 'HUMAN' } });
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      return list[0]?.status === 'SUCCEEDED' ? list : null;
    }, 'delivery after Retry-After');
    const [first, second] = d!.attempts;
    expect(first).toMatchObject({ statusCode: 503, success: false });
    expect(first!.responseExcerpt!.length).toBe(1024);
    expect(second).toMatchObject({ statusCode: 204, success: true });
    // The schedule says 300 ms; the receiver asked for 2 s.
    expect(r.hits[1]!.at - r.hits[0]!.at).toBeGreaterThanOrEqual(1900);
    expect(r.hits[0]!.headers['webhook-id']).toBe(r.hits[1]!.headers['webhook-id']);
  });

  it('replays a delivery with the same webhook-id and a fresh signature', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.*'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Twice', kind: 'HUMAN' } });
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      return list[0]?.status === 'SUCCEEDED' ? list : null;
    }, 'the first delivery');

    const replay = success((await gql(server, org.token, ReplayDelivery, { input: { id: d!.id } })).data?.replayDelivery, 'ReplayDeliverySuccess');
    expect(replay.delivery).toMatchObject({ id: d!.id, status: 'PENDING', round: 1, webhookId: d!.webhookId });
    await waitFor(() => r.hits.length === 2, 'the replayed request');
    expect(r.hits[1]!.headers['webhook-id']).toBe(r.hits[0]!.headers['webhook-id']);
    expect(r.hits[1]!.body).toBe(r.hits[0]!.body);
    expect(new Webhook(secret).verify(r.hits[1]!.body, webhookHeaders(r.hits[1]!))).toMatchObject({ type: 'user.created' });
    const [after] = await waitFor(async () => {
      const list = await deliveriesOf(org.token, webhookEndpoint.id);
      return list[0]?.status === 'SUCCEEDED' && list[0].attemptCount === 2 ? list : null;
    }, 'the replay to be logged');
    expect(after!.attempts.map((a) => [a.attempt, a.round, a.success])).toEqual([
      [1, 0, true],
      [2, 1, true],
    ]);
  });

  it('signs with both secrets during a rotation overlap, then with the new one only', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { secret: oldSecret, webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    const rotated = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, rotateSecret: true, secretOverlapSeconds: 3600 } })).data
        ?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    const newSecret = rotated.secret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.webhookEndpoint.previousSecretExpiresAt!)).toBeGreaterThan(Date.now() + 3500_000);

    await gql(server, org.token, CreateUser, { input: { name: 'Overlap', kind: 'HUMAN' } });
    const hit = await waitFor(() => r.hits[0], 'the delivery during the overlap');
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(hit.body, webhookHeaders(hit))).toMatchObject({ type: 'user.created' });
    expect(new Webhook(newSecret).verify(hit.body, webhookHeaders(hit))).toMatchObject({ type: 'user.created' });

    const again = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, rotateSecret: true, secretOverlapSeconds: 0 } })).data
        ?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    await gql(server, org.token, CreateUser, { input: { name: 'No overlap', kind: 'HUMAN' } });
    const next = await waitFor(() => r.hits[1], 'the delivery after the second rotation');
    expect(String(next.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(again.secret!).verify(next.body, webhookHeaders(next))).toMatchObject({ type: 'user.created' });
    expect(() => new Webhook(newSecret).verify(next.body, webhookHeaders(next))).toThrow();
  });

  it('sends sub-account events to an agency endpoint only when it includes sub-accounts', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'Location 1' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    );
    const subId = sub.organization.id;
    const own = await receiver();
    const tree = await receiver();
    await createEndpoint(server, org.token, { url: own.url, eventTypes: ['user.created'] });
    await createEndpoint(server, org.token, { url: tree.url, eventTypes: ['user.created'], includeSubAccounts: true });
    await gql(server, org.token, CreateUser, { input: { name: 'In the sub-account', kind: 'HUMAN', organizationId: subId } });
    await gql(server, org.token, CreateUser, { input: { name: 'In the agency', kind: 'HUMAN' } });
    await waitFor(() => tree.hits.length === 2 && own.hits.length === 1, 'both deliveries');
    // Two events, two concurrent deliveries: either may arrive first.
    expect(tree.hits.map((h) => JSON.parse(h.body).organizationId).sort()).toEqual([subId, org.organizationId].sort());
    expect(JSON.parse(own.hits[0]!.body).organizationId).toBe(org.organizationId);
  });
});
