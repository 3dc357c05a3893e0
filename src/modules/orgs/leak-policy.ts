import type { EntityManager } from '@mikro-orm/postgresql';
import { ancestorSettings, chainOf } from './inherited.ts';

export type LeakPolicy = 'REVOKE' | 'NOTIFY';
type OrgPolicy = { id: string; path: string; leakedKeyPolicy?: LeakPolicy | null };

/**
 * The policy for each organisation's leaked keys: its own setting, else the nearest ancestor's,
 * else REVOKE. One query for any number of organisations.
 */
export async function effectiveLeakPolicies(em: EntityManager, orgs: readonly OrgPolicy[]): Promise<LeakPolicy[]> {
  const inherited = await ancestorSettings<LeakPolicy>(
    em,
    orgs.filter((o) => !o.leakedKeyPolicy),
    'leaked_key_policy',
  );
  return orgs.map(
    (o) =>
      o.leakedKeyPolicy ||
      chainOf(o)
        .slice(1)
        .map((id) => inherited.get(id))
        .find((p) => p) ||
      'REVOKE',
  );
}

export async function effectiveLeakPolicy(em: EntityManager, org: OrgPolicy): Promise<LeakPolicy> {
  return (await effectiveLeakPolicies(em, [org]))[0]!;
}
