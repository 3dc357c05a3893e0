import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../infra/logger.ts';
import type { UsageSink } from '../verification/verifier.ts';
import type { VerifyCode } from '../../lib/verify-codes.ts';
import type { PrincipalRecord } from '../principal/key-record.ts';
import { applyBatch, type Batch, type CountRow, type CreditRow, type LogRow } from './usage-batch.ts';

/** Outcomes after which the credential was good and its holder in standing: the key counts as used. */
const USED_CODES: ReadonlySet<VerifyCode> = new Set(['VALID', 'RATE_LIMITED', 'USAGE_EXCEEDED', 'INSUFFICIENT_PERMISSIONS', 'UNKNOWN_PERMISSION']);
/** At most this many detailed verifications wait in memory for PostgreSQL; older ones give way. */
export const MAX_PENDING_LOG = 50_000;
/** Distinct buffered (key, minute, outcome) counters that force an early flush. */
const FLUSH_AT_FIELDS = 5_000;
/** Beyond this while PostgreSQL is unreachable, new counts are dropped (and logged) rather than exhaust memory. */
const MAX_BUFFERED_FIELDS = 200_000;

/** Per cached record: its counters for the current minute, one per outcome, built once. */
type Fields = { minute: number; byCode: Partial<Record<VerifyCode, CountRow>> };
/** Last use of a key. */
type LastUse = { at: number; ip: string | null };

export type UsageSinkOptions = { flushMs: number; logPerMinute: number; log?: Logger; onOutcome?: (code: VerifyCode) => void };

/**
 * Meters verifications: counts per key, minute and outcome; last use (time and address); and a
 * sample of verifications in detail (at most `logPerMinute` per key, minute and outcome class,
 * per process). Verification only touches in-process maps; a timer writes them to PostgreSQL,
 * the source of truth, in one transaction per flush. Verifications of unknown key ids and
 * malformed tokens belong to no key: they are only counted by `onOutcome` (Prometheus).
 *
 * Exactly once: each flush is a batch with its own id, recorded in the `usage_batch` ledger in
 * the same transaction. A flush that fails (PostgreSQL down, a commit whose answer never came)
 * is retried with the same id and the same rows, so it lands once; counts made meanwhile wait
 * in memory for the next batch. Redis is not involved: losing it loses no usage. What a
 * process holds in memory (at most `flushMs` of counts, or more while PostgreSQL is down) is
 * lost only if the process itself is killed; a graceful shutdown flushes.
 */
export class PgUsageSink implements UsageSink {
  private counts = new Map<CountRow, number>();
  private last = new Map<string, LastUse>();
  private log: LogRow[] = [];
  /** Credits spent, by key, minute and customer. */
  private credits = new Map<string, CreditRow>();
  /** Sampled verifications this minute, by key: [valid, not valid]. */
  private samples = new Map<string, [number, number]>();
  private samplesMinute = 0;
  private readonly fields = new WeakMap<PrincipalRecord, Fields>();
  /** The batch a failed flush left, retried first and unchanged. */
  private unsent: { id: string; batch: Batch } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private failures = 0;

  private readonly orm: MikroORM;
  private readonly opts: UsageSinkOptions;

  constructor(orm: MikroORM, opts: UsageSinkOptions) {
    this.orm = orm;
    this.opts = opts;
  }

