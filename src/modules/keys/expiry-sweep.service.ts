import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../infra/logger.js';
import { recordAudit } from '../audit/audit.service.js';
import { recordEvent } from '../events/event.service.js';
import { notifyFromEvent } from '../notifications/notification.service.js';
import type { KeyKind } from '../../lib/token.js';
import { decideExpiry, type ExpiryDecision } from './expiry.js';
import type { Invalidation } from './key-cache.js';

/**
 * The inactivity sweep: finds active keys with something due (a warning or expiry) and acts on
 * them in bounded batches. Each batch is two steps:
 *
 * 1. Candidates, read without locks by keyset over an index: `api_key_active_valid_until_idx`
 *    for keys whose validity window ended, `api_key_active_activity_idx` for inactivity, both
 *    joined to the organisation's settings and pre-filtered in SQL by `NEXT_DUE_SQL`.
 * 2. One transaction: the candidates are locked `for update skip locked` (a concurrent sweep owns
 *    the ones it skips), decided again by `decideExpiry` on the locked rows, then warned or
 *    expired with their events, notifications and audit entries. Warnings are rows of
 *    key_expiry_warning, whose primary key makes a duplicate impossible even under races.
 *
 * The dry run (`planExpiry`) runs step 1 and the same `decideExpiry`, in a read-only transaction.
 */

/**
 * Event writers hold this transaction-scoped advisory lock from their event insert to commit (see
 * Migration20261123010000_keys), and a mutation may hold it while it waits for a key row. The
 * sweep takes it before locking any key, so the two can never wait on each other in a cycle.
 */
const EVENT_SEQ_LOCK = 4242010001;

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
  cursor: [string, string];
};

export type PlannedAction = { key: DueKey; decision: Exclude<ExpiryDecision, { action: 'none' }> };

type Pass = 'validity' | 'inactivity';

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

/** inactivity expiry instant of k (in an organisation o with inactivity_days > 0). */
const INACTIVE_AT_SQL = `(k.last_activity_at + make_interval(secs => o.inactivity_days * 86400.0))`;

/** The next-due instant of `nextDueAt` (expiry.ts), for organisations with inactivity expiry on. */
export const NEXT_DUE_SQL = `(case
  when k.valid_until is not null and k.valid_until <= ${INACTIVE_AT_SQL} then k.valid_until
  else least(k.valid_until, ${INACTIVE_AT_SQL} - make_interval(secs => 86400.0 * coalesce(
    (select max(t) from unnest(o.warning_days) t where t > 0 and (w.sent is null or t < w.sent)), 0)))
end)`;

const SELECT_SQL = (cursorColumn: string) => `
select k.id, k.key_id, k.name, k.kind, k.organization_id, k.user_id, k.last_activity_at, k.valid_until,
       o.inactivity_days, o.warning_days, w.sent, ${cursorColumn}::text as cursor_at
  from api_key k
  join organization o on o.id = k.organization_id
  left join lateral (
    select min(threshold) as sent from key_expiry_warning w
     where w.key_id = k.id and w.period_start = k.last_activity_at
  ) w on true`;

const ACTIVE = `k.status = 'ACTIVE' and k.deleted_at is null`;

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
    cursor: [r.cursor_at, r.id],
  };
}

/**
 * Keys whose inactivity is far enough along for anything to be due: the earliest first warning
 * over every organisation with expiry on. Null when no organisation has inactivity expiry on.
 */
async function inactivityHorizon(em: EntityManager, now: Date, organizationId: string | null): Promise<Date | null> {
  const [row] = await em.execute<{ lead_days: number | null }[]>(
    `select min(inactivity_days - coalesce((select max(t) from unnest(warning_days) t where t > 0), 0)) as lead_days
       from organization where inactivity_days > 0 ${organizationId ? 'and id = ?' : ''}`,
    organizationId ? [organizationId] : [],
  );
  if (row?.lead_days == null) return null;
  return new Date(now.getTime() - Number(row.lead_days) * 86_400_000);
}

type Scan = { pass: Pass; now: Date; horizon: Date | null; limit: number; organizationId: string | null };

/**
 * Step 1: the next batch of keys with something due after `cursor`, read without locks. The
 * validity pass covers keys whose window has ended (in any organisation); the inactivity pass
 * the rest, so a key is never in both.
 */
