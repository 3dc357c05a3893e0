import type { Keyplane } from '../client.ts';
import { extractKey } from '../credentials.ts';
import { KeyplaneError, type ErrorBody, type VerifyCode, type VerifyKeyResult } from '../types.ts';

export type RequireKeyOptions<Req> = {
  /** `resource:action` the route needs, e.g. `invoices:read`; omitted: any valid key. */
  permission?: string;
  /** The resource instance (e.g. the invoice id), for permissions limited to chosen instances. */
  resource?: string | ((req: Req) => string | null | undefined);
  /** The caller's address (default: the socket's; behind a proxy, pass the client address you trust). */
  ip?: (req: Req) => string | null | undefined;
};

export type Refusal = { status: 401 | 403 | 429 | 503; body: ErrorBody; headers: Record<string, string> };
export type Checked = { ok: true; verification: VerifyKeyResult } | { ok: false; refusal: Refusal };

const MESSAGES: Record<VerifyCode, string> = {
  VALID: 'valid',
  MALFORMED: 'The API key is malformed',
  NOT_FOUND: 'The API key is not valid',
  ROTATED: 'The API key’s secret was replaced: use the new one',
  REVOKED: 'The API key was revoked',
  EXPIRED: 'The API key has expired',
  NOT_YET_VALID: 'The API key is not valid yet',
  IP_NOT_ALLOWED: 'The API key may not be used from this address',
  USER_DISABLED: 'The API key’s user is disabled',
  UNKNOWN_PERMISSION: 'The permission this route asks for is not defined in Keyplane (check its spelling, or define the resource)',
  INSUFFICIENT_PERMISSIONS: 'The API key lacks the permission this needs',
  RATE_LIMITED: 'The API key’s rate limit is exhausted',
  USAGE_EXCEEDED: 'The API key has no credits left',
};
const STATUS: Record<VerifyCode, 200 | 401 | 403 | 429> = {
  VALID: 200,
  MALFORMED: 401,
  NOT_FOUND: 401,
  ROTATED: 401,
  REVOKED: 401,
  EXPIRED: 401,
  NOT_YET_VALID: 401,
  IP_NOT_ALLOWED: 403,
  USER_DISABLED: 403,
  UNKNOWN_PERMISSION: 403,
  INSUFFICIENT_PERMISSIONS: 403,
  RATE_LIMITED: 429,
  USAGE_EXCEEDED: 429,
};
const CHALLENGE = { 'www-authenticate': 'Bearer, Basic realm="api"' };

function refusal(status: Refusal['status'], code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Refusal {
  return { status, body: { errors: [{ message, extensions: { code, ...extra } }] }, headers: { ...(status === 401 ? CHALLENGE : {}), ...headers } };
}

/**
 * The decision every adapter makes: read the key (Bearer, X-API-Key or Basic, as Keyplane does),
 * verify it for the permission and resource, and answer 401 (no or bad key), 403 (valid key, not
 * allowed), 429 (rate limit or credits) or 503 (Keyplane unreachable and nothing cached: fail closed).
 */
export async function checkKey(
  kp: Keyplane,
  authorization: string | string[] | undefined | null,
  xApiKey: string | string[] | undefined | null,
  ip: string | null,
  permission?: string,
  resource?: string | null,
): Promise<Checked> {
  const key = extractKey(authorization, xApiKey);
  if (key === 'none')
    return {
      ok: false,
      refusal: refusal(
        401,
        'UNAUTHENTICATED',
        'Send an API key: Authorization: Bearer <token>, X-API-Key: <token> or Authorization: Basic base64(keyId:secret)',
      ),
    };
  if (key === 'malformed') return { ok: false, refusal: refusal(401, 'MALFORMED', MESSAGES.MALFORMED) };
  let v: VerifyKeyResult;
  try {
    v = await kp.verify({ ...key, ip, permission: permission ?? null, resource: resource ?? null });
  } catch (err) {
    const code = err instanceof KeyplaneError ? err.code : 'UNAVAILABLE';
    return { ok: false, refusal: refusal(503, 'UNAVAILABLE', `API keys cannot be checked right now (${code}); retry`, {}, { 'retry-after': '1' }) };
  }
  if (v.valid) return { ok: true, verification: v };
  const status = STATUS[v.code] === 200 ? 401 : STATUS[v.code];
  const extra: Record<string, unknown> = (v.code === 'INSUFFICIENT_PERMISSIONS' || v.code === 'UNKNOWN_PERMISSION') && permission ? { permission } : {};
  const headers: Record<string, string> = {};
  if (v.rateLimit) {
    const wait = Math.max(1, Math.ceil((Date.parse(v.rateLimit.resetAt) - Date.now()) / 1000));
    headers['retry-after'] = String(wait);
    extra.resetAt = v.rateLimit.resetAt;
  }
  return { ok: false, refusal: refusal(status as Refusal['status'], v.code, MESSAGES[v.code], extra, headers) };
}

/** Whether responses to this verification must lose fields (a publishable key, a resource with sensitive fields). */
export function mustStrip(v: VerifyKeyResult | undefined): v is VerifyKeyResult {
  return !!v && v.apiKey?.kind === 'PUBLISHABLE' && v.withheldFields.length > 0;
}

/** A copy of a JSON value without the withheld fields, at any depth (fails closed: a nested `email` goes too). */
export function stripWithheld(value: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => stripWithheld(v, fields));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!fields.includes(k)) out[k] = stripWithheld(v, fields);
    return out;
  }
  return value;
}

export function resourceOf<Req>(opts: RequireKeyOptions<Req>, req: Req): string | null {
  return typeof opts.resource === 'function' ? (opts.resource(req) ?? null) : (opts.resource ?? null);
}
