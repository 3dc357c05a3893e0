import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CreditsRefill, RateLimit } from './api-key.entity.ts';

/**
 * One of the organisation's own customers (its SaaS's customer), known by the organisation's
 * `externalId`. Keys may belong to it; it may carry limits all its keys share.
 */
export const Customer = defineEntity({
  name: 'Customer',
  tableName: 'customer',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    externalId: p.string(),
    name: p.string(),
    metadata: p.json<Record<string, unknown>>(),
    rateLimit: p.json<RateLimit>().nullable(),
    /** The pool's credits not yet leased to the verification tier; null: no pool. */
    credits: p.integer().nullable(),
    /** Refills the pool to an amount daily or monthly (the refill sweep). */
    creditsRefill: p.json<CreditsRefill>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Customer = InferEntity<typeof Customer>;
