import { z } from 'zod';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { Customer } from '../../db/entities/customer.entity.ts';
import { calendarRefill } from '../limits/credit-refill.ts';

const MAX_METADATA_BYTES = 4096;
const id = z.string().min(1).max(64);
const externalId = z.string().trim().min(1).max(200);
const name = z.string().trim().min(1).max(200);
const metadata = z
  .record(z.string().max(100), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `at most ${MAX_METADATA_BYTES} bytes of JSON`);
const rateLimit = z.object({ limit: z.number().int().min(1).max(1_000_000), windowSeconds: z.number().int().min(1).max(86_400) });
const credits = z.number().int().min(0).max(1_000_000_000);

const createSchema = z.object({
  organizationId: id.nullish(),
  externalId,
  name,
  metadata: metadata.nullish(),
  rateLimit: rateLimit.nullish(),
  credits: credits.nullish(),
  creditsRefill: calendarRefill.nullish(),
});
// `undefined` (absent) keeps a value, `null` clears it.
const updateSchema = z.object({
  id,
  externalId: externalId.nullish(),
  name: name.nullish(),
  metadata: metadata.nullish(),
  rateLimit: rateLimit.nullish(),
  credits: credits.nullish(),
  creditsRefill: calendarRefill.nullish(),
});

/** A customer as events and audit entries carry it. */
const deleteSchema = z.object({ id });

export function customerJson(c: Customer) {
  return {
    id: c.id,
    organizationId: c.organizationId,
    externalId: c.externalId,
    name: c.name,
    metadata: c.metadata,
    rateLimit: c.rateLimit ?? null,
    credits: c.credits ?? null,
    creditsRefill: c.creditsRefill ?? null,
  };
}
const UPDATABLE = ['externalId', 'name', 'metadata', 'rateLimit', 'credits', 'creditsRefill'] as const;

/** A customer the caller may act on with `permission`; NotFound otherwise. */
export async function getCustomerFor(ctx: ServiceContext, customerId: string, permission: string): Promise<{ customer: Customer; org: Organization }> {
  const { obj, org } = await ctx.reach.require('Customer', customerId, permission);
  return { customer: obj, org };
}

/** A customer by id, or by the organisation's external id (in `organizationId`, default the caller's); null when out of reach. */
export async function findCustomer(
  ctx: ServiceContext,
  by: { id?: string | null; externalId?: string | null; organizationId?: string | null },
): Promise<Customer | null> {
  if ((by.id == null) === (by.externalId == null)) throw ValidationError.field(by.id == null ? 'id' : 'externalId', 'give id or externalId, not both');
  if (by.id != null) return ctx.reach.load('Customer', by.id);
  const org = await targetOrganization(ctx, by.organizationId, 'customers:read');
  if (by.externalId!.length > 200) return null;
  const found = await ctx.em.findOne(Customer, { organizationId: org.id, externalId: by.externalId! });
  return found ? ctx.reach.load('Customer', found.id) : null;
}

export type CustomerFilter = { organizationId?: string | null; search?: string | null };

