import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';
import type { UsageSink, VerifyCode } from '../verification/verifier.ts';
import type { KeyRecord } from '../verification/key-record.ts';
import { countField, usageKeys, type UsageKeys } from './usage-keys.ts';

/** Outcomes after which the credential was good and its holder in standing: the key counts as used. */
const USED_CODES: ReadonlySet<VerifyCode> = new Set(['VALID', 'RATE_LIMITED', 'USAGE_EXCEEDED', 'INSUFFICIENT_PERMISSIONS', 'UNKNOWN_PERMISSION']);
/** Redis keeps at most this many detailed verifications waiting for the roll-up. */
export const MAX_PENDING_LOG = 50_000;
/** Distinct buffered (key, minute, outcome) counters that force an early flush. */
const FLUSH_AT_FIELDS = 5_000;
/** Beyond this while Redis is unreachable, new counts are dropped (and logged) rather than exhaust memory. */
const MAX_BUFFERED_FIELDS = 200_000;

export type VerificationLogEntry = { k: string; o: string; t: number; ip: string | null; p: string | null; c: VerifyCode };

/** Per cached record: its count fields for the current minute, one per outcome, built once. */
type Fields = { minute: number; byCode: Partial<Record<VerifyCode, string>> };
/** Last use of a key, kept as numbers until the flush writes `at|ip`. */
type LastUse = { at: number; ip: string | null };

/**
 * Meters verifications: counts per key, minute and outcome; last use (time and address); and a
 * sample of verifications in detail (at most `logPerMinute` per key, minute and outcome class,
 * per process). Verification only touches in-process maps; a timer pushes them to Redis in one
 * pipeline (HINCRBY on the pending counts hash, HSET of last use, RPUSH of the sampled log),
 * where the usage roll-up worker picks them up. Verifications of unknown key ids and malformed
 * tokens belong to no key: they are only counted by `onOutcome` (Prometheus).
 */
export class RedisUsageSink implements UsageSink {
  private counts = new Map<string, number>();
  private last = new Map<string, LastUse>();
  private log: string[] = [];
  /** Sampled verifications this minute, by key: [valid, not valid]. */
  private samples = new Map<string, [number, number]>();
  private samplesMinute = 0;
  private readonly fields = new WeakMap<KeyRecord, Fields>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private readonly keys: UsageKeys;

  private readonly redis: Redis;
  private readonly opts: { flushMs: number; logPerMinute: number; log?: Logger; onOutcome?: (code: VerifyCode) => void };

  constructor(redis: Redis, prefix: string, opts: { flushMs: number; logPerMinute: number; log?: Logger; onOutcome?: (code: VerifyCode) => void }) {
    this.redis = redis;
    this.opts = opts;
    this.keys = usageKeys(prefix);
  }

  start(): this {
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
      this.timer.unref();
    }
    return this;
  }

  record(rec: KeyRecord | null, code: VerifyCode, ip: string | null, permission: string | null, at: number): void {
    this.opts.onOutcome?.(code);
    if (!rec) return;
    if (this.counts.size >= MAX_BUFFERED_FIELDS) {
      this.dropped++;
      return;
    }
    const minute = Math.floor(at / 60_000);
    const field = this.fieldOf(rec, minute, code);
    this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
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

  private fieldOf(rec: KeyRecord, minute: number, code: VerifyCode): string {
    let f = this.fields.get(rec);
    if (!f || f.minute !== minute) this.fields.set(rec, (f = { minute, byCode: {} }));
    return (f.byCode[code] ??= countField(rec.id, rec.organizationId, minute, code));
  }

  private sample(rec: KeyRecord, code: VerifyCode, permission: string | null, minute: number, at: number, ip: string | null): void {
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
    const e: VerificationLogEntry = { k: rec.id, o: rec.organizationId, t: at, ip, p, c: code };
    this.log.push(JSON.stringify(e));
  }

  /** Pushes everything buffered to Redis in one pipeline; concurrent callers share one flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.counts.size || this.last.size || this.log.length ? this.flush() : undefined));
    if (!this.counts.size && !this.last.size && !this.log.length) return Promise.resolve();
    const counts = this.counts;
    const last = this.last;
    const log = this.log;
    this.counts = new Map();
    this.last = new Map();
    this.log = [];
    const p = this.redis.pipeline();
    for (const [field, n] of counts) p.hincrby(this.keys.counts, field, n);
    const pairs = [...last].flatMap(([id, l]) => [id, `${l.at}|${l.ip ?? ''}`]);
    for (let i = 0; i < pairs.length; i += 2000) p.hset(this.keys.last, ...pairs.slice(i, i + 2000));
    for (let i = 0; i < log.length; i += 1000) p.rpush(this.keys.log, ...log.slice(i, i + 1000));
    if (log.length) p.ltrim(this.keys.log, -MAX_PENDING_LOG, -1);
    this.flushing = p
      .exec()
      .then((results) => {
        const failed = results?.find(([err]) => err);
        if (failed) this.opts.log?.error({ err: failed[0] }, 'usage flush: a Redis command failed');
        if (this.dropped) {
          this.opts.log?.warn({ dropped: this.dropped }, 'usage flush: counts dropped while Redis was unreachable');
          this.dropped = 0;
        }
      })
      .catch((err) => this.opts.log?.error({ err }, 'usage flush failed'))
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Stops the timer and flushes what is left (graceful shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
