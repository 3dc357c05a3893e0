import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { createKey, statusOf, whoAmI } from './helpers.ts';
import { RotateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function rotate(token: string, id: string) {
  return (await gql(server, token, RotateApiKey, { input: { id } })).data!.rotateApiKey;
}

describe('rotateApiKey: a new secret is a way in, so only for keys the caller could have made', () => {
  it('refuses to re-secret a key wider than the caller (it would hand over its powers)', async () => {
    const org = await seedOrg(server);
    const admin = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'users:write']);
    const owner = await whoAmI(server, org.token);
    const p = await rotate(admin.token, owner.apiKeyId);
    expect(p).toMatchObject({ __typename: 'ForbiddenError' });
    expect(p).not.toHaveProperty('secret');
    expect(await statusOf(server, org.token)).toBe(200);
  });

  it('needs users:write to re-secret a key that acts as someone else', async () => {
    const org = await seedOrg(server);
    const colleague = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const admin = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read']);
    expect(await rotate(admin.token, colleague.apiKeyId)).toMatchObject({ __typename: 'ForbiddenError', missingPermission: 'users:write' });
    expect(await statusOf(server, colleague.token)).toBe(200);
    const hr = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read', 'users:write']);
    expect((await rotate(hr.token, colleague.apiKeyId)).__typename).toBe('RotateApiKeySuccess');
  });

  it('a key of A cannot rotate a key of B', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bKey = await whoAmI(server, b.token);
    const p = await rotate(a.token, bKey.apiKeyId);
    expect(p).toMatchObject({ __typename: 'NotFoundError' });
    expect(await statusOf(server, b.token)).toBe(200);
  });

  it('a key without keys:write cannot rotate even itself', async () => {
    const org = await seedOrg(server);
    const reader = await createKey(server, org.token, { permissions: [{ permission: 'keys:read' }] });
    expect(await rotate(reader.token, reader.apiKey.id)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await statusOf(server, reader.token)).toBe(200);
  });
});
