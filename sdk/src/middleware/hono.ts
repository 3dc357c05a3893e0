import type { Keyplane } from '../client.ts';
import type { VerifyKeyResult } from '../types.ts';
import { checkKey, mustStrip, resourceOf, stripWithheld, type RequireKeyOptions } from './core.ts';

/** The parts of Hono's context this uses. */
type Ctx = {
  req: { header(name: string): string | undefined; param(name: string): string | undefined };
  env?: unknown;
  res: Response;
  set(key: 'keyplane', value: VerifyKeyResult): void;
  json(body: unknown, status?: number, headers?: Record<string, string>): Response;
};

/** With @hono/node-server the socket's address is on `c.env.incoming`. */
function socketIp(c: Ctx): string | null {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? null;
}

/**
 * Hono middleware: `app.get('/invoices/:id', requireKey(kp, { permission: 'invoices:read' }), handler)`.
 * Refuses with 401 / 403 / 429 / 503 and Keyplane's error body; on success `c.get('keyplane')`
 * holds the verification, and a JSON response loses the fields a publishable key must not see.
 * Declare the variable with `new Hono<{ Variables: KeyplaneVariables }>()`.
 */
export function requireKey(kp: Keyplane, opts: RequireKeyOptions<Ctx> = {}) {
  return async (c: Ctx, next: () => Promise<void>): Promise<Response | undefined> => {
    const ip = opts.ip ? (opts.ip(c) ?? null) : socketIp(c);
    const check = await checkKey(kp, c.req.header('authorization'), c.req.header('x-api-key'), ip, opts.permission, resourceOf(opts, c));
    if (!check.ok) return c.json(check.refusal.body, check.refusal.status, check.refusal.headers);
    c.set('keyplane', check.verification);
    await next();
    if (mustStrip(check.verification) && (c.res.headers.get('content-type') ?? '').includes('application/json')) {
      const body = stripWithheld(await c.res.clone().json(), check.verification.withheldFields);
      const headers = new Headers(c.res.headers);
      headers.delete('content-length');
      c.res = new Response(JSON.stringify(body), { status: c.res.status, headers });
    }
  };
}

export type KeyplaneVariables = { keyplane: VerifyKeyResult };
