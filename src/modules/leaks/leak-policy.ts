import type { EntityManager } from '@mikro-orm/postgresql';

export type LeakPolicy = 'REVOKE' | 'NOTIFY';
type OrgPolicy = { id: string; path: string; leakedKeyPolicy?: LeakPolicy | null };

/**
 * The policy for each organisation's leaked keys: its own setting, else the nearest ancestor's
 * (the materialised path lists them), else REVOKE. One query for any number of organisations.
 */
export async function effectiveLeakPolicies(em: EntityManager, orgs: readonly OrgPolicy[]): Promise<LeakPolicy[]> {
  const ancestorsOf = (o: OrgPolicy) => o.path.split('/').filter((id) => id && id !== o.id);
  const wanted = [...new Set(orgs.filter((o) => !o.leakedKeyPolicy).flatMap(ancestorsOf))];
  const set = new Map<string, LeakPolicy>();
  if (wanted.length) {
    const rows = await em
      .getConnection()
      .execute<{ id: string; leaked_key_policy: LeakPolicy }[]>(
        'select id, leaked_key_policy from organization where id = any(array[?]::text[]) and leaked_key_policy is not null',
        [wanted],
      );
    for (const r of rows) set.set(r.id, r.leaked_key_policy);
  }
  return orgs.map((o) => {
    if (o.leakedKeyPolicy) return o.leakedKeyPolicy;
    const ancestors = ancestorsOf(o);
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const p = set.get(ancestors[i]!);
      if (p) return p;
    }
    return 'REVOKE';
  });
}

export async function effectiveLeakPolicy(em: EntityManager, org: OrgPolicy): Promise<LeakPolicy> {
  return (await effectiveLeakPolicies(em, [org]))[0]!;
}
