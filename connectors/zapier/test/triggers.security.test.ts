import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret, signPayload, buildHeaders } from '../../webhook/index.js';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from '../../../test/webhooks/helpers.js';
import type { Subscription } from '../src/triggers/events.js';
import { appTester, authData, failure, integrationKey, hookOf } from './helpers.js';
import { OwnerCreateKey, OwnerEndpoints } from './ops.js';

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('zapier-triggers-security') });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await Promise.all(receivers.map((r) => r.close()));
  await server.close();
  await dropRedisNamespace(server.config);
});

const newKey = hookOf('new_api_key');
const event = {
  id: 'evt_1aB2cD3eF4gH5iJ6kL7m',
  type: 'api_key.created',
  occurredAt: new Date().toISOString(),
  organizationId: 'org_x',
  data: { apiKey: { id: 'key_1' } },
};

/** A request as Zapier would hand it to perform, signed like Keyplane signs deliveries. */
function zapierRequest(opts: { secrets: string[]; body?: string; timestamp?: number; msgId?: string; dropHeaders?: string[] }) {
  const body = opts.body ?? JSON.stringify(event);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const msgId = opts.msgId ?? event.id;
  const h: Record<string, string> = { ...buildHeaders({ msgId, timestamp, signature: signPayload({ secrets: opts.secrets, msgId, timestamp, body }) }) };
  const headers = Object.fromEntries(
    Object.entries(h)
      .filter(([k]) => !opts.dropHeaders?.includes(k))
      .map(([k, v]) => [`Http-${k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())}`, v]),
  );
  return { method: 'POST' as const, headers, content: body };
}

function perform(subscribeData: Partial<Subscription> | undefined, rawRequest: ReturnType<typeof zapierRequest>) {
  return appTester(newKey.perform as never, { subscribeData: subscribeData as never, rawRequest, cleanedRequest: JSON.parse(rawRequest.content) });
}

describe('REST-hook perform refuses what Keyplane did not sign', () => {
  const secret = generateWebhookSecret();
  const sub = { id: 'whe_x', secret };

  it('accepts a correctly signed event (the control case), also during a secret rotation', async () => {
    expect(await perform(sub, zapierRequest({ secrets: [secret] }))).toEqual([event]);
    expect(await perform(sub, zapierRequest({ secrets: [generateWebhookSecret(), secret] }))).toEqual([event]);
  });

  it('halts on a tampered body, a foreign secret, missing headers, a stale or future timestamp, or no stored secret', async () => {
    const genuine = zapierRequest({ secrets: [secret] });
    const cases: [string, Partial<Subscription> | undefined, ReturnType<typeof zapierRequest>][] = [
      ['tampered body', sub, { ...genuine, content: genuine.content.replace('key_1', 'key_2') }],
      ['foreign secret', sub, zapierRequest({ secrets: [generateWebhookSecret()] })],
      ['no signature', sub, zapierRequest({ secrets: [secret], dropHeaders: ['webhook-signature'] })],
      ['no timestamp', sub, zapierRequest({ secrets: [secret], dropHeaders: ['webhook-timestamp'] })],
      ['stale timestamp', sub, zapierRequest({ secrets: [secret], timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })],
      ['future timestamp', sub, zapierRequest({ secrets: [secret], timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })],
      ['another message id', sub, { ...genuine, headers: { ...genuine.headers, 'Http-Webhook-Id': 'evt_other' } }],
      ['no stored secret', { id: 'whe_x' }, genuine],
      ['no subscription', undefined, genuine],
    ];
    for (const [name, subscribeData, request] of cases) {
      const f = await failure(perform(subscribeData, request));
      expect({ name, error: f.name }).toEqual({ name, error: 'HaltedError' });
      expect(f.message).toMatch(/not signed by Keyplane/);
    }
  });

  it('drops a signed event of another type than the trigger’s', async () => {
    const other = JSON.stringify({ ...event, type: 'api_key.revoked' });
    expect(await perform(sub, zapierRequest({ secrets: [secret], body: other }))).toEqual([]);
  });
});

describe('organisations stay apart', () => {
  it('a Zap of organisation A never receives or lists B’s events, and cannot unsubscribe B’s endpoint', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const authA = authData(server, (await integrationKey(server, a)).token);
    const authB = authData(server, (await integrationKey(server, b)).token);
    const hookA = await startReceiver();
    const hookB = await startReceiver();
    receivers.push(hookA, hookB);
    const subA = (await appTester(newKey.performSubscribe as never, { authData: authA, targetUrl: hookA.url })) as Subscription;
    const subB = (await appTester(newKey.performSubscribe as never, { authData: authB, targetUrl: hookB.url })) as Subscription;

    const keyB = success((await gql(server, b.token, OwnerCreateKey, { input: { name: 'B only' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;
    await waitFor(() => hookB.hits.find((h) => JSON.parse(h.body).data.apiKey.id === keyB.id), 'B’s event at B’s hook');
    const keyA = success((await gql(server, a.token, OwnerCreateKey, { input: { name: 'A only' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;
    await waitFor(() => hookA.hits.length > 0, 'A’s event at A’s hook');
    expect(hookA.hits.map((h) => JSON.parse(h.body).data.apiKey.id)).toEqual([keyA.id]);
    expect(hookA.hits.map((h) => JSON.parse(h.body).organizationId)).toEqual([a.organizationId]);

    const listed = (await appTester(newKey.performList as never, { authData: authA })) as { organizationId: string; data: any }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((e) => e.organizationId === a.organizationId)).toBe(true);
    expect(listed.map((e) => e.data.apiKey.id)).not.toContain(keyB.id);

    // B's endpoint is out of A's reach: the unsubscribe ends quietly and B's endpoint stays.
    await appTester(newKey.performUnsubscribe as never, { authData: authA, subscribeData: subB as never });
    const endpointsB = (await gql(server, b.token, OwnerEndpoints, { filter: {} })).data!.webhookEndpoints.edges.map((e) => e.node.id);
    expect(endpointsB).toEqual([subB.id]);
    expect(subA.id).not.toBe(subB.id);
  });
});
