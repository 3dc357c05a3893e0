import type { MikroORM } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import { WILDCARD } from '../../lib/permissions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { issueKey } from '../keys/api-key.factory.ts';
import { Role, RoleAssignment } from '../roles/role.entity.ts';
import { User } from '../users/user.entity.ts';
import { Organization } from './organization.entity.ts';

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
    em.create(Organization, { id: orgId, name: trimmed, parentId: null, path: orgId, depth: 0, inactivityDays: 90, warningDays: [15, 7, 1] } as never);
    const user = em.create(User, { id: newId('user'), organizationId: orgId, name: 'Owner', email: null, kind: 'SERVICE', status: 'ACTIVE' } as never);
    const role = em.create(Role, {
      id: newId('role'),
      organizationId: orgId,
      name: 'owner',
      description: 'Every permission of the catalogue, including resources defined later',
      permissions: [WILDCARD],
    } as never);
    em.create(RoleAssignment, { id: newId('roleAssignment'), userId: user.id, roleId: role.id, resourceLimits: null } as never);
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
