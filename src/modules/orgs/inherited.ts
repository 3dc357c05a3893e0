import type { EntityManager } from '@mikro-orm/postgresql';

type OrgPath = { id: string; path: string };

/** An organisation and its ancestors, nearest first (the materialised path lists them root first). */
export function chainOf(org: OrgPath): string[] {
  return [
    org.id,
    ...org.path
      .split('/')
      .filter((id) => id && id !== org.id)
      .reverse(),
  ];
}

/**
 * A setting organisations inherit from their parents: the value of `column` on every ancestor of
 * these organisations that sets one, in one query (the organisations' own values are on them).
 */
export async function ancestorSettings<T>(em: EntityManager, orgs: readonly OrgPath[], column: 'leaked_key_policy' | 'key_policy'): Promise<Map<string, T>> {
  const ancestors = [...new Set(orgs.flatMap((o) => chainOf(o).slice(1)))];
  const out = new Map<string, T>();
  if (!ancestors.length) return out;
  const rows = await em
    .getConnection()
    .execute<{ id: string; value: T }[]>(`select id, ${column} as value from organization where id = any(array[?]::text[]) and ${column} is not null`, [
      ancestors,
    ]);
  for (const r of rows) out.set(r.id, r.value);
  return out;
}
