import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { EVENT_SEQ_LOCK } from '../events/event.types.ts';
import type { Logger } from '../../infra/logger.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { notifyFromEvent } from '../notifications/notification.service.ts';
import type { KeyKind } from '../../lib/token.ts';
import { DAY_MS, decideExpiry, type ExpiryDecision } from '../keys/key-expiry.ts';
import type { Invalidation } from '../verification/key-cache.ts';

/**
 * The inactivity sweep: finds active keys with something due (a warning or expiry) and acts on
 * them in bounded batches. Each batch is two steps:
 *
 * 1. Candidates, read without locks, in keyset order over partial indexes of active keys, and
 *    pre-filtered by `NEXT_DUE_SQL`:
 *    - keys whose validity window ended (`api_key_active_valid_until_idx`);
 *    - inactivity, in one of two modes. A *full* pass reads each organisation's keys from its own
 *      horizon, its first warning instant (`api_key_org_activity_idx`; one organisation's short
 *      period never makes it read another's keys), so it reads every key inside a warning window.
 *      An *incremental* pass, from the previous sweep's instant, reads only the keys whose last
 *      activity lies where a threshold or the expiry was crossed since (`api_key_active_activity_idx`):
 *      thin slices, so the sweep that runs every minute costs almost nothing. A full pass runs
 *      when there is no previous sweep, the clock went back, an organisation's expiry settings
 *      changed (a trigger clears the state), the previous sweep had to skip a key another
 *      transaction held, or the last full pass is older than `fullSweepEveryMs` (default an
 *      hour: a safety net for what no slice sees, such as rows written by hand).
 * 2. One transaction: the candidates are locked `for update skip locked` (a concurrent sweep owns
 *    the ones it skips), decided again by `decideExpiry` on the locked rows, then warned or
 *    expired with their events, notifications and audit entries. Warnings are rows of
 *    key_expiry_warning, whose primary key makes a duplicate impossible even under races.
 *
 * The dry run (`planExpiry`) runs step 1 (full) and the same `decideExpiry`, read-only.
 */

export type DueKey = {
  id: string;
  keyId: string;
  name: string;
  kind: KeyKind;
  organizationId: string;
  userId: string;
  lastActivityAt: Date;
  validUntil: Date | null;
  inactivityDays: number;
  warningDays: number[];
  /** Smallest threshold already warned in the current inactivity period, null if none. */
  sentThreshold: number | null;
  /** Exact keyset position (text keeps PostgreSQL's microseconds, which a Date would drop). */
  cursor: string[];
};

export type PlannedAction = { key: DueKey; decision: Exclude<ExpiryDecision, { action: 'none' }> };

type Row = {
  id: string;
  key_id: string;
  name: string;
  kind: KeyKind;
  organization_id: string;
  user_id: string;
  /** Timestamps arrive as text from the driver. */
  last_activity_at: string;
  valid_until: string | null;
  inactivity_days: number;
  warning_days: number[];
  sent: number | null;
  cursor_at: string;
};

/** Inactivity expiry instant of k (in an organisation o with inactivity_days > 0). */
const INACTIVE_AT_SQL = `(k.last_activity_at + make_interval(secs => o.inactivity_days * 86400.0))`;

/** The next-due instant of `nextDueAt` (expiry.ts), for organisations with inactivity expiry on. */
export const NEXT_DUE_SQL = `(case
  when k.valid_until is not null and k.valid_until <= ${INACTIVE_AT_SQL} then k.valid_until
  else least(k.valid_until, ${INACTIVE_AT_SQL} - make_interval(secs => 86400.0 * coalesce(
    (select max(t) from unnest(o.warning_days) t where t > 0 and (w.sent is null or t < w.sent)), 0)))
end)`;

/** Last activity at or before which anything can be due in organisation o at `?` (its first warning). */
const HORIZON_SQL = `(?::timestamptz - make_interval(secs => 86400.0 * (o.inactivity_days
  - coalesce((select max(t) from unnest(o.warning_days) t where t > 0), 0))))`;

const COLUMNS = (cursorColumn: string) => `k.id, k.key_id, k.name, k.kind, k.organization_id, k.user_id, k.last_activity_at,
       k.valid_until, o.inactivity_days, o.warning_days, w.sent, ${cursorColumn}::text as cursor_at`;

const SENT_JOIN = `left join lateral (
    select min(threshold) as sent from key_expiry_warning w
     where w.key_id = k.id and w.period_start = k.last_activity_at
  ) w on true`;

const SELECT_SQL = (cursorColumn: string) => `
select ${COLUMNS(cursorColumn)}
  from api_key k
  join organization o on o.id = k.organization_id
  ${SENT_JOIN}`;

