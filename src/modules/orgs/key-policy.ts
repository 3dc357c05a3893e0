import type { EntityManager } from '@mikro-orm/postgresql';
import { PolicyViolationError } from '../../lib/errors.ts';
import type { KeyKind } from '../../lib/token.ts';
import type { KeyPolicySetting } from '../../db/entities/organization.entity.ts';
import { ancestorSettings, chainOf } from './inherited.ts';

const DAY_MS = 86_400_000;
type OrgWithPolicy = { id: string; path: string; keyPolicy?: KeyPolicySetting | null };
type Rule<T> = { value: T; organizationId: string } | null;

/**
 * The key policies that apply in an organisation, each field from the nearest organisation that
 * sets it (itself, else its parents). 0 / false set explicitly mean "none" and stop inheritance.
 */
export type EffectiveKeyPolicy = {
  maxLifetimeDays: Rule<number>;
  allowedKinds: Rule<KeyKind[]>;
  requireIpAllowlist: Rule<boolean>;
  rotationDays: Rule<number>;
};

const FIELDS = ['maxLifetimeDays', 'allowedKinds', 'requireIpAllowlist', 'rotationDays'] as const;

/** Effective policies of several organisations, with one query for all their ancestors. */
export async function effectiveKeyPolicies(em: EntityManager, orgs: readonly OrgWithPolicy[]): Promise<EffectiveKeyPolicy[]> {
  const inherited = await ancestorSettings<KeyPolicySetting>(em, orgs, 'key_policy');
  return orgs.map((o) => {
    const setting = (id: string) => (id === o.id ? (o.keyPolicy ?? null) : (inherited.get(id) ?? null));
    const out = { maxLifetimeDays: null, allowedKinds: null, requireIpAllowlist: null, rotationDays: null } as EffectiveKeyPolicy;
    for (const field of FIELDS) {
      for (const id of chainOf(o)) {
        const v = setting(id)?.[field];
        if (v !== null && v !== undefined) {
          // 0, false: set to "none" here, which also ends the inheritance.
          if (v !== 0 && v !== false) (out as Record<string, Rule<unknown>>)[field] = { value: v, organizationId: id };
          break;
        }
      }
    }
    return out;
  });
}

export async function effectiveKeyPolicy(em: EntityManager, org: OrgWithPolicy): Promise<EffectiveKeyPolicy> {
  return (await effectiveKeyPolicies(em, [org]))[0]!;
}

/** What a key must satisfy when it is made, changed or rotated; throws the first policy it breaks. */
export function assertKeyPolicy(
  policy: EffectiveKeyPolicy,
  key: { kind: KeyKind; validUntil: Date | null | undefined; allowedIps: string[] },
  now: Date,
): void {
  const { allowedKinds, maxLifetimeDays, requireIpAllowlist } = policy;
  if (allowedKinds && !allowedKinds.value.includes(key.kind))
    throw new PolicyViolationError(
      'ALLOWED_KINDS',
      `Keys of kind ${key.kind} are not allowed here (allowed: ${allowedKinds.value.join(', ')})`,
      allowedKinds.organizationId,
    );
  if (maxLifetimeDays) {
    const latest = now.getTime() + maxLifetimeDays.value * DAY_MS;
    if (!key.validUntil)
      throw new PolicyViolationError('MAX_LIFETIME', `Keys here need a validUntil at most ${maxLifetimeDays.value} days ahead`, maxLifetimeDays.organizationId);
    if (key.validUntil.getTime() > latest)
      throw new PolicyViolationError(
        'MAX_LIFETIME',
        `validUntil is more than ${maxLifetimeDays.value} days ahead, the most keys here may live`,
        maxLifetimeDays.organizationId,
      );
  }
  if (requireIpAllowlist && key.allowedIps.length === 0)
    throw new PolicyViolationError('IP_ALLOWLIST_REQUIRED', 'Keys here need an IP allowlist', requireIpAllowlist.organizationId);
}

/**
 * SQL (over `api_key k`) true for a key that breaks the policy now: a kind no longer allowed, no
 * allowlist where one is required, a validUntil missing or beyond the maximum lifetime from now,
 * or a rotation overdue. For keys made before the policy was adopted.
 */
export function violationSql(policy: EffectiveKeyPolicy): { sql: string; params: unknown[] } | null {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (policy.allowedKinds) {
    parts.push('not (k.kind = any(?::text[]))');
    params.push(policy.allowedKinds.value);
  }
  if (policy.requireIpAllowlist) parts.push(`cardinality(k.allowed_ips) = 0`);
  if (policy.maxLifetimeDays) {
    parts.push('(k.valid_until is null or k.valid_until > now() + make_interval(days => ?))');
    params.push(policy.maxLifetimeDays.value);
  }
  if (policy.rotationDays) {
    parts.push('coalesce(k.rotated_at, k.created_at) <= now() - make_interval(days => ?)');
    params.push(policy.rotationDays.value);
  }
  return parts.length ? { sql: `(${parts.join(' or ')})`, params } : null;
}
