import { z } from 'zod';
import { fromZodIssues } from '../../lib/errors.ts';
import { pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { seqCursor } from '../audit/audit-log.service.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { listRead, type ServiceContext } from '../service-context.ts';
import { EventRecord } from '../../db/entities/event.entity.ts';
import { EVENT_TYPE_SET, EVENT_TYPES } from './event.types.ts';

const PREFIXES = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));

/** An event type, or `<prefix>.*` for all of a family (`api_key.*`). */
const eventType = z
  .string()
  .max(100)
  .refine((t) => EVENT_TYPE_SET.has(t) || (t.endsWith('.*') && PREFIXES.has(t.slice(0, -2))), 'unknown event type');

const filterSchema = z.object({
  organizationId: z.string().min(1).max(64).nullish(),
  types: z.array(eventType).max(50).nullish(),
  keyId: z.string().min(1).max(64).nullish(),
  since: z.date().nullish(),
});
export type EventFilter = z.input<typeof filterSchema>;

/** MikroORM condition for a list of types and `prefix.*` patterns. */
export function typeCondition(types: string[] | null | undefined) {
  if (!types?.length) return {};
  const exact = types.filter((t) => !t.endsWith('.*'));
  const families = types.filter((t) => t.endsWith('.*')).map((t) => ({ type: { $like: `${t.slice(0, -2).replace(/[\\%_]/g, '\\$&')}.%` } }));
  return { $or: [...(exact.length ? [{ type: { $in: exact } }] : []), ...families] };
}

export type EventOrder = 'OLDEST_FIRST' | 'NEWEST_FIRST';

/**
 * One organisation's events (default: the caller's) in `seq` order. `seq` is drawn in commit
 * order (see the keys migration), so `after: endCursor` is a polling feed that never skips an
 * event committed later with a lower number. NEWEST_FIRST walks the same sequence backwards
 * (the latest events of a type in one request); its cursors continue backwards.
 */
export async function listEvents(ctx: ServiceContext, filter: EventFilter | null | undefined, page: PageArgs, order: EventOrder = 'OLDEST_FIRST') {
  const r = filterSchema.safeParse(filter ?? {});
  if (!r.success) throw fromZodIssues(r.error.issues, 'filter');
  const f = r.data;
  const org = await targetOrganization(ctx, f.organizationId, 'events:read');
  const limit = pageSize(page.first);
  const after = seqCursor(page.after);
  const filters = [{ organizationId: org.id }, f.keyId ? { keyId: f.keyId } : {}, f.since ? { occurredAt: { $gte: f.since } } : {}, typeCondition(f.types)];
  const read = await listRead(ctx);
  const rows = await ctx.em.find(
    EventRecord,
    { $and: [after ? { seq: order === 'NEWEST_FIRST' ? { $lt: after } : { $gt: after } } : {}, ...filters] },
    { orderBy: { seq: order === 'NEWEST_FIRST' ? 'desc' : 'asc' }, limit: limit + 1, ...read },
  );
  return toConnection(
    rows,
    limit,
    (e) => [e.seq],
    after !== null,
    () => ctx.em.count(EventRecord, { $and: filters }, read),
  );
}
