import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { consoleSocket, mintLink, signIn } from '../console/session.ts';
import { waitFor } from '../webhooks/helpers.ts';
import { run } from './tree.ts';
import { testRedisPrefix } from '../context.ts';

/**
 * Finding 1 of the trust review: an open graphql-ws socket kept the rights it connected with.
 * Every operation on a socket now authenticates like an HTTP request, and a socket whose key,
 * user or console session is invalidated closes within a second, on every replica.
 */

let a: TestServer;
let b: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  // Two replicas sharing Redis (their own namespace): changes made through A reach sockets on B.
  const config = { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:sockets` };
  a = await startTestServer({ config });
  b = await startTestServer({ config });
});
afterAll(async () => {
  clients.forEach((c) => void c.dispose());
  await Promise.all([a.close(), b.close()]);
});

type Closed = { code: number; reason: string; at: number };

/** A real graphql-ws client; `closed` resolves with the close code and when it came. */
function socket(server: TestServer, connectionParams: Record<string, unknown>, make?: () => Client) {
  let resolveClosed!: (c: Closed) => void;
  const closed = new Promise<Closed>((r) => (resolveClosed = r));
  const client =
    make?.() ??
    createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
  client.on('closed', (e) => {
    const ev = e as { code: number; reason: string };
    resolveClosed({ code: ev.code, reason: String(ev.reason ?? ''), at: performance.now() });
  });
  clients.push(client);
  const op = <T = any>(query: string, variables: Record<string, unknown> = {}) =>
    new Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] } | { closed: unknown }>((resolve) => {
      let result: any;
      client.subscribe({ query, variables }, { next: (v) => (result = v), error: (e) => resolve({ closed: e }), complete: () => resolve(result) });
    });
  return { client, closed, op };
}

const LIST_KEYS = '{ apiKeys(first: 5) { edges { node { id } } } }';
const CREATE_KEY = 'mutation { createApiKey(input: { name: "from the socket" }) { __typename ... on CreateApiKeySuccess { apiKey { id } } } }';

async function keyWithSocket(
  server: TestServer,
  org: { token: string; organizationId: string },
  params: (token: string) => Record<string, unknown> = (t) => ({ authorization: `Bearer ${t}` }),
) {
  const k = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'users:read']);
  const s = socket(server, params(k.token));
  const first = await s.op(LIST_KEYS);
  expect(first).toMatchObject({ data: { apiKeys: { edges: expect.any(Array) } } });
  return { k, s };
}

/** Runs `change` and returns how long the socket took to close after it answered. */
async function closesAfter(s: ReturnType<typeof socket>, change: () => Promise<unknown>): Promise<Closed & { ms: number }> {
  await change();
  const answered = performance.now();
  const closed = await Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  expect(closed, 'the socket closes').not.toBeNull();
  return { ...closed!, ms: closed!.at - answered };
}

describe('finding 1: graphql-ws keeps the credentials it was opened with', () => {
  it('revoking the key closes its socket within 1 s (4401), on another replica too, and the key cannot connect again', async () => {
    const org = await seedOrg(a);
    for (const server of [a, b]) {
      const { k, s } = await keyWithSocket(server, org);
      const closed = await closesAfter(s, () =>
        run(a, org.token, `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }`, { id: k.apiKeyId }),
      );
      expect(closed.code).toBe(4401);
      expect(closed.ms).toBeLessThan(1000);
      const again = socket(server, { authorization: `Bearer ${k.token}` });
      expect((await again.closed).code).toBe(4401);
    }
  });

  it('rotating with no grace and deleting close the socket (4401)', async () => {
    const org = await seedOrg(a);
    const rotated = await keyWithSocket(b, org);
    const r = await closesAfter(rotated.s, () =>
      run(a, org.token, `mutation($id: ID!) { rotateApiKey(input: { id: $id, gracePeriodSeconds: 0 }) { __typename } }`, { id: rotated.k.apiKeyId }),
    );
    expect(r).toMatchObject({ code: 4401 });
    expect(r.ms).toBeLessThan(1000);
    const deleted = await keyWithSocket(b, org);
    const d = await closesAfter(deleted.s, () =>
      run(a, org.token, `mutation($id: ID!) { deleteApiKey(input: { id: $id }) { __typename } }`, { id: deleted.k.apiKeyId }),
    );
    expect(d).toMatchObject({ code: 4401 });
    expect(d.ms).toBeLessThan(1000);
  });

  it('disabling the key’s user closes the socket (4403)', async () => {
    const org = await seedOrg(a);
    const { k, s } = await keyWithSocket(b, org);
    const closed = await closesAfter(s, () =>
      run(a, org.token, `mutation($id: ID!) { updateUser(input: { id: $id, status: DISABLED }) { __typename } }`, { id: k.user.id }),
    );
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(1000);
  });

  it('narrowing the key’s role: the socket stays, its next operations run with the new rights', async () => {
    const org = await seedOrg(a);
    const { k, s } = await keyWithSocket(b, org);
    const role = (await run(a, org.token, `query($id: ID!) { user(id: $id) { roles { role { id } } } }`, { id: k.user.id })).data.user.roles[0].role.id;
    expect(await s.op(CREATE_KEY)).toMatchObject({ data: { createApiKey: { __typename: 'CreateApiKeySuccess' } } });
    await run(a, org.token, `mutation($id: ID!) { updateRole(input: { id: $id, permissions: ["users:read"] }) { __typename } }`, { id: role });
    // The invalidation reaches B asynchronously: the very next operation after it must see the narrower role.
    await waitFor(
      async () => {
        const r = (await s.op(LIST_KEYS)) as { errors?: { extensions?: Record<string, unknown> }[] };
        return r.errors?.[0]?.extensions?.code === 'FORBIDDEN';
      },
      'the narrowed role on the socket',
      1000,
    );
    expect(await s.op(CREATE_KEY)).toMatchObject({ data: { createApiKey: { __typename: 'ForbiddenError' } } });
    expect(await s.op('{ viewer { user { id } } }')).toMatchObject({ data: { viewer: { user: { id: k.user.id } } } });
  });

  it('an operation on a socket authenticates afresh even without an invalidation (the key changed behind the cache)', async () => {
    const org = await seedOrg(a);
    const { k, s } = await keyWithSocket(a, org);
    // The row changes and this replica's cache is dropped, but no invalidation reaches the socket.
    await a.app.orm.em.fork().getConnection().execute(`update api_key set status = 'REVOKED' where id = ?`, [k.apiKeyId]);
    a.app.deps.verifier.cache.clear();
    const result = await s.op(LIST_KEYS);
    expect(result).toHaveProperty('closed');
    expect((await s.closed).code).toBe(4401);
  });

  it('accepts the credential as { headers: { Authorization } } and as { token }', async () => {
    const org = await seedOrg(a);
    for (const params of [(t: string) => ({ headers: { Authorization: `Bearer ${t}` } }), (t: string) => ({ token: t })]) {
      const { s } = await keyWithSocket(a, org, params);
      expect(await s.op('{ viewer { organization { id } } }')).toMatchObject({ data: { viewer: { organization: { id: org.organizationId } } } });
    }
    const bad = socket(a, { token: 'kp_sk_nonsense' });
    expect((await bad.closed).code).toBe(4401);
  });

  it('logging out of the console closes the session’s socket within 1 s', async () => {
    const org = await seedOrg(a);
    const browser = await signIn(await mintLink(a, org.token, org.userId));
    const s = socket(b, {}, () => consoleSocket(b, browser, { lazy: false }));
    expect(await s.op('{ viewer { user { id } } }')).toMatchObject({ data: { viewer: { user: { id: org.userId } } } });
    const closed = await closesAfter(s, () => fetch(`${a.url}/console/logout`, { method: 'POST', headers: browser.headers }));
    expect(closed.code).toBe(4401);
    expect(closed.ms).toBeLessThan(1000);
    expect((await gql(b, { header: browser.headers }, '{ viewer { user { id } } }')).status).toBe(401);
  });
});
