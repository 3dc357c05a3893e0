import { z } from 'zod';
import { fromZodIssues, ValidationError } from '../../lib/errors.ts';
import { decodeCursor, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { listRead, type ServiceContext } from '../service-context.ts';
import { AuditEntry } from '../../db/entities/audit-entry.entity.ts';

const filterSchema = z.object({
  organizationId: z.string().min(1).max(64).nullish(),
  action: z.string().min(1).max(100).nullish(),
  targetType: z.string().min(1).max(100).nullish(),
  targetId: z.string().min(1).max(128).nullish(),
  actorKeyId: z.string().min(1).max(64).nullish(),
  since: z.date().nullish(),
  until: z.date().nullish(),
});
export type AuditLogFilter = z.input<typeof filterSchema>;

/** Decodes a cursor over a bigint sequence number. */
export function seqCursor(after: string | null | undefined): string | null {
  const c = decodeCursor(after, 1);
  if (c === null) return null;
  const seq = String(c[0]);
  if (!/^\d{1,19}$/.test(seq)) throw ValidationError.field('after', 'invalid cursor');
  return seq;
}

/**
 * One organisation's audit log (default: the caller's), in the order it was written. Entries
 * carry the actor user, the acting key's id and name (its "source"), target and changes.
 */
export async function listAuditEntries(ctx: ServiceContext, filter: AuditLogFilter | null | undefined, page: PageArgs) {
  const r = filterSchema.safeParse(filter ?? {});
  if (!r.success) throw fromZodIssues(r.error.issues, 'filter');
  const f = r.data;
  const org = await targetOrganization(ctx, f.organizationId, 'audit:read');
  const limit = pageSize(page.first);
  const after = seqCursor(page.after);
  const where = {
    organizationId: org.id,
    ...(f.action ? { action: f.action } : {}),
    ...(f.targetType ? { targetType: f.targetType } : {}),
    ...(f.targetId ? { targetId: f.targetId } : {}),
    ...(f.actorKeyId ? { actorKeyId: f.actorKeyId } : {}),
    ...(f.since || f.until ? { occurredAt: { ...(f.since ? { $gte: f.since } : {}), ...(f.until ? { $lt: f.until } : {}) } } : {}),
  };
  const read = await listRead(ctx);
  const rows = await ctx.em.find(AuditEntry, { ...where, ...(after ? { seq: { $gt: after } } : {}) }, { orderBy: { seq: 'asc' }, limit: limit + 1, ...read });
  return toConnection(
    rows,
    limit,
    (e) => [e.seq],
    after !== null,
    () => ctx.em.count(AuditEntry, where, read),
  );
}
