import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { CreateUser } from '../../../test/ops.js';
import { type App, appTester, authData, failure, integrationKey, method } from './helpers.js';
import { OwnerUser } from './ops.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Auth = ReturnType<typeof authData>;
const create = (key: keyof typeof App.creates, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`creates.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never });
const search = (key: keyof typeof App.searches, auth: Auth, inputData: Record<string, unknown>) =>
  appTester(method(`searches.${key}.operation.perform`) as never, { authData: auth, inputData: inputData as never });

describe('Zapier action errors', () => {
  it('Create API Key: invalid input comes back as a validation error naming the fields', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: '' }, /input\.name/],
      [{ name: 'x', permissions: ['not a permission'] }, /permissions/],
      [{ name: 'x', allowedIps: ['300.1.1.1'] }, /allowedIps/],
    ];
    for (const [input, field] of cases) {
      const f = await failure(create('create_api_key', auth, input));
      expect(f, JSON.stringify(input)).toMatchObject({ name: 'AppError' });
      expect(f.code, JSON.stringify(input)).toBe('VALIDATION');
      expect(f.message, JSON.stringify(input)).toMatch(field);
    }
    // Zapier normalises datetime fields, but a raw value that slips through is refused by the scalar.
    const date = await failure(create('create_api_key', auth, { name: 'x', validUntil: 'next tuesday' }));
    expect(date).toMatchObject({ name: 'AppError', code: 'GraphQLError' });
    expect(date.message).toMatch(/DateTime/);
  });

  it('Rotate and Revoke: an unknown key is not found; a revoked key cannot be revoked or rotated again', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    for (const key of ['rotate_api_key', 'revoke_api_key'] as const) {
      expect(await failure(create(key, auth, { id: 'key_AAAAAAAAAAAAAAAAAAAA' }))).toMatchObject({ name: 'AppError', code: 'NOT_FOUND', status: 404 });
    }
    const made = (await create('create_api_key', auth, { name: 'short-lived' })) as { id: string };
    await create('revoke_api_key', auth, { id: made.id });
    expect(await failure(create('revoke_api_key', auth, { id: made.id }))).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect(await failure(create('rotate_api_key', auth, { id: made.id }))).toMatchObject({ code: 'CONFLICT', status: 409 });
  });

  it('Rotate API Key: a grace period beyond 7 days is refused', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    const made = (await create('create_api_key', auth, { name: 'graceful' })) as { id: string };
    const f = await failure(create('rotate_api_key', auth, { id: made.id, gracePeriodSeconds: 8 * 86_400 }));
    expect(f).toMatchObject({ code: 'VALIDATION' });
    expect(f.message).toMatch(/gracePeriodSeconds/);
  });

  it('Create User: a taken email conflicts; an unknown role leaves the user without roles and says which', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    success((await gql(server, org.token, CreateUser, { input: { name: 'Ada', email: 'ada@example.com' } })).data?.createUser, 'CreateUserSuccess');
    expect(await failure(create('create_user', auth, { name: 'Ada 2', email: 'ADA@example.com' }))).toMatchObject({ code: 'CONFLICT' });

    const f = await failure(create('create_user', auth, { name: 'Roleless', roleIds: ['rol_AAAAAAAAAAAAAAAAAAAA'] }));
    expect(f).toMatchObject({ code: 'VALIDATION' });
    expect(f.message).toMatch(/roles/);
    const [row] = (await search('find_user', auth, { name: 'Roleless' })) as { id: string }[];
    expect((await gql(server, org.token, OwnerUser, { id: row!.id })).data?.user?.roles).toEqual([]);
  });

  it('a key without the permission gets Keyplane’s FORBIDDEN', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org, ['keys:read', 'users:read'])).token);
    expect(await failure(create('create_api_key', auth, { name: 'nope' }))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(await failure(create('create_user', auth, { name: 'nope' }))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });

  it('searches need something to search by', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    expect(await failure(search('find_user', auth, {}))).toMatchObject({ code: 'MissingInput' });
    expect(await failure(search('find_api_key', auth, { name: '  ' }))).toMatchObject({ code: 'MissingInput' });
  });
});
