import { z } from 'zod';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import type { PermissionMap } from '../../lib/permissions.ts';
import { assertHolds, assertMayManageRole } from '../auth/policy.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { assertKnownPermissions } from '../principal/resource-definitions.ts';
import { recordEvent } from '../events/event.service.ts';
import { pathIds, userPermissions } from '../principal/key-record.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { getUserFor } from '../users/user.service.ts';
import { Role, RoleAssignment, type ResourceLimits } from '../../db/entities/role.entity.ts';

const permissionList = z.array(z.string().max(100)).max(200);
const createSchema = z.object({
  organizationId: z.string().max(64).nullish(),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(1000).nullish(),
  permissions: permissionList,
});
const updateSchema = z.object({
  id: z.string().max(64),
  name: z.string().trim().min(1).max(100).nullish(),
  description: z.string().max(1000).nullish(),
  permissions: permissionList.nullish(),
});
const assignSchema = z.object({
  userId: z.string().max(64),
  roles: z
    .array(
      z.object({
        roleId: z.string().max(64),
        resourceLimits: z
          .array(z.object({ resource: z.string().max(64), ids: z.array(z.string().min(1).max(128)).min(1).max(1000) }))
          .max(50)
          .nullish(),
      }),
    )
    .max(100),
});

const deleteSchema = z.object({ id: z.string().max(64) });

export function roleJson(r: Role) {
  return { id: r.id, organizationId: r.organizationId, name: r.name, description: r.description, permissions: r.permissions };
}

const normalise = (perms: string[]) => [...new Set(perms)].sort();

/** Nobody grants what they do not hold: every permission must be within the caller's own. */
function assertHeld(ctx: ServiceContext, granted: PermissionMap, what: string): void {
  assertHolds(ctx.actor, granted, what);
}

async function getRoleFor(ctx: ServiceContext, id: string, permission: string): Promise<{ role: Role; org: Organization }> {
  const { obj, org } = await ctx.reach.require('Role', id, permission);
  return { role: obj, org };
}

/** A role the caller may read, or null. */
export function findRole(ctx: ServiceContext, id: string): Promise<Role | null> {
  return ctx.reach.load('Role', id);
}

export async function listRoles(ctx: ServiceContext, filter: { organizationId?: string | null }, page: PageArgs) {
  const org = await targetOrganization(ctx, filter.organizationId, 'roles:read');
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(Role, { $and: [ks.where, { organizationId: org.id }] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(Role, { organizationId: org.id }, read));
}

export async function createRole(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<Role> {
  const org = await targetOrganization(ctx, data.organizationId, 'roles:write');
  await assertKnownPermissions(ctx.em, org, data.permissions, 'input.permissions');
  const permissions = normalise(data.permissions);
  assertHeld(ctx, userPermissions([{ permissions, resource_limits: null }]), 'The role');
  if (await ctx.em.findOne(Role, { organizationId: org.id, name: data.name })) throw new ConflictError(`A role named ${data.name} already exists`);
  const role = ctx.em.create(Role, { id: newId('role'), organizationId: org.id, name: data.name, description: data.description ?? null, permissions });
  recordEvent(ctx.em, { type: 'role.created', organizationId: org.id, data: { role: roleJson(role) } });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'role.create',
    targetType: 'Role',
    targetId: role.id,
    changes: { name: { new: role.name }, permissions: { new: permissions } },
  });
  await commit(ctx);
  return role;
}

export async function updateRole(ctx: ServiceContext, data: z.output<typeof updateSchema>): Promise<Role> {
  const { role, org } = await getRoleFor(ctx, data.id, 'roles:write');
  const before = roleJson(role);
  // Changing a role changes what its holders can do: the caller must hold all of it, before and after.
  assertMayManageRole(ctx.actor, role);
  if (data.permissions) {
    await assertKnownPermissions(ctx.em, org, data.permissions, 'input.permissions');
    const permissions = normalise(data.permissions);
    assertHeld(ctx, userPermissions([{ permissions, resource_limits: null }]), 'The role');
    role.permissions = permissions;
  }
  if (data.name != null && data.name !== role.name) {
    if (await ctx.em.findOne(Role, { organizationId: org.id, name: data.name })) throw new ConflictError(`A role named ${data.name} already exists`);
    role.name = data.name;
  }
  if (data.description !== undefined) role.description = data.description ?? null;
  const after = roleJson(role);
  const changes = diff(before, after, ['name', 'description', 'permissions']);
  if (Object.keys(changes).length === 0) return role;
  recordEvent(ctx.em, { type: 'role.updated', organizationId: org.id, data: { role: after, changes } });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: 'role.update', targetType: 'Role', targetId: role.id, changes });
  await commit(ctx, [{ scope: 'org', organizationId: org.id }]);
  return role;
}

