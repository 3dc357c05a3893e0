import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser, UpdateUser, Users } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('user errors', () => {
  it('validates name and email, naming the fields', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, CreateUser, { input: { name: '', email: 'not-an-email' } });
    const p = res.data?.createUser;
    expect(p?.__typename).toBe('ValidationError');
    if (p?.__typename === 'ValidationError') expect(p.fields.map((f) => f.path).sort()).toEqual(['input.email', 'input.name']);
    const long = await gql(server, root.token, CreateUser, { input: { name: 'x'.repeat(201) } });
    expect(long.data?.createUser.__typename).toBe('ValidationError');
  });

  it('rejects a duplicate email in the same organisation (case-insensitive), and a wrong enum value', async () => {
    const root = await seedOrg(server);
    success((await gql(server, root.token, CreateUser, { input: { name: 'A', email: 'a@example.com' } })).data?.createUser, 'CreateUserSuccess');
    const dup = await gql(server, root.token, CreateUser, { input: { name: 'B', email: 'A@Example.com' } });
    expect(dup.data?.createUser.__typename).toBe('ConflictError');
    const bad = await gql(server, root.token, 'mutation { createUser(input: { name: "x", kind: ROBOT }) { __typename } }');
    expect(bad.errors?.[0]?.message).toMatch(/ROBOT/);
  });

  it('a deleted user cannot be changed again; unknown users are NotFound', async () => {
    const root = await seedOrg(server);
    const u = success((await gql(server, root.token, CreateUser, { input: { name: 'Gone' } })).data?.createUser, 'CreateUserSuccess').user;
    success((await gql(server, root.token, UpdateUser, { input: { id: u.id, status: 'DELETED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect((await gql(server, root.token, UpdateUser, { input: { id: u.id, status: 'ACTIVE' } })).data?.updateUser.__typename).toBe('ConflictError');
    expect((await gql(server, root.token, UpdateUser, { input: { id: 'usr_nope', name: 'x' } })).data?.updateUser.__typename).toBe('NotFoundError');
    expect((await gql(server, root.token, Users, { filter: { search: 'x'.repeat(300) } })).errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });
});
