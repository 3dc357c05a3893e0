import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint (unique per pair). `msgId` is the `webhook-id` sent on every attempt
 * and replay. A replay starts a new `round` with a fresh retry schedule.
 */
export const Delivery = defineEntity({
  name: 'Delivery',
  tableName: 'delivery',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    endpointId: p.string(),
    eventId: p.string(),
    eventType: p.string(),
    msgId: p.string(),
    status: p.enum(DELIVERY_STATUSES).default('PENDING'),
    round: p.integer().default(0),
    roundAttempts: p.integer().default(0),
    attemptCount: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.string().nullable(),
    succeededAt: p.datetime().nullable(),
    /** The relay's batch job carrying the first attempt (null: the delivery's own job). */
    batchJobId: p.string().nullable(),
    /** While ahead, an attempt is in flight and no other job may claim the delivery. */
    inFlightUntil: p.datetime().nullable(),
    /** The event's time: the month partition the delivery (and its attempts) live in. */
    eventOccurredAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Delivery = InferEntity<typeof Delivery>;

/** One HTTP attempt: what was answered (bounded excerpt) or what went wrong. */
export const DeliveryAttempt = defineEntity({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempt',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    deliveryId: p.string(),
    attempt: p.integer(),
    round: p.integer(),
    attemptedAt: p.datetime(),
    statusCode: p.integer().nullable(),
    durationMs: p.integer(),
    success: p.boolean(),
    responseExcerpt: p.string().nullable(),
    errorCode: p.string().nullable(),
    errorMessage: p.string().nullable(),
    /** The event's time: the month partition of the attempt, as of its delivery. */
    eventOccurredAt: p.datetime().nullable(),
  },
});
export type DeliveryAttempt = InferEntity<typeof DeliveryAttempt>;
