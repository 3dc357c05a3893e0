import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(String(chunk));
    cb();
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ app: { log: createLogger('trace', sink) } });
});
afterAll(() => server.close());

function wsClient(connectionParams: Record<string, unknown>) {
  return createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

async function wsQuery(connectionParams: Record<string, unknown>): Promise<unknown> {
  const client = wsClient(connectionParams);
  try {
    return await new Promise((resolve, reject) => {
      let result: unknown;
      client.subscribe({ query: '{ viewer { organization { id } } }' }, { next: (v) => (result = v), error: reject, complete: () => resolve(result) });
    });
  } finally {
    await client.dispose();
  }
}

describe('authentication over WebSocket and SSE', () => {
  it('graphql-ws authenticates in connection_init and closes 4401 without a valid key', async () => {
    const org = await seedOrg(server);
    expect(await wsQuery({ authorization: `Bearer ${org.token}` })).toEqual({ data: { viewer: { organization: { id: org.organizationId } } } });
    expect(await wsQuery({ 'X-API-Key': org.token })).toEqual({ data: { viewer: { organization: { id: org.organizationId } } } });
    // The shapes clients send (issue 18, item 8): a headers object, or a bare token.
    const viewer = { data: { viewer: { organization: { id: org.organizationId } } } };
    expect(await wsQuery({ headers: { Authorization: `Bearer ${org.token}` } })).toEqual(viewer);
    expect(await wsQuery({ token: org.token })).toEqual(viewer);
    await expect(wsQuery({})).rejects.toMatchObject({ code: 4401 });
    // The last character changed (to one it is not: a token ending in x stayed valid, 1 run in 62).
    const forged = `${org.token.slice(0, -1)}${org.token.endsWith('x') ? 'y' : 'x'}`;
    await expect(wsQuery({ authorization: `Bearer ${forged}` })).rejects.toMatchObject({ code: 4401 });
  });

  it('SSE (GET with text/event-stream) needs the key too', async () => {
    const org = await seedOrg(server);
    const url = `${server.url}/graphql?query=${encodeURIComponent('{ viewer { organization { id } } }')}`;
    const anon = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(anon.status).toBe(401);
    await anon.body?.cancel();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${org.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain(org.organizationId);
  });

  it('never logs a key, even at trace level and in failing requests', async () => {
    const org = await seedOrg(server);
    lines.length = 0;
    await gql(server, org.token, '{ viewer { user { id } } }');
    await gql(server, { header: { 'x-api-key': org.token } }, '{ nope }');
    await gql(server, { keyId: org.keyId, secret: org.secret }, 'mutation { createUser(input: { name: "x" }) { __typename } }');
    await gql(server, `${org.token}broken`, '{ viewer { user { id } } }');
    expect(lines.length).toBeGreaterThan(3);
    const all = lines.join('');
    expect(all).not.toContain(org.secret);
    expect(all).not.toContain(org.secret.slice(0, 20));
    expect(all).not.toContain(Buffer.from(`${org.keyId}:${org.secret}`).toString('base64'));
  });

  it('a revoked-at-the-database key is refused once the cache is invalidated (no stale acceptance)', async () => {
    const org = await seedOrg(server);
    expect((await gql(server, org.token, '{ viewer { user { id } } }')).status).toBe(200);
    await server.app.orm.em.getConnection().execute(`update api_key set status = 'REVOKED' where key_id = ?`, [org.keyId]);
    await server.app.deps.invalidate({ scope: 'key', keyId: org.keyId });
    expect((await gql(server, org.token, '{ viewer { user { id } } }')).status).toBe(401);
  });
});
