import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation } from '../../graphql/mutation.ts';
import { ApiKeyRef } from '../keys/api-key.schema.ts';
import { listNotifications, markNotificationsRead, NOTIFICATION_PERMISSION, type NotificationView } from './notification.service.ts';
import { markNotificationsReadInput } from './notification.service.ts';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export const NotificationRef = builder.objectRef<NotificationView>('Notification').implement({
  description: 'An in-app notice for an organisation’s key admins, made from a lifecycle event (key expiring soon, key expired).',
  ...reachable<NotificationView>('Notification'),
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: 'The event type it comes from: `api_key.expiring_soon`, `api_key.expired` or `webhook_endpoint.disabled`.' }),
    title: t.exposeString('title'),
    organizationId: t.exposeID('organizationId'),
    eventId: t.exposeID('eventId', { nullable: true, description: 'The lifecycle event (see `events`).' }),
    apiKeyId: t.exposeID('keyId', { nullable: true }),
    apiKey: t.field({
      type: ApiKeyRef,
      nullable: true,
      resolve: async (n, _a, ctx) => {
        const key = await ctx.reach.load('ApiKey', n.keyId);
        return key && key.organizationId === n.organizationId ? key : null;
      },
    }),
    webhookEndpointId: t.id({
      nullable: true,
      description: 'For `webhook_endpoint.disabled`: the endpoint (see `webhookEndpoint`, with webhooks:read).',
      resolve: (n) => {
        const id = (n.data.webhookEndpoint as { id?: unknown } | undefined)?.id;
        return typeof id === 'string' ? id : null;
      },
    }),
    daysLeft: t.int({ nullable: true, description: 'For `api_key.expiring_soon`: whole days left when it was sent.', resolve: (n) => num(n.data.daysLeft) }),
    reason: t.string({
      nullable: true,
      description: 'For `api_key.expired`: `inactivity` or `validity_window`; for `webhook_endpoint.disabled`: why, in words.',
      resolve: (n) => (typeof n.data.reason === 'string' ? n.data.reason : null),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (n) => {
        const v = n.data.expiresAt ?? n.data.expiredAt;
        return typeof v === 'string' ? new Date(v) : null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    read: t.boolean({ description: 'Whether the calling user has read it.', resolve: (n) => n.readAt !== null }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('notifications', (t) =>
  t.connection(
    {
      type: NotificationRef,
      description: 'In-app notifications of an organisation (default: the caller’s), newest first; read state is per user.',
      authScopes: needs(NOTIFICATION_PERMISSION),
      args: { unreadOnly: t.arg.boolean(), organizationId: t.arg.id() },
      resolve: (_r, args, ctx) =>
        listNotifications(svc(ctx), { unreadOnly: args.unreadOnly, organizationId: args.organizationId ? String(args.organizationId) : null }, args),
    },
    {
      name: 'NotificationConnection',
      fields: (c) => ({
        ...counted.fields(c),
        unreadCount: c.int({
          description: 'Unread notifications of this organisation for the calling user.',
          resolve: (conn) => (conn as { unreadCount: number }).unreadCount,
        }),
      }),
    },
    { name: 'NotificationEdge' },
  ),
);

defineMutation('markNotificationsRead', {
  validate: markNotificationsReadInput,
  permission: NOTIFICATION_PERMISSION,
  description: 'Marks notifications read for the calling user (at most 100 ids).',
  input: (t) => ({ ids: t.idList({ required: true }) }),
  resolve: async (input, ctx) => ({ notifications: await markNotificationsRead(svc(ctx), input) }),
  success: (t) => ({ notifications: t.field({ type: [NotificationRef], resolve: (p: { notifications: NotificationView[] }) => p.notifications }) }),
});
