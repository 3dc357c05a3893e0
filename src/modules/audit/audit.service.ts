import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../principal/actor.ts';
import { AuditEntry, type FieldChange } from '../../db/entities/audit-entry.entity.ts';

/** Field names whose values never enter an audit entry, whatever the caller passes. */
const SECRET_FIELDS = new Set(['secret', 'token', 'secretHash', 'previousSecretHash', 'signingSecret', 'password']);

export function diff<T extends Record<string, unknown>>(before: Partial<T>, after: Partial<T>, fields: (keyof T)[]): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const f of fields) {
    const a = before[f];
    const b = after[f];
    if (JSON.stringify(a) !== JSON.stringify(b)) out[String(f)] = { old: a ?? null, new: b ?? null };
  }
  return out;
}

/** Queues an append-only audit entry on the unit of work (same transaction as the change). */
export function recordAudit(
  em: EntityManager,
  actor: Actor | null,
  e: { organizationId: string; action: string; targetType: string; targetId: string | null; changes?: Record<string, FieldChange> },
): AuditEntry {
  const changes: Record<string, FieldChange> = {};
  for (const [k, v] of Object.entries(e.changes ?? {})) changes[k] = SECRET_FIELDS.has(k) ? { old: '[redacted]', new: '[redacted]' } : v;
  return em.create(AuditEntry, {
    id: newId('audit'),
    organizationId: e.organizationId,
    actorUserId: actor?.source.actorUserId ?? null,
    actorKeyId: actor?.source.actorKeyId ?? null,
    actorKeyName: actor?.source.actorKeyName ?? null,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    changes,
    ip: actor?.meta.ip ?? null,
    userAgent: actor?.meta.userAgent?.slice(0, 512) ?? null,
    requestId: actor?.meta.requestId ?? null,
    occurredAt: new Date(),
  });
}
