import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, sql } from './helpers.ts';
import { DeleteApiKey, RevokeApiKey, UpdateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('revokeApiKey / deleteApiKey errors', () => {
  it('revocation is terminal: a second revoke conflicts and nothing brings the key back', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    expect((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey).toMatchObject({ __typename: 'ConflictError' });
    expect((await gql(server, org.token, UpdateApiKey, { input: { id: key.apiKey.id, name: 'back' } })).data?.updateApiKey).toMatchObject({
      __typename: 'ConflictError',
    });
    // The schema has no way to set a status: it is not an input of any key mutation.
    const res = await gql(server, org.token, `mutation { updateApiKey(input: { id: "${key.apiKey.id}", status: ACTIVE }) { __typename } }`);
    expect(res.errors?.[0]?.message).toMatch(/status/);
    const [row] = await sql<{ status: string }>(server, 'select status from api_key where id = ?', [key.apiKey.id]);
    expect(row!.status).toBe('REVOKED');
  });

  it('a deleted key is gone: deleting, revoking or updating it again is NotFound', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    success((await gql(server, org.token, DeleteApiKey, { input: { id: key.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');
    expect((await gql(server, org.token, DeleteApiKey, { input: { id: key.apiKey.id } })).data?.deleteApiKey).toMatchObject({ __typename: 'NotFoundError' });
    expect((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('bounds the reason', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    expect((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id, reason: 'x'.repeat(501) } })).data?.revokeApiKey).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.reason' }],
    });
  });
});
