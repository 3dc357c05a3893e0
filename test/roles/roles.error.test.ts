import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { AssignRoles, CreateRole, CreateUser, DeleteRole, UpdateRole } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('role errors', () => {
  it('rejects unknown permissions, naming each', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, CreateRole, { input: { name: 'r', permissions: ['users:read', 'invoices:read', 'nonsense'] } });
    const p = res.data?.createRole;
    expect(p?.__typename).toBe('ValidationError');
    if (p?.__typename === 'ValidationError') expect(p.fields.map((f) => f.path)).toEqual(['input.permissions.1', 'input.permissions.2']);
  });

  it('rejects duplicate role names and unknown roles in assignments', async () => {
    const root = await seedOrg(server);
    success((await gql(server, root.token, CreateRole, { input: { name: 'dup', permissions: [] } })).data?.createRole, 'CreateRoleSuccess');
    expect((await gql(server, root.token, CreateRole, { input: { name: 'dup', permissions: [] } })).data?.createRole.__typename).toBe('ConflictError');
    const user = success((await gql(server, root.token, CreateUser, { input: { name: 'u' } })).data?.createUser, 'CreateUserSuccess').user;
    const res = await gql(server, root.token, AssignRoles, { input: { userId: user.id, roles: [{ roleId: 'rol_unknown' }] } });
    const p = res.data?.assignRoles;
    expect(p?.__typename).toBe('ValidationError');
    if (p?.__typename === 'ValidationError') expect(p.fields[0]?.path).toBe('input.roles.0.roleId');
  });

  it('NotFound for unknown roles on update and delete', async () => {
    const root = await seedOrg(server);
    expect((await gql(server, root.token, UpdateRole, { input: { id: 'rol_x', name: 'y' } })).data?.updateRole.__typename).toBe('NotFoundError');
    expect((await gql(server, root.token, DeleteRole, { input: { id: 'rol_x' } })).data?.deleteRole.__typename).toBe('NotFoundError');
  });
});
