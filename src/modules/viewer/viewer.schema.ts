import { builder } from '../../graphql/builder.ts';
import { toGrants } from '../../lib/permissions.ts';
import type { Actor } from '../principal/actor.ts';
import { ApiKeyRef, PermissionGrantRef } from '../keys/api-key.schema.ts';
import { OrganizationRef } from '../orgs/organization.schema.ts';
import { UserRef } from '../users/user.schema.ts';

const ViewerRef = builder.objectRef<Actor>('Viewer').implement({
  description: 'The calling key, the user it acts as, and what it may do.',
  fields: (t) => ({
    apiKey: t.field({
      type: ApiKeyRef,
      nullable: true,
      description: 'The calling key; null for a console session, which acts as its user without a key.',
      resolve: (a, _x, ctx) => ctx.reach.load('ApiKey', a.key.id),
    }),
    // The caller always sees itself (reach.ts): its user and organisation exist while it is authenticated.
    user: t.field({ type: UserRef, resolve: async (a, _x, ctx) => (await ctx.reach.load('User', a.userId))! }),
    organization: t.field({ type: OrganizationRef, resolve: async (a, _x, ctx) => (await ctx.reach.load('Organization', a.organizationId))! }),
    permissions: t.field({
      type: [PermissionGrantRef],
      description: 'Effective: the user’s roles ∩ the key’s restriction.',
      resolve: (a) => toGrants(a.permissions),
    }),
  }),
});

builder.queryField('viewer', (t) => t.field({ type: ViewerRef, resolve: (_r, _a, ctx) => ctx.actor }));
