export const EVENT_TYPES = [
  'api_key.created',
  'api_key.updated',
  'api_key.rotated',
  'api_key.revoked',
  'api_key.expiring_soon',
  'api_key.expired',
  'api_key.deleted',
  'api_key.leaked',
  'api_key.rotation_due',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'role.assigned',
  'organization.created',
  'organization.updated',
  'resource.defined',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.disabled',
  'webhook_endpoint.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Wire form of an event: what subscriptions, webhooks and Zapier receive. */
export type EventJson = { id: string; type: EventType; occurredAt: string; organizationId: string; data: Record<string, unknown> };

/**
 * Transaction-scoped advisory lock the `event_assign_seq` trigger takes so that `seq` order is
 * commit order (Migration20261123010000_keys holds the same number, frozen as migrations are).
 * Code that locks rows and then writes events takes it first, to avoid lock-order cycles.
 */
export const EVENT_SEQ_LOCK = 4242010001;
