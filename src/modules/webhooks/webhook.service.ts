import { raw } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { generateWebhookSecret } from '../../../connectors/webhook/index.ts';
import type { Config } from '../../config/config.ts';
import { decrypt, encrypt } from '../../lib/crypto.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { deliverWebhookJob } from '../../jobs/deliver-webhook.job.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { assertMayManageEndpoint } from '../auth/policy.ts';
import { reachSql } from '../auth/reach.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { Delivery, DeliveryAttempt, DELIVERY_STATUSES, type DeliveryStatus } from '../../db/entities/delivery.entity.ts';
import { invalidEventPattern } from '../events/event-filter.ts';
import { WebhookEndpoint, ENDPOINT_KINDS, type EndpointKind } from '../../db/entities/webhook-endpoint.entity.ts';
import { assertEndpointUrl } from './webhook-url.ts';

export const MAX_ENDPOINTS_PER_ORG = 100;
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 3600;
const SECRET_PURPOSE = 'webhook-secret';

const eventTypes = z
  .array(z.string().max(64))
  .max(50)
  .transform((l) => [...new Set(l)].sort());
const createSchema = z.object({
  url: z.string().trim().min(1).max(2048),
  description: z.string().trim().max(500).nullish(),
  eventTypes: eventTypes.nullish(),
  organizationId: z.string().max(64).nullish(),
  kind: z.enum(ENDPOINT_KINDS).nullish(),
  includeSubAccounts: z.boolean().nullish(),
  maxDeliveriesPerSecond: z.number().int().min(1).max(10_000).nullish(),
});
const updateSchema = z.object({
  id: z.string().max(64),
  url: z.string().trim().min(1).max(2048).nullish(),
  description: z.string().trim().max(500).nullish(),
  eventTypes: eventTypes.nullish(),
  includeSubAccounts: z.boolean().nullish(),
  /** null clears the limit; absent leaves it. */
  maxDeliveriesPerSecond: z.number().int().min(1).max(10_000).nullish(),
  enabled: z.boolean().nullish(),
  rotateSecret: z.boolean().nullish(),
  secretOverlapSeconds: z.number().int().min(0).max(MAX_SECRET_OVERLAP_SECONDS).nullish(),
});
const idSchema = z.object({ id: z.string().max(64) });

/** What events and audit entries say about an endpoint: never its secret. */
export function endpointJson(e: WebhookEndpoint) {
  return {
    id: e.id,
    organizationId: e.organizationId,
    kind: e.kind,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    includeSubAccounts: e.includeSubAccounts,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
  };
}

export function sealSecret(config: Pick<Config, 'encryptionKey'>, endpointId: string, secret: string): string {
  return encrypt(config.encryptionKey, SECRET_PURPOSE, secret, endpointId);
}

/** The secrets that sign now: the current one, plus the previous one while its overlap lasts. */
export function signingSecrets(
  config: Pick<Config, 'encryptionKey'>,
  e: Pick<WebhookEndpoint, 'id' | 'secretSealed' | 'previousSecretSealed' | 'previousSecretExpiresAt'>,
  now: Date,
): string[] {
  const secrets = [decrypt(config.encryptionKey, SECRET_PURPOSE, e.secretSealed as string, e.id)];
  if (e.previousSecretSealed && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now)
    secrets.push(decrypt(config.encryptionKey, SECRET_PURPOSE, e.previousSecretSealed as string, e.id));
  return secrets;
}

function assertEventTypes(types: string[] | null | undefined): void {
  types?.forEach((t, i) => {
    const why = invalidEventPattern(t);
    if (why) throw ValidationError.field(`input.eventTypes.${i}`, why);
  });
}

/** Loads an endpoint the caller may act on with `permission`; NotFound when out of reach or deleted. */
export async function getEndpointFor(ctx: ServiceContext, id: string, permission: string): Promise<{ endpoint: WebhookEndpoint; org: Organization }> {
  const { obj, org } = await ctx.reach.require('WebhookEndpoint', id, permission);
  return { endpoint: obj, org };
}

