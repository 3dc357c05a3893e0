import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { userWithKey } from '../fixtures.ts';
import { AssignRoles, CreateOrganization, CreateRole, CreateUser, DeleteRole, Roles, UpdateRole, ViewerPerms } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('role escalation', () => {
  it('a key cannot create a role holding more than it holds', async () => {
    const root = await seedOrg(server);
    const admin = await userWithKey(server, root.token, root.organizationId, ['roles:write', 'users:read']);
    const res = await gql(server, admin.token, CreateRole, { input: { name: 'boss', permissions: ['keys:write'] } });
    expect(res.data?.createRole).toMatchObject({ __typename: 'ForbiddenError', missingPermission: 'keys:write' });
    const wildcard = await gql(server, admin.token, CreateRole, { input: { name: 'all', permissions: ['*'] } });
    expect(wildcard.data?.createRole.__typename).toBe('ForbiddenError');
    const ok = await gql(server, admin.token, CreateRole, { input: { name: 'reader', permissions: ['users:read'] } });
    expect(ok.data?.createRole.__typename).toBe('CreateRoleSuccess');
  });

  it('a key cannot widen an existing role, nor assign roles beyond its own permissions (to itself or others)', async () => {
    const root = await seedOrg(server);
    const admin = await userWithKey(server, root.token, root.organizationId, ['roles:write', 'users:read']);
    const mine = success(
      (await gql(server, admin.token, CreateRole, { input: { name: 'mine', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    expect(
      (await gql(server, admin.token, UpdateRole, { input: { id: mine.id, permissions: ['users:read', 'users:write'] } })).data?.updateRole.__typename,
    ).toBe('ForbiddenError');
    const owner = (await gql(server, root.token, Roles, {})).data!.roles.edges.find((e) => e.node.name === 'owner')!.node;
    // Assigning the owner role to itself would be escalation.
    expect(
      (await gql(server, admin.token, AssignRoles, { input: { userId: admin.user.id, roles: [{ roleId: owner.id }] } })).data?.assignRoles.__typename,
    ).toBe('ForbiddenError');
    // Nor can it edit or delete a role that holds more than it does (owner).
    expect((await gql(server, admin.token, UpdateRole, { input: { id: owner.id, permissions: [] } })).data?.updateRole.__typename).toBe('ForbiddenError');
    expect((await gql(server, admin.token, DeleteRole, { input: { id: owner.id } })).data?.deleteRole.__typename).toBe('ForbiddenError');
    // Nor strip the owner's roles (taking away what it does not hold).
    expect((await gql(server, admin.token, AssignRoles, { input: { userId: root.userId, roles: [] } })).data?.assignRoles.__typename).toBe('ForbiddenError');
    const perms = (await gql(server, admin.token, ViewerPerms)).data?.viewer.permissions.map((p) => p.permission);
    expect(perms).toEqual(['roles:read', 'roles:write', 'users:read']);
  });

  it('a restricted key cannot grant its user’s unrestricted permissions', async () => {
    const root = await seedOrg(server);
    const k = await userWithKey(server, root.token, root.organizationId, ['roles:write', 'users:write'], { restrict: [{ permission: 'roles:write' }] });
    expect((await gql(server, k.token, CreateRole, { input: { name: 'x', permissions: ['users:write'] } })).data?.createRole.__typename).toBe('ForbiddenError');
  });

  it('cannot use another organisation’s roles or users, nor a sub-account’s role outside its reach', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bRole = success(
      (await gql(server, b.token, CreateRole, { input: { name: 'b', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    const aUser = success((await gql(server, a.token, CreateUser, { input: { name: 'u' } })).data?.createUser, 'CreateUserSuccess').user;
    const res = await gql(server, a.token, AssignRoles, { input: { userId: aUser.id, roles: [{ roleId: bRole.id }] } });
    expect(res.data?.assignRoles.__typename).toBe('ValidationError');
    expect((await gql(server, a.token, AssignRoles, { input: { userId: b.userId, roles: [] } })).data?.assignRoles.__typename).toBe('NotFoundError');
    expect((await gql(server, a.token, UpdateRole, { input: { id: bRole.id, name: 'pwn' } })).data?.updateRole.__typename).toBe('NotFoundError');
    expect((await gql(server, a.token, Roles, { organizationId: b.organizationId })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // A sub-account's roles cannot be handed to the parent's users (roles flow down, not up).
    const sub = success(
      (await gql(server, a.token, CreateOrganization, { input: { name: 's' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const subRole = success(
      (await gql(server, a.token, CreateRole, { input: { name: 's', permissions: ['users:read'], organizationId: sub.id } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    expect((await gql(server, a.token, AssignRoles, { input: { userId: aUser.id, roles: [{ roleId: subRole.id }] } })).data?.assignRoles.__typename).toBe(
      'ValidationError',
    );
  });
});
