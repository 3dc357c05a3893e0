import type { MikroORM } from '@mikro-orm/postgresql';
import { issueKey } from '../../src/modules/keys/api-key.factory.ts';
import { DAY_MS } from '../../src/modules/keys/key-expiry.ts';
import { sweepExpiry, type SweepOptions } from '../../src/modules/expiry/expiry-sweep.service.ts';
import type { TestServer } from '../harness.ts';

/** Day 0 of every scenario: far enough in the past that day 0 … 150 are never in the future. */
export const BASE = new Date(Math.floor((Date.now() - 200 * DAY_MS) / 1000) * 1000);
export const day = (n: number, base = BASE) => new Date(base.getTime() + n * DAY_MS);

export type TestKey = { id: string; keyId: string; token: string; name: string };

/** Issues a key as the organisation's owner user, with its inactivity clock started at `lastActivityAt`. */
export async function makeKey(
  server: TestServer,
  org: { organizationId: string; userId: string },
  opts: { lastActivityAt: Date; validUntil?: Date | null; name?: string },
): Promise<TestKey> {
  const em = server.app.orm.em.fork();
  const name = opts.name ?? `key-${Math.random().toString(36).slice(2, 8)}`;
  const { apiKey, token } = issueKey(em, server.config.pepper, {
    organizationId: org.organizationId,
    userId: org.userId,
    kind: 'SECRET',
    name,
    validUntil: opts.validUntil ?? null,
    now: opts.lastActivityAt,
  });
  await em.flush();
  return { id: apiKey.id, keyId: apiKey.keyId, token, name };
}

/** What the usage roll-up does when a key is used: its inactivity period restarts. */
export async function useKey(orm: MikroORM, keyId: string, at: Date): Promise<void> {
  await orm.em.fork().execute('update api_key set last_used_at = ?, last_activity_at = ? where id = ?', [at, at, keyId]);
}

export async function setSettings(orm: MikroORM, organizationId: string, s: { inactivityDays?: number; warningDays?: readonly number[] }) {
  const em = orm.em.fork();
  if (s.inactivityDays !== undefined) await em.execute('update organization set inactivity_days = ? where id = ?', [s.inactivityDays, organizationId]);
  if (s.warningDays !== undefined)
    await em.execute('update organization set warning_days = array[?]::int[] where id = ?', [[...s.warningDays], organizationId]);
}

export type EventRow = { id: string; type: string; organization_id: string; occurred_at: string; data: Record<string, any> };

/** The expiry events of one key, in commit order. */
export async function expiryEvents(orm: MikroORM, keyId: string): Promise<EventRow[]> {
  return orm.em
    .fork()
    .execute<EventRow[]>(
      `select id, type, organization_id, occurred_at, data from event where key_id = ? and type in ('api_key.expiring_soon', 'api_key.expired') order by seq`,
      [keyId],
    );
}

export async function keyStatus(orm: MikroORM, keyId: string): Promise<string> {
  const [row] = await orm.em.fork().execute<{ status: string }[]>('select status from api_key where id = ?', [keyId]);
  return row!.status;
}

/** One sweep at `now` with the API's own invalidation (local cache + Redis pub/sub). */
export function sweep(server: TestServer, now: Date, opts: Omit<SweepOptions, 'now'> = {}) {
  return sweepExpiry({ orm: server.app.orm, invalidate: server.app.deps.invalidate }, { now, ...opts });
}

/** `daysLeft` of each warning, `expired` for an expiry: the shape the scenarios assert on. */
export const summary = (events: EventRow[]) => events.map((e) => (e.type === 'api_key.expired' ? `expired:${e.data.reason}` : `warn:${e.data.daysLeft}`));
