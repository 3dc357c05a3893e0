import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import { execute, expectSuccess, isNotFound } from '../client.js';
import type { ZapierEventsQuery } from '../gql/graphql.js';
import { CreateWebhookEndpoint, DeleteWebhookEndpoint, Events } from '../operations.js';
import { EVENT_SAMPLES, type TriggeredEventType } from '../samples.js';
import { verifyWebhook } from '../signature.js';

/** The wire form of a Keyplane event (connectors/event.schema.json). */
export type KeyplaneEvent = { id: string; type: string; occurredAt: string; organizationId: string; data: unknown };

/** What performSubscribe returns; Zapier hands it back as bundle.subscribeData. */
export type Subscription = { id: string; secret: string };

const LIST_COUNT = 3;

/** Creates a ZAPIER webhook endpoint for the Zap's hook URL, subscribed to one event type. */
export async function subscribe(z: ZObject, bundle: Bundle, type: TriggeredEventType, label: string): Promise<Subscription> {
  if (!bundle.targetUrl) throw new z.errors.Error('Zapier gave no hook URL to subscribe', 'MissingTargetUrl', 400);
  const result = await execute(z, bundle, CreateWebhookEndpoint, {
    input: { url: bundle.targetUrl, eventTypes: [type], kind: 'ZAPIER', description: `Zapier: ${label}` },
  });
  const { webhookEndpoint, secret } = expectSuccess(z, result.createWebhookEndpoint, 'CreateWebhookEndpointSuccess');
  return { id: webhookEndpoint.id, secret };
}

/** Deletes the Zap's endpoint; one that is already gone counts as done, so turning a Zap off never fails on it. */
export async function unsubscribe(z: ZObject, bundle: Bundle): Promise<{ id: string | null }> {
  const id = (bundle.subscribeData as Partial<Subscription> | undefined)?.id;
  if (!id) return { id: null };
  const result = await execute(z, bundle, DeleteWebhookEndpoint, { input: { id } });
  if (isNotFound(result.deleteWebhookEndpoint)) return { id };
  return { id: expectSuccess(z, result.deleteWebhookEndpoint, 'DeleteWebhookEndpointSuccess').webhookEndpoint.id };
}

/**
 * A delivered event. The hook URL is the only thing a sender needs to reach the Zap, so the
 * Standard Webhooks signature is checked with the secret kept at subscription, and the event is
 * read from the verified raw body. A request that fails the check halts the run (no error
 * alert, and forged requests cannot get the user's Zap turned off for erroring).
 */
export function receive(z: ZObject, bundle: Bundle, type: TriggeredEventType): KeyplaneEvent[] {
  const secret = (bundle.subscribeData as Partial<Subscription> | undefined)?.secret;
  const raw = bundle.rawRequest;
  const body = typeof raw?.content === 'string' ? raw.content : undefined;
  const verdict = secret && body !== undefined ? verifyWebhook(secret, raw?.headers, body) : { ok: false as const, reason: 'no signing secret or raw body' };
  if (!verdict.ok) throw new z.errors.HaltedError(`Ignored a request not signed by Keyplane: ${verdict.reason}.`);
  const event = z.JSON.parse(body as string) as KeyplaneEvent;
  return event && event.type === type ? [event] : [];
}

/** Recent real events of the type, newest first (one request), so Zap setup shows live data. */
export async function latestEvents(z: ZObject, bundle: Bundle, type: TriggeredEventType, count = LIST_COUNT): Promise<KeyplaneEvent[]> {
  const { events }: ZapierEventsQuery = await execute(z, bundle, Events, { filter: { types: [type] }, first: count, order: 'NEWEST_FIRST' });
  return events.edges.map((e) => e.node);
}

type EventTriggerSpec = {
  key: string;
  type: TriggeredEventType;
  noun: string;
  label: string;
  description: string;
  outputFields: { key: string; label: string; type?: 'string' | 'integer' | 'datetime' }[];
};

const EVENT_FIELDS = [
  { key: 'id', label: 'Event ID' },
  { key: 'type', label: 'Event Type' },
  { key: 'occurredAt', label: 'Occurred At', type: 'datetime' as const },
  { key: 'organizationId', label: 'Organization ID' },
];

const KEY_FIELDS = [
  { key: 'data__apiKey__id', label: 'Key ID (Keyplane)' },
  { key: 'data__apiKey__keyId', label: 'Public Key ID' },
  { key: 'data__apiKey__name', label: 'Key Name' },
  { key: 'data__apiKey__kind', label: 'Key Kind' },
  { key: 'data__apiKey__status', label: 'Key Status' },
  { key: 'data__apiKey__userId', label: 'Key User ID' },
];

