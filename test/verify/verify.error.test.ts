import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { VerifyKey, verifyHttp } from './fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:verr` } });
});
afterAll(() => server.close());

describe('verifyKey input errors', () => {
  const bad: [string, unknown, string][] = [
    ['neither token nor key id', { ip: '1.2.3.4' }, 'input.token'],
    ['token and key id together', { token: 'kp_sk_x', keyId: 'x', secret: 'y' }, 'input.token'],
    ['key id without secret', { keyId: 'AAAAAAAAAAAAAAAA' }, 'input.secret'],
    ['an oversized token', { token: 'x'.repeat(513) }, 'input.token'],
    ['an oversized permission', { token: 'kp_sk_x', permission: `a:${'b'.repeat(100)}` }, 'input.permission'],
    ['an oversized ip', { token: 'kp_sk_x', ip: '1'.repeat(65) }, 'input.ip'],
  ];

  for (const [name, input, path] of bad) {
    it(`HTTP 400 and a VALIDATION error naming the field for ${name}`, async () => {
      const org = await seedOrg(server);
      const http = await verifyHttp(server, org.token, input);
      expect(http.status).toBe(400);
      expect(http.body.errors?.[0]?.extensions.code).toBe('VALIDATION');
      expect(JSON.stringify(http.body.errors?.[0]?.extensions.fields)).toContain(path);
      const g = await gql(server, org.token, VerifyKey, { input: input as never });
      expect(g.data).toBeNull();
      expect(g.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(g.errors?.[0]?.message).toContain(path);
    });
  }

  it('refuses unknown and mistyped JSON fields on the HTTP route', async () => {
    const org = await seedOrg(server);
    const unknown = await verifyHttp(server, org.token, { token: 'kp_sk_x', permissions: ['a:b'] });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('input.permissions');
    const typed = await verifyHttp(server, org.token, { token: 42 });
    expect(typed.status).toBe(400);
    expect(JSON.stringify(typed.body)).toContain('must be a string');
    for (const body of ['[1,2]', 'null', '"token"', '{"token":']) {
      const r = await verifyHttp(server, org.token, body);
      expect(r.status, body).toBe(400);
    }
  });

  it('answers 405, 411, 413 and 415 for the wrong method, length or type', async () => {
    const org = await seedOrg(server);
    const auth = { authorization: `Bearer ${org.token}` };
    const get = await fetch(`${server.url}/v1/keys/verify`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await fetch(`${server.url}/v1/keys/verify`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'kp_sk_x', pad: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    const text = await fetch(`${server.url}/v1/keys/verify`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    const chunked = await fetch(`${server.url}/v1/keys/verify`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"token":"kp_sk_x"}'));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
  });

  it('answers 401 with the same body as /graphql for a missing or bad caller key', async () => {
    const org = await seedOrg(server);
    const graphql401 = await (
      await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{viewer{user{id}}}"}' })
    ).text();
    for (const caller of [null, 'garbage', org.token.slice(0, -1) + (org.token.endsWith('a') ? 'b' : 'a')]) {
      const r = await verifyHttp(server, caller, { token: org.token });
      expect(r.status).toBe(401);
      expect(r.text).toBe(graphql401);
    }
  });
});
