import type { PrincipalRecord } from './key-record.ts';
import { ipAllowed } from './key-record.ts';

/** WebSocket close codes: credentials no longer authenticate / the principal may no longer act. */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;

export type Invalidated = { code: typeof CLOSE_UNAUTHENTICATED | typeof CLOSE_FORBIDDEN; reason: string };

/**
 * Why a principal (a key, or a console session) that authenticated earlier with `opened` may no
 * longer act, judged on its current record (null: gone), or null while it still may. The rule for
 * everything long-lived that authenticated once: open sockets and subscriptions.
 */
export function invalidatedBecause(opened: PrincipalRecord, now: PrincipalRecord | null, at: number, ip: string | null): Invalidated | null {
  if (!now) return { code: CLOSE_UNAUTHENTICATED, reason: 'the key was deleted' };
  if (now.status !== 'ACTIVE') return { code: CLOSE_UNAUTHENTICATED, reason: `the key is ${now.status.toLowerCase()}` };
  if (now.validUntil !== null && at >= now.validUntil) return { code: CLOSE_UNAUTHENTICATED, reason: 'the key expired' };
  if (!now.secretHash.equals(opened.secretHash)) {
    // Rotated since: the secret used is the previous one, good only until its grace ends.
    const inGrace = now.previousSecretHash?.equals(opened.secretHash) && now.previousSecretExpiresAt !== null && at < now.previousSecretExpiresAt;
    if (!inGrace) return { code: CLOSE_UNAUTHENTICATED, reason: 'the key’s secret was rotated' };
  }
  if (now.userStatus !== 'ACTIVE') return { code: CLOSE_FORBIDDEN, reason: 'the key’s user is disabled' };
  if (!ipAllowed(now, ip)) return { code: CLOSE_FORBIDDEN, reason: 'the key’s IP allowlist no longer includes this address' };
  return null;
}
