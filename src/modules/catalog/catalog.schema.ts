import { builder, needs } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation } from '../../graphql/mutation.ts';
import { defineResource, permissionCatalog } from './catalog.service.ts';
import type { CatalogResource } from '../principal/resource-definitions.ts';
import { defineResourceInput } from './catalog.service.ts';

export const ResourceRef = builder.objectRef<CatalogResource>('Resource').implement({
  description: 'A resource of the permission catalogue and its actions (`resource:action`).',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    actions: t.exposeStringList('actions'),
    publicActions: t.exposeStringList('publicActions', { description: 'Actions publishable keys may hold.' }),
    sensitiveFields: t.exposeStringList('sensitiveFields', { description: 'Fields withheld from publishable keys.' }),
    builtIn: t.exposeBoolean('builtIn'),
    organizationId: t.exposeID('organizationId', { nullable: true }),
    permissions: t.stringList({ resolve: (r) => r.actions.map((a) => `${r.name}:${a}`) }),
  }),
});

builder.queryField('permissionCatalog', (t) =>
  t.field({
    type: [ResourceRef],
    authScopes: needs('organizations:read'),
    args: { organizationId: t.arg.id() },
    resolve: (_r, args, ctx) => permissionCatalog(svc(ctx), args.organizationId ? String(args.organizationId) : null),
  }),
);

defineMutation('defineResource', {
  validate: defineResourceInput,
  permission: 'organizations:write',
  description: 'Adds or replaces a host-application resource; sub-accounts inherit it.',
  input: (t) => ({
    organizationId: t.id(),
    name: t.string({ required: true }),
    description: t.string(),
    actions: t.stringList({ description: 'Default: read, write' }),
    publicActions: t.stringList(),
    sensitiveFields: t.stringList(),
  }),
  resolve: async (input, ctx) => ({ resource: await defineResource(svc(ctx), input) }),
  success: (t) => ({ resource: t.field({ type: ResourceRef, resolve: (p: { resource: CatalogResource }) => p.resource }) }),
});
