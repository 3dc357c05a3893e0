import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, sql, statusOf } from './helpers.ts';
import { DeleteApiKey, RevokeApiKey, RotateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function rotate(token: string, input: { id: string; gracePeriodSeconds?: number }) {
  return (await gql(server, token, RotateApiKey, { input })).data!.rotateApiKey;
}

describe('rotateApiKey errors', () => {
  it('bounds the grace period to 0..7 days and leaves the key untouched', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    for (const g of [-1, 7 * 86_400 + 1]) {
      expect(await rotate(org.token, { id: key.apiKey.id, gracePeriodSeconds: g })).toMatchObject({
        __typename: 'ValidationError',
        fields: [{ path: 'input.gracePeriodSeconds' }],
      });
    }
    expect((await rotate(org.token, { id: key.apiKey.id, gracePeriodSeconds: 7 * 86_400 })).__typename).toBe('RotateApiKeySuccess');
    const events = await sql(server, `select type from event where key_id = ? order by seq`, [key.apiKey.id]);
    expect(events.map((e) => e.type)).toEqual(['api_key.created', 'api_key.rotated']);
  });

  it('cannot rotate a revoked key back to life, nor a deleted or unknown one', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    const p = await rotate(org.token, { id: key.apiKey.id });
    expect(p).toMatchObject({ __typename: 'ConflictError' });
    expect(p).not.toHaveProperty('token');
    expect(await statusOf(server, key.token)).toBe(401);
    const gone = await createKey(server, org.token);
    success((await gql(server, org.token, DeleteApiKey, { input: { id: gone.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');
    expect(await rotate(org.token, { id: gone.apiKey.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await rotate(org.token, { id: 'key_unknown0000000000000' })).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('cannot rotate a key expired by the sweep', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    await sql(server, `update api_key set status = 'EXPIRED' where id = ?`, [key.apiKey.id]);
    expect(await rotate(org.token, { id: key.apiKey.id })).toMatchObject({ __typename: 'ConflictError', message: 'The key is expired: it cannot be rotated' });
  });
});
