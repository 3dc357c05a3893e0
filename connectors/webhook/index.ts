import { z } from 'zod';
import { defineAction, defineConnector, defineTrigger } from './connector-model.ts';
import { deliverWebhook } from './deliver.ts';

export { generateWebhookSecret, signPayload, buildHeaders, type WebhookHeaders } from './sign.ts';
export { deliverWebhook, type DeliverWebhookInput, type DeliveryResult } from './deliver.ts';
export { nextAttemptDelayMs, DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_DELAY_MS } from './backoff.ts';

/** Every lifecycle event; each endpoint narrows this with its own `eventTypes`. */
export const keyEventTrigger = defineTrigger({
  name: 'key_event',
  displayName: 'Keyplane lifecycle event',
  description: 'Each key, user, role or webhook endpoint lifecycle event, as signed JSON.',
  type: 'webhook',
  eventTypes: ['api_key.*', 'user.*', 'role.*', 'webhook_endpoint.*'],
  // The body is built once per message and kept, so retries and replays sign identical bytes.
  run: async ({ event }) =>
    JSON.stringify({
      id: event.id,
      type: event.type,
      occurredAt: event.occurredAt,
      organizationId: event.organizationId,
      data: event.data,
    }),
});

export const deliverAction = defineAction({
  name: 'deliver',
  displayName: 'Deliver a signed webhook',
  props: z.object({
    url: z.string().min(1).max(2048),
    secrets: z.array(z.string().startsWith('whsec_')).min(1),
    msgId: z.string().min(1).max(255),
    body: z.string(),
    timeoutMs: z.number().int().positive().max(30_000).optional(),
  }),
  run: async ({ props, network }) => deliverWebhook({ ...props, ...network }),
});

export const webhookConnector = defineConnector({
  name: 'webhook',
  displayName: 'Signed webhooks',
  description: 'Standard Webhooks deliveries to any HTTPS endpoint.',
  triggers: [keyEventTrigger],
  actions: [deliverAction],
});
