import type { IncomingHttpHeaders } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { boundedLru } from '../../lib/lru.ts';
import { Actor, type RequestMeta } from '../principal/actor.ts';
import type { AppDeps } from '../service-context.ts';
import { csrfMatches, parseSecretToken, sessionSecretMatches, type SecretToken } from './console-session.service.ts';

export const CSRF_HEADER = 'x-keyplane-csrf';

/** How often one process records a session's activity: the idle timeout holds to within this. */
export const TOUCH_EVERY_MS = 60_000;

/** `__Host-` pins the cookies to this exact origin over HTTPS; browsers refuse that prefix without Secure. */
export function cookieNames(production: boolean) {
  return production ? { session: '__Host-kp_console', csrf: '__Host-kp_csrf' } : { session: 'kp_console', csrf: 'kp_csrf' };
}

/** One cookie's value from a Cookie header; undefined when absent or given twice (ambiguous). */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The idle rule, for readers that must not count as activity (a live-events subscription
 * re-checking its session): live, and seen within the idle timeout. One indexed select.
 */
export async function consoleSessionActive(orm: MikroORM, idleMs: number, sessionId: string, at: number): Promise<boolean> {
  const rows = await orm.em
    .getConnection()
    .execute('select 1 from console_session where id = ? and revoked_at is null and last_seen_at > ?', [sessionId, new Date(at - idleMs)], 'all');
  return rows.length === 1;
}

function single(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Authenticates browser requests by the console's session cookie. The CSRF token (derived from
 * the session secret) must come as a header on every request, and is checked before any lookup,
 * so forged cookies never reach the cache or PostgreSQL. Records load through KeyVerifier.lookup
 * into the key cache under the session id, so user, role and organisation invalidations (and
 * subscription re-checks) treat them like keys. A session with no request for
 * KEYPLANE_CONSOLE_IDLE_MINUTES is refused: each process records activity (last_seen_at) at most
 * once a minute per session, in the same statement that checks the session is still live.
 */
export class ConsoleSessions {
  private readonly names: { session: string; csrf: string };

  private readonly deps: AppDeps;
  /** Session id → when this process last recorded its activity (bounded: forgotten ones are re-checked). */
  private readonly touched = boundedLru<string, number>({ entries: 50_000 });

  constructor(deps: AppDeps) {
    this.deps = deps;
    this.names = cookieNames(deps.config.production);
  }

  /** The session named by the request's cookie, if any (not yet authenticated). */
  sessionOf(headers: IncomingHttpHeaders | Record<string, unknown>): SecretToken | null {
    return parseSecretToken(readCookie(headers.cookie as string | undefined, this.names.session));
  }

  async authenticate(headers: IncomingHttpHeaders | Record<string, unknown>, meta: RequestMeta): Promise<Actor | null> {
    const session = this.sessionOf(headers);
    if (!session) return null;
    const { pepper } = this.deps.config;
    if (!csrfMatches(pepper, session, single(headers[CSRF_HEADER]))) return null;
    // Shared with keys: the key cache (invalidated by user, role and organisation changes) and load coalescing.
    const record = await this.deps.verifier.lookup(session.id);
    if (!record || !sessionSecretMatches(pepper, session, record.secretHash)) return null;
    if (record.status !== 'ACTIVE' || record.userStatus !== 'ACTIVE') return null;
    if (record.validUntil !== null && this.deps.now().getTime() >= record.validUntil) return null;
    if (!(await this.recordActivity(session.id))) return null;
    return new Actor(record, meta);
  }

  /** Records the session's activity; false when it had been idle too long (or was revoked meanwhile): the same rule as consoleSessionActive. */
  private async recordActivity(sessionId: string): Promise<boolean> {
    const now = this.deps.now().getTime();
    const last = this.touched.get(sessionId);
    if (last !== undefined && now >= last && now - last < TOUCH_EVERY_MS) return true;
    const rows = await this.deps.orm.em
      .getConnection()
      .execute<{ id: string }[]>(
        'update console_session set last_seen_at = ? where id = ? and revoked_at is null and last_seen_at > ? returning id',
        [new Date(now), sessionId, new Date(now - this.deps.config.consoleIdleMs)],
        'all',
      );
    if (rows.length === 1) {
      this.touched.set(sessionId, now);
      return true;
    }
    this.touched.delete(sessionId);
    return false;
  }
}
