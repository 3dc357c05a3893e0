import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, CreateUser } from '../ops.ts';
import { dropRedisNamespace, startEventWorkers, waitFor, webhookEnv } from '../webhooks/helpers.ts';
import { outboxDrained, sseSubscribe, subscribersOn, wsSubscribe, type Sub } from './helpers.ts';

const CreateKey = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { apiKey { id } } } }`;

// Two API replicas on one Redis, plus the workers (the relay publishes events).
let a: TestServer;
let b: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const subs: Sub[] = [];

beforeAll(async () => {
  const env = webhookEnv('sub-happy');
  a = await startTestServer({ config: env });
  b = await startTestServer({ config: env });
  workers = await startEventWorkers(a.config);
});
afterAll(async () => {
  subs.forEach((s) => s.stop());
  await workers.close();
  await Promise.all([a.close(), b.close()]);
  await dropRedisNamespace(a.config);
});

function track<S extends Sub>(s: S): S {
  subs.push(s);
  return s;
}

const types = (s: Sub) => s.received.map((r) => r.data?.keyEvents.type);

describe('keyEvents subscription', () => {
  it('reaches graphql-ws and SSE subscribers on one replica with events made through the other', async () => {
    const org = await seedOrg(a);
    await waitFor(() => outboxDrained(a, org.organizationId), 'the bootstrap events to be relayed');
    const ws = track(wsSubscribe(b, org.token));
    const sse = track(sseSubscribe(b, org.token));
    await waitFor(async () => (await subscribersOn(b, org.organizationId)) >= 1, 'replica B to listen');
    await new Promise((r) => setTimeout(r, 200));

    const user = success((await gql(a, org.token, CreateUser, { input: { name: 'Live', kind: 'HUMAN' } })).data?.createUser, 'CreateUserSuccess').user;
    for (const s of [ws, sse]) await waitFor(() => s.received.some((r) => r.data?.keyEvents.type === 'user.created'), 'the user.created event');
    for (const s of [ws, sse]) {
      const event = s.received.find((r) => r.data?.keyEvents.type === 'user.created')!.data!.keyEvents;
      expect(event).toMatchObject({ organizationId: org.organizationId, keyId: null, data: { user: { id: user.id, name: 'Live' } } });
      expect(event.id).toMatch(/^evt_/);
    }
  });

  it('filters by type and key, and includes the sub-accounts the key reaches', async () => {
    const org = await seedOrg(a);
    await waitFor(() => outboxDrained(a, org.organizationId), 'the bootstrap events to be relayed');
    const keyOnly = track(wsSubscribe(b, org.token, { filter: { types: ['api_key.*'] } }));
    const usersOnly = track(sseSubscribe(b, org.token, { filter: { types: ['user.created'] } }));
    await waitFor(async () => (await subscribersOn(b, org.organizationId)) >= 1, 'replica B to listen');
    await new Promise((r) => setTimeout(r, 200));

    const sub = success(
      (await gql(a, org.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    await gql(a, org.token, CreateUser, { input: { name: 'Below', kind: 'HUMAN', organizationId: sub.id } });
    const created = (await gql(a, org.token, CreateKey, { input: { name: 'watched' } })).data as any;
    const apiKeyId = created.createApiKey.apiKey.id as string;

    await waitFor(() => keyOnly.received.length >= 1 && usersOnly.received.length >= 1, 'both streams');
    await new Promise((r) => setTimeout(r, 300));
    expect(types(keyOnly)).toEqual(['api_key.created']);
    expect(keyOnly.received[0]!.data!.keyEvents.keyId).toBe(apiKeyId);
    expect(usersOnly.received.map((r) => r.data?.keyEvents.organizationId)).toEqual([sub.id]);

    const byKey = track(wsSubscribe(b, org.token, { filter: { keyId: apiKeyId } }));
    await new Promise((r) => setTimeout(r, 300));
    await gql(a, org.token, CreateKey, { input: { name: 'not watched' } });
    await gql(a, org.token, `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename } }`, { input: { id: apiKeyId } });
    await waitFor(() => byKey.received.length >= 1, 'the revoked event');
    await new Promise((r) => setTimeout(r, 300));
    expect(types(byKey)).toEqual(['api_key.revoked']);
  });
});
