import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { UpdateUser } from '../ops.ts';
import { createKey } from './helpers.ts';
import { DeleteApiKey, RevokeApiKey, UpdateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function update(token: string, input: Record<string, unknown>) {
  return (await gql(server, token, UpdateApiKey, { input: input as never })).data!.updateApiKey;
}

describe('updateApiKey errors', () => {
  it('names invalid fields and changes nothing', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token, { name: 'stable', validFrom: new Date(Date.now() + 3_600_000).toISOString() });
    const id = key.apiKey.id;
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'input.name'],
      [{ allowedIps: ['300.0.0.1'] }, 'input.allowedIps.0'],
      [{ metadata: { big: 'x'.repeat(4100) } }, 'input.metadata'],
      // validFrom is an hour ahead: a validUntil before it is refused.
      [{ validUntil: new Date(Date.now() + 60_000).toISOString() }, 'input.validUntil'],
      [{ validUntil: '2001-01-01T00:00:00Z' }, 'input.validUntil'],
      [{ permissions: [{ permission: 'keys:fly' }] }, 'input.permissions.0'],
      [{ credits: -5 }, 'input.credits'],
    ];
    for (const [input, path] of cases) {
      const p = await update(org.token, { id, ...input });
      expect(p.__typename, JSON.stringify(input)).toBe('ValidationError');
      expect((p as { fields: { path: string }[] }).fields.map((f) => f.path)).toContain(path);
    }
    const { apiKey } = success(await update(org.token, { id }), 'UpdateApiKeySuccess');
    expect(apiKey).toMatchObject({ name: 'stable', allowedIps: [], metadata: {}, credits: null, permissions: null });
  });

  it('refuses moving a key to a user who does not hold its restriction, or is disabled', async () => {
    const org = await seedOrg(server);
    const holder = await userWithKey(server, org.token, org.organizationId, ['keys:read', 'users:read']);
    const lesser = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const key = await createKey(server, org.token, { userId: holder.user.id, permissions: [{ permission: 'users:read' }] });
    expect(await update(org.token, { id: key.apiKey.id, userId: lesser.user.id })).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.permissions', message: expect.stringMatching(/users:read/) }],
    });
    success((await gql(server, org.token, UpdateUser, { input: { id: lesser.user.id, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect(await update(org.token, { id: key.apiKey.id, userId: lesser.user.id, permissions: [{ permission: 'keys:read' }] })).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.userId' }],
    });
  });

  it('cannot change a revoked key, nor find a deleted or unknown one', async () => {
    const org = await seedOrg(server);
    const revoked = await createKey(server, org.token);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: revoked.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    expect(await update(org.token, { id: revoked.apiKey.id, name: 'again' })).toMatchObject({ __typename: 'ConflictError' });
    const deleted = await createKey(server, org.token);
    success((await gql(server, org.token, DeleteApiKey, { input: { id: deleted.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');
    expect(await update(org.token, { id: deleted.apiKey.id, name: 'again' })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await update(org.token, { id: 'key_doesnotexist00000000', name: 'x' })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await update(org.token, { id: 'x'.repeat(65) })).toMatchObject({ __typename: 'ValidationError' });
  });
});