async function selectCandidates(em: EntityManager, scan: Scan, cursor: [string, string] | null): Promise<DueKey[]> {
  const params: unknown[] = [];
  let sql: string;
  if (scan.pass === 'validity') {
    sql = `${SELECT_SQL('k.valid_until')}
 where ${ACTIVE} and k.valid_until is not null and k.valid_until <= ?`;
    params.push(scan.now);
    if (cursor) {
      sql += ` and (k.valid_until, k.id) > (?::timestamptz, ?)`;
      params.push(...cursor);
    }
    if (scan.organizationId) {
      sql += ` and k.organization_id = ?`;
      params.push(scan.organizationId);
    }
    sql += ` order by k.valid_until, k.id limit ?`;
  } else {
    if (!scan.horizon) return [];
    sql = `${SELECT_SQL('k.last_activity_at')}
 where ${ACTIVE} and k.last_activity_at <= ? and (k.valid_until is null or k.valid_until > ?)
   and o.inactivity_days > 0 and ${NEXT_DUE_SQL} <= ?`;
    params.push(scan.horizon, scan.now, scan.now);
    if (cursor) {
      sql += ` and (k.last_activity_at, k.id) > (?::timestamptz, ?)`;
      params.push(...cursor);
    }
    if (scan.organizationId) {
      sql += ` and k.organization_id = ?`;
      params.push(scan.organizationId);
    }
    sql += ` order by k.last_activity_at, k.id limit ?`;
  }
  params.push(scan.limit);
  const rows = await em.execute<Row[]>(sql, params);
  return rows.map(toDueKey);
}

export type ScanOptions = { now: Date; batchSize?: number; organizationId?: string | null };

/**
 * Step 1 over everything: batches of candidate keys (at most `batchSize` each), validity pass
 * first, then inactivity, each in index order. Shared by the sweep, the dry run and the tests.
 */
export async function* candidateBatches(em: EntityManager, opts: ScanOptions): AsyncGenerator<DueKey[]> {
  const organizationId = opts.organizationId ?? null;
  const limit = opts.batchSize ?? DEFAULT_SWEEP_BATCH;
  const horizon = await inactivityHorizon(em, opts.now, organizationId);
  for (const pass of ['validity', 'inactivity'] as const) {
    let cursor: [string, string] | null = null;
    for (;;) {
      const keys = await selectCandidates(em, { pass, now: opts.now, horizon, limit, organizationId }, cursor);
      if (keys.length === 0) break;
      yield keys;
      if (keys.length < limit) break;
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
  const rows = await em.execute<Row[]>(`${SELECT_SQL('k.last_activity_at')} where k.id = any(array[?]::text[]) and ${ACTIVE} for update of k skip locked`, [ids]);
  return rows.map(toDueKey);
}

export function keySummary(k: DueKey, status: 'ACTIVE' | 'EXPIRED') {
  return { id: k.id, keyId: k.keyId, name: k.name, kind: k.kind, organizationId: k.organizationId, userId: k.userId, status };
}

type BatchResult = { warned: number; expired: number; invalidations: Invalidation[] };

async function applyBatch(em: EntityManager, candidates: DueKey[], now: Date): Promise<BatchResult> {
  await em.execute('select pg_advisory_xact_lock(?)', [EVENT_SEQ_LOCK]);
  const locked = await lockKeys(em, candidates.map((c) => c.id));
  const planned = planBatch(locked, now);
  const warns = planned.filter((p) => p.decision.action === 'warn');
  const expires = planned.filter((p) => p.decision.action === 'expire');
  const result: BatchResult = { warned: 0, expired: 0, invalidations: [] };

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
export type SweepOptions = ScanOptions;
export type SweepResult = { candidates: number; warned: number; expired: number; batches: number; ms: number };

/**
 * One sweep at `now`: expires keys past their validity window or inactivity expiry, and sends
 * each key the most urgent inactivity warning due and not yet sent this period. Safe to run
 * concurrently with itself and late. Cache invalidations go out after each batch commits.
 */
export async function sweepExpiry(deps: SweepDeps, opts: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const total: SweepResult = { candidates: 0, warned: 0, expired: 0, batches: 0, ms: 0 };
  for await (const keys of candidateBatches(deps.orm.em.fork(), opts)) {
    total.candidates += keys.length;
    total.batches++;
    const due = planBatch(keys, opts.now).map((p) => p.key);
    if (due.length === 0) continue;
    const r = await deps.orm.em.fork().transactional((em) => applyBatch(em, due, opts.now));
    total.warned += r.warned;
    total.expired += r.expired;
    const published = await Promise.allSettled(r.invalidations.map((inv) => deps.invalidate(inv)));
    const failed = published.filter((p) => p.status === 'rejected').length;
    // The keys are EXPIRED in PostgreSQL already; caches that missed this drop them at their TTL.
    if (failed) deps.log?.warn({ failed }, 'expiry sweep: some cache invalidations were not published');
  }
  total.ms = Math.round(performance.now() - started);
  if (total.warned || total.expired) deps.log?.info({ ...total, now: opts.now.toISOString() }, 'expiry sweep');
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
