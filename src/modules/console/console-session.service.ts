import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { randomBase62 } from '../../lib/base62.ts';
import { ConflictError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { Actor, type RequestMeta } from '../principal/actor.ts';
import type { SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import { Organization } from '../../db/entities/organization.entity.ts';
import { assertMayManageUser } from '../auth/policy.ts';
import { commit, type AppDeps, type ServiceContext } from '../service-context.ts';
import { User } from '../../db/entities/user.entity.ts';
import { getUserFor } from '../users/user.service.ts';
import { ConsoleSession } from '../../db/entities/console-session.entity.ts';
import { sessionRecord } from '../principal/session-record.ts';

const SECRET_LENGTH = 43; // 256 bits of base62
const TOKEN_RE = /^(cs_[0-9A-Za-z]{20})\.([0-9A-Za-z]{43})$/;

/** Where a link may send the browser: a path inside the console, never another origin. */
const RETURN_PATH_RE = /^\/(?!\/)[A-Za-z0-9/_.~%=&?-]{0,199}$/;

const createSchema = z.object({
  userId: z.string().max(64),
  returnPath: z
    .string()
    .max(200)
    .regex(RETURN_PATH_RE, 'a path inside the console starting with a single /, e.g. /keys')
    .refine((p) => !p.includes('..') && !p.includes('\\'), 'must not contain .. or \\')
    .nullish(),
});

export type SecretToken = { id: string; secret: string };

/** `cs_<id>.<secret>`: the form of both one-time link tokens and session cookies. */
export function parseSecretToken(value: string | undefined | null): SecretToken | null {
  if (!value || value.length > 80) return null;
  const m = TOKEN_RE.exec(value);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

type Purpose = 'console-link' | 'console-session' | 'console-csrf';

function mac(pepper: Buffer, purpose: Purpose, t: SecretToken): Buffer {
  return createHmac('sha256', pepper).update(purpose).update(':').update(t.id).update(':').update(t.secret).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The CSRF token of a session: derived from the session secret with the pepper, so it needs no
 * storage, cannot be guessed without the cookie, and dies with the session.
 */
export function csrfTokenFor(pepper: Buffer, session: SecretToken): string {
  return mac(pepper, 'console-csrf', session).toString('base64url');
}

export function csrfMatches(pepper: Buffer, session: SecretToken, given: string | undefined): boolean {
  if (!given || given.length > 64) return false;
  return sameBytes(Buffer.from(csrfTokenFor(pepper, session)), Buffer.from(given));
}

export function sessionSecretMatches(pepper: Buffer, session: SecretToken, storedHash: Buffer): boolean {
  return sameBytes(mac(pepper, 'console-session', session), storedHash);
}

/**
 * Mints a one-time console link for a user: valid for minutes, single use, stored as a keyed
 * hash. The caller needs users:write where the user lives and must hold everything the user
 * holds, and the session reaches no sub-account the caller's key does not: a link is never a
 * way to gain permissions.
 */
export async function createConsoleSession(
  ctx: ServiceContext,
  data: z.output<typeof createSchema>,
): Promise<{ token: string; expiresAt: Date; returnPath: string | null }> {
  const { user, org } = await getUserFor(ctx, data.userId, 'users:write');
  if (user.status !== 'ACTIVE') throw new ConflictError(`User ${user.id} is ${user.status.toLowerCase()}: only an active user can sign in`);
  // A session acts with all of the user's permissions: opening one is acting as them.
  await assertMayManageUser(ctx, user);
  // In the caller's own organisation the caller's grant bounds the session; below it, the
  // caller reaches the user's organisation and therefore every sub-account under it.
  const subAccounts: SubAccountGrant = org.id === ctx.actor.organizationId ? ctx.actor.key.subAccounts : { mode: 'ALL' };

  const now = ctx.deps.now();
  const expiresAt = new Date(now.getTime() + ctx.deps.config.consoleLinkTtlMs);
  const link = { id: newId('consoleSession'), secret: randomBase62(SECRET_LENGTH) };
  ctx.em.create(ConsoleSession, {
    id: link.id,
    organizationId: org.id,
    userId: user.id,
    linkHash: mac(ctx.deps.config.pepper, 'console-link', link),
    linkExpiresAt: expiresAt,
    returnPath: data.returnPath ?? null,
    usedAt: null,
    sessionHash: null,
    expiresAt: null,
    revokedAt: null,
    subAccounts,
    createdByUserId: ctx.actor.userId,
    createdByKeyId: ctx.actor.key.id,
    createdAt: now,
  });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'console_session.create',
    targetType: 'User',
    targetId: user.id,
    changes: { consoleSession: { new: link.id }, linkExpiresAt: { new: expiresAt.toISOString() } },
  });
  await commit(ctx);
  return { token: `${link.id}.${link.secret}`, expiresAt, returnPath: data.returnPath ?? null };
}

/** Who a link would sign in as: shown on the confirmation page before the link is used. */
export type LinkPreview = { userName: string; organizationName: string };

/**
 * Reads a link without using it: null (all alike) when it could not sign in now. Following a link
 * only shows this; signing in is a POST from that page, so neither a link scanner fetching the URL
 * nor another site sending the browser to it signs anyone in.
 */
export async function previewConsoleLink(deps: AppDeps, token: string | null | undefined): Promise<LinkPreview | null> {
  const link = parseSecretToken(token);
  if (!link) return null;
  const em = deps.orm.em.fork();
  const row = await em.findOne(ConsoleSession, { id: link.id });
  if (!row || !sameBytes(mac(deps.config.pepper, 'console-link', link), Buffer.from(row.linkHash))) return null;
  if (row.usedAt || row.revokedAt || row.linkExpiresAt.getTime() <= deps.now().getTime()) return null;
  const user = await em.findOne(User, { id: row.userId });
  const org = user ? await em.findOne(Organization, { id: user.organizationId }) : null;
  if (!user || !org || user.status !== 'ACTIVE') return null;
  return { userName: user.name, organizationName: org.name };
}

export type ExchangedSession = { cookie: string; csrf: string; expiresAt: Date; returnPath: string | null };

/**
 * Exchanges a one-time link for a session. Refused (null, all alike) when the token is unknown,
 * wrong, expired, already used or revoked, or the user is no longer active. Single use holds under
 * races: only the update that finds `used_at` still empty wins.
 */
export async function exchangeConsoleLink(deps: AppDeps, token: string | null | undefined, meta: RequestMeta): Promise<ExchangedSession | null> {
  const link = parseSecretToken(token);
  if (!link) return null;
  const { pepper } = deps.config;
  const em = deps.orm.em.fork();
  const row = await em.findOne(ConsoleSession, { id: link.id });
  if (!row || !sameBytes(mac(pepper, 'console-link', link), Buffer.from(row.linkHash))) return null;
  const now = deps.now();
  if (row.usedAt || row.revokedAt || row.linkExpiresAt.getTime() <= now.getTime()) return null;
  const user = await em.findOne(User, { id: row.userId });
  const org = user ? await em.findOne(Organization, { id: user.organizationId }) : null;
  if (!user || !org || user.status !== 'ACTIVE') return null;

  const session = { id: row.id, secret: randomBase62(SECRET_LENGTH) };
  const sessionHash = mac(pepper, 'console-session', session);
  const expiresAt = new Date(now.getTime() + deps.config.consoleSessionTtlMs);
  const principal = sessionRecord(
    {
      id: row.id,
      user_id: user.id,
      user_name: user.name,
      user_status: user.status,
      organization_id: org.id,
      org_path: org.path,
      session_hash: sessionHash,
      expires_at: expiresAt,
      revoked_at: null,
      sub_accounts: row.subAccounts,
    },
    new Map(),
  );
  const won = await em.transactional(async (tx) => {
    const n = await tx.nativeUpdate(ConsoleSession, { id: row.id, usedAt: null, revokedAt: null }, { usedAt: now, sessionHash, expiresAt, lastSeenAt: now });
    if (n !== 1) return false;
    recordAudit(tx, new Actor(principal, meta), { organizationId: org.id, action: 'console_session.start', targetType: 'User', targetId: user.id });
    return true;
  });
  if (!won) return null;
  return { cookie: `${session.id}.${session.secret}`, csrf: csrfTokenFor(pepper, session), expiresAt, returnPath: row.returnPath ?? null };
}

/** Signs a session out everywhere: revoked in PostgreSQL, dropped from every replica's cache. */
export async function endConsoleSession(deps: AppDeps, actor: Actor): Promise<void> {
  const em = deps.orm.em.fork();
  await em.transactional(async (tx) => {
    const n = await tx.nativeUpdate(ConsoleSession, { id: actor.key.id, revokedAt: null }, { revokedAt: deps.now() });
    if (n === 1) recordAudit(tx, actor, { organizationId: actor.organizationId, action: 'console_session.end', targetType: 'User', targetId: actor.userId });
  });
  await deps.invalidate({ scope: 'key', keyId: actor.key.id });
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { createSchema as createConsoleSessionInput };