const ACTIVE = `k.status = 'ACTIVE' and k.deleted_at is null`;

/** Inactivity candidates in organisation o: from its horizon, with something due. Binds `now` three times. */
const INACTIVE_IN_ORG = `${ACTIVE} and o.inactivity_days > 0 and k.last_activity_at <= ${HORIZON_SQL}
   and (k.valid_until is null or k.valid_until > ?) and ${NEXT_DUE_SQL} <= ?`;

export const DEFAULT_SWEEP_BATCH = 500;

function toDueKey(r: Row): DueKey {
  return {
    id: r.id,
    keyId: r.key_id,
    name: r.name,
    kind: r.kind,
    organizationId: r.organization_id,
    userId: r.user_id,
    lastActivityAt: new Date(r.last_activity_at),
    validUntil: r.valid_until === null ? null : new Date(r.valid_until),
    inactivityDays: r.inactivity_days,
    warningDays: r.warning_days,
    sentThreshold: r.sent,
    cursor: [r.organization_id, r.cursor_at, r.id],
  };
}

type Scan = { now: Date; limit: number; organizationId: string | null };

/** Keys whose validity window has ended (any organisation), after the cursor's (valid_until, id). */
async function selectWindowEnded(em: EntityManager, scan: Scan, cursor: string[] | null): Promise<DueKey[]> {
  let sql = `${SELECT_SQL('k.valid_until')} where ${ACTIVE} and k.valid_until is not null and k.valid_until <= ?`;
  const params: unknown[] = [scan.now];
  if (cursor) {
    sql += ` and (k.valid_until, k.id) > (?::timestamptz, ?)`;
    params.push(cursor[1], cursor[2]);
  }
  if (scan.organizationId) {
    sql += ` and k.organization_id = ?`;
    params.push(scan.organizationId);
  }
  sql += ` order by k.valid_until, k.id limit ?`;
  params.push(scan.limit);
  return (await em.execute<Row[]>(sql, params)).map(toDueKey);
}

/**
 * Inactivity candidates after `cursor` = [organization id, last_activity_at, id]: first the
 * rest of the cursor's organisation, then the following organisations in id order (a nested loop
 * of short range scans, one per organisation). The validity pass has the keys whose window ended.
 */
