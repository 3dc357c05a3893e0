import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization } from '../ops.ts';
import { createKey, whoAmI } from './helpers.ts';
import { ApiKeyQ, ApiKeys } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('apiKeys / apiKey: scope', () => {
  it('a key of A sees nothing of B: not by id, not by organisation, not by user, not by search', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bKey = await createKey(server, b.token, { name: 'B-only-marker' });
    expect((await gql(server, a.token, ApiKeyQ, { id: bKey.apiKey.id })).data).toEqual({ apiKey: null });
    const byOrg = await gql(server, a.token, ApiKeys, { filter: { organizationId: b.organizationId } });
    expect(byOrg.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(byOrg)).not.toContain('B-only-marker');
    const byUser = await gql(server, a.token, ApiKeys, { filter: { userId: b.userId } });
    expect(byUser.data!.apiKeys.edges).toEqual([]);
    const bySearch = await gql(server, a.token, ApiKeys, { filter: { search: 'B-only' } });
    expect(bySearch.data!.apiKeys.edges).toEqual([]);
  });

  it('sub-accounts only when granted; keys:read is required', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const local = await createKey(server, org.token, { organizationId: sub.id });
    const noSubs = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    expect((await gql(server, noSubs.token, ApiKeyQ, { id: local.apiKey.id })).data).toEqual({ apiKey: null });
    expect((await gql(server, noSubs.token, ApiKeys, { filter: { organizationId: sub.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const withSub = await userWithKey(server, org.token, org.organizationId, ['keys:read'], { subAccounts: { mode: 'SELECTED', ids: [sub.id] } });
    expect((await gql(server, withSub.token, ApiKeyQ, { id: local.apiKey.id })).data?.apiKey?.id).toBe(local.apiKey.id);

    const noKeys = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    const denied = await gql(server, noKeys.token, ApiKeys, {});
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const owner = await whoAmI(server, org.token);
    expect((await gql(server, noKeys.token, ApiKeyQ, { id: owner.apiKeyId })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('never returns a secret, token or hash from any key field', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    const all = JSON.stringify(await gql(server, org.token, ApiKeys, {})) + JSON.stringify(await gql(server, org.token, ApiKeyQ, { id: key.apiKey.id }));
    expect(all).not.toContain(key.secret);
    expect(all).not.toContain(org.secret);
    expect(all).not.toMatch(/secretHash|secret_hash/i);
  });
});
