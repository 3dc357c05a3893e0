import { z } from 'zod';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { assertMayManageUser } from '../auth/policy.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { User, USER_KINDS, USER_STATUSES } from '../../db/entities/user.entity.ts';

const createSchema = z.object({
  organizationId: z.string().max(64).nullish(),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320).nullish(),
  kind: z.enum(USER_KINDS).nullish(),
});
const updateSchema = z.object({
  id: z.string().max(64),
  name: z.string().trim().min(1).max(200).nullish(),
  email: z.email().max(320).nullish(),
  status: z.enum(USER_STATUSES).nullish(),
});

export function userJson(u: User) {
  return { id: u.id, organizationId: u.organizationId, name: u.name, email: u.email, kind: u.kind, status: u.status };
}

/** Loads a user the caller may act on with `permission`; NotFound when out of reach. */
export async function getUserFor(ctx: ServiceContext, id: string, permission: string): Promise<{ user: User; org: Organization }> {
  const { obj, org } = await ctx.reach.require('User', id, permission);
  return { user: obj, org };
}

/** A user the caller may read, or null. */
export function findUser(ctx: ServiceContext, id: string): Promise<User | null> {
  return ctx.reach.load('User', id);
}

export type UserFilter = { organizationId?: string | null; status?: User['status'] | null; kind?: User['kind'] | null; search?: string | null };

export async function listUsers(ctx: ServiceContext, filter: UserFilter, page: PageArgs) {
  const org = await targetOrganization(ctx, filter.organizationId, 'users:read');
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  if (filter.search && filter.search.length > 200) throw ValidationError.field('filter.search', 'at most 200 characters');
  const search = filter.search ? `%${filter.search.replace(/[\\%_]/g, '\\$&')}%` : null;
  const filters = [
    { organizationId: org.id },
    filter.status ? { status: filter.status } : { status: { $ne: 'DELETED' as const } },
    filter.kind ? { kind: filter.kind } : {},
    search ? { $or: [{ name: { $ilike: search } }, { email: { $ilike: search } }] } : {},
  ];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(User, { $and: [ks.where, ...filters] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(User, { $and: filters }, read));
}

async function assertEmailFree(ctx: ServiceContext, organizationId: string, email: string, exceptId?: string) {
  const clash = await ctx.em.findOne(User, {
    organizationId,
    email: { $ilike: email.replace(/[\\%_]/g, '\\$&') },
    status: { $ne: 'DELETED' },
    ...(exceptId ? { id: { $ne: exceptId } } : {}),
  });
  if (clash) throw new ConflictError(`A user with email ${email} already exists in this organization`);
}

/** Creates a person (HUMAN) or a standalone API user (SERVICE). New users hold no role. */
export async function createUser(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<User> {
  const org = await targetOrganization(ctx, data.organizationId, 'users:write');
  if (data.email) await assertEmailFree(ctx, org.id, data.email);
  const user = ctx.em.create(User, {
    id: newId('user'),
    organizationId: org.id,
    name: data.name,
    email: data.email ?? null,
    kind: data.kind ?? 'HUMAN',
    status: 'ACTIVE',
  });
  recordEvent(ctx.em, { type: 'user.created', organizationId: org.id, data: { user: userJson(user) } });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'user.create',
    targetType: 'User',
    targetId: user.id,
    changes: { name: { new: user.name }, kind: { new: user.kind } },
  });
  await commit(ctx);
  return user;
}

/**
 * Renames, re-addresses, disables, re-enables or deletes a user. Disabling or deleting takes
 * effect for that user's keys on their next request (cache invalidated on every replica).
 */
export async function updateUser(ctx: ServiceContext, data: z.output<typeof updateSchema>): Promise<User> {
  const { user, org } = await getUserFor(ctx, data.id, 'users:write');
  if (user.status === 'DELETED') throw new ConflictError('A deleted user cannot be changed');
  // Re-enabling, disabling or re-addressing someone is acting on everything they hold.
  await assertMayManageUser(ctx, user);
  const before = userJson(user);
  if (data.name != null) user.name = data.name;
  if (data.email !== undefined && data.email !== user.email) {
    if (data.email) await assertEmailFree(ctx, org.id, data.email, user.id);
    user.email = data.email ?? null;
  }
  if (data.status != null) user.status = data.status;
  const after = userJson(user);
  const changes = diff(before, after, ['name', 'email', 'status']);
  if (Object.keys(changes).length === 0) return user;
  const type =
    before.status !== after.status
      ? after.status === 'DISABLED'
        ? 'user.disabled'
        : after.status === 'DELETED'
          ? 'user.deleted'
          : 'user.enabled'
      : 'user.updated';
  recordEvent(ctx.em, { type, organizationId: org.id, data: { user: after, changes } });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: type.replace('user.', 'user.'), targetType: 'User', targetId: user.id, changes });
  await commit(ctx, [{ scope: 'user', userId: user.id }]);
  return user;
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { createSchema as createUserInput, updateSchema as updateUserInput };
