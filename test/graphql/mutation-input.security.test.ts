import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { CreateRole } from '../ops.ts';

/**
 * Every contract mutation checks its input against its service's schema in one place
 * (defineMutation): after the scope check, so a caller without the permission learns nothing
 * about the input's rules, and before the resolver loads anything, so an input that breaks a
 * limit is the payload's ValidationError whatever the ids it names.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('mutation inputs', () => {
  it('a caller without the permission is refused before its input is judged', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    const res = await gql(server, reader.token, CreateRole, { input: { name: 'x'.repeat(10_000), permissions: ['users:read'] } });
    expect(res.data?.createRole).toMatchObject({ __typename: 'ForbiddenError' });
  });

  it('an input past its limits is a ValidationError naming the field, before the object it names is looked up', async () => {
    const org = await seedOrg(server);
    const tooLong = await gql(server, org.token, CreateRole, { input: { name: 'x'.repeat(10_000), permissions: ['users:read'] } });
    expect(tooLong.data?.createRole).toMatchObject({ __typename: 'ValidationError', fields: [expect.objectContaining({ path: 'input.name' })] });
    // An unknown id with a bad field: the field is what is wrong (no lookup, no existence oracle).
    const unknown = await gql(
      server,
      org.token,
      'mutation($input: UpdateRoleInput!) { updateRole(input: $input) { __typename ... on ValidationError { fields { path } } } }',
      { input: { id: 'rol_nope', name: 'y'.repeat(10_000) } },
    );
    expect((unknown.data as { updateRole: unknown }).updateRole).toMatchObject({
      __typename: 'ValidationError',
      fields: [expect.objectContaining({ path: 'input.name' })],
    });
  });
});
