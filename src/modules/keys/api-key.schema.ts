import { counted } from '../../graphql/connection.ts';
import { CreditsRefillInput, CreditsRefillRef, RateLimitInput, RateLimitRef } from '../limits/limits.schema.ts';
import { ApiKeyKindEnum } from '../../graphql/enums.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation, type SuccessFieldBuilder, type InputBuilder } from '../../graphql/mutation.ts';
import type { Grant } from '../../lib/permissions.ts';
import { OrganizationRef } from '../orgs/organization.schema.ts';
import { UserRef } from '../users/user.schema.ts';
import { type ApiKey, KEY_STATUSES, type SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import {
  apiKeyExpiresAt,
  createApiKey,
  deleteApiKey,
  findApiKey,
  listApiKeys,
  MAX_ALLOWED_IPS,
  MAX_GRACE_SECONDS,
  MAX_METADATA_BYTES,
  revokeApiKey,
  rotateApiKey,
  updateApiKey,
  type IssuedApiKey,
} from './api-key.service.ts';
import { createApiKeyInput, updateApiKeyInput, rotateApiKeyInput, revokeApiKeyInput, deleteApiKeyInput } from './api-key.service.ts';

export { ApiKeyKindEnum };
export const ApiKeyStatusEnum = builder.enumType('ApiKeyStatus', { values: KEY_STATUSES });
export const SubAccountModeEnum = builder.enumType('SubAccountMode', { values: ['NONE', 'ALL', 'SELECTED'] as const });

export const PermissionGrantRef = builder.objectRef<Grant>('PermissionGrant').implement({
  description: 'A permission, optionally limited to resource instances (null: every instance).',
  fields: (t) => ({
    permission: t.exposeString('permission'),
    resourceIds: t.stringList({ nullable: true, resolve: (g) => g.resourceIds ?? null }),
  }),
});

export const SubAccountGrantRef = builder.objectRef<SubAccountGrant>('SubAccountGrant').implement({
  fields: (t) => ({
    mode: t.field({ type: SubAccountModeEnum, resolve: (g) => g.mode }),
    organizationIds: t.idList({ resolve: (g) => (g.mode === 'SELECTED' ? g.ids : []) }),
  }),
});

/** The key as clients see it: never its secret, token or hash. */
export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  ...reachable<ApiKey>('ApiKey'),
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
    credits: t.int({
      nullable: true,
      description: 'Remaining uses; null: unlimited.',
      resolve: (k, _a, ctx) =>
        k.credits === null || k.credits === undefined
          ? null
          : ctx.reach
              .batched<string, number | null>('creditsLeft', async (ids) => {
                // Read afresh: a mutation's write of credits changed the epoch behind the entity's back (trigger).
                const rows = await ctx.em
                  .getConnection()
                  .execute<{ id: string; credits: number | null; credits_epoch: number; customer_id: string | null }[]>(
                    'select id, credits, credits_epoch, customer_id from api_key where id = any(array[?]::text[])',
                    [[...ids]],
                  );
                const byId = new Map(rows.map((r) => [r.id, { id: r.id, credits: r.credits, creditsEpoch: r.credits_epoch, customerId: r.customer_id }]));
                const left = await ctx.deps.creditsLeft([...byId.values()]);
                const leftById = new Map([...byId.keys()].map((id, i) => [id, left[i] ?? null]));
                return ids.map((id) => leftById.get(id) ?? null);
              })
              .load(k.id),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When an active key stops working: the earlier of validUntil and last activity + the organization’s inactivityDays.',
      resolve: async (k, _a, ctx) => {
        const org = await ctx.reach.org(k.organizationId);
        return org ? apiKeyExpiresAt(k, org) : null;
      },
    }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation with a grace period: when the previous secret stops working. Null: no grace (it stopped at the rotation).',
      resolve: (k) => (k.previousSecretExpiresAt && k.rotatedAt && k.previousSecretExpiresAt > k.rotatedAt ? k.previousSecretExpiresAt : null),
    }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime', description: 'Last use, creation or rotation: where the inactivity clock starts.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    lastUsedIp: t.exposeString('lastUsedIp', { nullable: true }),
    rotatedAt: t.expose('rotatedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    revokedReason: t.exposeString('revokedReason', { nullable: true }),
    customerId: t.exposeID('customerId', { nullable: true, description: 'The customer the key belongs to; null: none.' }),
    creditsRefill: t.field({
      type: CreditsRefillRef,
      nullable: true,
      description: 'How the credits refill; null: never.',
      resolve: (k) => k.creditsRefill ?? null,
    }),
    leakedAt: t.expose('leakedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key was first found leaked (secret scanning, a public report); null: never.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    userId: t.exposeID('userId'),
    organizationId: t.exposeID('organizationId'),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user the key acts as; null when that user is beyond the caller’s reach (userId still names them).',
      resolve: (k, _a, ctx) => ctx.reach.load('User', k.userId),
    }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      description: 'The organisation the key lives in; null when the caller may not read it.',
      resolve: (k, _a, ctx) => ctx.reach.load('Organization', k.organizationId),
    }),
  }),
});