  start(): this {
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
      this.timer.unref();
    }
    return this;
  }

  record(rec: PrincipalRecord | null, code: VerifyCode, ip: string | null, permission: string | null, at: number, spent = 0): void {
    this.opts.onOutcome?.(code);
    if (!rec) return;
    const minute = Math.floor(at / 60_000);
    if (spent > 0) {
      const customerId = rec.customer?.id ?? '';
      const id = `${rec.id}|${minute}|${customerId}`;
      const row = this.credits.get(id);
      if (row) row[4] += spent;
      else this.credits.set(id, [rec.id, rec.organizationId, customerId, minute, spent]);
    }
    const row = this.rowOf(rec, minute, code);
    const n = this.counts.get(row);
    if (n === undefined && this.counts.size >= MAX_BUFFERED_FIELDS) {
      this.dropped++;
      return;
    }
    this.counts.set(row, (n ?? 0) + 1);
    const address = ip && ip.length <= 64 ? ip : null;
    if (USED_CODES.has(code)) {
      const last = this.last.get(rec.id);
      if (last) {
        last.at = at;
        last.ip = address;
      } else this.last.set(rec.id, { at, ip: address });
    }
    if (this.opts.logPerMinute > 0) this.sample(rec, code, permission, minute, at, address);
    if (this.counts.size >= FLUSH_AT_FIELDS && !this.flushing) void this.flush();
  }

  /** The counter row of a key, minute and outcome: one object per combination, so the map key is its identity. */
  private rowOf(rec: PrincipalRecord, minute: number, code: VerifyCode): CountRow {
    let f = this.fields.get(rec);
    if (!f || f.minute !== minute) this.fields.set(rec, (f = { minute, byCode: {} }));
    return (f.byCode[code] ??= [rec.id, rec.organizationId, minute, code, 0]);
  }

  private sample(rec: PrincipalRecord, code: VerifyCode, permission: string | null, minute: number, at: number, ip: string | null): void {
    if (minute !== this.samplesMinute) {
      this.samples.clear();
      this.samplesMinute = minute;
    }
    let taken = this.samples.get(rec.id);
    if (!taken) this.samples.set(rec.id, (taken = [0, 0]));
    const slot = code === 'VALID' ? 0 : 1;
    if (taken[slot] >= this.opts.logPerMinute) return;
    taken[slot]++;
    const p = permission && permission.length <= 100 ? permission : null;
    this.log.push([rec.id, rec.organizationId, at, ip, p, code]);
    if (this.log.length > MAX_PENDING_LOG) this.log.splice(0, this.log.length - MAX_PENDING_LOG);
  }

  private hasPending(): boolean {
    return this.unsent !== null || this.counts.size > 0 || this.last.size > 0 || this.log.length > 0 || this.credits.size > 0;
  }

  /** Writes everything buffered to PostgreSQL; concurrent callers share one flush. Never rejects. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.hasPending() && !this.unsent ? this.flush() : undefined));
    if (!this.hasPending()) return Promise.resolve();
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    try {
      if (this.unsent) await this.send(this.unsent);
      if (this.counts.size || this.last.size || this.log.length || this.credits.size) await this.send(this.take());
      if (this.failures) this.opts.log?.info({ failures: this.failures }, 'usage flush: PostgreSQL has the counts again');
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.opts.log?.error({ err }, 'usage flush failed; counts kept in memory and retried');
    }
    if (this.dropped) {
      this.opts.log?.warn({ dropped: this.dropped }, 'usage flush: counts dropped while PostgreSQL was unreachable');
      this.dropped = 0;
    }
  }

  /** Moves the buffers into a batch (sorted, so concurrent flushes of several processes lock rows in one order). */
  private take(): { id: string; batch: Batch } {
    // A key reloaded into the cache mid-minute has a second row object for the same counter: merged here.
    const merged = new Map<string, CountRow>();
    for (const [row, n] of this.counts) {
      const id = `${row[0]}|${row[2]}|${row[3]}`;
      const seen = merged.get(id);
      if (seen) seen[4] += n;
      else merged.set(id, [row[0], row[1], row[2], row[3], n]);
    }
    const counts = [...merged.values()];
    counts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0)));
    const last = [...this.last].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, l]): [string, number, string] => [id, l.at, l.ip ?? '']);
    const credits = [...this.credits.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[3] - b[3]));
    const batch: Batch = { counts, last, log: this.log, credits };
    this.credits = new Map();
    this.counts = new Map();
    this.last = new Map();
    this.log = [];
    return { id: randomUUID(), batch };
  }

  private async send(pending: { id: string; batch: Batch }): Promise<void> {
    this.unsent = pending;
    await applyBatch(this.orm.em.fork(), pending.id, pending.batch);
    this.unsent = null;
  }

  /** Stops the timer and flushes what is left (graceful shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