/** One organisation's customers (default: the caller's), oldest first. */
export async function listCustomers(ctx: ServiceContext, filter: CustomerFilter, page: PageArgs) {
  const org = await targetOrganization(ctx, filter.organizationId, 'customers:read');
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  if (filter.search && filter.search.length > 200) throw ValidationError.field('filter.search', 'at most 200 characters');
  const search = filter.search ? `%${filter.search.replace(/[\\%_]/g, '\\$&')}%` : null;
  const filters = [{ organizationId: org.id }, search ? { $or: [{ name: { $ilike: search } }, { externalId: { $ilike: search } }] } : {}];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(Customer, { $and: [ks.where, ...filters] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(Customer, { $and: filters }, read));
}

async function assertExternalIdFree(ctx: ServiceContext, organizationId: string, externalId: string, except: string | null): Promise<void> {
  const taken = await ctx.em.findOne(Customer, { organizationId, externalId });
  if (taken && taken.id !== except) throw new ConflictError(`A customer with externalId “${externalId}” already exists in this organisation`);
}

export async function createCustomer(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<Customer> {
  const org = await targetOrganization(ctx, data.organizationId, 'customers:write');
  await assertExternalIdFree(ctx, org.id, data.externalId, null);
  const customer = ctx.em.create(Customer, {
    id: newId('customer'),
    organizationId: org.id,
    externalId: data.externalId,
    name: data.name,
    metadata: (data.metadata as Record<string, unknown> | null | undefined) ?? {},
    rateLimit: data.rateLimit ?? null,
    credits: data.credits ?? null,
    creditsRefill: data.creditsRefill ?? null,
  });
  const json = customerJson(customer);
  recordEvent(ctx.em, { type: 'customer.created', organizationId: org.id, data: { customer: json } });
  const { id: _id, ...fields } = json;
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'customer.create',
    targetType: 'Customer',
    targetId: customer.id,
    changes: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { new: v }])),
  });
  await commit(ctx);
  ctx.reach.grant('Customer', customer.id);
  return customer;
}

/** Changes a customer; its organisation's keys (some share its limits) are dropped from every replica's cache. */
export async function updateCustomer(ctx: ServiceContext, data: z.output<typeof updateSchema>): Promise<Customer> {
  const { customer, org } = await getCustomerFor(ctx, data.id, 'customers:write');
  const before = customerJson(customer);
  if (data.externalId != null && data.externalId !== customer.externalId) {
    await assertExternalIdFree(ctx, org.id, data.externalId, customer.id);
    customer.externalId = data.externalId;
  }
  if (data.name != null) customer.name = data.name;
  if (data.metadata !== undefined) customer.metadata = (data.metadata as Record<string, unknown> | null) ?? {};
  if (data.rateLimit !== undefined) customer.rateLimit = data.rateLimit;
  if (data.credits !== undefined) customer.credits = data.credits;
  if (data.creditsRefill !== undefined) customer.creditsRefill = data.creditsRefill;
  const after = customerJson(customer);
  const changes = diff(before, after, [...UPDATABLE]);
  if (Object.keys(changes).length === 0) return customer;
  recordEvent(ctx.em, { type: 'customer.updated', organizationId: org.id, data: { customer: after, changes } });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: 'customer.update', targetType: 'Customer', targetId: customer.id, changes });
  await commit(ctx, [{ scope: 'org', organizationId: org.id }]);
  return customer;
}

/** Deletes a customer; its keys stay, belonging to no customer (and sharing no limits) from now on. */
export async function deleteCustomer(ctx: ServiceContext, data: z.output<typeof deleteSchema>): Promise<Customer> {
  const { customer, org } = await getCustomerFor(ctx, data.id, 'customers:write');
  const json = customerJson(customer);
  // Its keys keep working, belonging to no customer (the foreign key sets theirs to null).
  ctx.em.remove(customer);
  recordEvent(ctx.em, { type: 'customer.deleted', organizationId: org.id, data: { customer: json } });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: 'customer.delete', targetType: 'Customer', targetId: customer.id, changes: {} });
  await commit(ctx, [{ scope: 'org', organizationId: org.id }]);
  return customer;
}

/** The customer a key of `org` is to belong to: in reach, and of the key's own organisation. */
export async function resolveKeyCustomer(ctx: ServiceContext, customerId: string, org: Organization, field: string): Promise<Customer> {
  const customer = await ctx.reach.load('Customer', customerId);
  if (!customer) throw ValidationError.field(field, `customer ${customerId} not found`);
  if (customer.organizationId !== org.id) throw ValidationError.field(field, 'the customer belongs to another organisation than the key');
  return customer;
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { createSchema as createCustomerInput, updateSchema as updateCustomerInput, deleteSchema as deleteCustomerInput };
