import type { MikroORM } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import { WILDCARD } from '../../lib/permissions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { issueKey } from '../keys/api-key.factory.ts';
import { Role, RoleAssignment } from '../../db/entities/role.entity.ts';
import { User } from '../../db/entities/user.entity.ts';
import { Organization } from '../../db/entities/organization.entity.ts';

export type BootstrapResult = { organizationId: string; userId: string; keyId: string; secret: string; token: string };

/**
 * Creates a root organisation with an owner service user, an `owner` role holding every
 * built-in permission, and one secret key for that user. One transaction.
 */
export async function bootstrapOrganization(orm: MikroORM, pepper: Buffer, name: string): Promise<BootstrapResult> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw new Error('--org must be 1 to 200 characters');
  return orm.em.fork().transactional(async (em) => {
    const orgId = newId('organization');
    em.create(Organization, { id: orgId, name: trimmed, parentId: null, path: orgId, depth: 0, inactivityDays: 90, warningDays: [15, 7, 1] });
    const user = em.create(User, { id: newId('user'), organizationId: orgId, name: 'Owner', email: null, kind: 'SERVICE', status: 'ACTIVE' });
    const role = em.create(Role, {
      id: newId('role'),
      organizationId: orgId,
      name: 'owner',
      description: 'Every permission of the catalogue, including resources defined later',
      permissions: [WILDCARD],
    });
    em.create(RoleAssignment, { id: newId('roleAssignment'), userId: user.id, roleId: role.id, resourceLimits: null });
    const { apiKey, secret, token } = issueKey(em, pepper, {
      organizationId: orgId,
      userId: user.id,
      kind: 'SECRET',
      name: 'bootstrap',
      source: 'bootstrap',
      subAccounts: { mode: 'ALL' },
    });
    recordEvent(em, { type: 'organization.created', organizationId: orgId, data: { organization: { id: orgId, name: trimmed, parentId: null } } });
    recordEvent(em, { type: 'user.created', organizationId: orgId, data: { user: { id: user.id, name: user.name, kind: user.kind, status: user.status } } });
    recordEvent(em, {
      type: 'api_key.created',
      organizationId: orgId,
      keyId: apiKey.id,
      data: { apiKey: { id: apiKey.id, keyId: apiKey.keyId, name: apiKey.name, kind: apiKey.kind, userId: user.id } },
    });
    recordAudit(em, null, {
      organizationId: orgId,
      action: 'organization.bootstrap',
      targetType: 'Organization',
      targetId: orgId,
      changes: { name: { new: trimmed } },
    });
    return { organizationId: orgId, userId: user.id, keyId: apiKey.keyId, secret, token };
  });
}

/** Ids of root organisations with this name (bootstrap refuses a second one unless told). */
export async function rootOrganizationsNamed(orm: MikroORM, name: string): Promise<string[]> {
  const rows = await orm.em.fork().getConnection().execute<{ id: string }[]>('select id from organization where parent_id is null and name = ?', [name.trim()]);
  return rows.map((r) => r.id);
}

export type OperatorKeyResult = { organizationId: string; userId: string; apiKeyId: string; keyId: string; secret: string; token: string };

/**
 * A new key for an existing organisation, minted by the operator (the CLI), for the
 * organisation's owner: the user holding its `owner` role (the one bootstrap made), or the
 * user given. Audited and announced as any key creation is; the secret is returned once.
 */
export async function issueOperatorKey(
  orm: MikroORM,
  pepper: Buffer,
  opts: { organization: string; userId?: string; name?: string },
): Promise<OperatorKeyResult> {
  const name = (opts.name ?? 'operator').trim();
  if (!name || name.length > 200) throw new Error('--name must be 1 to 200 characters');
  return orm.em.fork().transactional(async (em) => {
    const conn = em.getConnection();
    const orgs = await conn.execute<{ id: string }[]>(
      'select id from organization where id = ? or (parent_id is null and name = ?)',
      [opts.organization, opts.organization],
      'all',
      em.getTransactionContext(),
    );
    if (orgs.length === 0) throw new Error(`no organisation ${opts.organization} (give its id, or the name of a root organisation)`);
    if (orgs.length > 1) throw new Error(`${orgs.length} root organisations are named ${opts.organization}: give the id`);
    const orgId = orgs[0]!.id;
    const users = opts.userId
      ? await conn.execute<{ id: string }[]>(
          `select id from app_user where id = ? and organization_id = ? and status = 'ACTIVE'`,
          [opts.userId, orgId],
          'all',
          em.getTransactionContext(),
        )
      : await conn.execute<{ id: string }[]>(
          `select u.id from app_user u join role_assignment a on a.user_id = u.id join role r on r.id = a.role_id
            where u.organization_id = ? and u.status = 'ACTIVE' and r.organization_id = ? and r.name = 'owner' order by u.created_at limit 1`,
          [orgId, orgId],
          'all',
          em.getTransactionContext(),
        );
    if (users.length === 0)
      throw new Error(opts.userId ? `no active user ${opts.userId} in ${orgId}` : `${orgId} has no active user holding its owner role: give --user`);
    const userId = users[0]!.id;
    const { apiKey, secret, token } = issueKey(em, pepper, {
      organizationId: orgId,
      userId,
      kind: 'SECRET',
      name,
      source: 'operator',
      subAccounts: { mode: 'ALL' },
    });
    recordEvent(em, {
      type: 'api_key.created',
      organizationId: orgId,
      keyId: apiKey.id,
      data: { apiKey: { id: apiKey.id, keyId: apiKey.keyId, name: apiKey.name, kind: apiKey.kind, userId } },
    });
    recordAudit(em, null, {
      organizationId: orgId,
      action: 'key.create',
      targetType: 'ApiKey',
      targetId: apiKey.id,
      changes: { name: { new: name }, source: { new: 'operator' } },
    });
    return { organizationId: orgId, userId, apiKeyId: apiKey.id, keyId: apiKey.keyId, secret, token };
  });
}
