import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateApiKeyInput } from '../gql/graphql.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, CreateUser } from '../ops.ts';
import { sql, whoAmI } from './helpers.ts';
import { CreateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function create(token: string, input: Partial<CreateApiKeyInput>) {
  return (await gql(server, token, CreateApiKey, { input: { name: 'k', ...input } })).data!.createApiKey;
}

async function subAccount(token: string, name: string, parentId?: string) {
  return success((await gql(server, token, CreateOrganization, { input: { name, parentId } })).data?.createOrganization, 'CreateOrganizationSuccess')
    .organization;
}

describe('createApiKey: nobody grants what they do not hold', () => {
  it('a restricted key cannot mint a wider key for its own user', async () => {
    const org = await seedOrg(server);
    // The owner user holds everything; this key of the same user is restricted to keys.
    const me = await whoAmI(server, org.token);
    const narrow = success(await create(org.token, { permissions: [{ permission: 'keys:write' }] }), 'CreateApiKeySuccess');
    const unrestricted = await create(narrow.token, { userId: me.userId });
    expect(unrestricted).toMatchObject({ __typename: 'ForbiddenError', missingPermission: '*' });
    const wider = await create(narrow.token, { permissions: [{ permission: 'keys:write' }, { permission: 'users:read' }] });
    expect(wider).toMatchObject({ __typename: 'ForbiddenError', missingPermission: 'users:read' });
    const same = await create(narrow.token, { permissions: [{ permission: 'keys:read' }] });
    expect(same.__typename).toBe('CreateApiKeySuccess');
  });

  it('respects instance limits: a key limited to some instances grants no others', async () => {
    const org = await seedOrg(server);
    const limited = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'roles:read'], {
      resourceLimits: [{ resource: 'roles', ids: ['rol_a'] }],
    });
    expect(await create(limited.token, { permissions: [{ permission: 'roles:read' }, { permission: 'keys:read' }] })).toMatchObject({
      __typename: 'ValidationError',
    });
    expect(await create(limited.token, { permissions: [{ permission: 'roles:read', resourceIds: ['rol_b'] }] })).toMatchObject({
      __typename: 'ValidationError',
    });
    expect((await create(limited.token, { permissions: [{ permission: 'roles:read', resourceIds: ['rol_a'] }] })).__typename).toBe('CreateApiKeySuccess');
  });

  it('a key without keys:write creates nothing', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const p = await create(reader.token, {});
    expect(p.__typename).toBe('ForbiddenError');
    expect(await sql(server, 'select id from api_key where user_id = ?', [reader.user.id])).toHaveLength(1);
  });

  it('acting as another user needs users:write and every permission the new key would hold', async () => {
    const org = await seedOrg(server);
    const admin = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read']);
    const target = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    expect(await create(admin.token, { userId: target.user.id, permissions: [{ permission: 'keys:read' }] })).toMatchObject({
      __typename: 'ForbiddenError',
      missingPermission: 'users:write',
    });
    const hr = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'users:write']);
    const owner = await whoAmI(server, org.token);
    // The owner user holds '*': a key acting as them must be narrowed to what the caller holds.
    expect(await create(hr.token, { userId: owner.userId })).toMatchObject({ __typename: 'ForbiddenError', missingPermission: '*' });
    expect(await create(hr.token, { userId: owner.userId, permissions: [{ permission: 'roles:write' }] })).toMatchObject({
      __typename: 'ForbiddenError',
      missingPermission: 'roles:write',
    });
    const ok = success(await create(hr.token, { userId: owner.userId, permissions: [{ permission: 'users:read' }] }), 'CreateApiKeySuccess');
    expect((await whoAmI(server, ok.token)).userId).toBe(owner.userId);
  });

  it('grants only sub-accounts the caller itself reaches', async () => {
    const org = await seedOrg(server);
    const s1 = await subAccount(org.token, 'S1');
    const s2 = await subAccount(org.token, 'S2');
    const s1child = await subAccount(org.token, 'S1a', s1.id);
    const noSubs = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read']);
    expect(await create(noSubs.token, { subAccounts: { mode: 'ALL' } })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create(noSubs.token, { subAccounts: { mode: 'SELECTED', organizationIds: [s1.id] } })).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: 'input.subAccounts.organizationIds.0', message: `sub-account ${s1.id} not found` }],
    });
    expect(await create(noSubs.token, { organizationId: s1.id })).toMatchObject({ __typename: 'NotFoundError' });

    const onlyS1 = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read'], { subAccounts: { mode: 'SELECTED', ids: [s1.id] } });
    expect(await create(onlyS1.token, { subAccounts: { mode: 'ALL' } })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create(onlyS1.token, { subAccounts: { mode: 'SELECTED', organizationIds: [s2.id] } })).toMatchObject({ __typename: 'ValidationError' });
    expect((await create(onlyS1.token, { subAccounts: { mode: 'SELECTED', organizationIds: [s1.id, s1child.id] } })).__typename).toBe('CreateApiKeySuccess');
    // Everything below S1 is within its reach, so a key of S1 may have ALL.
    expect((await create(onlyS1.token, { organizationId: s1.id, subAccounts: { mode: 'ALL' } })).__typename).toBe('CreateApiKeySuccess');
    expect(await create(onlyS1.token, { organizationId: s2.id })).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('a key of a sub-account user cannot act in the parent organisation', async () => {
    const org = await seedOrg(server);
    const sub = await subAccount(org.token, 'Location');
    const local = success(
      (await gql(server, org.token, CreateUser, { input: { name: 'Local', organizationId: sub.id } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    expect(await create(org.token, { userId: local.id, permissions: [] })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.userId' }] });
  });
});

describe('createApiKey across organisations', () => {
  it('a key of organisation A cannot create anything in B, act as B’s users or grant B as a sub-account', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bUser = success((await gql(server, b.token, CreateUser, { input: { name: 'B user' } })).data?.createUser, 'CreateUserSuccess').user;
    const before = await sql(
      server,
      `select (select count(*) from api_key where organization_id = ?)::int as keys, (select count(*) from event where organization_id = ?)::int as events`,
      [b.organizationId, b.organizationId],
    );
    const inB = await create(a.token, { organizationId: b.organizationId });
    expect(inB).toMatchObject({ __typename: 'NotFoundError' });
    expect(inB).not.toHaveProperty('apiKey');
    expect(await create(a.token, { userId: bUser.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await create(a.token, { userId: b.userId })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await create(a.token, { subAccounts: { mode: 'SELECTED', organizationIds: [b.organizationId] } })).toMatchObject({ __typename: 'ValidationError' });
    const after = await sql(
      server,
      `select (select count(*) from api_key where organization_id = ?)::int as keys, (select count(*) from event where organization_id = ?)::int as events`,
      [b.organizationId, b.organizationId],
    );
    expect(after).toEqual(before);
  });
});
