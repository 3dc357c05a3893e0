import type { Keyplane } from '../client.ts';
import type { VerifyKeyResult } from '../types.ts';
import { checkKey, mustStrip, resourceOf, stripWithheld, type RequireKeyOptions } from './core.ts';

/** The parts of Fastify's request and reply this uses. */
type Req = { headers: Record<string, string | string[] | undefined>; ip?: string; socket?: { remoteAddress?: string }; keyplane?: VerifyKeyResult };
type Reply = { code(status: number): Reply; headers(h: Record<string, string>): Reply; send(body: unknown): unknown };

/**
 * Fastify route hooks: `app.get('/invoices/:id', requireKey(kp, { permission: 'invoices:read' }),
 * handler)`. `preHandler` refuses with 401 / 403 / 429 / 503 and Keyplane's error body or sets
 * `request.keyplane`; `preSerialization` drops the fields a publishable key must not see.
 */
export function requireKey<R extends Req = Req>(kp: Keyplane, opts: RequireKeyOptions<R> = {}) {
  return {
    preHandler: async (request: R, reply: Reply) => {
      const ip = opts.ip ? (opts.ip(request) ?? null) : (request.socket?.remoteAddress ?? request.ip ?? null);
      const c = await checkKey(kp, request.headers.authorization, request.headers['x-api-key'], ip, opts.permission, resourceOf(opts, request));
      if (!c.ok) return reply.code(c.refusal.status).headers(c.refusal.headers).send(c.refusal.body);
      request.keyplane = c.verification;
    },
    preSerialization: async (request: R, _reply: Reply, payload: unknown) =>
      mustStrip(request.keyplane) ? stripWithheld(payload, request.keyplane.withheldFields) : payload,
  };
}
