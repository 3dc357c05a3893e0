import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { Events } from '../keys/ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('events errors', () => {
  it('refuses unknown types, too many types, bad cursors and page sizes, naming them', async () => {
    const org = await seedOrg(server);
    for (const [vars, path] of [
      [{ filter: { types: ['api_key.exploded'] } }, 'filter.types.0'],
      [{ filter: { types: ['api_key.created', 'nope.*'] } }, 'filter.types.1'],
      [{ filter: { types: ['%'] } }, 'filter.types.0'],
      [{ filter: { types: Array.from({ length: 51 }, () => 'api_key.created') } }, 'filter.types'],
      [{ filter: { keyId: 'k'.repeat(65) } }, 'filter.keyId'],
      [{ after: 'zzz' }, 'after'],
      [{ first: -1 }, 'first'],
    ] as const) {
      const res = await gql(server, org.token, Events, vars as never);
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(vars).slice(0, 60)).toBe('VALIDATION');
      expect(res.errors?.[0]?.message).toContain(path);
    }
  });

  it('refuses backward paging', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, '{ events(last: 2) { edges { cursor } } }');
    expect(res.errors?.[0]?.message).toMatch(/"last" is not supported/);
  });
});
