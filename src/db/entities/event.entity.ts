import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One row per lifecycle change, written in the change's transaction: the transactional outbox. */
export const EventRecord = defineEntity({
  name: 'EventRecord',
  tableName: 'event',
  properties: {
    seq: p.bigint('string').primary().autoincrement(),
    id: p.string().unique(),
    type: p.string(),
    organizationId: p.string(),
    keyId: p.string().nullable(),
    occurredAt: p.datetime(),
    data: p.json<Record<string, unknown>>(),
    relayedAt: p.datetime().nullable(),
  },
});
export type EventRecord = InferEntity<typeof EventRecord>;
