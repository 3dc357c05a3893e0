import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { AssignRoles, CreateRole, CreateUser, ViewerPerms } from '../../../test/ops.js';
import { type App, appTester, authData, integrationKey, method } from './helpers.js';
import { OwnerKey, OwnerUser } from './ops.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type KeyOutput = {
  id: string;
  keyId: string;
  name: string;
  kind: string;
  status: string;
  userId: string;
  token: string;
  secret: string;
  start: string;
  [k: string]: unknown;
};

const run = <T>(key: keyof typeof App.creates, auth: ReturnType<typeof authData>, inputData: Record<string, unknown>) =>
  appTester(method(`creates.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never }) as Promise<T>;

async function status(token: string) {
  return (await gql(server, token, ViewerPerms)).status;
}

describe('Zapier actions against a running Keyplane', () => {
  it('Create API Key: a restricted key acting as the chosen user, whose token (returned once) works', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const bot = success(
      (await gql(server, org.token, CreateUser, { input: { name: 'Billing bot', kind: 'SERVICE' } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    const role = success(
      (await gql(server, org.token, CreateRole, { input: { name: 'billing', permissions: ['users:read', 'roles:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    success((await gql(server, org.token, AssignRoles, { input: { userId: bot.id, roles: [{ roleId: role.id }] } })).data?.assignRoles, 'AssignRolesSuccess');

    const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const out = await run<KeyOutput>('create_api_key', auth, {
      name: 'Billing sync',
      description: 'made by a Zap',
      kind: 'SECRET',
      userId: bot.id,
      permissions: ['users:read'],
      validUntil,
      allowedIps: ['127.0.0.1', '10.0.0.0/8'],
    });
    expect(out).toMatchObject({
      name: 'Billing sync',
      description: 'made by a Zap',
      kind: 'SECRET',
      status: 'ACTIVE',
      userId: bot.id,
      organizationId: org.organizationId,
    });
    expect(out.token).toMatch(new RegExp(`^kp_sk_${out.keyId}_[0-9A-Za-z]{50}$`));
    expect(out.token.endsWith(out.secret)).toBe(true);
    expect(out.token.startsWith(out.start)).toBe(true);
    expect(out.permissions).toEqual([{ permission: 'users:read', resourceIds: null }]);
    expect(out.allowedIps).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(new Date(out.validUntil as string).toISOString()).toBe(validUntil);

    const viewer = await gql(server, out.token, ViewerPerms);
    expect(viewer.status).toBe(200);
    expect(viewer.data?.viewer.user.id).toBe(bot.id);
    expect(viewer.data?.viewer.permissions.map((p) => p.permission)).toEqual(['users:read']);
    // Shown once: nothing reads the token or secret back.
    const stored = await gql(server, org.token, OwnerKey, { id: out.id });
    expect(JSON.stringify(stored.data)).not.toContain(out.secret);
  });

  it('Create API Key with only a name: a secret key acting as the connected key’s user, with all of its permissions', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org, ['keys:write', 'users:read']);
    const out = await run<KeyOutput>('create_api_key', authData(server, zap.token), { name: 'minimal' });
    expect(out).toMatchObject({ name: 'minimal', kind: 'SECRET', userId: zap.user.id, permissions: null, allowedIps: [] });
    expect(await status(out.token)).toBe(200);
  });

  it('Rotate API Key: a new token for the same key id; the old one stops at once, or after the grace period', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const first = await run<KeyOutput>('create_api_key', auth, { name: 'rotating' });

    const graced = await run<KeyOutput>('rotate_api_key', auth, { id: first.id, gracePeriodSeconds: 600 });
    expect(graced).toMatchObject({ id: first.id, keyId: first.keyId, rotatedAt: expect.any(String) });
    expect(graced.token).not.toBe(first.token);
    expect([await status(first.token), await status(graced.token)]).toEqual([200, 200]);

    const now = await run<KeyOutput>('rotate_api_key', auth, { id: first.id });
    expect(now.keyId).toBe(first.keyId);
    expect([await status(graced.token), await status(now.token)]).toEqual([401, 200]);
  });

  it('Revoke API Key: revoked with its reason, and refused from the next request', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const key = await run<KeyOutput>('create_api_key', auth, { name: 'to revoke' });
    expect(await status(key.token)).toBe(200);
    const out = await run<KeyOutput>('revoke_api_key', auth, { id: key.id, reason: 'contractor left' });
    expect(out).toMatchObject({ id: key.id, status: 'REVOKED', revokedReason: 'contractor left', revokedAt: expect.any(String) });
    expect(out).not.toHaveProperty('token');
    expect(out).not.toHaveProperty('secret');
    expect(await status(key.token)).toBe(401);
    expect((await gql(server, org.token, OwnerKey, { id: key.id })).data?.apiKey).toMatchObject({ status: 'REVOKED', revokedReason: 'contractor left' });
  });

  it('Create User: a person or a service user, with the chosen roles assigned', async () => {
    const org = await seedOrg(server);
    const zap = await integrationKey(server, org);
    const auth = authData(server, zap.token);
    const readers = success(
      (await gql(server, org.token, CreateRole, { input: { name: 'readers', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    const keyReaders = success(
      (await gql(server, org.token, CreateRole, { input: { name: 'key readers', permissions: ['keys:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;

    const person = await run<{ id: string; roles: { id: string; name: string }[] }>('create_user', auth, {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      roleIds: [readers.id, keyReaders.id],
    });
    expect(person).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', kind: 'HUMAN', status: 'ACTIVE', organizationId: org.organizationId });
    expect(person.roles.map((r) => r.name).sort()).toEqual(['key readers', 'readers']);
    const stored = await gql(server, org.token, OwnerUser, { id: person.id });
    expect(stored.data?.user?.roles?.map((r) => r.role?.id).sort()).toEqual([readers.id, keyReaders.id].sort());

    const service = await run<{ id: string; kind: string; roles: unknown[] }>('create_user', auth, { name: 'ETL', kind: 'SERVICE' });
    expect(service).toMatchObject({ kind: 'SERVICE', roles: [], email: null });
    expect((await gql(server, org.token, OwnerUser, { id: service.id })).data?.user?.roles).toEqual([]);
  });
});
