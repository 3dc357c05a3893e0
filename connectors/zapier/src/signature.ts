import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks' replay window: a signature older or newer than this is refused. */
export const TOLERANCE_SECONDS = 5 * 60;

/**
 * Zapier hands a hook's headers over as `Http-Webhook-Signature` and the like; a local receiver
 * (tests, other hosts) sends plain names. Both are looked up case-insensitively.
 */
export function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    const k = key.toLowerCase();
    if (k === wanted || k === `http-${wanted}`) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Verifies a Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64>` HMAC-SHA-256 of `${id}.${timestamp}.${body}` keyed by the base64 part of the
 * `whsec_` secret). Any one of several space-separated signatures may match (secret rotation).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, unknown> | undefined,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed webhook-timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, reason: 'webhook-timestamp outside the 5-minute tolerance' };
  if (!secret.startsWith('whsec_')) return { ok: false, reason: 'the subscription holds no signing secret' };
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no signature matched' };
}
