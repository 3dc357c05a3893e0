import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation, type SuccessFieldBuilder } from '../../graphql/mutation.ts';
import { CreditsRefillInput, CreditsRefillRef, RateLimitInput, RateLimitRef } from '../limits/limits.schema.ts';
import type { Customer } from '../../db/entities/customer.entity.ts';
import { createCustomer, deleteCustomer, findCustomer, listCustomers, updateCustomer } from './customer.service.ts';
import { createCustomerInput, updateCustomerInput, deleteCustomerInput } from './customer.service.ts';

export const CustomerRef = builder.objectRef<Customer>('Customer').implement({
  description: 'One of the organisation’s own customers. Its keys may share its rate limit and draw on its credit pool.',
  ...reachable<Customer>('Customer'),
  fields: (t) => ({
    id: t.exposeID('id'),
    organizationId: t.exposeID('organizationId'),
    externalId: t.exposeString('externalId', { description: 'The organisation’s own id for the customer, unique within the organisation.' }),
    name: t.exposeString('name', { description: 'The customer’s name.' }),
    metadata: t.expose('metadata', { type: 'JSON', description: 'Free JSON the organisation attached.' }),
    rateLimit: t.field({
      type: RateLimitRef,
      nullable: true,
      description: 'A rate limit all the customer’s keys share, beside each key’s own (both must allow); null: none.',
      resolve: (c) => c.rateLimit ?? null,
    }),
    credits: t.int({
      nullable: true,
      description: 'Credits left in the pool all the customer’s keys draw on (beside each key’s own); null: no pool.',
      resolve: (c, _a, ctx) =>
        c.credits === null || c.credits === undefined
          ? null
          : ctx.reach
              .batched<string, number | null>('poolCreditsLeft', async (ids) => {
                const rows = await ctx.em
                  .getConnection()
                  .execute<{ id: string; credits: number | null; credits_epoch: number }[]>(
                    'select id, credits, credits_epoch from customer where id = any(array[?]::text[])',
                    [[...ids]],
                  );
                const left = await ctx.deps.poolCreditsLeft(rows.map((r) => ({ id: r.id, credits: r.credits, creditsEpoch: r.credits_epoch })));
                const byId = new Map(rows.map((r, i) => [r.id, left[i] ?? null]));
                return ids.map((id) => byId.get(id) ?? null);
              })
              .load(c.id),
    }),
    creditsRefill: t.field({
      type: CreditsRefillRef,
      nullable: true,
      description: 'How the pool refills; null: never.',
      resolve: (c) => c.creditsRefill ?? null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CustomerFilter = builder.inputType('CustomerFilter', {
  description: 'Which customers a list shows.',
  fields: (t) => ({
    organizationId: t.id({ description: 'Whose customers (default: the caller’s organisation).' }),
    search: t.string({ description: 'Only customers whose name or externalId contains this.' }),
  }),
});

builder.queryField('customers', (t) =>
  t.connection(
    {
      type: CustomerRef,
      authScopes: needs('customers:read'),
      description: 'The customers of one organisation, oldest first.',
      args: { filter: t.arg({ type: CustomerFilter, description: 'Which customers.' }) },
      resolve: (_r, args, ctx) =>
        listCustomers(svc(ctx), { organizationId: args.filter?.organizationId ? String(args.filter.organizationId) : null, search: args.filter?.search }, args),
    },
    { name: 'CustomerConnection', ...counted },
    { name: 'CustomerEdge' },
  ),
);

builder.queryField('customer', (t) =>
  t.field({
    type: CustomerRef,
    nullable: true,
    authScopes: needs('customers:read'),
    description: 'One customer, by id or by the organisation’s externalId; null when there is none in reach.',
    args: {
      id: t.arg.id({ description: 'The customer’s id.' }),
      externalId: t.arg.string({ description: 'The organisation’s own id for the customer.' }),
      organizationId: t.arg.id({ description: 'With externalId: whose customer (default: the caller’s organisation).' }),
    },
    resolve: (_r, args, ctx) =>
      findCustomer(svc(ctx), {
        id: args.id ? String(args.id) : null,
        externalId: args.externalId ?? null,
        organizationId: args.organizationId ? String(args.organizationId) : null,
      }),
  }),
);

const CustomerField = <P extends { customer: Customer }>(t: SuccessFieldBuilder<P>) => ({
  customer: t.field({ type: CustomerRef, description: 'The customer.', resolve: (p) => p.customer }),
});

defineMutation('createCustomer', {
  validate: createCustomerInput,
  permission: 'customers:write',
  description: 'Creates a customer record; keys may then belong to it (createApiKey and updateApiKey take customerId).',
  input: (t) => ({
    organizationId: t.id({ description: 'The organisation it belongs to (default: the caller’s).' }),
    externalId: t.string({ required: true, description: 'The organisation’s own id for the customer (unique in the organisation).' }),
    name: t.string({ required: true, description: 'The customer’s name.' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object of at most 4096 bytes.' }),
    rateLimit: t.field({ type: RateLimitInput, description: 'A rate limit every key of the customer shares.' }),
    credits: t.int({ description: 'A credit pool every key of the customer draws on; null: none.' }),
    creditsRefill: t.field({ type: CreditsRefillInput, description: 'Refill the pool daily or monthly.' }),
  }),
  resolve: async (input, ctx) => ({ customer: await createCustomer(svc(ctx), input) }),
  success: CustomerField,
});

defineMutation('updateCustomer', {
  validate: updateCustomerInput,
  permission: 'customers:write',
  description: 'Changes a customer; an omitted field is kept, null clears it. Setting credits starts a new pool grant.',
  input: (t) => ({
    id: t.id({ required: true, description: 'The customer to change.' }),
    externalId: t.string({ description: 'A new external id.' }),
    name: t.string({ description: 'A new name.' }),
    metadata: t.field({ type: 'JSON', description: 'New metadata.' }),
    rateLimit: t.field({ type: RateLimitInput, description: 'A new shared rate limit; null removes it.' }),
    credits: t.int({ description: 'A new pool; null removes it.' }),
    creditsRefill: t.field({ type: CreditsRefillInput, description: 'A new refill; null: never.' }),
  }),
  resolve: async (input, ctx) => ({ customer: await updateCustomer(svc(ctx), input) }),
  success: CustomerField,
});

defineMutation('deleteCustomer', {
  validate: deleteCustomerInput,
  permission: 'customers:write',
  description: 'Deletes a customer; its keys keep working, belonging to no customer and sharing no limits.',
  input: (t) => ({ id: t.id({ required: true, description: 'The customer to delete.' }) }),
  resolve: async (input, ctx) => ({ customer: await deleteCustomer(svc(ctx), input) }),
  success: CustomerField,
});
