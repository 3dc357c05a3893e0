import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { CreateUser } from '../../../test/ops.js';
import {
  dropRedisNamespace,
  startEventWorkers,
  startReceiver,
  waitFor,
  webhookEnv,
  webhookHeaders,
  type Hit,
  type HookReceiver,
} from '../../../test/webhooks/helpers.js';
import { makeKey } from '../../../test/expiry/helpers.js';
import { sweepExpiry } from '../../../src/modules/expiry/expiry-sweep.service.js';
import type { Subscription } from '../src/triggers/events.js';
import { appTester, authData, integrationKey, hookOf } from './helpers.js';
import { OwnerCreateKey, OwnerEndpoints, OwnerRevokeKey, OwnerRotateKey } from './ops.js';

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('zapier-triggers-happy') });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await Promise.all(receivers.map((r) => r.close()));
  await server.close();
  await dropRedisNamespace(server.config);
});

/** A local server standing in for hooks.zapier.com. */
async function zapierHooks(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

/** Zapier hands a hook's headers to `perform` as `Http-Webhook-Id` and so on. */
function asZapierRawRequest(hit: Hit) {
  const headers = Object.fromEntries(
    Object.entries(hit.headers).map(([k, v]) => [`Http-${k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())}`, String(v)]),
  );
  return { method: 'POST' as const, querystring: '', headers, content: hit.body };
}

type TriggerKey = 'new_api_key' | 'api_key_rotated' | 'api_key_revoked' | 'api_key_expiring_soon' | 'api_key_expired' | 'new_user';
const op = (key: TriggerKey) => hookOf(key);

async function subscribe(key: TriggerKey, auth: ReturnType<typeof authData>, targetUrl: string) {
  return (await appTester(op(key).performSubscribe as never, { authData: auth, targetUrl })) as Subscription;
}

/** Waits for the hook to receive an event matching `match`, checks it with the official verifier and runs `perform` on it as Zapier would. */
async function deliveredAndPerformed(key: TriggerKey, hook: HookReceiver, sub: Subscription, auth: ReturnType<typeof authData>, match: (e: any) => boolean) {
  const hit = await waitFor(() => hook.hits.find((h) => match(JSON.parse(h.body))), `the ${key} event at the hook URL`);
  const verified = new Webhook(sub.secret).verify(hit.body, webhookHeaders(hit)) as Record<string, unknown>;
  const results = await appTester(op(key).perform as never, {
    authData: auth,
    subscribeData: sub as never,
    rawRequest: asZapierRawRequest(hit),
    cleanedRequest: JSON.parse(hit.body),
  });
  expect(results).toEqual([verified]);
  return { hit, event: verified as { id: string; type: string; organizationId: string; data: any } };
}

async function endpointsOf(token: string) {
  return (await gql(server, token, OwnerEndpoints, { filter: {} })).data!.webhookEndpoints.edges.map((e) => e.node);
}

describe('REST-hook triggers against a running Keyplane', () => {
  it('New API Key: subscribe → a key is created → the signed event reaches the hook URL → perform returns it → unsubscribe', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const hook = await zapierHooks();
    const targetUrl = `${hook.url}/hooks/standard/1234/abcd`;

    const sub = await subscribe('new_api_key', auth, targetUrl);
    expect(sub).toEqual({ id: expect.stringMatching(/^whe_/), secret: expect.stringMatching(/^whsec_/) });
    expect(await endpointsOf(org.token)).toEqual([
      { id: sub.id, kind: 'ZAPIER', url: targetUrl, eventTypes: ['api_key.created'], enabled: true, disabledReason: null },
    ]);

    const created = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'Slack bot' } })).data?.createApiKey, 'CreateApiKeySuccess');
    const { hit, event } = await deliveredAndPerformed('new_api_key', hook, sub, auth, (e) => e.data?.apiKey?.id === created.apiKey.id);
    expect(event).toMatchObject({
      type: 'api_key.created',
      organizationId: org.organizationId,
      data: { apiKey: { name: 'Slack bot', keyId: created.apiKey.keyId } },
    });
    expect(hit.path).toBe('/hooks/standard/1234/abcd');
    expect(hit.body).not.toContain(created.token);
    // Only the subscribed type reaches the Zap (not the endpoint's own webhook_endpoint.created).
    expect(hook.hits.map((h) => JSON.parse(h.body).type)).toEqual(['api_key.created']);

    expect(await appTester(op('new_api_key').performUnsubscribe as never, { authData: auth, subscribeData: sub as never })).toEqual({ id: sub.id });
    expect(await endpointsOf(org.token)).toEqual([]);

    // A key created after the Zap was turned off is relayed to nobody.
    const later = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'after unsubscribe' } })).data?.createApiKey, 'CreateApiKeySuccess');
    const em = server.app.orm.em.fork();
    await waitFor(async () => {
      const [row] = await em.execute<{ relayed_at: Date | null }[]>(`select relayed_at from event where key_id = ? and type = 'api_key.created'`, [
        later.apiKey.id,
      ]);
      return row?.relayed_at ?? null;
    }, 'the later event to be relayed');
    const [{ n }] = await em.execute<{ n: string }[]>('select count(*) as n from delivery where endpoint_id = ?', [sub.id]);
    expect(Number(n)).toBe(1);
    expect(hook.hits).toHaveLength(1);
  });

  it('API Key Rotated and API Key Revoked deliver their events with the key, grace period and reason', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const hook = await zapierHooks();
    const rotatedSub = await subscribe('api_key_rotated', auth, `${hook.url}/rotated`);
    const revokedSub = await subscribe('api_key_revoked', auth, `${hook.url}/revoked`);

    const key = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'CI deploy' } })).data?.createApiKey, 'CreateApiKeySuccess');
    expect((await gql(server, org.token, OwnerRotateKey, { input: { id: key.apiKey.id, gracePeriodSeconds: 600 } })).data?.rotateApiKey.__typename).toBe(
      'RotateApiKeySuccess',
    );
    expect((await gql(server, org.token, OwnerRevokeKey, { input: { id: key.apiKey.id, reason: 'laptop stolen' } })).data?.revokeApiKey.__typename).toBe(
      'RevokeApiKeySuccess',
    );

    const rotated = await deliveredAndPerformed('api_key_rotated', hook, rotatedSub, auth, (e) => e.type === 'api_key.rotated');
    expect(rotated.event.data).toMatchObject({
      apiKey: { id: key.apiKey.id, name: 'CI deploy' },
      gracePeriodSeconds: 600,
      previousSecretExpiresAt: expect.any(String),
    });
    const revoked = await deliveredAndPerformed('api_key_revoked', hook, revokedSub, auth, (e) => e.type === 'api_key.revoked');
    expect(revoked.event.data).toMatchObject({ apiKey: { id: key.apiKey.id, status: 'REVOKED' }, reason: 'laptop stolen' });
    expect(hook.hits.map((h) => `${h.path} ${JSON.parse(h.body).type}`).sort()).toEqual(['/revoked api_key.revoked', '/rotated api_key.rotated']);
  });

  it('New User delivers user.created', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const hook = await zapierHooks();
    const sub = await subscribe('new_user', auth, `${hook.url}/users`);
    const user = success(
      (await gql(server, org.token, CreateUser, { input: { name: 'Grace Hopper', email: 'grace@example.com' } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    const { event } = await deliveredAndPerformed('new_user', hook, sub, auth, (e) => e.data?.user?.id === user.id);
    expect(event).toMatchObject({ type: 'user.created', data: { user: { name: 'Grace Hopper', email: 'grace@example.com', kind: 'HUMAN' } } });
  });

  it('API Key Expiring Soon and API Key Expired deliver what the inactivity sweep decides', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const hook = await zapierHooks();
    const soonSub = await subscribe('api_key_expiring_soon', auth, `${hook.url}/soon`);
    const expiredSub = await subscribe('api_key_expired', auth, `${hook.url}/expired`);
    const now = new Date();
    const idle = await makeKey(server, org, { lastActivityAt: new Date(now.getTime() - 80 * 86_400_000), name: 'idle 80 days' });
    const dead = await makeKey(server, org, { lastActivityAt: new Date(now.getTime() - 100 * 86_400_000), name: 'idle 100 days' });
    const swept = await sweepExpiry({ orm: server.app.orm, invalidate: server.app.deps.invalidate }, { now, organizationId: org.organizationId });
    expect(swept).toMatchObject({ warned: 1, expired: 1 });

    const soon = await deliveredAndPerformed('api_key_expiring_soon', hook, soonSub, auth, (e) => e.data?.apiKey?.id === idle.id);
    expect(soon.event).toMatchObject({ type: 'api_key.expiring_soon', data: { apiKey: { name: 'idle 80 days' }, daysLeft: 10, reason: 'inactivity' } });
    const expired = await deliveredAndPerformed('api_key_expired', hook, expiredSub, auth, (e) => e.data?.apiKey?.id === dead.id);
    expect(expired.event).toMatchObject({ type: 'api_key.expired', data: { apiKey: { name: 'idle 100 days', status: 'EXPIRED' }, reason: 'inactivity' } });
  });

  it('performList reads recent real events of the type, newest first, shaped as deliveries are', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const names = ['first', 'second', 'third', 'fourth'];
    for (const name of names) success((await gql(server, org.token, OwnerCreateKey, { input: { name } })).data?.createApiKey, 'CreateApiKeySuccess');
    const listed = (await appTester(op('new_api_key').performList as never, { authData: auth })) as { id: string; type: string; data: any }[];
    expect(listed.map((e) => e.data.apiKey.name)).toEqual(['fourth', 'third', 'second']);
    expect(listed.every((e) => e.type === 'api_key.created' && /^evt_/.test(e.id))).toBe(true);
    expect(Object.keys(listed[0]!).sort()).toEqual(['data', 'id', 'occurredAt', 'organizationId', 'type']);
    // The sample has the same shape as live data.
    const sample = op('new_api_key').sample as { data: { apiKey: Record<string, unknown> } };
    expect(Object.keys(listed[0]!.data.apiKey).sort()).toEqual(Object.keys(sample.data.apiKey).sort());

    const users = (await appTester(op('new_user').performList as never, { authData: auth })) as { data: any }[];
    expect(users.map((e) => e.data.user.id)).toEqual([zap.user.id, org.userId]);
  });

  it('a 410 from the hook URL (the Zap is gone) disables the endpoint; unsubscribing still cleans it up', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const hook = await zapierHooks((_req, res) => res.writeHead(410).end('gone'));
    const sub = await subscribe('new_api_key', auth, `${hook.url}/gone`);
    success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'nobody listens' } })).data?.createApiKey, 'CreateApiKeySuccess');
    const [endpoint] = await waitFor(async () => {
      const list = await endpointsOf(org.token);
      return list[0] && !list[0].enabled ? list : null;
    }, 'the endpoint to be disabled');
    expect(endpoint).toMatchObject({ id: sub.id, enabled: false, disabledReason: 'GONE' });
    expect(hook.hits).toHaveLength(1);
    expect(await appTester(op('new_api_key').performUnsubscribe as never, { authData: auth, subscribeData: sub as never })).toEqual({ id: sub.id });
    expect(await endpointsOf(org.token)).toEqual([]);
  });
});
