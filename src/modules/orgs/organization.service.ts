import { raw } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { reachSql } from '../auth/reach.ts';
import { getOrganizationFor } from '../auth/org-access.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { Organization } from '../../db/entities/organization.entity.ts';

export const MAX_DEPTH = 8;

const name = z.string().trim().min(1).max(200);
const warningDays = z
  .array(z.number().int().min(1).max(365))
  .max(10)
  .transform((d) => [...new Set(d)].sort((a, b) => b - a));

const createSchema = z.object({ name, parentId: z.string().max(64).nullish() });
const updateSchema = z.object({
  id: z.string().max(64),
  name: name.nullish(),
  inactivityDays: z.number().int().min(0).max(3650).nullish(),
  warningDays: warningDays.nullish(),
  leakedKeyPolicy: z.enum(['REVOKE', 'NOTIFY', 'INHERIT']).nullish(),
  keyPolicy: z
    .object({
      maxLifetimeDays: z.number().int().min(0).max(3650).nullish(),
      allowedKinds: z
        .array(z.enum(['SECRET', 'PUBLISHABLE', 'INTEGRATION']))
        .min(1)
        .max(3)
        .nullish(),
      requireIpAllowlist: z.boolean().nullish(),
      rotationDays: z.number().int().min(0).max(3650).nullish(),
    })
    .nullish(),
});

export function organizationJson(o: Organization) {
  return {
    id: o.id,
    name: o.name,
    parentId: o.parentId,
    inactivityDays: o.inactivityDays,
    warningDays: o.warningDays,
    leakedKeyPolicy: o.leakedKeyPolicy ?? null,
    keyPolicy: o.keyPolicy ?? null,
  };
}

/** The caller's organisation and the sub-accounts its key reaches (reach decided in the query, so pages keep their size). */
export async function listOrganizations(ctx: ServiceContext, args: PageArgs & { parentId?: string | null }) {
  const limit = pageSize(args.first);
  const ks = createdAtKeyset(args.after);
  ctx.actor.require('organizations:read', { id: ctx.actor.organizationId, path: ctx.actor.organizationPath });
  const inReach = reachSql(ctx.actor, 'path');
  const filters = () => [{ [raw(inReach.sql, inReach.params)]: [] }, args.parentId ? { parentId: args.parentId } : {}];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(Organization, { $and: [ks.where, ...filters()] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(Organization, { $and: filters() }, read));
}

/** Creates a sub-account under `parentId` (default: the caller's organisation). */
export async function createOrganization(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<Organization> {
  const parent = await getOrganizationFor(ctx, data.parentId ?? ctx.actor.organizationId, 'organizations:write');
  if (parent.depth + 1 > MAX_DEPTH) throw ValidationError.field('input.parentId', `organizations nest at most ${MAX_DEPTH} deep`);
  const id = newId('organization');
  const org = ctx.em.create(Organization, {
    id,
    name: data.name,
    parentId: parent.id,
    path: `${parent.path}/${id}`,
    depth: parent.depth + 1,
    inactivityDays: parent.inactivityDays,
    warningDays: parent.warningDays,
  });
  recordEvent(ctx.em, { type: 'organization.created', organizationId: parent.id, data: { organization: organizationJson(org) } });
  // Its creator sees it in the payload even when its key's grant does not reach the new sub-account.
  ctx.reach.grant('Organization', id);
  recordAudit(ctx.em, ctx.actor, {
    organizationId: parent.id,
    action: 'organization.create',
    targetType: 'Organization',
    targetId: id,
    changes: { name: { new: data.name } },
  });
  await commit(ctx);
  return org;
}

export async function updateOrganization(ctx: ServiceContext, data: z.output<typeof updateSchema>): Promise<Organization> {
  const org = await getOrganizationFor(ctx, data.id, 'organizations:write');
  const before = organizationJson(org);
  if (data.name != null) org.name = data.name;
  if (data.inactivityDays != null) org.inactivityDays = data.inactivityDays;
  if (data.warningDays != null) {
    if (data.warningDays.length === 0) throw ValidationError.field('input.warningDays', 'give at least one day, or set inactivityDays to 0 to turn expiry off');
    org.warningDays = data.warningDays;
  }
  if (data.leakedKeyPolicy != null) org.leakedKeyPolicy = data.leakedKeyPolicy === 'INHERIT' ? null : data.leakedKeyPolicy;
  if (data.keyPolicy !== undefined) {
    const p = data.keyPolicy;
    const set = p
      ? Object.fromEntries(
          Object.entries({ ...p, allowedKinds: p.allowedKinds ? [...new Set(p.allowedKinds)] : p.allowedKinds }).filter(
            ([, v]) => v !== null && v !== undefined,
          ),
        )
      : {};
    org.keyPolicy = Object.keys(set).length ? set : null;
  }
  const after = organizationJson(org);
  const changes = diff(before, after, ['name', 'inactivityDays', 'warningDays', 'leakedKeyPolicy', 'keyPolicy']);
  if (Object.keys(changes).length === 0) return org;
  recordEvent(ctx.em, { type: 'organization.updated', organizationId: org.id, data: { organization: after, changes } });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: 'organization.update', targetType: 'Organization', targetId: org.id, changes });
  await commit(ctx, [{ scope: 'org', organizationId: org.id }]);
  return org;
}

export function assertNotSame(a: string, b: string, message: string): void {
  if (a === b) throw new ConflictError(message);
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { createSchema as createOrganizationInput, updateSchema as updateOrganizationInput };
