import { NotFoundError } from '../../lib/errors.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import type { ServiceContext } from '../service-context.ts';

/** Loads an organisation the caller may act in with `permission`; NotFound otherwise (no existence oracle). */
export async function getOrganizationFor(ctx: ServiceContext, id: string, permission: string): Promise<Organization> {
  const org = await ctx.reach.org(id);
  if (!org || !ctx.actor.canActIn(org)) throw new NotFoundError('Organization', id);
  ctx.actor.require(permission, org);
  return org;
}

/** An organisation the caller may read, or null. */
export function getOrganization(ctx: ServiceContext, id: string): Promise<Organization | null> {
  return ctx.reach.load('Organization', id);
}

/** The organisation an operation names, or the caller's own when it names none; NotFound when out of reach. */
export function targetOrganization(ctx: ServiceContext, organizationId: string | null | undefined, permission: string): Promise<Organization> {
  return getOrganizationFor(ctx, organizationId ?? ctx.actor.organizationId, permission);
}
