import type { EntityManager } from '@mikro-orm/postgresql';
import { addGrant, BUILT_IN_RESOURCES, fromGrants, intersect, WILDCARD, type Grant, type PermissionMap } from '../../lib/permissions.ts';
import type { KeyKind } from '../../lib/token.ts';
import { nearestDefinitions } from './resource-definitions.ts';
import type { KeyStatus, RateLimit, CreditsRefill, SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import type { UserStatus } from '../../db/entities/user.entity.ts';
import type { ResourceLimits } from '../../db/entities/role.entity.ts';
import { inAnyCidr, type ParsedCidr, parseCidr, parseIp } from '../../lib/ip.ts';

/**
 * Who is calling, as verification and every service see it: an API key or a console session,
 * with effective permissions already resolved. Built by one loader each, cached in-process, never
 * holds a secret (only its keyed hash).
 */
export type PrincipalRecord = {
  /**
   * What the caller is: an API key, or a console session acting as its user with the user's full
   * permissions (no key limits, credits or IP allowlist of its own; named `console:<user>`).
   */
  principal: 'key' | 'console_session';
  id: string;
  keyId: string;
  kind: KeyKind;
  name: string;
  status: KeyStatus;
  organizationId: string;
  organizationPath: string;
  userId: string;
  userStatus: UserStatus;
  userOrganizationPath: string;
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  previousSecretExpiresAt: number | null;
  validFrom: number | null;
  validUntil: number | null;
  allowedIps: ParsedCidr[];
  subAccounts: SubAccountGrant;
  rateLimit: RateLimit | null;
  hasCredits: boolean;
  /** Bumped by every change of `credits` but a lease (an admin, a refill): voids the lease in Redis. */
  creditsEpoch: number;
  creditsRefill: CreditsRefill | null;
  /** The customer the key belongs to, and the limits all its keys share (both must allow). */
  customer: { id: string; rateLimit: RateLimit | null; hasCredits: boolean; creditsEpoch: number } | null;
  permissions: PermissionMap;
  /**
   * Every `resource:action` the key's organisation can name (built-in and defined resources):
   * a permission outside it is a host's typo (UNKNOWN_PERMISSION), not a denial. Absent on
   * records built without the catalogue (console sessions), which skip that check.
   */
  knownPermissions?: ReadonlySet<string>;
  /** resource → fields a publishable key must not see. */
  withheldFields: Map<string, string[]>;
  loadedAt: number;
};

/** Whether verifying the key spends or counts something: its own limits, or its customer's shared ones. */
export function hasLimits(record: PrincipalRecord): boolean {
  return Boolean(record.rateLimit || record.hasCredits || record.customer?.rateLimit || record.customer?.hasCredits);
}

type KeyRow = {
  id: string;
  key_id: string;
  kind: KeyKind;
  name: string;
  status: KeyStatus;
  organization_id: string;
  org_path: string;
  user_id: string;
  user_status: UserStatus;
  user_org_path: string;
  secret_hash: Buffer;
  previous_secret_hash: Buffer | null;
  previous_secret_expires_at: Date | string | null;
  valid_from: Date | string | null;
  valid_until: Date | string | null;
  allowed_ips: string[];
  sub_accounts: SubAccountGrant;
  rate_limit: RateLimit | null;
  credits: number | null;
  credits_epoch: number;
  credits_refill: CreditsRefill | null;
  permissions: Grant[] | null;
  customer_id: string | null;
  customer_rate_limit: RateLimit | null;
  customer_credits: number | null;
  customer_credits_epoch: number | null;
};

const KEY_SQL = `
select k.id, k.key_id, k.kind, k.name, k.status, k.organization_id, o.path as org_path,
       k.user_id, u.status as user_status, uo.path as user_org_path,
       k.secret_hash, k.previous_secret_hash, k.previous_secret_expires_at, k.valid_from, k.valid_until,
       k.allowed_ips, k.sub_accounts, k.rate_limit, k.credits, k.credits_epoch, k.credits_refill, k.permissions,
       k.customer_id, c.rate_limit as customer_rate_limit, c.credits as customer_credits, c.credits_epoch as customer_credits_epoch
  from api_key k
  left join customer c on c.id = k.customer_id
  join app_user u on u.id = k.user_id
  join organization o on o.id = k.organization_id
  join organization uo on uo.id = u.organization_id
 where k.key_id = ? and k.deleted_at is null`;

const ROLES_SQL = `
select r.permissions, ra.resource_limits
  from role_assignment ra join role r on r.id = ra.role_id
 where ra.user_id = ?`;

/** Effective permissions of a user from role assignments (each limited to chosen instances). */
export function userPermissions(rows: { permissions: string[]; resource_limits: ResourceLimits | null }[]): PermissionMap {
  const map: PermissionMap = new Map();
  for (const row of rows) {
    for (const perm of row.permissions) {
      const resource = perm.slice(0, perm.indexOf(':'));
      const ids = row.resource_limits?.[resource];
      addGrant(map, perm, ids ? new Set(ids) : null);
    }
  }
  return map;
}

/** Ancestor-or-self ids from a materialised path. */
export function pathIds(path: string): string[] {
  return path.split('/');
}

/**
 * A user's effective permissions from their role assignments, with `*` expanded over the
 * catalogue their organisation sees. Keys narrow this; console sessions act with all of it.
 */
export async function loadUserPermissions(em: EntityManager, userId: string, userOrgPath: string): Promise<PermissionMap> {
  const conn = em.getConnection();
  const roleRows = await conn.execute<{ permissions: string[]; resource_limits: ResourceLimits | null }[]>(ROLES_SQL, [userId]);
  const permissions = userPermissions(roleRows);
  if (permissions.has(WILDCARD)) {
    const host = await nearestDefinitions(em, userOrgPath);
    for (const r of [...BUILT_IN_RESOURCES, ...host]) for (const a of r.actions) permissions.set(`${r.name}:${a}`, null);
  }
  return permissions;
}

/** Raw queries return timestamptz columns as strings, not Dates. */
function epochMs(v: Date | string | null): number | null {
  return v === null ? null : new Date(v).getTime();
}

export async function loadKeyRecord(em: EntityManager, keyId: string): Promise<PrincipalRecord | null> {
  const conn = em.getConnection();
  const rows = await conn.execute<KeyRow[]>(KEY_SQL, [keyId]);
  const row = rows[0];
  if (!row) return null;
  let permissions = await loadUserPermissions(em, row.user_id, row.user_org_path);
  // A restriction of `*` is no restriction.
  if (row.permissions && !row.permissions.some((g) => g.permission === WILDCARD)) permissions = intersect(permissions, fromGrants(row.permissions));

  const withheldFields = new Map<string, string[]>();
  const catalog = await nearestDefinitions(em, row.org_path);
  const knownPermissions = new Set<string>();
  for (const r of [...BUILT_IN_RESOURCES, ...catalog]) for (const a of r.actions) knownPermissions.add(`${r.name}:${a}`);
  if (row.kind === 'PUBLISHABLE') {
    const publicMap: PermissionMap = new Map();
    for (const res of catalog) {
      for (const a of res.public_actions) publicMap.set(`${res.name}:${a}`, null);
      if (res.sensitive_fields.length) withheldFields.set(res.name, res.sensitive_fields);
    }
    // No write-implies-read expansion here: a public action is public only as declared.
    permissions = intersect(permissions, publicMap);
  }

  return {
    principal: 'key',
    id: row.id,
    keyId: row.key_id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    organizationId: row.organization_id,
    organizationPath: row.org_path,
    userId: row.user_id,
    userStatus: row.user_status,
    userOrganizationPath: row.user_org_path,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: epochMs(row.previous_secret_expires_at),
    validFrom: epochMs(row.valid_from),
    validUntil: epochMs(row.valid_until),
    allowedIps: row.allowed_ips.map(parseCidr),
    subAccounts: row.sub_accounts,
    rateLimit: row.rate_limit,
    hasCredits: row.credits !== null,
    creditsEpoch: row.credits_epoch,
    creditsRefill: row.credits_refill,
    customer: row.customer_id
      ? {
          id: row.customer_id,
          rateLimit: row.customer_rate_limit,
          hasCredits: row.customer_credits !== null,
          creditsEpoch: row.customer_credits_epoch ?? 0,
        }
      : null,
    permissions,
    knownPermissions,
    withheldFields,
    loadedAt: Date.now(),
  };
}

/** Rough in-memory size of a record, for the cache's byte bound. */
export function recordSize(r: PrincipalRecord): number {
  let n = 600 + r.name.length * 2 + r.organizationPath.length * 2 + r.userOrganizationPath.length * 2 + r.allowedIps.length * 64;
  for (const [p, l] of r.permissions) n += 64 + p.length * 2 + (l ? l.size * 48 : 0);
  for (const [res, f] of r.withheldFields) n += 48 + res.length * 2 + f.length * 40;
  return n;
}

export function ipAllowed(record: PrincipalRecord, ip: string | null | undefined): boolean {
  if (record.allowedIps.length === 0) return true;
  const addr = parseIp(ip);
  if (!addr) return false;
  return inAnyCidr(addr, record.allowedIps);
}
