import { counted } from '../../graphql/connection.ts';
import { builder, reachable, needs } from '../../graphql/builder.ts';
import { MAX_RECOVERED, recoverDeliveries } from './recover-deliveries.service.ts';
import { svc, type Context } from '../../graphql/context.ts';
import { defineMutation, type SuccessFieldBuilder } from '../../graphql/mutation.ts';
import { EventRef } from '../events/event.schema.ts';
import { type Delivery, type DeliveryAttempt, DELIVERY_STATUSES } from '../../db/entities/delivery.entity.ts';
import { type WebhookEndpoint, DISABLED_REASONS, ENDPOINT_KINDS } from '../../db/entities/webhook-endpoint.entity.ts';
import {
  attemptsOf,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
  replayDelivery,
  updateWebhookEndpoint,
} from './webhook.service.ts';
import { createWebhookEndpointInput, updateWebhookEndpointInput, deleteWebhookEndpointInput, replayDeliveryInput } from './webhook.service.ts';
import { recoverDeliveriesInput } from './recover-deliveries.service.ts';

export const WebhookEndpointKindEnum = builder.enumType('WebhookEndpointKind', {
  values: ENDPOINT_KINDS,
  description: 'WEBHOOK: any HTTPS receiver. ZAPIER: a REST-hook subscription made by the Zapier app.',
});
export const WebhookDisabledReasonEnum = builder.enumType('WebhookDisabledReason', {
  values: DISABLED_REASONS,
  description: 'MANUAL: turned off through the API. GONE: the receiver answered 410. FAILING: no success for too long.',
});
export const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: DELIVERY_STATUSES });

