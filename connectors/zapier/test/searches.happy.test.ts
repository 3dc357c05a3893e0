import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { CreateRole, CreateUser } from '../../../test/ops.js';
import { type App, appTester, authData, integrationKey, method } from './helpers.js';
import { OwnerCreateKey, OwnerRevokeKey } from './ops.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Auth = ReturnType<typeof authData>;
const search = <T = Record<string, any>>(key: keyof typeof App.searches, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`searches.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never }) as Promise<T[]>;
const create = <T = Record<string, any>>(key: keyof typeof App.creates, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`creates.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never }) as Promise<T>;
const dropdown = <T = Record<string, any>>(key: 'list_users' | 'list_roles' | 'list_api_keys', auth: Auth, page = 0) =>
  appTester(method(`triggers.${key}.operation.perform`) as never, { authData: auth, meta: { page, isFillingDynamicDropdown: true } }) as Promise<T[]>;

async function user(token: string, name: string, email?: string) {
  return success((await gql(server, token, CreateUser, { input: { name, email } })).data?.createUser, 'CreateUserSuccess').user;
}

describe('Zapier searches against a running Keyplane', () => {
  it('Find User by exact email or name, case-insensitively, never a near miss', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    const ada = await user(org.token, 'Ada Lovelace', 'ada@example.com');
    await user(org.token, 'Ada Lovelace Jr', 'ada.jr@example.com');

    expect((await search('find_user', auth, { email: 'ADA@example.com' })).map((u) => u.id)).toEqual([ada.id]);
    expect((await search('find_user', auth, { name: 'ada lovelace' })).map((u) => u.id)).toEqual([ada.id]);
    expect(await search('find_user', auth, { email: 'ada@example' })).toEqual([]);
    expect(await search('find_user', auth, { name: 'Ada' })).toEqual([]);
    // The email wins when both are given.
    expect(await search('find_user', auth, { email: 'nobody@example.com', name: 'Ada Lovelace' })).toEqual([]);
  });

  it('Find API Key by public key id or exact name, within a kind and a status', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const a = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'Deploy' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;
    const b = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'Deploy staging' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;

    expect((await search('find_api_key', auth, { keyId: a.keyId })).map((k) => k.id)).toEqual([a.id]);
    expect((await search('find_api_key', auth, { name: 'deploy' })).map((k) => k.id)).toEqual([a.id]);
    expect((await search('find_api_key', auth, { name: 'Deploy staging', status: 'ACTIVE' }))[0]).toMatchObject({ id: b.id, keyId: b.keyId, status: 'ACTIVE' });
    expect(await search('find_api_key', auth, { keyId: a.keyId.slice(0, 8) })).toEqual([]);
    // Integration keys are listed apart, as Keyplane does.
    expect(await search('find_api_key', auth, { keyId: zap.keyId })).toEqual([]);
    expect((await search('find_api_key', auth, { keyId: zap.keyId, kind: 'INTEGRATION' })).map((k) => k.id)).toEqual([zap.apiKeyId]);

    expect((await gql(server, org.token, OwnerRevokeKey, { input: { id: a.id, reason: 'old' } })).data?.revokeApiKey.__typename).toBe('RevokeApiKeySuccess');
    expect(await search('find_api_key', auth, { name: 'Deploy', status: 'ACTIVE' })).toEqual([]);
    expect((await search('find_api_key', auth, { name: 'Deploy', status: 'REVOKED' })).map((k) => k.id)).toEqual([a.id]);
  });

  it('search-or-create: the search finds nothing, the create makes it, the next search finds it', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    expect(await search('find_user', auth, { email: 'new.hire@example.com' })).toEqual([]);
    const made = await create('create_user', auth, { name: 'New Hire', email: 'new.hire@example.com' });
    expect((await search('find_user', auth, { email: 'new.hire@example.com' })).map((u) => u.id)).toEqual([made.id]);

    expect(await search('find_api_key', auth, { name: 'New hire laptop' })).toEqual([]);
    const key = await create('create_api_key', auth, { name: 'New hire laptop', userId: made.id });
    expect((await search('find_api_key', auth, { name: 'new hire laptop' })).map((k) => k.id)).toEqual([key.id]);
  });
});

describe('Zapier dynamic dropdowns', () => {
  it('list active users, roles and active keys with an id and a label', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const ada = await user(org.token, 'Ada', 'ada@example.com');
    const role = success(
      (await gql(server, org.token, CreateRole, { input: { name: 'auditors', permissions: ['audit:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    const live = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'Live' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;
    const dead = success((await gql(server, org.token, OwnerCreateKey, { input: { name: 'Dead' } })).data?.createApiKey, 'CreateApiKeySuccess').apiKey;
    await gql(server, org.token, OwnerRevokeKey, { input: { id: dead.id } });

    const users = await dropdown<{ id: string; label: string }>('list_users', auth);
    expect(users.find((u) => u.id === ada.id)?.label).toBe('Ada <ada@example.com>');
    expect(users.map((u) => u.id)).toEqual(expect.arrayContaining([org.userId, zap.user.id, ada.id]));
    expect((await dropdown<{ id: string; name: string }>('list_roles', auth)).map((r) => r.name)).toEqual(expect.arrayContaining(['owner', 'auditors']));
    expect((await dropdown<{ id: string }>('list_roles', auth)).map((r) => r.id)).toContain(role.id);
    const keys = await dropdown<{ id: string; label: string }>('list_api_keys', auth);
    expect(keys.map((k) => k.id)).toContain(live.id);
    expect(keys.map((k) => k.id)).not.toContain(dead.id);
    expect(keys.find((k) => k.id === live.id)?.label).toMatch(new RegExp(`^Live \\(kp_sk_${live.keyId}_[0-9A-Za-z]{4}…\\)$`));
  });

  it('walk Keyplane’s cursors to the page Zapier asks for', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    for (let i = 0; i < 100; i++) await user(org.token, `user ${String(i).padStart(3, '0')}`);
    // 100 created + the owner + the Zapier key's user = 102 users, oldest first.
    const page0 = await dropdown<{ id: string; name: string }>('list_users', auth, 0);
    const page1 = await dropdown<{ id: string; name: string }>('list_users', auth, 1);
    const page2 = await dropdown('list_users', auth, 2);
    expect(page0).toHaveLength(100);
    expect(page1.map((u) => u.name)).toEqual(['user 098', 'user 099']);
    expect(new Set([...page0, ...page1].map((u) => u.id)).size).toBe(102);
    expect(page2).toEqual([]);
  });
});
