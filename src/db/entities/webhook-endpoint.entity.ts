import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ENDPOINT_KINDS = ['WEBHOOK', 'ZAPIER'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];
export const DISABLED_REASONS = ['MANUAL', 'GONE', 'FAILING'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

/**
 * Where an organisation's events go. The signing secret is stored sealed (AES-256-GCM, see
 * src/lib/crypto.ts); during a rotation overlap the previous one is kept and both sign.
 */
export const WebhookEndpoint = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    kind: p.enum(ENDPOINT_KINDS).default('WEBHOOK'),
    url: p.string(),
    description: p.string().nullable(),
    /** Exact types, `family.*` wildcards or `*`; empty means every event. */
    eventTypes: p.array().columnType('text[]'),
    /** Also receive the events of every sub-account below the organisation. */
    includeSubAccounts: p.boolean().default(false),
    /** Delivery attempts per second at most (null: no limit). */
    maxDeliveriesPerSecond: p.integer().nullable(),
    enabled: p.boolean().default(true),
    disabledReason: p.enum(['MANUAL', 'GONE', 'FAILING'] as const).nullable(),
    disabledAt: p.datetime().nullable(),
    /** First failure since the last success; the endpoint is disabled when this gets too old. */
    failingSince: p.datetime().nullable(),
    secretSealed: p.string().lazy(),
    previousSecretSealed: p.string().nullable().lazy(),
    previousSecretExpiresAt: p.datetime().nullable(),
    secretRotatedAt: p.datetime().nullable(),
    createdByKeyId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
  },
});
export type WebhookEndpoint = InferEntity<typeof WebhookEndpoint>;
