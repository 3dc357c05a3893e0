import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization } from '../ops.ts';
import { createKey, sql, whoAmI } from './helpers.ts';
import { ApiKeyQ, UpdateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function update(token: string, input: Record<string, unknown>) {
  return (await gql(server, token, UpdateApiKey, { input: input as never })).data!.updateApiKey;
}

describe('updateApiKey: no widening', () => {
  it('a key cannot widen itself', async () => {
    const org = await seedOrg(server);
    const me = await createKey(server, org.token, { permissions: [{ permission: 'keys:write' }] });
    expect(await update(me.token, { id: me.apiKey.id, permissions: null })).toMatchObject({ __typename: 'ForbiddenError', missingPermission: '*' });
    expect(await update(me.token, { id: me.apiKey.id, permissions: [{ permission: 'keys:write' }, { permission: 'roles:write' }] })).toMatchObject({
      __typename: 'ForbiddenError',
      missingPermission: 'roles:write',
    });
    expect(await update(me.token, { id: me.apiKey.id, subAccounts: { mode: 'ALL' } })).toMatchObject({ __typename: 'ForbiddenError' });
    const viewer = await gql(server, me.token, '{ viewer { permissions { permission } } }');
    expect(viewer.data).toEqual({ viewer: { permissions: [{ permission: 'keys:read' }, { permission: 'keys:write' }] } });
    // Narrowing itself is fine.
    expect((await update(me.token, { id: me.apiKey.id, permissions: [{ permission: 'keys:read' }] })).__typename).toBe('UpdateApiKeySuccess');
  });

  it('a key cannot widen another key beyond what it holds, nor touch a key wider than itself', async () => {
    const org = await seedOrg(server);
    const admin = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'users:read']);
    const target = await createKey(server, admin.token, { permissions: [{ permission: 'keys:read' }] });
    expect(await update(admin.token, { id: target.apiKey.id, permissions: [{ permission: 'roles:read' }] })).toMatchObject({ __typename: 'ValidationError' });
    // The owner's bootstrap key holds '*': the admin may not manage it at all.
    const owner = await whoAmI(server, org.token);
    expect(await update(admin.token, { id: owner.apiKeyId, name: 'pwned' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await update(admin.token, { id: owner.apiKeyId, allowedIps: ['10.0.0.1'] })).toMatchObject({ __typename: 'ForbiddenError' });
    const [row] = await sql<{ name: string }>(server, 'select name from api_key where id = ?', [owner.apiKeyId]);
    expect(row!.name).toBe('bootstrap');
  });

  it('moving a key to another user needs users:write and cannot hand it more than the caller holds', async () => {
    const org = await seedOrg(server);
    const keysOnly = await userWithKey(server, org.token, org.organizationId, ['keys:write']);
    const other = await userWithKey(server, org.token, org.organizationId, ['keys:write']);
    const mine = await createKey(server, keysOnly.token, { permissions: [{ permission: 'keys:read' }] });
    expect(await update(keysOnly.token, { id: mine.apiKey.id, userId: other.user.id })).toMatchObject({
      __typename: 'ForbiddenError',
      missingPermission: 'users:write',
    });

    const hr = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'users:write']);
    const hrKey = await createKey(server, hr.token, { permissions: [{ permission: 'keys:read' }] });
    const owner = await whoAmI(server, org.token);
    // Moving to the all-powerful owner with no restriction would hand out '*'.
    expect(await update(hr.token, { id: hrKey.apiKey.id, userId: owner.userId, permissions: null })).toMatchObject({
      __typename: 'ForbiddenError',
      missingPermission: '*',
    });
    expect((await update(hr.token, { id: hrKey.apiKey.id, userId: owner.userId })).__typename).toBe('UpdateApiKeySuccess');
    expect((await whoAmI(server, hrKey.token)).userId).toBe(owner.userId);
  });

  it('cannot reach into sub-accounts the caller does not reach', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const local = await createKey(server, org.token, { organizationId: sub.id, permissions: [{ permission: 'keys:read' }] });
    const noSubs = await userWithKey(server, org.token, org.organizationId, ['keys:write', 'keys:read']);
    expect(await update(noSubs.token, { id: local.apiKey.id, name: 'x' })).toMatchObject({ __typename: 'NotFoundError' });
    const mine = await createKey(server, noSubs.token, { permissions: [{ permission: 'keys:read' }] });
    expect(await update(noSubs.token, { id: mine.apiKey.id, subAccounts: { mode: 'SELECTED', organizationIds: [sub.id] } })).toMatchObject({
      __typename: 'ValidationError',
    });
  });
});

describe('updateApiKey across organisations', () => {
  it('a key of A cannot read or change a key of B', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bKey = await createKey(server, b.token, { name: 'b secret stuff' });
    const p = await update(a.token, { id: bKey.apiKey.id, name: 'hijacked', allowedIps: ['0.0.0.0/0'] });
    expect(p).toMatchObject({ __typename: 'NotFoundError' });
    expect(JSON.stringify(p)).not.toContain('b secret stuff');
    expect((await gql(server, a.token, ApiKeyQ, { id: bKey.apiKey.id })).data).toEqual({ apiKey: null });
    expect((await gql(server, b.token, ApiKeyQ, { id: bKey.apiKey.id })).data?.apiKey?.name).toBe('b secret stuff');
    // Moving A's key to act as B's user is just as impossible.
    const aKey = await createKey(server, a.token);
    expect(await update(a.token, { id: aKey.apiKey.id, userId: b.userId })).toMatchObject({ __typename: 'NotFoundError' });
  });
});