export async function deleteRole(ctx: ServiceContext, data: z.output<typeof deleteSchema>): Promise<Role> {
  const { role, org } = await getRoleFor(ctx, data.id, 'roles:write');
  assertMayManageRole(ctx.actor, role);
  const json = roleJson(role);
  // Assignments, the role, its event and audit entry: one transaction.
  await ctx.em.transactional(async (tx) => {
    await tx.nativeDelete(RoleAssignment, { roleId: role.id });
    await tx.nativeDelete(Role, { id: role.id });
    recordEvent(tx, { type: 'role.deleted', organizationId: org.id, data: { role: json } });
    recordAudit(tx, ctx.actor, { organizationId: org.id, action: 'role.delete', targetType: 'Role', targetId: role.id, changes: { name: { old: role.name } } });
  });
  await ctx.deps.invalidate({ scope: 'org', organizationId: org.id });
  return role;
}

export type Assignment = { role: Role; resourceLimits: ResourceLimits | null };

export function assignmentsOf(ctx: ServiceContext, userId: string): Promise<Assignment[]> {
  // Batched: a list of users asks for every user's roles in two queries.
  return ctx.reach
    .batched<string, Assignment[]>('assignmentsByUser', async (userIds) => {
      const rows = await ctx.em.find(RoleAssignment, { userId: { $in: [...new Set(userIds)] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      const roles = rows.length ? await ctx.em.find(Role, { id: { $in: [...new Set(rows.map((r) => r.roleId))] } }) : [];
      const byId = new Map(roles.map((r) => [r.id, r]));
      const byUser = new Map<string, Assignment[]>();
      for (const r of rows) {
        const role = byId.get(r.roleId);
        if (!role) continue;
        const list = byUser.get(r.userId) ?? [];
        list.push({ role, resourceLimits: r.resourceLimits ?? null });
        byUser.set(r.userId, list);
      }
      return userIds.map((id) => byUser.get(id) ?? []);
    })
    .load(userId);
}

/**
 * Replaces a user's role assignments. Roles must belong to the user's organisation or an
 * ancestor; the caller must hold everything granted and everything taken away.
 */
export async function assignRoles(ctx: ServiceContext, data: z.output<typeof assignSchema>) {
  const { user, org } = await getUserFor(ctx, data.userId, 'roles:write');
  if (user.status === 'DELETED') throw new ConflictError('A deleted user cannot be given roles');
  const roleIds = data.roles.map((r) => r.roleId);
  if (new Set(roleIds).size !== roleIds.length) throw ValidationError.field('input.roles', 'a role is listed twice');
  // Roles of the user's organisation or above it, and within the caller's reach (a sub-account's
  // admin cannot hand out an agency's roles it cannot see).
  const found = roleIds.length ? await ctx.em.find(Role, { id: { $in: roleIds }, organizationId: { $in: pathIds(org.path) } }) : [];
  const roles = await ctx.reach.filter('Role', found);
  const byId = new Map(roles.map((r) => [r.id, r]));
  const fields = roleIds.flatMap((id, i) => (byId.has(id) ? [] : [{ path: `input.roles.${i}.roleId`, message: `role ${id} not found` }]));
  if (fields.length) throw new ValidationError(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);

  const next = data.roles.map((r) => {
    const limits: ResourceLimits | null = r.resourceLimits?.length ? Object.fromEntries(r.resourceLimits.map((l) => [l.resource, [...new Set(l.ids)]])) : null;
    return { role: byId.get(r.roleId)!, limits };
  });
  const current = await ctx.em.find(RoleAssignment, { userId: user.id });
  const currentRoles = current.length ? await ctx.em.find(Role, { id: { $in: current.map((c) => c.roleId) } }) : [];
  const currentById = new Map(currentRoles.map((r) => [r.id, r]));
  assertHeld(ctx, userPermissions(next.map((n) => ({ permissions: n.role.permissions, resource_limits: n.limits }))), 'The new assignments');
  assertHeld(
    ctx,
    userPermissions(
      current
        .filter((c) => currentById.has(c.roleId))
        .map((c) => ({ permissions: currentById.get(c.roleId)!.permissions, resource_limits: c.resourceLimits ?? null })),
    ),
    'The current assignments',
  );

  const changes = {
    roles: {
      old: current.map((c) => ({ roleId: c.roleId, resourceLimits: c.resourceLimits })),
      new: next.map((n) => ({ roleId: n.role.id, resourceLimits: n.limits })),
    },
  };
  // unique (user, role): the old rows go first, natively, inside the same transaction.
  await ctx.em.transactional(async (tx) => {
    await tx.nativeDelete(RoleAssignment, { userId: user.id });
    for (const n of next) tx.create(RoleAssignment, { id: newId('roleAssignment'), userId: user.id, roleId: n.role.id, resourceLimits: n.limits });
    recordEvent(tx, {
      type: 'role.assigned',
      organizationId: org.id,
      data: {
        userId: user.id,
        user: { id: user.id, name: user.name },
        roles: next.map((n) => ({ roleId: n.role.id, name: n.role.name, resourceLimits: n.limits })),
      },
    });
    recordAudit(tx, ctx.actor, { organizationId: org.id, action: 'role.assign', targetType: 'User', targetId: user.id, changes });
  });
  await ctx.deps.invalidate({ scope: 'user', userId: user.id });
  return { user, assignments: next.map((n) => ({ role: n.role, resourceLimits: n.limits })) };
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { createSchema as createRoleInput, updateSchema as updateRoleInput, deleteSchema as deleteRoleInput, assignSchema as assignRolesInput };
