import { z } from 'zod';
import { ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { BUILT_IN_RESOURCE_NAMES } from '../../lib/permissions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { commit, type ServiceContext } from '../service-context.ts';
import { ResourceDefinition } from '../../db/entities/resource.entity.ts';
import { catalogFor, type CatalogResource } from '../principal/resource-definitions.ts';

const ident = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, starting with a letter');
const action = z.string().regex(/^[a-z][a-z0-9_-]{0,30}$/, 'lower-case letters, digits, _ and -, starting with a letter');
const defineSchema = z
  .object({
    organizationId: z.string().max(64).nullish(),
    name: ident,
    description: z.string().max(1000).nullish(),
    actions: z.array(action).min(1).max(20).nullish(),
    publicActions: z.array(action).max(20).nullish(),
    sensitiveFields: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/))
      .max(100)
      .nullish(),
  })
  .superRefine((v, ctx) => {
    const actions = new Set(v.actions ?? ['read', 'write']);
    for (const [i, a] of (v.publicActions ?? []).entries())
      if (!actions.has(a)) ctx.addIssue({ code: 'custom', path: ['publicActions', i], message: `${a} is not one of the resource's actions` });
  });

export async function permissionCatalog(ctx: ServiceContext, organizationId?: string | null): Promise<CatalogResource[]> {
  const org = await targetOrganization(ctx, organizationId, 'organizations:read');
  return catalogFor(ctx.em, org);
}

/** Adds or replaces a host-application resource in an organisation's catalogue (inherited below it). */
export async function defineResource(ctx: ServiceContext, data: z.output<typeof defineSchema>): Promise<CatalogResource> {
  if (BUILT_IN_RESOURCE_NAMES.has(data.name)) throw ValidationError.field('input.name', `${data.name} is a built-in resource`);
  const org = await targetOrganization(ctx, data.organizationId, 'organizations:write');
  const fields = {
    description: data.description ?? null,
    actions: [...new Set(data.actions ?? ['read', 'write'])],
    publicActions: [...new Set(data.publicActions ?? [])],
    sensitiveFields: [...new Set(data.sensitiveFields ?? [])],
  };
  let def = await ctx.em.findOne(ResourceDefinition, { organizationId: org.id, name: data.name });
  const isNew = !def;
  if (def) Object.assign(def, fields);
  else def = ctx.em.create(ResourceDefinition, { id: newId('resource'), organizationId: org.id, name: data.name, ...fields });
  const json = { name: def.name, actions: def.actions, publicActions: def.publicActions, sensitiveFields: def.sensitiveFields };
  recordEvent(ctx.em, { type: 'resource.defined', organizationId: org.id, data: { resource: json, created: isNew } });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'resource.define',
    targetType: 'Resource',
    targetId: def.id,
    changes: { definition: { new: json } },
  });
  await commit(ctx, [{ scope: 'org', organizationId: org.id }]);
  return { ...json, description: def.description ?? null, builtIn: false, organizationId: org.id };
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { defineSchema as defineResourceInput };
