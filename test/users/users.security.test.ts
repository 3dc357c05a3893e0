import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { userWithKey } from '../fixtures.ts';
import { CreateUser, UpdateUser, UserQ, Users } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('user security', () => {
  it('organisation A can neither list, read, create in nor change users of B', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const list = await gql(server, a.token, Users, { filter: { organizationId: b.organizationId } });
    expect(list.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server, a.token, UserQ, { id: b.userId })).data?.user).toBeNull();
    expect((await gql(server, a.token, CreateUser, { input: { name: 'x', organizationId: b.organizationId } })).data?.createUser.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, a.token, UpdateUser, { input: { id: b.userId, status: 'DISABLED' } })).data?.updateUser.__typename).toBe('NotFoundError');
    // B's owner still works.
    expect((await gql(server, b.token, Users, {})).status).toBe(200);
  });

  it('users:read cannot create or disable users', async () => {
    const root = await seedOrg(server);
    const reader = await userWithKey(server, root.token, root.organizationId, ['users:read']);
    const res = await gql(server, reader.token, UpdateUser, { input: { id: root.userId, status: 'DISABLED' } });
    expect(res.data?.updateUser.__typename).toBe('ForbiddenError');
    expect((await gql(server, reader.token, CreateUser, { input: { name: 'x' } })).data?.createUser.__typename).toBe('ForbiddenError');
  });

  it('a key restricted below its user cannot use the user’s other permissions', async () => {
    const root = await seedOrg(server);
    const k = await userWithKey(server, root.token, root.organizationId, ['users:read', 'users:write'], { restrict: [{ permission: 'users:read' }] });
    expect((await gql(server, k.token, Users, {})).status).toBe(200);
    expect((await gql(server, k.token, CreateUser, { input: { name: 'x' } })).data?.createUser.__typename).toBe('ForbiddenError');
  });
});
