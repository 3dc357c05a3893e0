import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, CreateUser, UpdateUser } from '../ops.ts';
import { dropRedisNamespace, startEventWorkers, waitFor, webhookEnv } from '../webhooks/helpers.ts';
import { outboxDrained, sseSubscribe, subscribersOn, wsSubscribe, type Sub } from './helpers.ts';

const RevokeKey = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename } }`;

let a: TestServer;
let b: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const subs: Sub[] = [];

beforeAll(async () => {
  const env = webhookEnv('sub-security');
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

async function listening(server: TestServer, organizationId: string) {
  await waitFor(async () => (await subscribersOn(server, organizationId)) >= 1, 'the replica to listen');
  await new Promise((r) => setTimeout(r, 200));
}

const names = (s: Sub) => s.received.map((r) => (r.data?.keyEvents.data as any)?.user?.name).filter(Boolean);

describe('keyEvents isolation', () => {
  it('never shows organisation B the events of organisation A, on either transport', async () => {
    const orgA = await seedOrg(a);
    const orgB = await seedOrg(a);
    await waitFor(async () => (await outboxDrained(a, orgA.organizationId)) && outboxDrained(a, orgB.organizationId), 'bootstrap events relayed');
    const ws = track(wsSubscribe(b, orgB.token));
    const sse = track(sseSubscribe(b, orgB.token));
    await listening(b, orgB.organizationId);

    await gql(a, orgA.token, CreateUser, { input: { name: 'A secret hire', kind: 'HUMAN' } });
    await gql(a, orgB.token, CreateUser, { input: { name: 'B own hire', kind: 'HUMAN' } });
    for (const s of [ws, sse]) await waitFor(() => names(s).includes('B own hire'), 'B’s own event');
    await new Promise((r) => setTimeout(r, 300));
    for (const s of [ws, sse]) {
      expect(names(s)).toEqual(['B own hire']);
      expect(s.received.every((r) => r.data?.keyEvents.organizationId === orgB.organizationId)).toBe(true);
    }
  });

  it('keeps sub-account events from an agency key without a sub-account grant', async () => {
    const org = await seedOrg(a);
    const sub = success(
      (await gql(a, org.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const plain = await userWithKey(a, org.token, org.organizationId, ['events:read'], { subAccounts: { mode: 'NONE' } });
    await waitFor(() => outboxDrained(a, org.organizationId), 'earlier events relayed');
    const s = track(wsSubscribe(b, plain.token));
    await listening(b, org.organizationId);
    await gql(a, org.token, CreateUser, { input: { name: 'In the location', kind: 'HUMAN', organizationId: sub.id } });
    await gql(a, org.token, CreateUser, { input: { name: 'At the agency', kind: 'HUMAN' } });
    await waitFor(() => names(s).includes('At the agency'), 'the agency event');
    await new Promise((r) => setTimeout(r, 300));
    expect(names(s)).toEqual(['At the agency']);
  });

  it('refuses a key without events:read', async () => {
    const org = await seedOrg(a);
    const weak = await userWithKey(a, org.token, org.organizationId, ['users:read']);
    for (const s of [track(wsSubscribe(b, weak.token)), track(sseSubscribe(b, weak.token))]) {
      await waitFor(() => s.received.length > 0, 'the refusal');
      expect(s.received[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(s.received.some((r) => r.data?.keyEvents)).toBe(false);
    }
  });

  it('refuses a graphql-ws connection without a valid key', async () => {
    const s = track(wsSubscribe(b, 'kp_sk_not_a_real_token'));
    await s.done;
    expect(s.received.some((r) => r.data?.keyEvents)).toBe(false);
    expect(JSON.stringify(s.received)).toMatch(/4401|Unauthorized/);
  });
});

describe('keyEvents ends when the key stops authorising it', () => {
  it('closes both transports when the key is revoked', async () => {
    const org = await seedOrg(a);
    const watcher = await userWithKey(a, org.token, org.organizationId, ['events:read']);
    await waitFor(() => outboxDrained(a, org.organizationId), 'earlier events relayed');
    const ws = track(wsSubscribe(b, watcher.token));
    const sse = track(sseSubscribe(b, watcher.token));
    await listening(b, org.organizationId);
    await gql(a, org.token, CreateUser, { input: { name: 'Seen', kind: 'HUMAN' } });
    for (const s of [ws, sse]) await waitFor(() => names(s).includes('Seen'), 'an event before revocation');

    const revoked = Date.now();
    await gql(a, org.token, RevokeKey, { input: { id: watcher.apiKeyId } });
    for (const s of [ws, sse]) {
      await waitFor(() => s.completed, 'the subscription to end', 10_000);
      const last = s.received.at(-1)!;
      expect(last.errors?.[0]).toMatchObject({ message: expect.stringContaining('Subscription closed'), extensions: { code: 'UNAUTHENTICATED' } });
    }
    expect(Date.now() - revoked).toBeLessThan(5000);
    await gql(a, org.token, CreateUser, { input: { name: 'After revocation', kind: 'HUMAN' } });
    await new Promise((r) => setTimeout(r, 500));
    for (const s of [ws, sse]) expect(names(s)).not.toContain('After revocation');
  });

  it('closes the subscription when the key’s user is disabled', async () => {
    const org = await seedOrg(a);
    const watcher = await userWithKey(a, org.token, org.organizationId, ['events:read']);
    await waitFor(() => outboxDrained(a, org.organizationId), 'earlier events relayed');
    const ws = track(wsSubscribe(b, watcher.token));
    await listening(b, org.organizationId);
    success((await gql(a, org.token, UpdateUser, { input: { id: watcher.user.id, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    await waitFor(() => ws.completed, 'the subscription to end', 10_000);
    expect(ws.received.at(-1)!.errors?.[0]?.message).toContain('user is disabled');
  });
});
