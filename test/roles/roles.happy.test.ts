import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { userWithKey } from '../fixtures.ts';
import { AssignRoles, CreateRole, CreateUser, DefineResource, DeleteRole, Roles, UpdateRole, UserQ, ViewerPerms } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('roles', () => {
  it('creates, updates, lists and deletes roles; write implies read', async () => {
    const root = await seedOrg(server);
    const role = success(
      (await gql(server, root.token, CreateRole, { input: { name: 'support', permissions: ['users:write', 'users:write', 'keys:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    expect(role.permissions).toEqual(['keys:read', 'users:write']);
    const k = await userWithKey(server, root.token, root.organizationId, ['users:write']);
    const perms = (await gql(server, k.token, ViewerPerms)).data?.viewer.permissions.map((p) => p.permission);
    expect(perms).toEqual(['users:read', 'users:write']);
    const updated = await gql(server, root.token, UpdateRole, { input: { id: role.id, name: 'support-2', permissions: ['keys:read'] } });
    expect(success(updated.data?.updateRole, 'UpdateRoleSuccess').role).toMatchObject({ name: 'support-2', permissions: ['keys:read'] });
    const list = await gql(server, root.token, Roles, {});
    expect(list.data?.roles.edges.map((e) => e.node.name)).toContain('support-2');
    success((await gql(server, root.token, DeleteRole, { input: { id: role.id } })).data?.deleteRole, 'DeleteRoleSuccess');
    expect((await gql(server, root.token, Roles, {})).data?.roles.edges.map((e) => e.node.id)).not.toContain(role.id);
  });

  it('assigns roles limited to chosen resource instances (attendees 12 and 31 only)', async () => {
    const root = await seedOrg(server);
    // The owner holds `*`, so host resources defined later are its to grant.
    success(
      (await gql(server, root.token, DefineResource, { input: { name: 'attendees', actions: ['read', 'write'] } })).data?.defineResource,
      'DefineResourceSuccess',
    );
    const k = await userWithKey(server, root.token, root.organizationId, ['attendees:write'], {
      resourceLimits: [{ resource: 'attendees', ids: ['12', '31'] }],
    });
    const perms = (await gql(server, k.token, ViewerPerms)).data?.viewer.permissions;
    expect(perms).toEqual([
      { permission: 'attendees:read', resourceIds: ['12', '31'] },
      { permission: 'attendees:write', resourceIds: ['12', '31'] },
    ]);
    const assignments = (await gql(server, root.token, UserQ, { id: k.user.id })).data?.user?.roles;
    expect(assignments?.[0]?.resourceLimits).toEqual([{ resource: 'attendees', ids: ['12', '31'] }]);
  });

  it('narrowing a role takes effect on the next request of keys holding it', async () => {
    const root = await seedOrg(server);
    const role = success(
      (await gql(server, root.token, CreateRole, { input: { name: 'rw', permissions: ['users:read', 'users:write'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    const user = success((await gql(server, root.token, CreateUser, { input: { name: 'svc', kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess').user;
    success((await gql(server, root.token, AssignRoles, { input: { userId: user.id, roles: [{ roleId: role.id }] } })).data?.assignRoles, 'AssignRolesSuccess');
    const em = server.app.orm.em.fork();
    const { issueKey } = await import('../../src/modules/keys/api-key.factory.ts');
    const k = issueKey(em, server.config.pepper, { organizationId: root.organizationId, userId: user.id, kind: 'SECRET', name: 'k' });
    await em.flush();
    expect((await gql(server, k.token, CreateUser, { input: { name: 'a' } })).data?.createUser.__typename).toBe('CreateUserSuccess');
    success((await gql(server, root.token, UpdateRole, { input: { id: role.id, permissions: ['users:read'] } })).data?.updateRole, 'UpdateRoleSuccess');
    expect((await gql(server, k.token, CreateUser, { input: { name: 'b' } })).data?.createUser.__typename).toBe('ForbiddenError');
    const assignments = (await gql(server, root.token, UserQ, { id: user.id })).data?.user?.roles;
    expect(assignments?.map((a) => a.role?.name)).toEqual(['rw']);
  });
});