/** An endpoint as clients see it: never its signing secret. */
export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: 'Where an organisation’s lifecycle events are sent, signed per Standard Webhooks.',
  ...reachable<WebhookEndpoint>('WebhookEndpoint'),
  fields: (t) => ({
    id: t.exposeID('id'),
    organizationId: t.exposeID('organizationId'),
    kind: t.expose('kind', { type: WebhookEndpointKindEnum }),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    eventTypes: t.exposeStringList('eventTypes', { description: 'Exact types, family wildcards (api_key.*) or *; empty: every event.' }),
    includeSubAccounts: t.exposeBoolean('includeSubAccounts', { description: 'Also receives the events of every sub-account below the organisation.' }),
    maxDeliveriesPerSecond: t.exposeInt('maxDeliveriesPerSecond', {
      nullable: true,
      description: 'At most this many delivery attempts per second (others wait for the next second); null: no limit.',
    }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.expose('disabledReason', { type: WebhookDisabledReasonEnum, nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    failingSince: t.expose('failingSince', { type: 'DateTime', nullable: true, description: 'First failed attempt since the last success.' }),
    secretRotatedAt: t.expose('secretRotatedAt', { type: 'DateTime', nullable: true }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until then deliveries are signed with the previous secret as well.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const DeliveryAttemptRef = builder.objectRef<DeliveryAttempt>('DeliveryAttempt').implement({
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first attempt of the delivery, counting across replays.' }),
    round: t.exposeInt('round', { description: '0 for the automatic attempts, n for the n-th replay.' }),
    attemptedAt: t.expose('attemptedAt', { type: 'DateTime' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'Null when no response arrived.' }),
    durationMs: t.exposeInt('durationMs'),
    success: t.exposeBoolean('success'),
    responseExcerpt: t.exposeString('responseExcerpt', { nullable: true, description: 'At most the first 1 KiB of the response body.' }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'e.g. ECONNREFUSED, ETIMEDOUT, ESSRF.' }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
  }),
});

// Attempts of a listed page are loaded in one query and remembered per delivery object.
const pageAttempts = new WeakMap<Delivery, DeliveryAttempt[]>();

async function loadAttempts(ctx: Context, delivery: Delivery): Promise<DeliveryAttempt[]> {
  const known = pageAttempts.get(delivery);
  if (known) return known;
  return (await attemptsOf(svc(ctx), [delivery.id])).get(delivery.id) ?? [];
}

export const DeliveryRef = builder.objectRef<Delivery>('Delivery').implement({
  description: 'One event sent to one endpoint, with every attempt.',
  ...reachable<Delivery>('Delivery'),
  fields: (t) => ({
    id: t.exposeID('id'),
    webhookId: t.exposeString('msgId', { description: 'The webhook-id header: the same on every attempt and replay (the event id).' }),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    endpointId: t.exposeID('endpointId'),
    endpoint: t.field({
      type: WebhookEndpointRef,
      nullable: true,
      description: 'Null once the endpoint is deleted (endpointId still names it).',
      resolve: (d, _a, ctx) => ctx.reach.load('WebhookEndpoint', d.endpointId),
    }),
    eventId: t.exposeID('eventId'),
    eventType: t.exposeString('eventType'),
    event: t.field({
      type: EventRef,
      nullable: true,
      description: 'The event sent; null when the caller may not read events there.',
      resolve: (d, _a, ctx) => ctx.reach.load('Event', d.eventId),
    }),
    organizationId: t.exposeID('organizationId'),
    attemptCount: t.exposeInt('attemptCount'),
    round: t.exposeInt('round'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    succeededAt: t.expose('succeededAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    attempts: t.field({ type: [DeliveryAttemptRef], description: 'Oldest first (the latest 100).', resolve: (d, _a, ctx) => loadAttempts(ctx, d) }),
  }),
});

const WebhookEndpointFilter = builder.inputType('WebhookEndpointFilter', {
  fields: (t) => ({
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
    kind: t.field({ type: WebhookEndpointKindEnum }),
    enabled: t.boolean(),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.connection(
    {
      type: WebhookEndpointRef,
      authScopes: needs('webhooks:read'),
      args: { filter: t.arg({ type: WebhookEndpointFilter }) },
      resolve: (_r, args, ctx) =>
        listWebhookEndpoints(svc(ctx), { ...args.filter, organizationId: args.filter?.organizationId ? String(args.filter.organizationId) : null }, args),
    },
    { name: 'WebhookEndpointConnection', ...counted },
    { name: 'WebhookEndpointEdge' },
  ),
);

builder.queryField('webhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    nullable: true,
    authScopes: needs('webhooks:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => findWebhookEndpoint(svc(ctx), String(id)),
  }),
);

const DeliveryFilter = builder.inputType('DeliveryFilter', {
  fields: (t) => ({
    organizationId: t.id({ description: 'Default: the calling key’s organization (ignored when endpointId is given).' }),
    endpointId: t.id(),
    eventId: t.id(),
    status: t.field({ type: DeliveryStatusEnum }),
    since: t.field({ type: 'DateTime', description: 'Created at or after (inclusive).' }),
  }),
});

builder.queryField('deliveries', (t) =>
  t.connection(
    {
      type: DeliveryRef,
      authScopes: needs('webhooks:read'),
      description: 'The delivery log, oldest first, each delivery with its attempts.',
      args: { filter: t.arg({ type: DeliveryFilter }) },
      resolve: async (_r, args, ctx) => {
        const f = args.filter;
        const conn = await listDeliveries(
          svc(ctx),
          {
            organizationId: f?.organizationId ? String(f.organizationId) : null,
            endpointId: f?.endpointId ? String(f.endpointId) : null,
            eventId: f?.eventId ? String(f.eventId) : null,
            status: f?.status ?? null,
            since: f?.since ?? null,
          },
          args,
        );
        const attempts = await attemptsOf(
          svc(ctx),
          conn.edges.map((e) => e.node.id),
        );
        for (const e of conn.edges) pageAttempts.set(e.node, attempts.get(e.node.id) ?? []);
        return conn;
      },
    },
    { name: 'DeliveryConnection', ...counted },
    { name: 'DeliveryEdge' },
  ),
);

const EndpointField = <P extends { endpoint: WebhookEndpoint }>(t: SuccessFieldBuilder<P>) => ({
  webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (p) => p.endpoint }),
});

defineMutation('createWebhookEndpoint', {
  validate: createWebhookEndpointInput,
  permission: 'webhooks:write',
  description:
    'Creates an endpoint; `secret` (whsec_…) is returned this once. The URL must pass the SSRF guard (https, a public address). Needs events:read as well.',
  input: (t) => ({
    url: t.string({ required: true }),
    description: t.string(),
    eventTypes: t.stringList({ description: 'Exact types, family wildcards (api_key.*) or *; omitted or empty: every event.' }),
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
    kind: t.field({ type: WebhookEndpointKindEnum, description: 'Default WEBHOOK.' }),
    includeSubAccounts: t.boolean({ description: 'Also send the events of every sub-account (the key must reach them all).' }),
    maxDeliveriesPerSecond: t.int({
      description: 'At most this many delivery attempts per second, 1 to 10000 (a slow receiver is not flooded); omitted: no limit.',
    }),
  }),
  resolve: async (input, ctx) => createWebhookEndpoint(svc(ctx), input),
  success: (t) => ({
    ...EndpointField(t),
    secret: t.string({ description: 'The signing secret (whsec_…); shown only here.', resolve: (p: { secret: string }) => p.secret }),
  }),
});

defineMutation('updateWebhookEndpoint', {
  validate: updateWebhookEndpointInput,
  permission: 'webhooks:write',
  description: 'Changes an endpoint, enables or disables it, or rotates its secret (the old one still signs during the overlap).',
  input: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    description: t.string(),
    eventTypes: t.stringList(),
    includeSubAccounts: t.boolean(),
    maxDeliveriesPerSecond: t.int({ description: '1 to 10000; null removes the limit.' }),
    enabled: t.boolean(),
    rotateSecret: t.boolean(),
    secretOverlapSeconds: t.int({ description: 'How long the previous secret keeps signing; default 86400, at most 604800, 0 for none.' }),
  }),
  resolve: async (input, ctx) => updateWebhookEndpoint(svc(ctx), input),
  success: (t) => ({
    ...EndpointField(t),
    secret: t.string({
      nullable: true,
      description: 'The new signing secret when rotateSecret was set; shown only here.',
      resolve: (p: { secret: string | null }) => p.secret,
    }),
  }),
});

defineMutation('deleteWebhookEndpoint', {
  validate: deleteWebhookEndpointInput,
  permission: 'webhooks:write',
  input: (t) => ({ id: t.id({ required: true }) }),
  resolve: async (input, ctx) => ({ endpoint: await deleteWebhookEndpoint(svc(ctx), input) }),
  success: EndpointField,
});

defineMutation('replayDelivery', {
  validate: replayDeliveryInput,
  permission: 'webhooks:write',
  description: 'Sends a finished delivery again with the same webhook-id, starting a new round of attempts.',
  input: (t) => ({ id: t.id({ required: true }) }),
  resolve: async (input, ctx) => ({ delivery: await replayDelivery(svc(ctx), input) }),
  success: (t) => ({ delivery: t.field({ type: DeliveryRef, resolve: (p: { delivery: Delivery }) => p.delivery }) }),
});

type RecoverResult = Awaited<ReturnType<typeof recoverDeliveries>>;

defineMutation('recoverDeliveries', {
  validate: recoverDeliveriesInput,
  permission: 'webhooks:write',
  description: `Sends again every failed delivery of an endpoint created since a time (e.g. after the receiver was down), at most ${MAX_RECOVERED} per call; each keeps its webhook-id and starts a new round of attempts. Needs events:read too.`,
  input: (t) => ({
    endpointId: t.id({ required: true }),
    since: t.field({ type: 'DateTime', required: true, description: 'Deliveries created at or after this instant.' }),
    limit: t.int({ description: `At most this many (1 to ${MAX_RECOVERED}, the default), oldest first.` }),
  }),
  resolve: (input, ctx) => recoverDeliveries(svc(ctx), input),
  success: (t) => ({
    webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (p: RecoverResult) => p.endpoint }),
    recovered: t.int({ description: 'Deliveries put back to PENDING by this call.', resolve: (p: RecoverResult) => p.recovered }),
    hasMore: t.boolean({ description: 'More failed deliveries remain: call again.', resolve: (p: RecoverResult) => p.hasMore }),
  }),
});
