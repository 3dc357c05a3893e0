import { builder } from '../../graphql/builder.js';
import type { Grant } from '../../lib/permissions.js';
import { Organization } from '../orgs/organization.entity.js';
import { OrganizationRef } from '../orgs/organization.schema.js';
import { User } from '../users/user.entity.js';
import { UserRef } from '../users/user.schema.js';
import { ApiKey, KEY_KINDS, KEY_STATUSES, type RateLimit, type SubAccountGrant } from './api-key.entity.js';

export const ApiKeyKindEnum = builder.enumType('ApiKeyKind', { values: KEY_KINDS });
export const ApiKeyStatusEnum = builder.enumType('ApiKeyStatus', { values: KEY_STATUSES });
export const SubAccountModeEnum = builder.enumType('SubAccountMode', { values: ['NONE', 'ALL', 'SELECTED'] as const });

export const PermissionGrantRef = builder.objectRef<Grant>('PermissionGrant').implement({
  description: 'A permission, optionally limited to resource instances (null: every instance).',
  fields: (t) => ({
    permission: t.exposeString('permission'),
    resourceIds: t.stringList({ nullable: true, resolve: (g) => g.resourceIds ?? null }),
  }),
});

export const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  fields: (t) => ({ limit: t.exposeInt('limit'), windowSeconds: t.exposeInt('windowSeconds') }),
});

export const SubAccountGrantRef = builder.objectRef<SubAccountGrant>('SubAccountGrant').implement({
  fields: (t) => ({
    mode: t.field({ type: SubAccountModeEnum, resolve: (g) => g.mode }),
    organizationIds: t.idList({ resolve: (g) => (g.mode === 'SELECTED' ? g.ids : []) }),
  }),
});

/** The key as clients see it: never its secret, token or hash. */
export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    keyId: t.exposeString('keyId', { description: 'Public identifier; the username in Basic auth.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    kind: t.expose('kind', { type: ApiKeyKindEnum }),
    status: t.expose('status', { type: ApiKeyStatusEnum }),
    start: t.exposeString('start', { description: 'The first characters of the token, to tell keys apart.' }),
    permissions: t.field({
      type: [PermissionGrantRef],
      nullable: true,
      description: 'The restriction on the user’s permissions; null: all of them.',
      resolve: (k) => k.permissions,
    }),
    validFrom: t.expose('validFrom', { type: 'DateTime', nullable: true }),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true }),
    allowedIps: t.exposeStringList('allowedIps'),
    subAccounts: t.field({ type: SubAccountGrantRef, resolve: (k) => k.subAccounts }),
    rateLimit: t.field({ type: RateLimitRef, nullable: true, resolve: (k) => k.rateLimit }),
    metadata: t.expose('metadata', { type: 'JSON' }),
    source: t.exposeString('source', { nullable: true, description: 'Name of the key that created this one.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    lastUsedIp: t.exposeString('lastUsedIp', { nullable: true }),
    rotatedAt: t.expose('rotatedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    revokedReason: t.exposeString('revokedReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    userId: t.exposeID('userId'),
    organizationId: t.exposeID('organizationId'),
    user: t.field({ type: UserRef, resolve: (k, _a, ctx) => ctx.em.findOneOrFail(User, { id: k.userId }) }),
    organization: t.field({ type: OrganizationRef, resolve: (k, _a, ctx) => ctx.em.findOneOrFail(Organization, { id: k.organizationId }) }),
  }),
});
