import { ForbiddenError } from '../../lib/errors.ts';
import { firstNotCovered, fromGrants, intersect, WILDCARD, type Grant, type PermissionMap } from '../../lib/permissions.ts';
import { catalogFor } from '../principal/resource-definitions.ts';
import type { ApiKey, SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import { loadUserPermissions } from '../principal/key-record.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import type { Role } from '../../db/entities/role.entity.ts';
import type { ServiceContext } from '../service-context.ts';
import { User } from '../../db/entities/user.entity.ts';
import type { WebhookEndpoint } from '../../db/entities/webhook-endpoint.entity.ts';
import type { Actor } from '../principal/actor.ts';

/**
 * "Nobody acts on what they do not hold", in one place. Reach (reach.ts) decides what the caller
 * may see; these rules decide whom and what it may change: every mutation on users, keys, roles
 * and webhook endpoints calls the rule for its target before changing anything.
 */

/** The caller's own permissions must cover `map`: what it grants, takes away or acts on. */
export function assertHolds(actor: Actor, map: PermissionMap, what: string): void {
  const missing = firstNotCovered(map, actor.permissions);
  if (missing) throw new ForbiddenError(`${what} holds ${missing}, which the calling key does not hold`, missing);
}

/** True when the caller reaches every sub-account below `org`, present and future. */
export function reachesAllBelow(actor: Actor, org: Pick<Organization, 'id' | 'path'>): boolean {
  if (!actor.canActIn(org)) return false;
  // Below a reachable sub-account everything is reachable; below the caller's own organisation only with ALL.
  return org.id !== actor.organizationId || actor.key.subAccounts.mode === 'ALL';
}

/** The caller must reach everything a sub-account grant of a key in `org` reaches. */
export async function assertReachesGrant(ctx: ServiceContext, org: Organization, grant: SubAccountGrant): Promise<void> {
  if (grant.mode === 'ALL' && !reachesAllBelow(ctx.actor, org)) throw new ForbiddenError('The key reaches sub-accounts the calling key does not');
  if (grant.mode === 'SELECTED') {
    const orgs = await Promise.all(grant.ids.map((id) => ctx.reach.org(id)));
    if (orgs.some((o) => o && !ctx.actor.canActIn(o))) throw new ForbiddenError('The key reaches sub-accounts the calling key does not');
  }
}

/** A user's permissions from role assignments, `*` expanded: the same computation as the verifier's. */
export async function userPermissionMap(ctx: ServiceContext, user: Pick<User, 'id' | 'organizationId'>): Promise<PermissionMap> {
  const userOrg = await ctx.reach.org(user.organizationId);
  if (!userOrg) return new Map();
  return loadUserPermissions(ctx.em, user.id, userOrg.path);
}

/** The public actions of `org`'s catalogue: all a publishable key may hold. */
export async function publicActions(ctx: ServiceContext, org: Pick<Organization, 'path'>): Promise<PermissionMap> {
  const map: PermissionMap = new Map();
  for (const r of await catalogFor(ctx.em, org)) for (const a of r.publicActions) map.set(`${r.name}:${a}`, null);
  return map;
}

export const isUnrestricted = (g: Grant[] | null | undefined): boolean => !g || g.some((x) => x.permission === WILDCARD);

/** What a key can do: its user's permissions ∩ its restriction (∩ public actions when publishable). */
export async function keyPermissionMap(
  ctx: ServiceContext,
  k: { user: Pick<User, 'id' | 'organizationId'>; kind: ApiKey['kind']; permissions: Grant[] | null; org: Pick<Organization, 'path'> },
): Promise<PermissionMap> {
  let map = await userPermissionMap(ctx, k.user);
  if (!isUnrestricted(k.permissions)) map = intersect(map, fromGrants(k.permissions!));
  if (k.kind === 'PUBLISHABLE') map = intersect(map, await publicActions(ctx, k.org));
  return map;
}

/**
 * Changing a user (name, email, status) or acting as them (minting their key, a console link)
 * needs everything they hold: a weaker admin must not re-enable, disable or re-address a
 * stronger one. The caller's own user is exempt only for what it already is.
 */
export async function assertMayManageUser(ctx: ServiceContext, user: Pick<User, 'id' | 'organizationId'>, what = 'The user'): Promise<void> {
  assertHolds(ctx.actor, await userPermissionMap(ctx, user), what);
}

/**
 * Before a caller may change, rotate, revoke or delete a key it must hold everything the key can
 * do and reach every sub-account it reaches; minting a secret for a key acting as someone else
 * (rotation) also needs `users:write` over that user, since it is a way to act as them.
 */
export async function assertMayManageKey(ctx: ServiceContext, key: ApiKey, org: Organization, opts: { actAsUser: boolean }): Promise<User> {
  const user = await ctx.em.findOneOrFail(User, { id: key.userId });
  if (opts.actAsUser && user.id !== ctx.actor.userId) {
    const userOrg = await ctx.reach.org(user.organizationId);
    if (!userOrg || !ctx.actor.canActIn(userOrg)) throw new ForbiddenError('The key acts as a user outside the calling key’s reach', 'users:write');
    ctx.actor.require('users:write', userOrg);
  }
  assertHolds(ctx.actor, await keyPermissionMap(ctx, { user, kind: key.kind, permissions: key.permissions ?? null, org }), 'The key');
  await assertReachesGrant(ctx, org, key.subAccounts);
  return user;
}

/** Changing or deleting a role changes what its holders can do: the caller must hold all of it. */
export function assertMayManageRole(actor: Actor, role: Pick<Role, 'permissions'>, what = 'This role'): void {
  assertHolds(actor, fromGrants(role.permissions.map((permission) => ({ permission }))), what);
}

/**
 * An endpoint is a standing read of events: managing one (creating, changing its URL, secret or
 * scope, deleting it, replaying its deliveries) needs `events:read` in its organisation and, when
 * it receives sub-accounts' events, a key that reaches every sub-account below.
 */
export function assertMayManageEndpoint(actor: Actor, org: Organization, endpoint: Pick<WebhookEndpoint, 'includeSubAccounts'>): void {
  actor.require('events:read', org);
  if (endpoint.includeSubAccounts && !reachesAllBelow(actor, org))
    throw new ForbiddenError('The endpoint receives the events of every sub-account: the calling key must reach them all', 'events:read');
}
