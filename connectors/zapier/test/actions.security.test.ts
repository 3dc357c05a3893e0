import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { CreateRole, CreateUser, ViewerPerms } from '../../../test/ops.js';
import { type App, appTester, authData, failure, integrationKey, method } from './helpers.js';
import { OwnerCreateKey, OwnerKey } from './ops.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Auth = ReturnType<typeof authData>;
const create = (key: keyof typeof App.creates, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`creates.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never });
const search = (key: keyof typeof App.searches, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`searches.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never }) as Promise<unknown[]>;

describe('a Zap can do no more than its integration key', () => {
  it('cannot create a key wider than the Zapier key, through a permission list or through a more powerful user', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    const wider = await failure(create('create_api_key', auth, { name: 'wider', permissions: ['organizations:write'] }));
    expect(wider).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/organizations:write/) });
    expect(wider.message.match(/organizations:write/g)).toHaveLength(1);
    const asOwner = await failure(create('create_api_key', auth, { name: 'as owner', userId: org.userId }));
    expect(asOwner).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('cannot reach another organisation’s keys, users or roles', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const authA = authData(server, (await integrationKey(server, a)).token);
    const keyB = success((await gql(server, b.token, OwnerCreateKey, { input: { name: 'B payroll' } })).data?.createApiKey, 'CreateApiKeySuccess');
    const userB = success(
      (await gql(server, b.token, CreateUser, { input: { name: 'Bea', email: 'bea@b.example' } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    const roleB = success(
      (await gql(server, b.token, CreateRole, { input: { name: 'b-readers', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;

    for (const key of ['rotate_api_key', 'revoke_api_key'] as const) {
      expect(await failure(create(key, authA, { id: keyB.apiKey.id }))).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await gql(server, keyB.token, ViewerPerms)).status).toBe(200);
    expect((await gql(server, b.token, OwnerKey, { id: keyB.apiKey.id })).data?.apiKey).toMatchObject({ status: 'ACTIVE', rotatedAt: null });

    expect(await search('find_api_key', authA, { keyId: keyB.apiKey.keyId })).toEqual([]);
    expect(await search('find_api_key', authA, { name: 'B payroll' })).toEqual([]);
    expect(await search('find_user', authA, { email: 'bea@b.example' })).toEqual([]);
    expect(await failure(create('create_api_key', authA, { name: 'for Bea', userId: userB.id }))).toMatchObject({ code: 'NOT_FOUND' });
    const withForeignRole = await failure(create('create_user', authA, { name: 'Mallory', roleIds: [roleB.id] }));
    expect(withForeignRole.code).toMatch(/VALIDATION|NOT_FOUND/);

    const dropdownA = JSON.stringify(
      await Promise.all(
        (['list_users', 'list_roles', 'list_api_keys'] as const).map((k) => appTester(method(`triggers.${k}.operation.perform`) as never, { authData: authA })),
      ),
    );
    for (const id of [keyB.apiKey.id, userB.id, roleB.id, b.userId]) expect(dropdownA).not.toContain(id);
  });

  it('returns a token only from Create and Rotate, and never a secret of another key', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const made = (await create('create_api_key', auth, { name: 'once' })) as { id: string; keyId: string; token: string; secret: string };
    const outputs = JSON.stringify([
      await search('find_api_key', auth, { keyId: made.keyId }),
      await appTester(method('triggers.list_api_keys.operation.perform') as never, { authData: auth }),
      await appTester(method('triggers.new_api_key.operation.performList') as never, { authData: auth }),
      await create('revoke_api_key', auth, { id: made.id }),
    ]);
    expect(outputs).toContain(made.keyId);
    for (const secret of [made.token, made.secret, zap.token, zap.secret]) expect(outputs).not.toContain(secret);
  });
});
