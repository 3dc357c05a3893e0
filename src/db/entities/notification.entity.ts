import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * An in-app notification for an organisation's key admins (whoever holds keys:read there), made
 * from a lifecycle event. Read state is per user, in notification_read.
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    /** The event type it was made from, e.g. `api_key.expiring_soon`. */
    type: p.string(),
    keyId: p.string().nullable(),
    eventId: p.string().nullable(),
    title: p.string(),
    data: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
  },
});
export type Notification = InferEntity<typeof Notification>;
