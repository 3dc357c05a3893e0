import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export type FieldChange = { old?: unknown; new?: unknown };

/** Append-only: the database rejects updates, deletes and truncation of this table. */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  properties: {
    seq: p.bigint('string').primary().autoincrement(),
    id: p.string().unique(),
    organizationId: p.string(),
    actorUserId: p.string().nullable(),
    actorKeyId: p.string().nullable(),
    actorKeyName: p.string().nullable(),
    action: p.string(),
    targetType: p.string(),
    targetId: p.string().nullable(),
    changes: p.json<Record<string, FieldChange>>(),
    ip: p.string().nullable(),
    userAgent: p.string().nullable(),
    requestId: p.string().nullable(),
    occurredAt: p.datetime(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;
