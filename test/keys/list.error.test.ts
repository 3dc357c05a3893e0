import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { ApiKeyQ, ApiKeys } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('apiKeys / apiKey errors', () => {
  it('refuses bad page sizes, cursors and filters with the field named', async () => {
    const org = await seedOrg(server);
    for (const [vars, path] of [
      [{ first: 0 }, 'first'],
      [{ first: 201 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ filter: { search: 'x'.repeat(201) } }, 'filter.search'],
      [{ filter: { organizationId: 'o'.repeat(65) } }, 'filter.organizationId'],
    ] as const) {
      const res = await gql(server, org.token, ApiKeys, vars as never);
      expect(res.data, JSON.stringify(vars)).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(res.errors?.[0]?.message).toContain(path);
    }
  });

  it('answers null for an unknown id and NotFound for an unknown organisation', async () => {
    const org = await seedOrg(server);
    expect((await gql(server, org.token, ApiKeyQ, { id: 'key_nope' })).data).toEqual({ apiKey: null });
    expect((await gql(server, org.token, ApiKeyQ, { id: 'k'.repeat(500) })).data).toEqual({ apiKey: null });
    const res = await gql(server, org.token, ApiKeys, { filter: { organizationId: 'org_unknown000000000000' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
