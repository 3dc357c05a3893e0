import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../../lib/pagination.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { READ_PERMISSION } from '../auth/reach.ts';
import type { EventRecord } from '../../db/entities/event.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { listRead, type ServiceContext } from '../service-context.ts';
import { Notification } from '../../db/entities/notification.entity.ts';

/** Who may see an organisation's notifications: its key admins (the reach rule's read permission). */
export const NOTIFICATION_PERMISSION = READ_PERMISSION.Notification;

/** Event types that become in-app notifications. */
export const NOTIFIED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'api_key.expiring_soon',
  'api_key.expired',
  'api_key.leaked',
  'api_key.rotation_due',
  'webhook_endpoint.disabled',
]);

export const MAX_MARK_IDS = 100;

/** A notification as one user sees it: with that user's read time. */
export type NotificationView = {
  id: string;
  organizationId: string;
  type: string;
  keyId: string | null;
  eventId: string | null;
  title: string;
  data: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The human line for an event; names the key (never anything secret). */
export function notificationTitle(type: string, data: Record<string, unknown>): string {
  const name = String((data.apiKey as { name?: unknown } | undefined)?.name ?? 'unnamed');
  if (type === 'api_key.expiring_soon') return `API key “${name}” expires in ${plural(Number(data.daysLeft), 'day')} unless it is used`;
  if (type === 'api_key.expired') {
    return data.reason === 'validity_window'
      ? `API key “${name}” expired: its validity window ended`
      : `API key “${name}” expired after ${plural(Number(data.inactivityDays), 'day')} unused`;
  }
  if (type === 'api_key.rotation_due') return `API key “${name}” is due for rotation (every ${plural(Number(data.rotationDays), 'day')})`;
  if (type === 'api_key.leaked') {
    const leak = (data.leak ?? {}) as { reporter?: unknown; url?: unknown; action?: unknown };
    const where = typeof leak.url === 'string' && leak.url ? ` at ${leak.url}` : '';
    const by = leak.reporter === 'github' ? 'GitHub secret scanning' : 'a public report';
    const done = leak.action === 'REVOKED' ? 'revoked' : leak.action === 'NOTIFIED' ? 'still active: rotate or revoke it' : 'already inactive';
    return `API key “${name}” was found leaked${where} (${by}); ${done}`;
  }
  if (type === 'webhook_endpoint.disabled') {
    const endpoint = data.webhookEndpoint as { id?: unknown; description?: unknown } | undefined;
    const label = typeof endpoint?.description === 'string' && endpoint.description ? `“${endpoint.description}”` : String(endpoint?.id ?? '');
    return `Webhook endpoint ${label} was disabled: ${String(data.reason ?? 'deliveries failed')}`;
  }
  return `${type}: ${name}`;
}

/**
 * What a notification keeps of its event. Notifications are read with keys:read, so one about
 * an endpoint names it (id, description) and why, never its URL.
 */
function notificationData(event: EventRecord): Record<string, unknown> {
  if (event.type !== 'webhook_endpoint.disabled') return event.data;
  const endpoint = (event.data.webhookEndpoint ?? {}) as { id?: unknown; description?: unknown };
  return { webhookEndpoint: { id: endpoint.id ?? null, description: endpoint.description ?? null }, reason: event.data.reason ?? null };
}

/**
 * Queues the in-app notification for an expiring_soon / expired / webhook_endpoint.disabled event
 * on the same unit of work (so it commits with the event, or not at all). Other types make none.
 */
export function notifyFromEvent(em: EntityManager, event: EventRecord): Notification | null {
  if (!NOTIFIED_EVENT_TYPES.has(event.type)) return null;
  return em.create(Notification, {
    id: newId('notification'),
    organizationId: event.organizationId,
    type: event.type,
    keyId: event.keyId ?? null,
    eventId: event.id,
    title: notificationTitle(event.type, event.data),
    data: notificationData(event),
    createdAt: event.occurredAt,
  });
}

type Row = {
  id: string;
  organization_id: string;
  type: string;
  key_id: string | null;
  event_id: string | null;
  title: string;
  data: Record<string, unknown>;
  /** Timestamps arrive as text from the driver. */
  created_at: string;
  read_at: string | null;
};

const toView = (r: Row): NotificationView => ({
  id: r.id,
  organizationId: r.organization_id,
  type: r.type,
  keyId: r.key_id,
  eventId: r.event_id,
  title: r.title,
  data: r.data,
  createdAt: new Date(r.created_at),
  readAt: r.read_at === null ? null : new Date(r.read_at),
});

const VIEW_SQL = `select n.id, n.organization_id, n.type, n.key_id, n.event_id, n.title, n.data, n.created_at, r.read_at
  from notification n left join notification_read r on r.notification_id = n.id and r.user_id = ?`;

export type NotificationFilter = { organizationId?: string | null; unreadOnly?: boolean | null };

/**
 * An organisation's notifications (default: the caller's), newest first, with the caller's
 * user's read state, and how many are unread. Needs keys:read there.
 */
export async function listNotifications(
  ctx: ServiceContext,
  filter: NotificationFilter,
  page: PageArgs,
): Promise<Connection<NotificationView> & { unreadCount: number }> {
  const org = await targetOrganization(ctx, filter.organizationId, NOTIFICATION_PERMISSION);
  const limit = pageSize(page.first);
  const after = decodeCursor(page.after, 2);
  const userId = ctx.actor.userId;
  const params: unknown[] = [userId, org.id];
  let sql = `${VIEW_SQL} where n.organization_id = ?`;
  if (filter.unreadOnly) sql += ' and r.read_at is null';
  if (after) {
    const at = new Date(String(after[0]));
    if (Number.isNaN(at.getTime())) throw ValidationError.field('after', 'invalid cursor');
    sql += ' and (n.created_at, n.id) < (?, ?)';
    params.push(at, String(after[1]));
  }
  sql += ' order by n.created_at desc, n.id desc limit ?';
  params.push(limit + 1);
  const db = ctx.em.getConnection((await listRead(ctx)).connectionType);
  const rows = (await db.execute<Row[]>(sql, params)).map(toView);
  const [count] = await db.execute<{ n: string }[]>(
    `select count(*) as n from notification n
      where n.organization_id = ? and not exists (select 1 from notification_read r where r.notification_id = n.id and r.user_id = ?)`,
    [org.id, userId],
  );
  const total = async () => {
    const [row] = await db.execute<{ n: string }[]>(
      `select count(*) as n from notification n
        where n.organization_id = ?${filter.unreadOnly ? ' and not exists (select 1 from notification_read r where r.notification_id = n.id and r.user_id = ?)' : ''}`,
      filter.unreadOnly ? [org.id, userId] : [org.id],
    );
    return Number(row?.n ?? 0);
  };
  const connection = toConnection(rows, limit, (v) => [v.createdAt.toISOString(), v.id], after !== null, total);
  return { ...connection, unreadCount: Number(count?.n ?? 0) };
}

const markSchema = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_MARK_IDS) });

