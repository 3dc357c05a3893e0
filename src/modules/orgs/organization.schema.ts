import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import type { KeyPolicySetting, Organization } from '../../db/entities/organization.entity.ts';
import { effectiveKeyPolicies } from './key-policy.ts';
import { ApiKeyKindEnum } from '../../graphql/enums.ts';
import { createOrganization, listOrganizations, updateOrganization } from './organization.service.ts';
import { getOrganization } from '../auth/org-access.ts';
import { effectiveLeakPolicies, type LeakPolicy } from './leak-policy.ts';

const KeyPolicyRef = builder.objectRef<KeyPolicySetting>('KeyPolicy').implement({
  description: 'Rules every key of an organisation must follow. A field null: no such rule (or, in an organisation’s own setting, as its parent says).',
  fields: (t) => ({
    maxLifetimeDays: t.int({ nullable: true, description: 'Keys need a validUntil at most this many days ahead.', resolve: (p) => p.maxLifetimeDays ?? null }),
    allowedKinds: t.field({
      type: [ApiKeyKindEnum],
      nullable: true,
      description: 'Only these kinds of key may be made.',
      resolve: (p) => p.allowedKinds ?? null,
    }),
    requireIpAllowlist: t.boolean({ nullable: true, description: 'Keys need an IP allowlist.', resolve: (p) => p.requireIpAllowlist ?? null }),
    rotationDays: t.int({
      nullable: true,
      description:
        'A key is due for rotation this many days after it was made or last rotated (an api_key.rotation_due event and a notification, once per period).',
      resolve: (p) => p.rotationDays ?? null,
    }),
  }),
});

const KeyPolicyInput = builder.inputType('KeyPolicyInput', {
  description: 'Key policies to set on an organisation; a field null or left out: as the parent organisation says. 0 or false: explicitly none here.',
  fields: (t) => ({
    maxLifetimeDays: t.int({ description: 'Keys need a validUntil at most this many days ahead (1 to 3650; 0: no maximum).' }),
    allowedKinds: t.field({ type: [ApiKeyKindEnum], description: 'Only these kinds of key may be made (at least one).' }),
    requireIpAllowlist: t.boolean({ description: 'Keys need an IP allowlist (false: not required here).' }),
    rotationDays: t.int({ description: 'Keys are due for rotation after this many days (1 to 3650; 0: never).' }),
  }),
});

export const LeakedKeyPolicyEnum = builder.enumType('LeakedKeyPolicy', {
  description: 'What happens to a key found leaked (secret scanning, a public report).',
  values: {
    REVOKE: { description: 'Revoke it at once (the default).' },
    NOTIFY: { description: 'Leave it working; send the api_key.leaked event and a notification only.' },
  } as const,
});

export const LeakedKeyPolicySettingEnum = builder.enumType('LeakedKeyPolicySetting', {
  values: {
    REVOKE: { description: 'Revoke leaked keys at once.' },
    NOTIFY: { description: 'Only notify.' },
    INHERIT: { description: 'As the parent organisation says (a root organisation: REVOKE).' },
  } as const,
});
import { defineMutation, type SuccessFieldBuilder } from '../../graphql/mutation.ts';
import { createOrganizationInput, updateOrganizationInput } from './organization.service.ts';

export const OrganizationRef = builder.objectRef<Organization>('Organization').implement({
  description: 'A tenant. Agencies own sub-accounts (child organisations).',
  ...reachable<Organization>('Organization'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    parentId: t.exposeID('parentId', { nullable: true }),
    depth: t.exposeInt('depth'),
    inactivityDays: t.exposeInt('inactivityDays', { description: 'Keys unused this many days expire; 0 turns expiry off.' }),
    warningDays: t.exposeIntList('warningDays', { description: 'Days before inactivity expiry when a warning is sent.' }),
    leakedKeyPolicy: t.field({
      type: LeakedKeyPolicyEnum,
      nullable: true,
      description: 'This organisation’s own setting for leaked keys; null: it inherits its parent’s.',
      resolve: (o) => o.leakedKeyPolicy ?? null,
    }),
    keyPolicy: t.field({
      type: KeyPolicyRef,
      nullable: true,
      description: 'The key policies this organisation sets itself; null: it inherits them all.',
      resolve: (o) => o.keyPolicy ?? null,
    }),
    effectiveKeyPolicy: t.field({
      type: KeyPolicyRef,
      description: 'The key policies that apply here: each rule from this organisation or the nearest one above it that sets it.',
      resolve: (o, _a, ctx) =>
        ctx.reach
          .batched<Organization, KeyPolicySetting>('effectiveKeyPolicy', async (orgs) =>
            (await effectiveKeyPolicies(ctx.em, orgs)).map((p) => ({
              maxLifetimeDays: p.maxLifetimeDays?.value ?? null,
              allowedKinds: p.allowedKinds?.value ?? null,
              requireIpAllowlist: p.requireIpAllowlist?.value ?? null,
              rotationDays: p.rotationDays?.value ?? null,
            })),
          )
          .load(o),
    }),
    effectiveLeakedKeyPolicy: t.field({
      type: LeakedKeyPolicyEnum,
      description: 'What applies to its leaked keys: its own setting, else the nearest ancestor’s, else REVOKE.',
      resolve: (o, _a, ctx) => ctx.reach.batched<Organization, LeakPolicy>('effectiveLeakPolicy', (orgs) => effectiveLeakPolicies(ctx.em, orgs)).load(o),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('organization', (t) =>
  t.field({
    type: OrganizationRef,
    nullable: true,
    authScopes: needs('organizations:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => getOrganization(svc(ctx), String(id)),
  }),
);

builder.queryField('organizations', (t) =>
  t.connection(
    {
      type: OrganizationRef,
      authScopes: needs('organizations:read'),
      args: { parentId: t.arg.id() },
      resolve: (_r, args, ctx) => listOrganizations(svc(ctx), { first: args.first, after: args.after, parentId: args.parentId ? String(args.parentId) : null }),
    },
    { name: 'OrganizationConnection', ...counted },
    { name: 'OrganizationEdge' },
  ),
);

const OrgField = <P extends { organization: Organization }>(t: SuccessFieldBuilder<P>) => ({
  organization: t.field({ type: OrganizationRef, resolve: (p) => p.organization }),
});

defineMutation('createOrganization', {
  validate: createOrganizationInput,
  permission: 'organizations:write',
  description: 'Creates a sub-account under parentId (default: the caller’s organisation).',
  input: (t) => ({ name: t.string({ required: true }), parentId: t.id() }),
  resolve: async (input, ctx) => ({ organization: await createOrganization(svc(ctx), input) }),
  success: OrgField,
});

defineMutation('updateOrganization', {
  validate: updateOrganizationInput,
  permission: 'organizations:write',
  input: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    inactivityDays: t.int(),
    warningDays: t.intList(),
    leakedKeyPolicy: t.field({ type: LeakedKeyPolicySettingEnum, description: 'What happens to keys found leaked here and in sub-accounts that inherit.' }),
    keyPolicy: t.field({
      type: KeyPolicyInput,
      description: 'Key policies for this organisation and the sub-accounts that inherit them; replaces its own setting.',
    }),
  }),
  resolve: async (input, ctx) => ({ organization: await updateOrganization(svc(ctx), input) }),
  success: OrgField,
});
