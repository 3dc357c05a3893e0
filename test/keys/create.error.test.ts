import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateApiKeyInput } from '../gql/graphql.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser, DefineResource, UpdateUser } from '../ops.ts';
import { sql } from './helpers.ts';
import { CreateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function create(token: string, input: Partial<CreateApiKeyInput>) {
  const res = await gql(server, token, CreateApiKey, { input: { name: 'k', ...input } });
  return res.data!.createApiKey;
}

function paths(p: { __typename: string; fields?: { path: string }[] }) {
  expect(p.__typename).toBe('ValidationError');
  return p.fields!.map((f) => f.path);
}

describe('createApiKey errors', () => {
  it('names each invalid field', async () => {
    const org = await seedOrg(server);
    const cases: [Partial<CreateApiKeyInput>, string][] = [
      [{ name: '   ' }, 'input.name'],
      [{ name: 'x'.repeat(201) }, 'input.name'],
      [{ description: 'x'.repeat(1001) }, 'input.description'],
      [{ allowedIps: ['10.0.0.1', 'not-an-ip'] }, 'input.allowedIps.1'],
      [{ allowedIps: ['10.0.0.0/33'] }, 'input.allowedIps.0'],
      [{ allowedIps: ['127.1'] }, 'input.allowedIps.0'],
      [{ allowedIps: ['fe80::1%eth0'] }, 'input.allowedIps.0'],
      [{ allowedIps: ['2001:db8::/129'] }, 'input.allowedIps.0'],
      [{ allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) }, 'input.allowedIps'],
      [{ metadata: { blob: 'x'.repeat(5000) } }, 'input.metadata'],
      [{ metadata: ['not', 'an', 'object'] }, 'input.metadata'],
      [{ metadata: 'text' }, 'input.metadata'],
      [{ validFrom: '2030-01-02T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }, 'input.validUntil'],
      [{ validFrom: '2030-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }, 'input.validUntil'],
      [{ validUntil: '2020-01-01T00:00:00Z' }, 'input.validUntil'],
      [{ rateLimit: { limit: 0, windowSeconds: 60 } }, 'input.rateLimit.limit'],
      [{ rateLimit: { limit: 10, windowSeconds: 0 } }, 'input.rateLimit.windowSeconds'],
      [{ credits: -1 }, 'input.credits'],
      [{ permissions: [{ permission: 'nonsense:read' }] }, 'input.permissions.0'],
      [{ permissions: [{ permission: 'keys:read' }, { permission: 'NOT A PERMISSION' }] }, 'input.permissions.1'],
      [{ permissions: [{ permission: 'keys:read', resourceIds: [] }] }, 'input.permissions.0.resourceIds'],
      [{ permissions: Array.from({ length: 201 }, () => ({ permission: 'keys:read' })) }, 'input.permissions'],
      [{ subAccounts: { mode: 'SELECTED', organizationIds: [] } }, 'input.subAccounts.organizationIds'],
      [{ subAccounts: { mode: 'ALL', organizationIds: [org.organizationId] } }, 'input.subAccounts.organizationIds'],
      [{ subAccounts: { mode: 'SELECTED', organizationIds: ['org_doesnotexist000000000'] } }, 'input.subAccounts.organizationIds.0'],
      // The key's own organisation is not one of its sub-accounts.
      [{ subAccounts: { mode: 'SELECTED', organizationIds: [org.organizationId] } }, 'input.subAccounts.organizationIds.0'],
    ];
    const before = await sql(server, 'select count(*)::int as n from api_key where organization_id = ?', [org.organizationId]);
    for (const [input, path] of cases) {
      expect(paths((await create(org.token, input)) as never), JSON.stringify(input).slice(0, 80)).toContain(path);
    }
    expect(await sql(server, 'select count(*)::int as n from api_key where organization_id = ?', [org.organizationId])).toEqual(before);
  });

  it('refuses permissions the key’s user does not hold', async () => {
    const org = await seedOrg(server);
    const ann = success((await gql(server, org.token, CreateUser, { input: { name: 'Ann' } })).data?.createUser, 'CreateUserSuccess').user;
    const p = await create(org.token, { userId: ann.id, permissions: [{ permission: 'keys:read' }] });
    expect(p).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.permissions', message: expect.stringMatching(/does not hold keys:read/) }],
    });
  });

  it('refuses non-public actions on a publishable key', async () => {
    const org = await seedOrg(server);
    success(
      (await gql(server, org.token, DefineResource, { input: { name: 'invoices', actions: ['read', 'write'], publicActions: ['read'] } })).data?.defineResource,
      'DefineResourceSuccess',
    );
    const p = await create(org.token, { kind: 'PUBLISHABLE', permissions: [{ permission: 'invoices:read' }, { permission: 'invoices:write' }] });
    expect(paths(p as never)).toEqual(['input.permissions.1']);
    const builtIn = await create(org.token, { kind: 'PUBLISHABLE', permissions: [{ permission: 'keys:read' }] });
    expect(paths(builtIn as never)).toEqual(['input.permissions.0']);
  });

  it('refuses a user that is disabled, deleted or unknown', async () => {
    const org = await seedOrg(server);
    const ann = success((await gql(server, org.token, CreateUser, { input: { name: 'Ann' } })).data?.createUser, 'CreateUserSuccess').user;
    success((await gql(server, org.token, UpdateUser, { input: { id: ann.id, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect(await create(org.token, { userId: ann.id })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.userId' }] });
    expect(await create(org.token, { userId: 'usr_doesnotexist00000000' })).toMatchObject({
      __typename: 'NotFoundError',
      message: expect.stringMatching(/^User /),
    });
    const bob = success((await gql(server, org.token, CreateUser, { input: { name: 'Bob' } })).data?.createUser, 'CreateUserSuccess').user;
    success((await gql(server, org.token, UpdateUser, { input: { id: bob.id, status: 'DELETED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect(await create(org.token, { userId: bob.id })).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.userId', message: 'the user is deleted' }],
    });
    expect(await create(org.token, { organizationId: 'org_doesnotexist00000000' })).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('rejects malformed GraphQL input before any service runs', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, CreateApiKey, { input: { name: 'k', kind: 'MASTER' as never } });
    expect(res.errors?.[0]?.message).toMatch(/ApiKeyKind/);
    const date = await gql(server, org.token, CreateApiKey, { input: { name: 'k', validUntil: 'tomorrow' } });
    expect(date.errors?.[0]?.message).toMatch(/DateTime/);
  });
});