/** An endpoint the caller may read, or null. */
export function findWebhookEndpoint(ctx: ServiceContext, id: string): Promise<WebhookEndpoint | null> {
  return ctx.reach.load('WebhookEndpoint', id);
}

export type EndpointFilter = { organizationId?: string | null; kind?: EndpointKind | null; enabled?: boolean | null };

/** The endpoints of one organisation (default: the caller's). */
export async function listWebhookEndpoints(ctx: ServiceContext, filter: EndpointFilter, page: PageArgs) {
  const org = await targetOrganization(ctx, filter.organizationId, 'webhooks:read');
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  const filters = [
    { organizationId: org.id, deletedAt: null },
    filter.kind ? { kind: filter.kind } : {},
    filter.enabled != null ? { enabled: filter.enabled } : {},
  ];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(WebhookEndpoint, { $and: [ks.where, ...filters] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(WebhookEndpoint, { $and: filters }, read));
}

/**
 * Creates an endpoint and its `whsec_` signing secret, returned this once and stored sealed.
 * The URL passes the SSRF guard (shape and resolved addresses) or the input is refused.
 */
export async function createWebhookEndpoint(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const org = await targetOrganization(ctx, data.organizationId, 'webhooks:write');
  assertMayManageEndpoint(ctx.actor, org, { includeSubAccounts: data.includeSubAccounts ?? false });
  assertEventTypes(data.eventTypes);
  await assertEndpointUrl(ctx.deps.config, data.url);
  const count = await ctx.em.count(WebhookEndpoint, { organizationId: org.id, deletedAt: null });
  if (count >= MAX_ENDPOINTS_PER_ORG) throw new ConflictError(`An organization has at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`);

  const id = newId('webhookEndpoint');
  const secret = generateWebhookSecret();
  const endpoint = ctx.em.create(WebhookEndpoint, {
    id,
    organizationId: org.id,
    kind: data.kind ?? 'WEBHOOK',
    url: data.url,
    description: data.description ?? null,
    eventTypes: data.eventTypes ?? [],
    includeSubAccounts: data.includeSubAccounts ?? false,
    maxDeliveriesPerSecond: data.maxDeliveriesPerSecond ?? null,
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    secretSealed: sealSecret(ctx.deps.config, id, secret),
    previousSecretSealed: null,
    previousSecretExpiresAt: null,
    secretRotatedAt: null,
    createdByKeyId: ctx.actor.key.id,
    deletedAt: null,
  });
  const json = endpointJson(endpoint);
  recordEvent(ctx.em, { type: 'webhook_endpoint.created', organizationId: org.id, data: { webhookEndpoint: json } });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'webhook_endpoint.create',
    targetType: 'WebhookEndpoint',
    targetId: id,
    changes: { url: { new: json.url }, kind: { new: json.kind }, eventTypes: { new: json.eventTypes }, includeSubAccounts: { new: json.includeSubAccounts } },
  });
  await commit(ctx);
  return { endpoint, secret };
}

/**
 * Changes an endpoint; `enabled: true` re-enables one that was disabled (its failure clock
 * restarts). `rotateSecret` returns a new secret once; the old one keeps signing alongside it
 * for `secretOverlapSeconds` (default 24 h) so receivers can switch without losing events.
 */
