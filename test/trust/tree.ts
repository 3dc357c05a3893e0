import { issueKey } from '../../src/modules/keys/api-key.factory.ts';
import type { SubAccountGrant } from '../../src/db/entities/api-key.entity.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, success, type Auth, type TestServer } from '../harness.ts';
import { AssignRoles, CreateOrganization, CreateUser } from '../ops.ts';

/** Every built-in permission but verification: what an organisation's administrator holds. */
export const ADMIN = ['organizations:write', 'users:write', 'roles:write', 'keys:write', 'usage:read', 'events:read', 'audit:read', 'webhooks:write'];
/** Every built-in read permission. */
export const READER = ['organizations:read', 'users:read', 'roles:read', 'keys:read', 'usage:read', 'events:read', 'audit:read', 'webhooks:read'];

export type Tree = Awaited<ReturnType<typeof agencyTree>>;

/**
 * An agency with two sub-accounts and an unrelated organisation:
 * - `agency`: the bootstrap owner key (`*`, every sub-account);
 * - `admin`: a person at the agency holding the owner role, with an email;
 * - `adminKeyInS1`: a key living in sub-account s1 that acts as that agency admin;
 * - `s1Reader`: a key of a user of s1 holding every read permission;
 * - `granted` / `ungranted`: agency keys with every read permission, reaching s1 only / no sub-account;
 * - `other`: the bootstrap owner of an unrelated organisation.
 */
export async function agencyTree(server: TestServer) {
  const agency = await seedOrg(server, `Agency ${Math.random().toString(36).slice(2, 8)}`);
  const other = await seedOrg(server, `Other ${Math.random().toString(36).slice(2, 8)}`);
  const sub = async (name: string) =>
    success((await gql(server, agency.token, CreateOrganization, { input: { name } })).data?.createOrganization, 'CreateOrganizationSuccess').organization;
  const s1 = await sub('Location one');
  const s2 = await sub('Location two');
  const ownerRoleId = (
    await server.app.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>("select id from role where organization_id = ? and name = 'owner'", [agency.organizationId])
  )[0]!.id;
  const admin = success(
    (await gql(server, agency.token, CreateUser, { input: { name: 'Agency Admin', email: 'admin@agency.test', kind: 'HUMAN' } })).data?.createUser,
    'CreateUserSuccess',
  ).user;
  success(
    (await gql(server, agency.token, AssignRoles, { input: { userId: admin.id, roles: [{ roleId: ownerRoleId }] } })).data?.assignRoles,
    'AssignRolesSuccess',
  );
  const adminKeyInS1 = await keyFor(server, { organizationId: s1.id, userId: admin.id, subAccounts: { mode: 'NONE' } });
  const s1Reader = await userWithKey(server, agency.token, s1.id, [...READER, 'keys:verify']);
  const granted = await userWithKey(server, agency.token, agency.organizationId, READER, { subAccounts: { mode: 'SELECTED', ids: [s1.id] } });
  const ungranted = await userWithKey(server, agency.token, agency.organizationId, READER, { subAccounts: { mode: 'NONE' } });
  return { agency, other, s1, s2, ownerRoleId, admin, adminKeyInS1, s1Reader, granted, ungranted };
}

/** A key issued directly (no caller checks): for setting up the situations under test. */
export async function keyFor(server: TestServer, opts: { organizationId: string; userId: string; subAccounts?: SubAccountGrant; name?: string }) {
  const em = server.app.orm.em.fork();
  const issued = issueKey(em, server.config.pepper, {
    organizationId: opts.organizationId,
    userId: opts.userId,
    kind: 'SECRET',
    name: opts.name ?? `key-${Math.random().toString(36).slice(2, 8)}`,
    subAccounts: opts.subAccounts ?? { mode: 'NONE' },
  });
  await em.flush();
  return { token: issued.token, apiKeyId: issued.apiKey.id, keyId: issued.apiKey.keyId };
}

/** Runs a GraphQL document given as text and returns data and errors. */
export async function run(server: TestServer, auth: Auth, query: string, variables: Record<string, unknown> = {}) {
  return gql<any, Record<string, unknown>>(server, auth, query, variables);
}
