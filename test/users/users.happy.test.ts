import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser, UpdateUser, Users, ViewerPerms } from '../ops.ts';
import { userWithKey } from '../fixtures.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('users', () => {
  it('creates people and service users, lists and searches them', async () => {
    const root = await seedOrg(server);
    const alice = success(
      (await gql(server, root.token, CreateUser, { input: { name: 'Alice', email: 'alice@example.com' } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    expect(alice).toMatchObject({ kind: 'HUMAN', status: 'ACTIVE', organizationId: root.organizationId });
    success((await gql(server, root.token, CreateUser, { input: { name: 'CI bot', kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess');
    const all = await gql(server, root.token, Users, {});
    expect(all.data?.users.edges.map((e) => e.node.name).sort()).toEqual(['Alice', 'CI bot', 'Owner']);
    const found = await gql(server, root.token, Users, { filter: { search: 'ALICE' } });
    expect(found.data?.users.edges.map((e) => e.node.id)).toEqual([alice.id]);
    const services = await gql(server, root.token, Users, { filter: { kind: 'SERVICE' } });
    expect(services.data?.users.edges.map((e) => e.node.name).sort()).toEqual(['CI bot', 'Owner']);
  });

  it('disabling a user stops their key on its next request; re-enabling restores it', async () => {
    const root = await seedOrg(server);
    const k = await userWithKey(server, root.token, root.organizationId, ['users:read']);
    expect((await gql(server, k.token, ViewerPerms)).status).toBe(200);
    const off = await gql(server, root.token, UpdateUser, { input: { id: k.user.id, status: 'DISABLED' } });
    expect(success(off.data?.updateUser, 'UpdateUserSuccess').user.status).toBe('DISABLED');
    expect((await gql(server, k.token, ViewerPerms)).status).toBe(401);
    success((await gql(server, root.token, UpdateUser, { input: { id: k.user.id, status: 'ACTIVE' } })).data?.updateUser, 'UpdateUserSuccess');
    expect((await gql(server, k.token, ViewerPerms)).status).toBe(200);
  });

  it('deleting a user stops their keys for good and hides them from lists', async () => {
    const root = await seedOrg(server);
    const k = await userWithKey(server, root.token, root.organizationId, ['users:read']);
    success((await gql(server, root.token, UpdateUser, { input: { id: k.user.id, status: 'DELETED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect((await gql(server, k.token, ViewerPerms)).status).toBe(401);
    const list = await gql(server, root.token, Users, {});
    expect(list.data?.users.edges.map((e) => e.node.id)).not.toContain(k.user.id);
    const types = await server.app.orm.em
      .getConnection()
      .execute<{ type: string }[]>(`select type from event where type like 'user.%' and data->'user'->>'id' = ? order by seq`, [k.user.id]);
    expect(types.map((t: { type: string }) => t.type)).toEqual(['user.created', 'user.deleted']);
  });
});
