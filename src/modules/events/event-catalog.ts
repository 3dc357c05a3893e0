import { readFileSync } from 'node:fs';
import { EVENT_TYPES, type EventType } from './event.types.ts';

/** One sentence per event type: what happened. A test fails when a type has none. */
export const EVENT_TYPE_DESCRIPTIONS: Record<EventType, string> = {
  'api_key.created': 'A key was created (its secret is never in the event).',
  'api_key.updated': 'A key’s settings changed (name, permissions, limits, validity, IP allowlist, metadata).',
  'api_key.rotated': 'A key got a new secret; the previous one works until the grace period ends.',
  'api_key.revoked': 'A key was revoked and no longer verifies.',
  'api_key.expiring_soon': 'A key will expire soon for lack of use or the end of its validity window (sent 15, 7 and 1 days before).',
  'api_key.expired': 'A key expired: unused for the organisation’s inactivity period, or past its validity window.',
  'api_key.deleted': 'A key was deleted.',
  'api_key.rotation_due':
    'A key is due for rotation under its organisation’s key policy (rotationDays after it was made or last rotated); sent once per period.',
  'customer.created': 'A customer record was created (externalId, name, shared limits).',
  'customer.updated': 'A customer’s name, externalId, metadata or shared limits changed.',
  'customer.deleted': 'A customer was deleted; its keys remain, belonging to no customer.',
  'api_key.leaked':
    'A key was found leaked (secret scanning or a public report): where, by whom, and what was done (revoked, or only notified, as the organisation’s policy says). Never the secret.',
  'user.created': 'A person or standalone API user was added.',
  'user.updated': 'A user’s name, email or kind changed.',
  'user.disabled': 'A user was disabled; their keys stop verifying.',
  'user.enabled': 'A disabled user was enabled again.',
  'user.deleted': 'A user was deleted.',
  'role.created': 'A role was created.',
  'role.updated': 'A role’s name or permissions changed.',
  'role.deleted': 'A role was deleted.',
  'role.assigned': 'A user’s role assignments were replaced.',
  'organization.created': 'An organisation (or an agency’s sub-account) was created.',
  'organization.updated': 'An organisation’s name or settings changed.',
  'resource.defined': 'A resource of the permission catalogue was defined or changed.',
  'webhook_endpoint.created': 'A webhook endpoint was created.',
  'webhook_endpoint.updated': 'A webhook endpoint’s URL, filters or secret changed.',
  'webhook_endpoint.disabled': 'A webhook endpoint was disabled, by a user or after failing deliveries.',
  'webhook_endpoint.deleted': 'A webhook endpoint was deleted.',
};

export type EventTypeInfo = { type: EventType; description: string; schema: Record<string, unknown> };

type JsonSchema = { properties: Record<string, unknown>; $defs: Record<string, unknown>; allOf?: unknown; [k: string]: unknown };

let catalogue: EventTypeInfo[] | null = null;

/**
 * Every event type with a self-contained JSON Schema (2020-12) of its events, from
 * connectors/event.schema.json (the one schema webhooks, subscriptions and Zapier share):
 * the envelope with `type` fixed and `data` pointing at that type's definition.
 */
export function eventTypeCatalogue(): EventTypeInfo[] {
  if (catalogue) return catalogue;
  const whole = JSON.parse(readFileSync(new URL('../../../connectors/event.schema.json', import.meta.url), 'utf8')) as JsonSchema;
  const { allOf: _perType, ...envelope } = whole;
  catalogue = EVENT_TYPES.map((type) => ({
    type,
    description: EVENT_TYPE_DESCRIPTIONS[type],
    schema: {
      ...envelope,
      $id: `${String(whole.$id)}:${type}`,
      title: `Keyplane event ${type}`,
      description: EVENT_TYPE_DESCRIPTIONS[type],
      properties: { ...whole.properties, type: { const: type }, data: { $ref: `#/$defs/data.${type}` } },
    },
  }));
  return catalogue;
}
