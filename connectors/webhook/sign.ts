import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks (https://www.standardwebhooks.com): the official verifiers accept these.
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
  'user-agent': 'Keyplane-Webhooks/1';
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  // Buffer.from skips bad base64 silently; a mangled secret must fail loudly instead.
  if (!BASE64.test(encoded)) throw new TypeError('webhook secret must be whsec_ followed by base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64) throw new TypeError('webhook secret must hold 24 to 64 bytes');
  return key;
}

/**
 * The `webhook-signature` value: one `v1,<base64 HMAC-SHA-256>` per secret, space-separated, so
 * receivers holding either the old or the new secret verify during a rotation overlap.
 */
export function signPayload(input: { secrets: readonly string[]; msgId: string; timestamp: number; body: string }): string {
  const { secrets, msgId, timestamp, body } = input;
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is required');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('timestamp must be whole seconds');
  const content = `${msgId}.${timestamp}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', signingKey(s)).update(content, 'utf8').digest('base64')}`).join(' ');
}

export function buildHeaders(input: { msgId: string; timestamp: number; signature: string }): WebhookHeaders {
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': input.signature,
    'content-type': 'application/json',
    'user-agent': 'Keyplane-Webhooks/1',
  };
}