const ApiKeyFilter = builder.inputType('ApiKeyFilter', {
  fields: (t) => ({
    status: t.field({ type: ApiKeyStatusEnum }),
    kind: t.field({ type: ApiKeyKindEnum, description: 'Integration keys are listed apart: only when this is INTEGRATION.' }),
    userId: t.id(),
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
    search: t.string({ description: 'In name, description or the token start.' }),
    lastUsedBefore: t.field({ type: 'DateTime', description: 'Keys not used since; never-used keys match.' }),
    expiresBefore: t.field({ type: 'DateTime', description: 'Active keys whose expiresAt is before this instant.' }),
    customerId: t.id({ description: 'Only keys of this customer.' }),
    policyViolations: t.boolean({
      description: 'Only keys that break the organisation’s key policies now (made before a policy was adopted, or due for rotation).',
    }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.connection(
    {
      type: ApiKeyRef,
      authScopes: needs('keys:read'),
      description: 'Keys of one organization, oldest first. Integration keys appear only with filter.kind INTEGRATION.',
      args: { filter: t.arg({ type: ApiKeyFilter }) },
      resolve: (_r, args, ctx) => listApiKeys(svc(ctx), args.filter, args),
    },
    { name: 'ApiKeyConnection', ...counted },
    { name: 'ApiKeyEdge' },
  ),
);

builder.queryField('apiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    nullable: true,
    authScopes: needs('keys:read'),
    description: 'One key, by its id (key_…) or by the key id inside its token (ApiKey.keyId); null when missing or beyond reach.',
    args: { id: t.arg.id({ required: true, description: 'ApiKey.id or ApiKey.keyId: either names the key.' }) },
    resolve: (_r, { id }, ctx) => findApiKey(svc(ctx), String(id)),
  }),
);

const PermissionGrantInput = builder.inputType('PermissionGrantInput', {
  fields: (t) => ({
    permission: t.string({ required: true }),
    resourceIds: t.stringList({ description: 'Limit to these resource instances; omitted or null: every instance.' }),
  }),
});

const SubAccountGrantInput = builder.inputType('SubAccountGrantInput', {
  fields: (t) => ({
    mode: t.field({ type: SubAccountModeEnum, required: true }),
    organizationIds: t.idList({ description: 'With mode SELECTED: sub-accounts below the key’s organization.' }),
  }),
});

const keySettings = (t: InputBuilder) => ({
  description: t.string(),
  permissions: t.field({
    type: [PermissionGrantInput],
    description: 'A subset of the user’s permissions (and of the calling key’s); null: all of the user’s.',
  }),
  validFrom: t.field({ type: 'DateTime' }),
  validUntil: t.field({ type: 'DateTime' }),
  allowedIps: t.stringList({ description: `IPv4/IPv6 addresses and CIDR blocks, at most ${MAX_ALLOWED_IPS}; empty: any address.` }),
  subAccounts: t.field({ type: SubAccountGrantInput, description: 'Which sub-accounts the key may act in (agency keys).' }),
  rateLimit: t.field({ type: RateLimitInput }),
  credits: t.int({ description: 'Remaining uses; null: unlimited.' }),
  creditsRefill: t.field({ type: CreditsRefillInput, description: 'Refill the credits daily or monthly; null: never.' }),
  metadata: t.field({ type: 'JSON', description: `A JSON object of at most ${MAX_METADATA_BYTES} bytes.` }),
  customerId: t.id({
    description: 'The customer (of the key’s organisation) the key belongs to; its shared rate limit and credit pool apply too. null: none.',
  }),
});

const Issued = <P extends IssuedApiKey>(t: SuccessFieldBuilder<P>) => ({
  apiKey: t.field({ type: ApiKeyRef, resolve: (p) => p.apiKey }),
  token: t.string({ description: 'Shown once: store it now.', resolve: (p) => p.token }),
  secret: t.string({ description: 'Shown once: the password half of Basic auth (keyId:secret).', resolve: (p) => p.secret }),
});
const KeyField = <P extends { apiKey: ApiKey }>(t: SuccessFieldBuilder<P>) => ({ apiKey: t.field({ type: ApiKeyRef, resolve: (p) => p.apiKey }) });

defineMutation('createApiKey', {
  validate: createApiKeyInput,
  permission: 'keys:write',
  description:
    'Creates a key acting as userId (default: the caller’s user) in organizationId (default: the caller’s). The token and secret are returned only here.',
  input: (t) => ({
    name: t.string({ required: true }),
    kind: t.field({ type: ApiKeyKindEnum, description: 'Default SECRET.' }),
    userId: t.id({ description: 'Another user than the caller’s needs users:write.' }),
    organizationId: t.id(),
    ...keySettings(t),
  }),
  resolve: (input, ctx) => createApiKey(svc(ctx), input),
  success: Issued,
});

defineMutation('updateApiKey', {
  validate: updateApiKeyInput,
  permission: 'keys:write',
  description: 'Changes a key; an omitted field is kept, null clears it. userId moves the key to act as another user.',
  input: (t) => ({ id: t.id({ required: true }), name: t.string(), userId: t.id(), ...keySettings(t) }),
  resolve: async (input, ctx) => ({ apiKey: await updateApiKey(svc(ctx), input) }),
  success: KeyField,
});

defineMutation('rotateApiKey', {
  validate: rotateApiKeyInput,
  permission: 'keys:write',
  description: `A new secret for the same key id; the old one keeps working for gracePeriodSeconds (default 0, at most ${MAX_GRACE_SECONDS}).`,
  input: (t) => ({ id: t.id({ required: true }), gracePeriodSeconds: t.int() }),
  resolve: (input, ctx) => rotateApiKey(svc(ctx), input),
  success: Issued,
});

defineMutation('revokeApiKey', {
  validate: revokeApiKeyInput,
  permission: 'keys:write',
  description: 'Stops the key at once, for good.',
  input: (t) => ({ id: t.id({ required: true }), reason: t.string() }),
  resolve: async (input, ctx) => ({ apiKey: await revokeApiKey(svc(ctx), input) }),
  success: KeyField,
});

defineMutation('deleteApiKey', {
  validate: deleteApiKeyInput,
  permission: 'keys:write',
  description: 'Removes the key for clients (it stops working); the audit log keeps its history.',
  input: (t) => ({ id: t.id({ required: true }) }),
  resolve: async (input, ctx) => ({ apiKey: await deleteApiKey(svc(ctx), input) }),
  success: KeyField,
});
