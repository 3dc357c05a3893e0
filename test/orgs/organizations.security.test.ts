import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { userWithKey } from '../fixtures.ts';
import { Catalog, CreateOrganization, DefineResource, OrganizationQ, Organizations, UpdateOrganization } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('organization security', () => {
  it('a key of organisation A can neither see nor change organisation B', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    expect((await gql(server, a.token, OrganizationQ, { id: b.organizationId })).data?.organization).toBeNull();
    const list = await gql(server, a.token, Organizations, { first: 200 });
    expect(list.data?.organizations.edges.map((e) => e.node.id)).toEqual([a.organizationId]);
    expect((await gql(server, a.token, UpdateOrganization, { input: { id: b.organizationId, name: 'pwned' } })).data?.updateOrganization.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, a.token, CreateOrganization, { input: { name: 'x', parentId: b.organizationId } })).data?.createOrganization.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, a.token, DefineResource, { input: { name: 'evil', organizationId: b.organizationId } })).data?.defineResource.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, a.token, Catalog, { organizationId: b.organizationId })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a sub-account key cannot reach its parent or sibling sub-accounts', async () => {
    const root = await seedOrg(server);
    const s1 = success(
      (await gql(server, root.token, CreateOrganization, { input: { name: 'S1' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const s2 = success(
      (await gql(server, root.token, CreateOrganization, { input: { name: 'S2' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const k = await userWithKey(server, root.token, s1.id, ['organizations:read', 'organizations:write']);
    expect((await gql(server, k.token, OrganizationQ, { id: root.organizationId })).data?.organization).toBeNull();
    expect((await gql(server, k.token, OrganizationQ, { id: s2.id })).data?.organization).toBeNull();
    expect(
      (await gql(server, k.token, UpdateOrganization, { input: { id: root.organizationId, inactivityDays: 0 } })).data?.updateOrganization.__typename,
    ).toBe('NotFoundError');
  });

  it('an agency key reaches only the sub-accounts it is granted', async () => {
    const root = await seedOrg(server);
    const s1 = success(
      (await gql(server, root.token, CreateOrganization, { input: { name: 'S1' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const s2 = success(
      (await gql(server, root.token, CreateOrganization, { input: { name: 'S2' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const none = await userWithKey(server, root.token, root.organizationId, ['organizations:read']);
    const selected = await userWithKey(server, root.token, root.organizationId, ['organizations:read'], { subAccounts: { mode: 'SELECTED', ids: [s1.id] } });
    const all = await userWithKey(server, root.token, root.organizationId, ['organizations:read'], { subAccounts: { mode: 'ALL' } });
    expect((await gql(server, none.token, OrganizationQ, { id: s1.id })).data?.organization).toBeNull();
    expect((await gql(server, selected.token, OrganizationQ, { id: s1.id })).data?.organization?.id).toBe(s1.id);
    expect((await gql(server, selected.token, OrganizationQ, { id: s2.id })).data?.organization).toBeNull();
    expect((await gql(server, all.token, OrganizationQ, { id: s2.id })).data?.organization?.id).toBe(s2.id);
  });

  it('read permission does not allow writes, and a publishable key is refused management', async () => {
    const root = await seedOrg(server);
    const reader = await userWithKey(server, root.token, root.organizationId, ['organizations:read']);
    const res = await gql(server, reader.token, UpdateOrganization, { input: { id: root.organizationId, name: 'x' } });
    expect(res.data?.updateOrganization.__typename).toBe('ForbiddenError');
    const pk = await userWithKey(server, root.token, root.organizationId, ['organizations:read', 'organizations:write'], { kind: 'PUBLISHABLE' });
    expect((await gql(server, pk.token, UpdateOrganization, { input: { id: root.organizationId, name: 'x' } })).data?.updateOrganization.__typename).toBe(
      'ForbiddenError',
    );
    expect((await gql(server, pk.token, OrganizationQ, { id: root.organizationId })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
