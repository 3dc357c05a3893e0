import type { IncomingHttpHeaders } from 'node:http';
import { extractCredential } from '../lib/credentials.ts';
import { Actor, type RequestMeta } from '../modules/principal/actor.ts';
import type { KeyVerifier, VerifyOutcome } from '../modules/verification/verifier.ts';

/** The console's cookie sessions (src/modules/console): consulted only when no key is sent. */
export type SessionAuthenticator = { authenticate(headers: IncomingHttpHeaders | Record<string, unknown>, meta: RequestMeta): Promise<Actor | null> };

/**
 * Authenticates a request by its key (Basic, Bearer or X-API-Key), or, given `sessions` and no
 * key at all, by a console session cookie with its CSRF header. Every failure is the same
 * `null`: callers answer one identical 401, so nothing tells a wrong secret from an unknown id.
 * A cached key is authenticated synchronously; otherwise the answer is a promise.
 */
export function authenticate(
  verifier: KeyVerifier,
  headers: IncomingHttpHeaders | Record<string, unknown>,
  meta: RequestMeta,
  sessions?: SessionAuthenticator,
): Actor | null | Promise<Actor | null> {
  const extracted = extractCredential({
    authorization: headers.authorization as string | undefined,
    'x-api-key': headers['x-api-key'] as string | undefined,
  });
  if (extracted.kind === 'none' && sessions) return sessions.authenticate(headers, meta);
  if (extracted.kind !== 'ok') {
    if (extracted.kind === 'malformed') verifier.verifyCredential(null, { ip: meta.ip }); // counted as MALFORMED
    return null;
  }
  const outcome = verifier.verifyCredential(extracted.credential, { ip: meta.ip }, { skipLimits: true });
  return outcome instanceof Promise ? outcome.then((o) => actorOf(o, meta)) : actorOf(outcome, meta);
}

function actorOf(outcome: VerifyOutcome, meta: RequestMeta): Actor | null {
  return outcome.valid && outcome.record ? new Actor(outcome.record, meta) : null;
}

export const UNAUTHENTICATED_BODY = JSON.stringify({
  errors: [
    { message: 'Unauthenticated: send a valid key as Authorization: Basic, Authorization: Bearer or X-API-Key', extensions: { code: 'UNAUTHENTICATED' } },
  ],
});
