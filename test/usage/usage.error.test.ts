import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

const UsageErr = graphql(`
  query UsageErr($filter: UsageFilter) {
    usage(filter: $filter) { start code count }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:uerr` } });
});
afterAll(() => server.close());

describe('usage input errors', () => {
  it('refuses an empty or inverted range, an over-long one, and keyId with organizationId', async () => {
    const org = await seedOrg(server);
    const cases: [Record<string, unknown>, string][] = [
      [{ from: '2026-11-23T10:00:00Z', to: '2026-11-23T10:00:00Z' }, 'filter.from'],
      [{ from: '2026-11-23T11:00:00Z', to: '2026-11-23T10:00:00Z' }, 'filter.from'],
      [{ from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z', granularity: 'MINUTE' }, 'filter.from'],
      [{ from: '2025-01-01T00:00:00Z', to: '2026-11-23T00:00:00Z', granularity: 'HOUR' }, 'filter.from'],
      [{ keyId: 'key_x', organizationId: org.organizationId }, 'filter.organizationId'],
      [{ keyId: 'k'.repeat(65) }, 'input.keyId'],
    ];
    for (const [filter, path] of cases) {
      const res = await gql(server, org.token, UsageErr, { filter: filter as never });
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(filter)).toBe('VALIDATION');
      expect(res.errors?.[0]?.message).toContain(path);
    }
  });

  it('answers NOT_FOUND for an unknown key or organisation', async () => {
    const org = await seedOrg(server);
    for (const filter of [{ keyId: 'key_AAAAAAAAAAAAAAAAAAAA' }, { keyId: 'AAAAAAAAAAAAAAAA' }, { organizationId: 'org_AAAAAAAAAAAAAAAAAAAA' }]) {
      const res = await gql(server, org.token, UsageErr, { filter });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });

  it('refuses a malformed verifications cursor', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    for (const after of [
      'garbage',
      Buffer.from(JSON.stringify(['not-a-date', '1'])).toString('base64url'),
      Buffer.from(JSON.stringify(['2026-11-23T00:00:00Z', 'x; drop'])).toString('base64url'),
    ]) {
      const res = await gql(
        server,
        org.token,
        `query($id: ID!, $after: String) { apiKey(id: $id) { verifications(first: 2, after: $after) { edges { cursor } } } }`,
        { id: key.id, after },
      );
      expect(res.errors?.[0]?.extensions?.code, after).toBe('VALIDATION');
    }
  });
});