export async function updateWebhookEndpoint(
  ctx: ServiceContext,
  data: z.output<typeof updateSchema>,
): Promise<{ endpoint: WebhookEndpoint; secret: string | null }> {
  const { endpoint, org } = await getEndpointFor(ctx, data.id, 'webhooks:write');
  // Before and after: an endpoint that receives sub-accounts' events is theirs too.
  assertMayManageEndpoint(ctx.actor, org, endpoint);
  if (data.includeSubAccounts) assertMayManageEndpoint(ctx.actor, org, { includeSubAccounts: true });
  assertEventTypes(data.eventTypes);
  if (data.url != null && data.url !== endpoint.url) await assertEndpointUrl(ctx.deps.config, data.url);
  if (data.secretOverlapSeconds != null && !data.rotateSecret) throw ValidationError.field('input.secretOverlapSeconds', 'only with rotateSecret: true');

  const now = ctx.deps.now();
  const withRate = () => ({ ...endpointJson(endpoint), maxDeliveriesPerSecond: endpoint.maxDeliveriesPerSecond });
  const before = withRate();
  if (data.url != null) endpoint.url = data.url;
  if (data.description !== undefined) endpoint.description = data.description ?? null;
  if (data.eventTypes != null) endpoint.eventTypes = data.eventTypes;
  if (data.includeSubAccounts != null) endpoint.includeSubAccounts = data.includeSubAccounts;
  if (data.maxDeliveriesPerSecond !== undefined) endpoint.maxDeliveriesPerSecond = data.maxDeliveriesPerSecond ?? null;
  if (data.enabled != null && data.enabled !== endpoint.enabled) {
    endpoint.enabled = data.enabled;
    endpoint.disabledReason = data.enabled ? null : 'MANUAL';
    endpoint.disabledAt = data.enabled ? null : now;
    endpoint.failingSince = null;
  }
  let secret: string | null = null;
  if (data.rotateSecret) {
    secret = generateWebhookSecret();
    await ctx.em.populate(endpoint, ['secretSealed']);
    const overlap = data.secretOverlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
    endpoint.previousSecretSealed = overlap > 0 ? endpoint.secretSealed : null;
    endpoint.previousSecretExpiresAt = overlap > 0 ? new Date(now.getTime() + overlap * 1000) : null;
    endpoint.secretSealed = sealSecret(ctx.deps.config, endpoint.id, secret);
    endpoint.secretRotatedAt = now;
  }
  const after = endpointJson(endpoint);
  const changes = diff(before, withRate(), ['url', 'description', 'eventTypes', 'includeSubAccounts', 'enabled', 'disabledReason', 'maxDeliveriesPerSecond']);
  if (secret) changes.secret = { old: '[redacted]', new: '[redacted]' };
  if (Object.keys(changes).length === 0) return { endpoint, secret };
  const type = before.enabled && !after.enabled ? 'webhook_endpoint.disabled' : 'webhook_endpoint.updated';
  recordEvent(ctx.em, {
    type,
    organizationId: org.id,
    data: { webhookEndpoint: after, changes: { ...changes, ...(secret ? { secret: { rotated: true } } : {}) } },
  });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: type, targetType: 'WebhookEndpoint', targetId: endpoint.id, changes });
  await commit(ctx);
  return { endpoint, secret };
}

