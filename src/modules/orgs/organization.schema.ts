import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import type { Organization } from './organization.entity.ts';
import { createOrganization, getOrganization, listOrganizations, updateOrganization } from './organization.service.ts';
import { effectiveLeakPolicies, type LeakPolicy } from '../leaks/leak-policy.ts';

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

const OrgField = (t: SuccessFieldBuilder<never>) => ({
  organization: t.field({ type: OrganizationRef, resolve: (p: { organization: Organization }) => p.organization }),
});

defineMutation('createOrganization', {
  permission: 'organizations:write',
  description: 'Creates a sub-account under parentId (default: the caller’s organisation).',
  input: (t) => ({ name: t.string({ required: true }), parentId: t.id() }),
  success: OrgField,
  resolve: async (input, ctx) => ({ organization: await createOrganization(svc(ctx), input) }),
});

defineMutation('updateOrganization', {
  permission: 'organizations:write',
  input: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    inactivityDays: t.int(),
    warningDays: t.intList(),
    leakedKeyPolicy: t.field({ type: LeakedKeyPolicySettingEnum, description: 'What happens to keys found leaked here and in sub-accounts that inherit.' }),
  }),
  success: OrgField,
  resolve: async (input, ctx) => ({ organization: await updateOrganization(svc(ctx), input) }),
});