function eventTrigger(spec: EventTriggerSpec) {
  return defineTrigger({
    key: spec.key,
    noun: spec.noun,
    display: { label: spec.label, description: spec.description },
    operation: {
      type: 'hook',
      performSubscribe: (z: ZObject, bundle: Bundle) => subscribe(z, bundle, spec.type, spec.label),
      performUnsubscribe: (z: ZObject, bundle: Bundle) => unsubscribe(z, bundle),
      perform: async (z: ZObject, bundle: Bundle) => receive(z, bundle, spec.type),
      performList: (z: ZObject, bundle: Bundle) => latestEvents(z, bundle, spec.type),
      sample: EVENT_SAMPLES[spec.type],
      outputFields: [...EVENT_FIELDS, ...spec.outputFields],
    },
  });
}

export const newApiKey = eventTrigger({
  key: 'new_api_key',
  type: 'api_key.created',
  noun: 'API Key',
  label: 'New API Key',
  description: 'Triggers when an API key is created.',
  outputFields: [...KEY_FIELDS, { key: 'data__apiKey__description', label: 'Key Description' }, { key: 'data__apiKey__start', label: 'Token Start' }],
});

export const apiKeyRotated = eventTrigger({
  key: 'api_key_rotated',
  type: 'api_key.rotated',
  noun: 'API Key',
  label: 'API Key Rotated',
  description: 'Triggers when a key gets a new secret.',
  outputFields: [
    ...KEY_FIELDS,
    { key: 'data__gracePeriodSeconds', label: 'Grace Period (seconds)', type: 'integer' },
    { key: 'data__previousSecretExpiresAt', label: 'Old Secret Stops At', type: 'datetime' },
  ],
});

export const apiKeyRevoked = eventTrigger({
  key: 'api_key_revoked',
  type: 'api_key.revoked',
  noun: 'API Key',
  label: 'API Key Revoked',
  description: 'Triggers when a key is revoked.',
  outputFields: [...KEY_FIELDS, { key: 'data__reason', label: 'Reason' }],
});

export const apiKeyExpiringSoon = eventTrigger({
  key: 'api_key_expiring_soon',
  type: 'api_key.expiring_soon',
  noun: 'API Key',
  label: 'API Key Expiring Soon',
  description: 'Triggers when an unused key is about to expire (by default 15, 7 and 1 days before).',
  outputFields: [
    ...KEY_FIELDS,
    { key: 'data__daysLeft', label: 'Days Left', type: 'integer' },
    { key: 'data__expiresAt', label: 'Expires At', type: 'datetime' },
    { key: 'data__lastActivityAt', label: 'Last Activity At', type: 'datetime' },
  ],
});

export const apiKeyExpired = eventTrigger({
  key: 'api_key_expired',
  type: 'api_key.expired',
  noun: 'API Key',
  label: 'API Key Expired',
  description: 'Triggers when a key expires (unused for too long, or past its end of validity).',
  outputFields: [...KEY_FIELDS, { key: 'data__reason', label: 'Reason' }, { key: 'data__expiredAt', label: 'Expired At', type: 'datetime' }],
});

export const apiKeyLeaked = eventTrigger({
  key: 'api_key_leaked',
  type: 'api_key.leaked',
  noun: 'API Key',
  label: 'API Key Found Leaked',
  description: 'Triggers when a key is found leaked (GitHub secret scanning or a public report), with where and what was done.',
  outputFields: [
    ...KEY_FIELDS,
    { key: 'data__leak__reporter', label: 'Reported By' },
    { key: 'data__leak__url', label: 'Found At' },
    { key: 'data__leak__action', label: 'Action Taken' },
  ],
});

export const newUser = eventTrigger({
  key: 'new_user',
  type: 'user.created',
  noun: 'User',
  label: 'New User',
  description: 'Triggers when a user (person or service user) is created.',
  outputFields: [
    { key: 'data__user__id', label: 'User ID' },
    { key: 'data__user__name', label: 'User Name' },
    { key: 'data__user__email', label: 'User Email' },
    { key: 'data__user__kind', label: 'User Kind' },
  ],
});

export const EVENT_TRIGGERS = [newApiKey, apiKeyRotated, apiKeyRevoked, apiKeyExpiringSoon, apiKeyExpired, apiKeyLeaked, newUser];
