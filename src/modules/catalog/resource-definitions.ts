import type { EntityManager } from '@mikro-orm/postgresql';

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
