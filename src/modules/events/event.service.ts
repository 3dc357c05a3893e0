import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import { EventRecord } from '../../db/entities/event.entity.ts';
import type { EventJson, EventType } from './event.types.ts';

/**
 * Queues an event row on the unit of work; it is written by the mutation's single flush, in the
 * same transaction as the change it describes (transactional outbox). Callers pass data that
 * never contains a secret.
 */
export function recordEvent(
  em: EntityManager,
  e: { type: EventType; organizationId: string; keyId?: string | null; data: Record<string, unknown>; at?: Date },
): EventRecord {
  return em.create(EventRecord, {
    id: newId('event'),
    type: e.type,
    organizationId: e.organizationId,
    keyId: e.keyId ?? null,
    occurredAt: e.at ?? new Date(),
    data: e.data,
    relayedAt: null,
  });
}

export function toEventJson(e: EventRecord): EventJson {
  return { id: e.id, type: e.type as EventType, occurredAt: e.occurredAt.toISOString(), organizationId: e.organizationId, data: e.data };
}
