import type { MikroORM } from '@mikro-orm/postgresql';
import { newId } from '../../src/lib/ids.ts';
import { Role, RoleAssignment } from '../../src/db/entities/role.entity.ts';
import { User } from '../../src/db/entities/user.entity.ts';

/** A service user holding one role with `permissions`. */
export async function makeUserWithRole(orm: MikroORM, organizationId: string, permissions: string[]): Promise<{ userId: string }> {
  const em = orm.em.fork();
  const userId = newId('user');
  const roleId = newId('role');
  em.create(User, { id: userId, organizationId, name: 'bench service', email: null, kind: 'SERVICE', status: 'ACTIVE' } as never);
  em.create(Role, { id: roleId, organizationId, name: `bench ${roleId.slice(-6)}`, description: null, permissions } as never);
  em.create(RoleAssignment, { id: newId('roleAssignment'), userId, roleId, resourceLimits: null } as never);
  await em.flush();
  return { userId };
}
