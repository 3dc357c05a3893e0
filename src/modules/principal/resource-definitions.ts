import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from '../../lib/errors.ts';
import { BUILT_IN_RESOURCES, PERMISSION_RE, WILDCARD } from '../../lib/permissions.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';

/** A host-application resource as the organisation at the end of a path sees it. */
export type ResourceDefinitionRow = {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  actions: string[];
  public_actions: string[];
  sensitive_fields: string[];
};

/**
 * For each resource name, the definition nearest to the organisation (its own, else its parent's,
 * …): the one rule by which the catalogue, `*` expansion, public actions and withheld fields are
 * decided everywhere (the console, createApiKey and verification agree, whatever the row order).
 */
const NEAREST_SQL = `
select distinct on (d.name) d.id, d.organization_id, d.name, d.description, d.actions, d.public_actions, d.sensitive_fields
  from resource_definition d
  join unnest(string_to_array(?, '/')) with ordinality as p(id, depth) on p.id = d.organization_id
 order by d.name, p.depth desc`;

export function nearestDefinitions(em: EntityManager, organizationPath: string): Promise<ResourceDefinitionRow[]> {
  return em.getConnection().execute<ResourceDefinitionRow[]>(NEAREST_SQL, [organizationPath]);
}

export type CatalogResource = {
  name: string;
  description: string | null;
  actions: string[];
  publicActions: string[];
  sensitiveFields: string[];
  builtIn: boolean;
  organizationId: string | null;
};

/** Built-in resources plus the host application's, defined in the organisation or any ancestor. */
export async function catalogFor(em: EntityManager, org: Pick<Organization, 'path'>): Promise<CatalogResource[]> {
  const builtIns: CatalogResource[] = BUILT_IN_RESOURCES.map((r) => ({
    name: r.name,
    description: r.description,
    actions: r.actions,
    publicActions: [],
    sensitiveFields: [],
    builtIn: true,
    organizationId: null,
  }));
  // A nearer organisation's definition of the same name overrides an ancestor's.
  const defs = (await nearestDefinitions(em, org.path)).map((d) => ({
    name: d.name,
    description: d.description ?? null,
    actions: d.actions,
    publicActions: d.public_actions,
    sensitiveFields: d.sensitive_fields,
    builtIn: false,
    organizationId: d.organization_id,
  }));
  return [...builtIns, ...defs.sort((a, b) => a.name.localeCompare(b.name))];
}

/** All `resource:action` strings the organisation's catalogue knows. */
export async function knownPermissions(em: EntityManager, org: Pick<Organization, 'path'>): Promise<Set<string>> {
  const catalog = await catalogFor(em, org);
  return new Set(catalog.flatMap((r) => r.actions.map((a) => `${r.name}:${a}`)));
}

export async function assertKnownPermissions(em: EntityManager, org: Pick<Organization, 'path'>, permissions: string[], field: string): Promise<void> {
  const known = await knownPermissions(em, org);
  const fields = permissions
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p !== WILDCARD && (!PERMISSION_RE.test(p) || !known.has(p)))
    .map(({ p, i }) => ({ path: `${field}.${i}`, message: `unknown permission ${JSON.stringify(p.slice(0, 100))}` }));
  if (fields.length) throw new ValidationError(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
}