/** Deletes an endpoint: nothing more is sent to it; its delivery log stays readable by id. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, data: z.output<typeof idSchema>): Promise<WebhookEndpoint> {
  const { endpoint, org } = await getEndpointFor(ctx, data.id, 'webhooks:write');
  assertMayManageEndpoint(ctx.actor, org, endpoint);
  endpoint.deletedAt = ctx.deps.now();
  endpoint.enabled = false;
  recordEvent(ctx.em, { type: 'webhook_endpoint.deleted', organizationId: org.id, data: { webhookEndpoint: endpointJson(endpoint) } });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'webhook_endpoint.delete',
    targetType: 'WebhookEndpoint',
    targetId: endpoint.id,
    changes: { deleted: { old: false, new: true } },
  });
  await commit(ctx);
  return endpoint;
}

export type DeliveryFilter = {
  organizationId?: string | null;
  endpointId?: string | null;
  eventId?: string | null;
  status?: DeliveryStatus | null;
  since?: Date | null;
};

/** Deliveries of one organisation's endpoints (or of one endpoint), oldest first. */
export async function listDeliveries(ctx: ServiceContext, filter: DeliveryFilter, page: PageArgs) {
  if (filter.status && !DELIVERY_STATUSES.includes(filter.status)) throw ValidationError.field('filter.status', 'unknown status');
  if (filter.eventId && filter.eventId.length > 64) throw ValidationError.field('filter.eventId', 'at most 64 characters');
  let organizationId: string;
  if (filter.endpointId) {
    // A deleted endpoint's log stays readable.
    const endpoint = filter.endpointId.length <= 64 ? await ctx.em.findOne(WebhookEndpoint, { id: filter.endpointId }) : null;
    if (!endpoint || !(await ctx.reach.sees('WebhookEndpoint', endpoint))) throw new NotFoundError('WebhookEndpoint', filter.endpointId);
    organizationId = endpoint.organizationId;
  } else {
    organizationId = (await targetOrganization(ctx, filter.organizationId, 'webhooks:read')).id;
  }
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  // Only deliveries of events the caller may read: an endpoint that includes sub-accounts carries
  // their events, which a key without a grant for them must not see (reach.ts, as SQL).
  const inReach = reachSql(ctx.actor, 'o.path');
  const eventInReach = raw(
    (alias) => `exists (select 1 from event e join organization o on o.id = e.organization_id where e.id = ${alias}.event_id and ${inReach.sql})`,
    inReach.params,
  );
  if (!ctx.actor.has('events:read')) return toConnection<Delivery>([], limit, ks.cursorOf, ks.hasPrevious, async () => 0);
  const filters = () => [
    { organizationId },
    { [eventInReach]: [] },
    filter.endpointId ? { endpointId: filter.endpointId } : {},
    filter.eventId ? { eventId: filter.eventId } : {},
    filter.status ? { status: filter.status } : {},
    filter.since ? { createdAt: { $gte: filter.since } } : {},
  ];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(Delivery, { $and: [ks.where, ...filters()] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(Delivery, { $and: filters() }, read));
}

export const MAX_ATTEMPTS_LISTED = 100;

/** Attempts of deliveries already authorised by the caller's listing, in one query. */
export async function attemptsOf(ctx: ServiceContext, deliveryIds: readonly string[]): Promise<Map<string, DeliveryAttempt[]>> {
  const rows = deliveryIds.length
    ? await ctx.em.find(DeliveryAttempt, { deliveryId: { $in: [...deliveryIds] } }, { orderBy: { deliveryId: 'asc', attempt: 'desc' } })
    : [];
  const map = new Map<string, DeliveryAttempt[]>(deliveryIds.map((id) => [id, []]));
  for (const r of rows) {
    const list = map.get(r.deliveryId)!;
    if (list.length < MAX_ATTEMPTS_LISTED) list.push(r);
  }
  for (const list of map.values()) list.reverse();
  return map;
}

/**
 * Sends a finished delivery again, with the same `webhook-id` so receivers can de-duplicate; a
 * new round of attempts with the full retry schedule starts at once.
 */
export async function replayDelivery(ctx: ServiceContext, data: z.output<typeof idSchema>): Promise<Delivery> {
  // Reach covers the delivery's event too: a replay re-sends that event's data.
  const { obj: delivery, org } = await ctx.reach.require('Delivery', data.id, 'webhooks:write');
  const endpoint = await ctx.em.findOne(WebhookEndpoint, { id: delivery.endpointId });
  if (!endpoint || endpoint.deletedAt) throw new ConflictError('The endpoint of this delivery was deleted');
  assertMayManageEndpoint(ctx.actor, org, endpoint);
  if (!endpoint.enabled) throw new ConflictError('The endpoint is disabled; enable it first');
  if (delivery.status === 'PENDING') throw new ConflictError('The delivery is still being attempted');
  const now = ctx.deps.now();
  delivery.status = 'PENDING';
  delivery.round += 1;
  delivery.roundAttempts = 0;
  delivery.nextAttemptAt = now;
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'delivery.replay',
    targetType: 'Delivery',
    targetId: delivery.id,
    changes: { round: { old: delivery.round - 1, new: delivery.round } },
  });
  await commit(ctx);
  // After the commit: a job that ran earlier would find the delivery not yet pending. Should this
  // enqueue fail, the worker's sweep re-creates the job from the row.
  await ctx.deps.jobs
    .enqueue(deliverWebhookJob, { eventId: delivery.eventId, endpointId: delivery.endpointId, round: delivery.round })
    .catch((err: unknown) => ctx.deps.log.warn({ err, deliveryId: delivery.id }, 'replay enqueue failed; the sweep will retry'));
  return delivery;
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export {
  createSchema as createWebhookEndpointInput,
  updateSchema as updateWebhookEndpointInput,
  idSchema as deleteWebhookEndpointInput,
  idSchema as replayDeliveryInput,
};
