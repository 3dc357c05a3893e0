import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { createKey, sql, statusOf, whoAmI } from './helpers.ts';
import { DeleteApiKey, RevokeApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('revoke and delete: scope', () => {
  it('a key of A can neither revoke nor delete a key of B', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bKey = await whoAmI(server, b.token);
    expect((await gql(server, a.token, RevokeApiKey, { input: { id: bKey.apiKeyId } })).data?.revokeApiKey).toMatchObject({ __typename: 'NotFoundError' });
    expect((await gql(server, a.token, DeleteApiKey, { input: { id: bKey.apiKeyId } })).data?.deleteApiKey).toMatchObject({ __typename: 'NotFoundError' });
    expect(await statusOf(server, b.token)).toBe(200);
    expect(await sql(server, 'select id from event where key_id = ? and type <> ?', [bKey.apiKeyId, 'api_key.created'])).toEqual([]);
  });

  it('needs keys:write in the key’s organisation', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const victim = await createKey(server, org.token);
    expect((await gql(server, reader.token, RevokeApiKey, { input: { id: victim.apiKey.id } })).data?.revokeApiKey).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect((await gql(server, reader.token, DeleteApiKey, { input: { id: victim.apiKey.id } })).data?.deleteApiKey).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await statusOf(server, victim.token)).toBe(200);
  });
});
