import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { graphql } from '../gql/index.ts';
import { gql, success, type TestServer } from '../harness.ts';
import { newId } from '../../src/lib/ids.ts';
import { issueKey, type IssueKeyInput } from '../../src/modules/keys/api-key.factory.ts';
import { Organization } from '../../src/db/entities/organization.entity.ts';
import { Role, RoleAssignment } from '../../src/db/entities/role.entity.ts';
import { User } from '../../src/db/entities/user.entity.ts';
import type { BootstrapResult } from '../../src/modules/bootstrap/bootstrap.service.ts';

export const VerifyKey = graphql(`
  mutation VerifyKey($input: VerifyKeyInput!) {
    verifyKey(input: $input) {
      valid
      code
      organizationId
      userId
      permissions { permission resourceIds }
      withheldFields
      remaining
      rateLimit { limit remaining resetAt }
    }
  }
`);

export type VerifyAnswer = {
  valid: boolean;
  code: string;
  apiKey: { id: string; keyId: string; name: string; kind: string; status: string } | null;
  organizationId: string | null;
  userId: string | null;
  permissions: { permission: string; resourceIds: string[] | null }[];
  withheldFields: string[];
  remaining: number | null;
  rateLimit: { limit: number; remaining: number; resetAt: string } | null;
  poolRemaining: number | null;
};

export type VerifyInput = { token?: string; keyId?: string; secret?: string; ip?: string; permission?: string; resource?: string; cost?: number };

/** POST /v1/keys/verify with the caller's token; returns status and parsed body. */
export async function verifyHttp(server: { url: string }, callerToken: string | null, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/v1/keys/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(callerToken ? { authorization: `Bearer ${callerToken}` } : {}), ...headers },
    body: typeof input === 'string' ? input : JSON.stringify(input),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text) as VerifyAnswer & { errors?: { message: string; extensions: { code: string; fields?: unknown } }[] },
    text,
  };
}

/** A sub-account of `parentId`, written directly. */
export async function makeSubAccount(orm: MikroORM, parentId: string, name = 'Sub'): Promise<{ id: string; path: string }> {
  const em = orm.em.fork();
  const parent = await em.findOneOrFail(Organization, { id: parentId });
  const id = newId('organization');
  em.create(Organization, { id, name, parentId, path: `${parent.path}/${id}`, depth: parent.depth + 1, inactivityDays: 90, warningDays: [15, 7, 1] } as never);
  await em.flush();
  return { id, path: `${parent.path}/${id}` };
}

/** A service user holding one role with `permissions` (optionally limited to resource instances). */
export async function makeUser(
  orm: MikroORM,
  organizationId: string,
  permissions: string[],
  resourceLimits: Record<string, string[]> | null = null,
): Promise<{ userId: string; roleId: string }> {
  const em = orm.em.fork();
  const userId = newId('user');
  const roleId = newId('role');
  em.create(User, { id: userId, organizationId, name: `svc ${userId.slice(-4)}`, email: null, kind: 'SERVICE', status: 'ACTIVE' } as never);
  em.create(Role, { id: roleId, organizationId, name: `role ${roleId.slice(-6)}`, description: null, permissions } as never);
  em.create(RoleAssignment, { id: newId('roleAssignment'), userId, roleId, resourceLimits } as never);
  await em.flush();
  return { userId, roleId };
}

export type TestKey = { id: string; keyId: string; secret: string; token: string };

/** Issues a key with any options (rate limit, credits, window, IPs, restriction) and commits it. */
export async function makeKey(orm: MikroORM, pepper: Buffer, input: Partial<IssueKeyInput> & { organizationId: string; userId: string }): Promise<TestKey> {
  const em = orm.em.fork();
  const { apiKey, secret, token } = issueKey(em, pepper, { kind: 'SECRET', name: `key ${randomBytes(3).toString('hex')}`, ...input });
  await em.flush();
  return { id: apiKey.id, keyId: apiKey.keyId, secret, token };
}

/** Defines a host-application resource through the API (so caches are invalidated as in production). */
export async function defineResource(
  server: TestServer,
  org: BootstrapResult,
  input: { name: string; actions?: string[]; publicActions?: string[]; sensitiveFields?: string[] },
) {
  const res = await gql(
    server,
    org.token,
    graphql(`
      mutation DefineResourceForVerify($input: DefineResourceInput!) {
        defineResource(input: $input) { __typename ... on DefineResourceSuccess { resource { name } } }
      }
    `),
    { input: { organizationId: org.organizationId, ...input } },
  );
  success(res.data?.defineResource, 'DefineResourceSuccess');
}

/** Replaces one character of the secret body: the checksum no longer matches. */
export function typo(token: string): string {
  const i = token.length - 12;
  return token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
}
