import type { Keyplane } from '../client.ts';
import type { VerifyKeyResult } from '../types.ts';
import { checkKey, mustStrip, resourceOf, stripWithheld, type RequireKeyOptions } from './core.ts';

/** The parts of Express's request and response this uses (Express 4 and 5). */
type Req = {
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  ip?: string;
  socket?: { remoteAddress?: string };
  keyplane?: VerifyKeyResult;
};
type Res = { status(code: number): Res; set(headers: Record<string, string>): Res; json(body: unknown): unknown };
type Next = (err?: unknown) => void;

/**
 * Express middleware: `app.get('/invoices/:id', requireKey(kp, { permission: 'invoices:read',
 * resource: (req) => req.params.id }), handler)`. Refuses with 401 / 403 / 429 / 503 and
 * Keyplane's error body; on success `req.keyplane` holds the verification, and `res.json` drops
 * the fields a publishable key must not see.
 */
export function requireKey<R extends Req = Req>(kp: Keyplane, opts: RequireKeyOptions<R> = {}) {
  return (req: R, res: Res, next: Next): void => {
    const ip = opts.ip ? (opts.ip(req) ?? null) : (req.socket?.remoteAddress ?? req.ip ?? null);
    checkKey(kp, req.headers.authorization, req.headers['x-api-key'], ip, opts.permission, resourceOf(opts, req)).then((c) => {
      if (!c.ok) return void res.status(c.refusal.status).set(c.refusal.headers).json(c.refusal.body);
      req.keyplane = c.verification;
      if (mustStrip(c.verification)) {
        const json = res.json.bind(res);
        const fields = c.verification.withheldFields;
        res.json = (body: unknown) => json(stripWithheld(body, fields));
      }
      next();
    }, next);
  };
}

declare global {
  namespace Express {
    interface Request {
      /** The key's verification, set by requireKey. */
      keyplane?: VerifyKeyResult;
    }
  }
}
