/**
 * Permission model: `resource:action` strings, `write` implies `read`. A grant may be limited to
 * resource instances (ids); `null` means every instance.
 */
export type InstanceLimit = ReadonlySet<string> | null;
export type PermissionMap = Map<string, InstanceLimit>;
export type Grant = { permission: string; resourceIds?: string[] | null };

export const PERMISSION_RE = /^[a-z][a-z0-9_-]{0,62}:[a-z][a-z0-9_-]{0,30}$/;

/**
 * Every permission of the catalogue, present and future (the bootstrap `owner` role holds it).
 * Kept in an effective map as a marker beside its expansion, so only a holder of `*` can grant `*`.
 */
export const WILDCARD = '*';

export const BUILT_IN_RESOURCES: ReadonlyArray<{ name: string; description: string; actions: string[] }> = [
  { name: 'organizations', description: 'Organisations, sub-accounts, settings and the permission catalogue', actions: ['read', 'write'] },
  { name: 'users', description: 'People and standalone API users', actions: ['read', 'write'] },
  { name: 'roles', description: 'Roles and role assignments', actions: ['read', 'write'] },
  { name: 'keys', description: 'API keys; verify checks other keys for a host application', actions: ['read', 'write', 'verify'] },
  { name: 'usage', description: 'Key usage and verifications', actions: ['read'] },
  { name: 'events', description: 'Lifecycle events and subscriptions', actions: ['read'] },
  { name: 'audit', description: 'The audit log', actions: ['read'] },
  { name: 'webhooks', description: 'Webhook endpoints and deliveries', actions: ['read', 'write'] },
  { name: 'customers', description: 'The organisation’s own customers, their keys’ shared limits and credit pools', actions: ['read', 'write'] },
];

export const BUILT_IN_RESOURCE_NAMES = new Set(BUILT_IN_RESOURCES.map((r) => r.name));

export function allBuiltInPermissions(): string[] {
  return BUILT_IN_RESOURCES.flatMap((r) => r.actions.map((a) => `${r.name}:${a}`));
}

export function splitPermission(p: string): [resource: string, action: string] {
  const i = p.indexOf(':');
  return [p.slice(0, i), p.slice(i + 1)];
}

function unionLimit(a: InstanceLimit, b: InstanceLimit): InstanceLimit {
  if (a === null || b === null) return null;
  return new Set([...a, ...b]);
}

function intersectLimit(a: InstanceLimit, b: InstanceLimit): InstanceLimit {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((x) => b.has(x)));
}

/** Adds a grant, expanding `write` to `read` as well. */
export function addGrant(map: PermissionMap, permission: string, limit: InstanceLimit): void {
  const put = (p: string) => map.set(p, map.has(p) ? unionLimit(map.get(p)!, limit) : limit);
  if (permission === WILDCARD) return void map.set(WILDCARD, null);
  put(permission);
  const [resource, action] = splitPermission(permission);
  if (action === 'write') put(`${resource}:read`);
}

export function fromGrants(grants: Iterable<Grant>): PermissionMap {
  const map: PermissionMap = new Map();
  for (const g of grants) addGrant(map, g.permission, g.resourceIds ? new Set(g.resourceIds) : null);
  return map;
}

/** Effective = a ∩ b, per permission and per instance. */
export function intersect(a: PermissionMap, b: PermissionMap): PermissionMap {
  const out: PermissionMap = new Map();
  for (const [p, limit] of a) {
    if (!b.has(p)) continue;
    const l = intersectLimit(limit, b.get(p)!);
    if (l === null || l.size > 0) out.set(p, l);
  }
  return out;
}

/** True when every grant in `inner` is covered by `outer`. Returns the first uncovered permission otherwise. */
export function firstNotCovered(inner: PermissionMap, outer: PermissionMap): string | null {
  for (const [p, limit] of inner) {
    if (!outer.has(p)) return p;
    const o = outer.get(p)!;
    if (o === null) continue;
    if (limit === null) return p;
    for (const id of limit) if (!o.has(id)) return `${p}#${id}`;
  }
  return null;
}

export function allows(map: PermissionMap, permission: string, resourceId?: string | null): boolean {
  if (!map.has(permission)) return false;
  const limit = map.get(permission)!;
  if (limit === null) return true;
  return resourceId != null && limit.has(resourceId);
}

export function toGrants(map: PermissionMap): Grant[] {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([permission, l]) => ({ permission, resourceIds: l === null ? null : [...l].sort() }));
}

/** JSON-safe form for storage and caches. */
export function serializeGrants(map: PermissionMap): Grant[] {
  return toGrants(map);
}
