import { type PrivateNetworks, safeRequest } from '../../src/lib/ssrf.ts';
import { buildHeaders, signPayload } from './sign.ts';

/** The response header with which a receiver stops the retries of one message (lower-case, as Node reads it). */
export const NO_RETRY_HEADER = 'webhook-no-retry';

export interface DeliverWebhookInput {
  url: string;
  secrets: readonly string[];
  /** Stable across retries of one message, so receivers can de-duplicate. */
  msgId: string;
  /** The exact JSON text sent and signed. */
  body: string;
  allowLoopback: boolean;
  production: boolean;
  allowPrivate?: PrivateNetworks;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Clock in milliseconds; tests pin it. */
  now?: () => number;
}

export interface DeliveryResult {
  ok: boolean;
  /** 0 when no response arrived. */
  status: number;
  durationMs: number;
  bodyExcerpt: string;
  retryAfterSeconds?: number;
  error?: { code: string; message: string };
  /** 410 Gone: the receiver asks for the endpoint to be disabled. */
  gone: boolean;
  /**
   * The receiver declined this one message for good: a non-2xx answer carrying
   * `Webhook-No-Retry: true` (e.g. an event it can never process). No retry, and the endpoint is
   * not counted as failing.
   */
  noRetry: boolean;
}

/**
 * One delivery attempt. It is signed at send time, so every retry carries a fresh timestamp
 * inside the receivers' tolerance window. Network failures and refused URLs come back as
 * `ok: false` with `error`; only programming errors (a malformed secret) throw.
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliveryResult> {
  const now = input.now ?? Date.now;
  const timestamp = Math.floor(now() / 1000);
  const signature = signPayload({ secrets: input.secrets, msgId: input.msgId, timestamp, body: input.body });
  const headers = buildHeaders({ msgId: input.msgId, timestamp, signature });
  const started = performance.now();
  try {
    const res = await safeRequest({
      url: input.url,
      keepAlive: true,
      method: 'POST',
      headers: { ...headers },
      body: input.body,
      timeoutMs: input.timeoutMs,
      maxResponseBytes: input.maxResponseBytes,
      allowLoopback: input.allowLoopback,
      production: input.production,
      allowPrivate: input.allowPrivate,
    });
    return {
      ok: res.status >= 200 && res.status <= 299,
      status: res.status,
      durationMs: res.durationMs,
      bodyExcerpt: res.bodyExcerpt,
      ...(res.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: res.retryAfterSeconds }),
      gone: res.status === 410,
      noRetry: (res.status < 200 || res.status > 299) && /^(true|1)$/i.test(res.headers[NO_RETRY_HEADER]?.trim() ?? ''),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      ok: false,
      status: 0,
      durationMs: Math.round(performance.now() - started),
      bodyExcerpt: '',
      error: { code: typeof e.code === 'string' ? e.code : 'EREQUEST', message: e.message },
      gone: false,
      noRetry: false,
    };
  }
}