async function selectInactive(em: EntityManager, scan: Scan, cursor: string[] | null): Promise<DueKey[]> {
  const out: DueKey[] = [];
  const within = (orgId: string, after: string[] | null) => {
    const params: unknown[] = [orgId, scan.now, scan.now, scan.now];
    let sql = `${SELECT_SQL('k.last_activity_at')} where k.organization_id = ? and ${INACTIVE_IN_ORG}`;
    if (after) {
      sql += ` and (k.last_activity_at, k.id) > (?::timestamptz, ?)`;
      params.push(after[1], after[2]);
    }
    sql += ` order by k.last_activity_at, k.id limit ?`;
    params.push(scan.limit);
    return em.execute<Row[]>(sql, params);
  };
  if (scan.organizationId) return (await within(scan.organizationId, cursor)).map(toDueKey);
  if (cursor) out.push(...(await within(cursor[0]!, cursor)).map(toDueKey));
  if (out.length >= scan.limit) return out;
  // The lateral subquery (kept from being flattened by its ORDER BY) makes each organisation's
  // horizon an index condition: one short range scan per organisation, never a merge of all keys.
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS('k.last_activity_at')}
       from organization o
      cross join lateral (
        select k.* from api_key k
         where k.organization_id = o.id and ${ACTIVE} and k.last_activity_at <= ${HORIZON_SQL}
           and (k.valid_until is null or k.valid_until > ?)
         order by k.last_activity_at, k.id
      ) k
      ${SENT_JOIN}
      where o.inactivity_days > 0 and ${NEXT_DUE_SQL} <= ? ${cursor ? 'and o.id > ?' : ''}
      order by o.id, k.last_activity_at, k.id
      limit ?`,
    [scan.now, scan.now, scan.now, ...(cursor ? [cursor[0]] : []), scan.limit - out.length],
  );
  return [...out, ...rows.map(toDueKey)];
}

export type ScanOptions = {
  now: Date;
  batchSize?: number;
  /** Only this organisation's keys (tests, the dry run's --org). */
  organizationId?: string | null;
  /** Incremental: only keys that became due after this instant (the previous sweep's). */
  since?: Date | null;
};

type Range = { from: Date; to: Date };

/**
 * Where an incremental pass looks: for every offset (inactivity days − threshold, or the
 * inactivity days) of any organisation, the last-activity interval (since − offset, now − offset]
 * whose keys crossed that instant since the previous sweep; overlapping intervals merged.
 */
async function crossingRanges(em: EntityManager, since: Date, now: Date, organizationId: string | null): Promise<Range[]> {
  const rows = await em.execute<{ days: number }[]>(
    `select distinct greatest(o.inactivity_days - t, 0) as days
       from organization o cross join unnest(o.warning_days || 0) t
      where o.inactivity_days > 0 and t >= 0 ${organizationId ? 'and o.id = ?' : ''}`,
    organizationId ? [organizationId] : [],
  );
  const ranges = rows
    .map((r) => ({ from: new Date(since.getTime() - r.days * DAY_MS), to: new Date(now.getTime() - r.days * DAY_MS) }))
    .sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: Range[] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r.from.getTime() <= last.to.getTime()) last.to = new Date(Math.max(last.to.getTime(), r.to.getTime()));
    else merged.push({ ...r });
  }
  return merged;
}

/** Incremental inactivity candidates: keys whose last activity is in (from, to], after the cursor. */
async function selectCrossed(em: EntityManager, scan: Scan, range: Range, cursor: string[] | null): Promise<DueKey[]> {
  let sql = `${SELECT_SQL('k.last_activity_at')}
 where ${ACTIVE} and k.last_activity_at > ? and k.last_activity_at <= ? and o.inactivity_days > 0
   and (k.valid_until is null or k.valid_until > ?) and ${NEXT_DUE_SQL} <= ?`;
  const params: unknown[] = [range.from, range.to, scan.now, scan.now];
  if (cursor) {
    sql += ` and (k.last_activity_at, k.id) > (?::timestamptz, ?)`;
    params.push(cursor[1], cursor[2]);
  }
  if (scan.organizationId) {
    sql += ` and k.organization_id = ?`;
    params.push(scan.organizationId);
  }
  sql += ` order by k.last_activity_at, k.id limit ?`;
  params.push(scan.limit);
  return (await em.execute<Row[]>(sql, params)).map(toDueKey);
}

type Select = (em: EntityManager, scan: Scan, cursor: string[] | null) => Promise<DueKey[]>;

/**
 * Step 1 over everything: batches of candidate keys (at most `batchSize` each), the validity
 * pass first, then the inactivity pass (full, or incremental with `since`), each in index
 * order. Shared by the sweep, the dry run and the tests.
 */
export async function* candidateBatches(em: EntityManager, opts: ScanOptions): AsyncGenerator<DueKey[]> {
  const scan: Scan = { now: opts.now, limit: opts.batchSize ?? DEFAULT_SWEEP_BATCH, organizationId: opts.organizationId ?? null };
  const selects: Select[] = [selectWindowEnded];
  if (opts.since) {
    for (const range of await crossingRanges(em, opts.since, opts.now, scan.organizationId)) selects.push((e, s, c) => selectCrossed(e, s, range, c));
  } else selects.push(selectInactive);
  for (const select of selects) {
    let cursor: string[] | null = null;
    for (;;) {
      const keys = await select(em, scan, cursor);
      if (keys.length === 0) break;
      yield keys;
      if (keys.length < scan.limit) break;
      cursor = keys.at(-1)!.cursor;
    }
  }
}

/** The shared decision: what a sweep at `now` does to each key. Keys with nothing due are dropped. */
export function planBatch(keys: DueKey[], now: Date): PlannedAction[] {
  const out: PlannedAction[] = [];
  for (const key of keys) {
    const decision = decideExpiry(key, key, now, key.sentThreshold);
    if (decision.action !== 'none') out.push({ key, decision });
  }
  return out;
}

/** Step 2's read: the same rows, locked; rows another sweep holds, or no longer active, are skipped. */
async function lockKeys(em: EntityManager, ids: string[]): Promise<DueKey[]> {
  const rows = await em.execute<Row[]>(`${SELECT_SQL('k.last_activity_at')} where k.id = any(array[?]::text[]) and ${ACTIVE} for update of k skip locked`, [
    ids,
  ]);
  return rows.map(toDueKey);
}

export function keySummary(k: DueKey, status: 'ACTIVE' | 'EXPIRED') {
  return { id: k.id, keyId: k.keyId, name: k.name, kind: k.kind, organizationId: k.organizationId, userId: k.userId, status };
}

type BatchResult = { warned: number; expired: number; skipped: number; invalidations: Invalidation[] };

async function applyBatch(em: EntityManager, candidates: DueKey[], now: Date): Promise<BatchResult> {
  // Event writers hold this lock from their event insert to commit and may then wait for a key
  // row; taking it before locking any key means the two never wait on each other in a cycle.
  await em.execute('select pg_advisory_xact_lock(?)', [EVENT_SEQ_LOCK]);
  const locked = await lockKeys(
    em,
    candidates.map((c) => c.id),
  );
  const planned = planBatch(locked, now);
  const warns = planned.filter((p) => p.decision.action === 'warn');
  const expires = planned.filter((p) => p.decision.action === 'expire');
  // Held by another transaction (or no longer active): some other sweep's, or the next full pass's.
  const result: BatchResult = { warned: 0, expired: 0, skipped: candidates.length - locked.length, invalidations: [] };

  if (warns.length) {
    const ids = warns.map((p) => p.key.id);
    const thresholds = warns.map((p) => (p.decision.action === 'warn' ? p.decision.threshold : 0));
    const days = warns.map((p) => (p.decision.action === 'warn' ? p.decision.daysLeft : 0));
    // period_start is copied from the row in SQL: a JavaScript Date would drop its microseconds.
    // The not-exists guard also refuses a less urgent warning than one already sent this period.
    const inserted = await em.execute<{ key_id: string }[]>(
      `insert into key_expiry_warning (key_id, period_start, threshold, days_left, sent_at)
       select k.id, k.last_activity_at, c.threshold, c.days_left, ?::timestamptz
         from unnest(array[?]::text[], array[?]::int[], array[?]::int[]) as c(key_id, threshold, days_left)
         join api_key k on k.id = c.key_id
        where not exists (select 1 from key_expiry_warning w
                           where w.key_id = k.id and w.period_start = k.last_activity_at and w.threshold <= c.threshold)
       on conflict do nothing
       returning key_id`,
      [now, ids, thresholds, days],
    );
    // Warnings of earlier periods (the key was used since) are no longer needed.
    await em.execute(
      `delete from key_expiry_warning w using api_key k where k.id = w.key_id and w.key_id = any(array[?]::text[]) and w.period_start <> k.last_activity_at`,
      [ids],
    );
    const sent = new Set(inserted.map((r) => r.key_id));
    for (const { key, decision } of warns) {
      if (!sent.has(key.id) || decision.action !== 'warn') continue;
      const event = recordEvent(em, {
        type: 'api_key.expiring_soon',
        organizationId: key.organizationId,
        keyId: key.id,
        at: now,
        data: {
          apiKey: keySummary(key, 'ACTIVE'),
          daysLeft: decision.daysLeft,
          threshold: decision.threshold,
          expiresAt: decision.expiresAt.toISOString(),
          lastActivityAt: key.lastActivityAt.toISOString(),
          reason: 'inactivity',
        },
      });
      notifyFromEvent(em, event);
      result.warned++;
    }
  }

  if (expires.length) {
    const updated = await em.execute<{ id: string }[]>(
      `update api_key set status = 'EXPIRED', updated_at = ? where id = any(array[?]::text[]) and status = 'ACTIVE' returning id`,
      [now, expires.map((p) => p.key.id)],
    );
    const done = new Set(updated.map((r) => r.id));
    if (done.size) await em.execute(`delete from key_expiry_warning where key_id = any(array[?]::text[])`, [[...done]]);
    for (const { key, decision } of expires) {
      if (!done.has(key.id) || decision.action !== 'expire') continue;
      const event = recordEvent(em, {
        type: 'api_key.expired',
        organizationId: key.organizationId,
        keyId: key.id,
        at: now,
        data: {
          apiKey: keySummary(key, 'EXPIRED'),
          reason: decision.reason,
          expiredAt: decision.expiresAt.toISOString(),
          lastActivityAt: key.lastActivityAt.toISOString(),
          ...(decision.reason === 'inactivity' ? { inactivityDays: key.inactivityDays } : { validUntil: key.validUntil?.toISOString() }),
        },
      });
      notifyFromEvent(em, event);
      // No actor: the system did it.
      recordAudit(em, null, {
        organizationId: key.organizationId,
        action: 'api_key.expire',
        targetType: 'ApiKey',
        targetId: key.id,
        changes: { status: { old: 'ACTIVE', new: 'EXPIRED' }, reason: { new: decision.reason } },
      });
      result.invalidations.push({ scope: 'key', keyId: key.keyId });
      result.expired++;
    }
  }
  return result;
}

export type SweepDeps = { orm: MikroORM; invalidate: (inv: Invalidation) => Promise<void>; log?: Logger };
export type SweepOptions = Omit<ScanOptions, 'since'> & {
  /** A full inactivity pass at least this often (default an hour); 0: always full. */
  fullSweepEveryMs?: number;
};
export type SweepResult = { mode: 'full' | 'incremental'; candidates: number; warned: number; expired: number; skipped: number; batches: number; ms: number };

export const DEFAULT_FULL_SWEEP_EVERY_MS = 3_600_000;

type SweepState = { swept_until: string | null; full_sweep_at: string | null; settings_generation: string };

/** Incremental from the previous sweep's instant when that is safe, else null (a full pass). */
function incrementalSince(state: SweepState | undefined, now: Date, fullEveryMs: number): Date | null {
  if (!state?.swept_until || !state.full_sweep_at) return null;
  const since = new Date(state.swept_until);
  const full = new Date(state.full_sweep_at);
  const t = now.getTime();
  if (since.getTime() > t || full.getTime() > t || t - full.getTime() >= fullEveryMs) return null;
  return since;
}

/**
 * One sweep at `now`: expires keys past their validity window or inactivity expiry, and sends
 * each key the most urgent inactivity warning due and not yet sent this period. Safe to run
 * concurrently with itself and late. Cache invalidations go out after each batch commits.
 * A sweep of the whole deployment records its instant for the next one's incremental pass
 * (a sweep limited to one organisation is always full and records nothing).
 */
export async function sweepExpiry(deps: SweepDeps, opts: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const reader = deps.orm.em.fork();
  const global = !opts.organizationId;
  const [state] = global
    ? await reader.execute<SweepState[]>('select swept_until::text, full_sweep_at::text, settings_generation::text from expiry_sweep_state where id = 1')
    : [];
  const since = global ? incrementalSince(state, opts.now, opts.fullSweepEveryMs ?? DEFAULT_FULL_SWEEP_EVERY_MS) : null;
  const total: SweepResult = { mode: since ? 'incremental' : 'full', candidates: 0, warned: 0, expired: 0, skipped: 0, batches: 0, ms: 0 };

  for await (const keys of candidateBatches(reader, { ...opts, since })) {
    total.candidates += keys.length;
    total.batches++;
    const due = planBatch(keys, opts.now).map((p) => p.key);
    if (due.length === 0) continue;
    const r = await deps.orm.em.fork().transactional((em) => applyBatch(em, due, opts.now));
    total.warned += r.warned;
    total.expired += r.expired;
    total.skipped += r.skipped;
    const published = await Promise.allSettled(r.invalidations.map((inv) => deps.invalidate(inv)));
    const failed = published.filter((p) => p.status === 'rejected').length;
    // The keys are EXPIRED in PostgreSQL already; caches that missed this drop them at their TTL.
    if (failed) deps.log?.warn({ failed }, 'expiry sweep: some cache invalidations were not published');
  }

  if (global) {
    // A skipped key may have become due before this instant: only a full pass finds it again. If
    // settings changed meanwhile (the generation moved), this sweep may have read the old ones.
    const sweptUntil = total.skipped ? null : opts.now;
    const fullAt = since || total.skipped ? (state?.full_sweep_at ?? null) : opts.now.toISOString();
    await reader.execute(
      `insert into expiry_sweep_state as s (id, swept_until, full_sweep_at, settings_generation) values (1, ?::timestamptz, ?::timestamptz, ?::bigint)
       on conflict (id) do update set
         swept_until = case when s.settings_generation = excluded.settings_generation then excluded.swept_until end,
         full_sweep_at = case when s.settings_generation = excluded.settings_generation then excluded.full_sweep_at else s.full_sweep_at end`,
      [sweptUntil, fullAt, state?.settings_generation ?? '0'],
    );
  }
  total.ms = Math.round(performance.now() - started);
  if (total.warned || total.expired || total.skipped) deps.log?.info({ ...total, now: opts.now.toISOString() }, 'expiry sweep');
  return total;
}

/**
 * The operator's dry run: what a sweep at `now` would do, computed by the same candidate query
 * and `decideExpiry`, in one read-only, repeatable-read transaction (a consistent snapshot that
 * cannot change anything). `onAction` receives each planned action in index order.
 */
export async function planExpiry(
  orm: MikroORM,
  opts: ScanOptions & { onAction: (a: PlannedAction) => void | Promise<void> },
): Promise<{ warn: number; expire: number }> {
  const counts = { warn: 0, expire: 0 };
  await orm.em.fork().transactional(
    async (em) => {
      for await (const keys of candidateBatches(em, opts)) {
        for (const a of planBatch(keys, opts.now)) {
          counts[a.decision.action]++;
          await opts.onAction(a);
        }
      }
    },
    { readOnly: true, isolationLevel: 'repeatable read' },
  );
  return counts;
}
