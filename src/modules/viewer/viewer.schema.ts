import { builder } from '../../graphql/builder.ts';
import { toGrants } from '../../lib/permissions.ts';
import type { Actor } from '../auth/actor.ts';
import { ApiKey } from '../keys/api-key.entity.ts';
import { ApiKeyRef, PermissionGrantRef } from '../keys/api-key.schema.ts';
import { Organization } from '../orgs/organization.entity.ts';
import { OrganizationRef } from '../orgs/organization.schema.ts';
import { User } from '../users/user.entity.ts';
import { UserRef } from '../users/user.schema.ts';

const ViewerRef = builder.objectRef<Actor>('Viewer').implement({
  description: 'The calling key, the user it acts as, and what it may do.',
  fields: (t) => ({
    apiKey: t.field({
      type: ApiKeyRef,
      nullable: true,
      description: 'The calling key; null for a console session, which acts as its user without a key.',
      resolve: (a, _x, ctx) => ctx.em.findOne(ApiKey, { id: a.key.id, deletedAt: null }),
    }),
    user: t.field({ type: UserRef, resolve: (a, _x, ctx) => ctx.em.findOneOrFail(User, { id: a.userId }) }),
    organization: t.field({ type: OrganizationRef, resolve: (a, _x, ctx) => ctx.em.findOneOrFail(Organization, { id: a.organizationId }) }),
    permissions: t.field({ type: [PermissionGrantRef], description: 'Effective: the user’s roles ∩ the key’s restriction.', resolve: (a) => toGrants(a.permissions) }),
  }),
});

builder.queryField('viewer', (t) => t.field({ type: ViewerRef, resolve: (_r, _a, ctx) => ctx.actor }));
