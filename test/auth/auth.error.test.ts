import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const Q = '{ viewer { user { id } } }';

function typo(token: string): string {
  const i = token.length - 10;
  const c = token[i] === 'a' ? 'b' : 'a';
  return token.slice(0, i) + c + token.slice(i + 1);
}

describe('authentication failures', () => {
  it('answers the same 401 for no key, garbage, a typo, an unknown id and a wrong secret', async () => {
    const org = await seedOrg(server);
    const other = await seedOrg(server);
    const cases = [
      null,
      'garbage',
      typo(org.token),
      // Valid checksum, unknown key id: a well-formed credential nobody issued.
      { keyId: 'AAAAAAAAAAAAAAAA', secret: other.secret },
      // Another key's secret under this key id: checksum fails (it is bound to the key id).
      { keyId: org.keyId, secret: other.secret },
      { header: { authorization: 'Basic !!!' } },
      { header: { authorization: 'Token abc' } },
      { header: { authorization: `Bearer ${'x'.repeat(5000)}` } },
    ] as const;
    const bodies = new Set<string>();
    for (const auth of cases) {
      const res = await gql(server, auth as never, Q);
      expect(res.status, JSON.stringify(auth)?.slice(0, 80)).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      bodies.add(JSON.stringify(res.errors));
    }
    expect(bodies.size).toBe(1);
  });

  it('rejects two credentials at once', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, { header: { authorization: `Bearer ${org.token}`, 'x-api-key': org.token } }, Q);
    expect(res.status).toBe(401);
  });

  it('refuses bodies over the limit and chunked bodies without a length', async () => {
    const org = await seedOrg(server);
    const big = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}` },
      body: JSON.stringify({ query: Q, pad: 'x'.repeat(2_000_000) }),
    });
    expect(big.status).toBe(413);
  });

  it('rejects batched requests and over-deep queries', async () => {
    const org = await seedOrg(server);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}` },
      body: JSON.stringify([{ query: Q }, { query: Q }]),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const deep = await gql(
      server,
      org.token,
      `{ viewer { user { organization { ${'id '.repeat(1)} } roles { role { id } } } } ${Array.from({ length: 30 }, (_, i) => `a${i}: viewer { user { id } }`).join(' ')} }`,
    );
    expect(deep.errors?.[0]?.message).toMatch(/alias/i);
  });
});
