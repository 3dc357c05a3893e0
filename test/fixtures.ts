import { issueKey } from '../src/modules/keys/api-key.factory.ts';
import type { Grant } from '../src/lib/permissions.ts';
import type { SubAccountGrant } from '../src/db/entities/api-key.entity.ts';
import type { KeyKind } from '../src/lib/token.ts';
import { gql, success, type TestServer } from './harness.ts';
import { AssignRoles, CreateRole, CreateUser } from './ops.ts';

/**
 * Creates a user holding a role with exactly `permissions` in `organizationId`, and a key for it
 * (through the real mutations, plus the key factory so these tests do not depend on createApiKey).
 */
export async function userWithKey(
  server: TestServer,
  ownerToken: string,
  organizationId: string,
  permissions: string[],
  opts: {
    kind?: KeyKind;
    restrict?: Grant[] | null;
    subAccounts?: SubAccountGrant;
    resourceLimits?: { resource: string; ids: string[] }[];
    keyOrganizationId?: string;
  } = {},
) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const user = success(
    (await gql(server, ownerToken, CreateUser, { input: { name: `u-${suffix}`, kind: 'SERVICE', organizationId } })).data?.createUser,
    'CreateUserSuccess',
  ).user;
  if (permissions.length) {
    const role = success(
      (await gql(server, ownerToken, CreateRole, { input: { name: `r-${suffix}`, permissions, organizationId } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    success(
      (await gql(server, ownerToken, AssignRoles, { input: { userId: user.id, roles: [{ roleId: role.id, resourceLimits: opts.resourceLimits ?? null }] } }))
        .data?.assignRoles,
      'AssignRolesSuccess',
    );
  }
  const em = server.app.orm.em.fork();
  const issued = issueKey(em, server.config.pepper, {
    organizationId: opts.keyOrganizationId ?? organizationId,
    userId: user.id,
    kind: opts.kind ?? 'SECRET',
    name: `k-${suffix}`,
    permissions: opts.restrict ?? null,
    subAccounts: opts.subAccounts,
  });
  await em.flush();
  return { user, token: issued.token, apiKeyId: issued.apiKey.id, keyId: issued.apiKey.keyId, secret: issued.secret };
}
