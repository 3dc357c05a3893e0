import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NODES } from '../../src/graphql/node-limit.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

/**
 * Issue 18, item 4: cost is counted in nodes, as GitHub does. A normal page (auditLog(first: 100)
 * with every scalar field) is served; only a request that could return more than MAX_NODES nodes
 * is refused, with a coded error that says how many and what to do (not "Syntax Error").
 */
let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  token = (await seedOrg(server)).token;
});
afterAll(() => server.close());

const keysWithVerifications = (alias: string, first: string) =>
  `${alias}: apiKeys(first: ${first}) { edges { node { id verifications(first: ${first}) { edges { node { at code } } } } } }`;

describe('the node limit', () => {
  it('serves a full page of audit entries with every scalar field', async () => {
    const res = await gql(
      server,
      token,
      `{ auditLog(first: 100) { edges { cursor node { id action targetType targetId actorUserId actorKeyId actorKeyName organizationId occurredAt changes ip requestId userAgent } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ auditLog: { edges: expect.any(Array) } });
  });

  it('refuses a query that could return more than the limit, counting nested pages and variables', async () => {
    // 2 × (200 keys + 200 × 200 verifications) = 80,400 nodes.
    const literal = await gql(server, token, `{ ${keysWithVerifications('a', '200')} ${keysWithVerifications('b', '200')} }`);
    expect(literal.data).toBeNull();
    expect(literal.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', nodes: 80_400, maxNodes: MAX_NODES } });
    expect(literal.errors?.[0]?.message).not.toMatch(/syntax/i);
    const viaVariables = await gql(server, token, `query($n: Int) { ${keysWithVerifications('a', '$n')} ${keysWithVerifications('b', '$n')} }`, { n: 200 });
    expect(viaVariables.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', nodes: 80_400 });
    // The same shape with smaller pages is served.
    const small = await gql(server, token, `query($n: Int) { ${keysWithVerifications('a', '$n')} ${keysWithVerifications('b', '$n')} }`, { n: 100 });
    expect(small.errors).toBeUndefined();
  });

  it('counts pages inside fragments too', async () => {
    const res = await gql(
      server,
      token,
      `fragment K on ApiKey { verifications(first: 200) { edges { cursor } } }
       { a: apiKeys(first: 200) { edges { node { ...K } } } b: apiKeys(first: 200) { edges { node { ... on ApiKey { ...K } } } } }`,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', nodes: 80_400 });
  });
});