/**
 * Marks notifications read for the caller's user (other admins keep their own read state).
 * Every id must be a notification the caller may see; otherwise nothing changes (NotFound).
 * Marking an already-read notification again is a no-op. One transaction with its audit entries.
 */
export async function markNotificationsRead(ctx: ServiceContext, data: z.output<typeof markSchema>): Promise<NotificationView[]> {
  const ids = [...new Set(data.ids)];
  const found = await Promise.all(ids.map((id) => ctx.reach.load('Notification', id)));
  const byId = new Map(found.flatMap((n) => (n ? [[n.id, n] as const] : [])));
  const missing = ids.find((id) => !byId.has(id));
  if (missing) throw new NotFoundError('Notification', missing);
  const userId = ctx.actor.userId;
  const now = ctx.deps.now();
  await ctx.em.transactional(async (em) => {
    const inserted = await em.execute<{ notification_id: string }[]>(
      `insert into notification_read (notification_id, user_id, read_at)
       select unnest(array[?]::text[]), ?::text, ?::timestamptz on conflict do nothing returning notification_id`,
      [ids, userId, now],
    );
    const perOrg = new Map<string, string[]>();
    for (const r of inserted) {
      const orgId = byId.get(r.notification_id)!.organizationId;
      perOrg.set(orgId, [...(perOrg.get(orgId) ?? []), r.notification_id]);
    }
    for (const [organizationId, read] of perOrg) {
      recordAudit(em, ctx.actor, {
        organizationId,
        action: 'notification.read',
        targetType: 'Notification',
        targetId: read.length === 1 ? read[0]! : null,
        changes: { ids: { new: read.sort() } },
      });
    }
  });
  const rows = await ctx.em.execute<Row[]>(`${VIEW_SQL} where n.id = any(array[?]::text[]) order by n.created_at desc, n.id desc`, [userId, ids]);
  return rows.map(toView);
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { markSchema as markNotificationsReadInput };
