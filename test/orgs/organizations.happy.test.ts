import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { Catalog, CreateOrganization, DefineResource, OrganizationQ, Organizations, UpdateOrganization } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('organizations', () => {
  it('creates sub-accounts that inherit settings, and lists them page by page', async () => {
    const root = await seedOrg(server);
    const updated = await gql(server, root.token, UpdateOrganization, { input: { id: root.organizationId, inactivityDays: 30, warningDays: [1, 10, 3, 3] } });
    expect(success(updated.data?.updateOrganization, 'UpdateOrganizationSuccess').organization).toMatchObject({ inactivityDays: 30, warningDays: [10, 3, 1] });
    const ids: string[] = [];
    for (const name of ['Loc 1', 'Loc 2', 'Loc 3']) {
      const res = await gql(server, root.token, CreateOrganization, { input: { name } });
      const org = success(res.data?.createOrganization, 'CreateOrganizationSuccess').organization;
      expect(org).toMatchObject({ name, parentId: root.organizationId, depth: 1, inactivityDays: 30, warningDays: [10, 3, 1] });
      ids.push(org.id);
    }
    const first = await gql(server, root.token, Organizations, { first: 2 });
    expect(first.data?.organizations.edges).toHaveLength(2);
    expect(first.data?.organizations.pageInfo.hasNextPage).toBe(true);
    const rest = await gql(server, root.token, Organizations, { first: 10, after: first.data?.organizations.pageInfo.endCursor });
    const all = [...first.data!.organizations.edges, ...rest.data!.organizations.edges].map((e) => e.node.id);
    expect(all.sort()).toEqual([root.organizationId, ...ids].sort());
    expect((await gql(server, root.token, OrganizationQ, { id: ids[0]! })).data?.organization?.name).toBe('Loc 1');
  });

  it('defines host resources that sub-accounts inherit', async () => {
    const root = await seedOrg(server);
    const defined = await gql(server, root.token, DefineResource, {
      input: { name: 'attendees', actions: ['read', 'write'], publicActions: ['read'], sensitiveFields: ['email', 'phone'] },
    });
    expect(success(defined.data?.defineResource, 'DefineResourceSuccess').resource).toMatchObject({
      name: 'attendees',
      publicActions: ['read'],
      builtIn: false,
    });
    const sub = success(
      (await gql(server, root.token, CreateOrganization, { input: { name: 'Sub' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const catalog = await gql(server, root.token, Catalog, { organizationId: sub.id });
    const attendees = catalog.data?.permissionCatalog.find((r) => r.name === 'attendees');
    expect(attendees).toMatchObject({ permissions: ['attendees:read', 'attendees:write'], sensitiveFields: ['email', 'phone'] });
    expect(catalog.data?.permissionCatalog.filter((r) => r.builtIn).map((r) => r.name)).toEqual([
      'organizations',
      'users',
      'roles',
      'keys',
      'usage',
      'events',
      'audit',
      'webhooks',
      'customers',
    ]);
  });

  it('records an event and an audit entry in the same transaction as the change', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, CreateOrganization, { input: { name: 'Audited' } });
    const org = success(res.data?.createOrganization, 'CreateOrganizationSuccess').organization;
    const conn = server.app.orm.em.getConnection();
    const events = await conn.execute<{ data: { organization: { id: string } } }[]>(
      `select type, data from event where organization_id = ? and type = 'organization.created'`,
      [root.organizationId],
    );
    expect(events.some((e: { data: { organization: { id: string } } }) => e.data.organization.id === org.id)).toBe(true);
    const audit = await conn.execute(`select action, actor_key_name from audit_entry where target_id = ?`, [org.id]);
    expect(audit).toEqual([{ action: 'organization.create', actor_key_name: 'bootstrap' }]);
  });
});
