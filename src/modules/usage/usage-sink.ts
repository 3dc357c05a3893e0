import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';
import type { UsageSink, VerifyCode } from '../keys/verifier.ts';
import type { KeyRecord } from '../keys/key-record.ts';
import { countField, usageKeys, type UsageKeys } from './usage-keys.ts';

/** Outcomes after which the credential was good and its holder in standing: the key counts as used. */
const USED_CODES: ReadonlySet<VerifyCode> = new Set(['VALID', 'RATE_LIMITED', 'USAGE_EXCEEDED', 'INSUFFICIENT_PERMISSIONS']);
/** Redis keeps at most this many detailed verifications waiting for the roll-up. */
export const MAX_PENDING_LOG = 50_000;
/** Distinct buffered (key, minute, outcome) counters that force an early flush. */
const FLUSH_AT_FIELDS = 5_000;
/** Beyond this while Redis is unreachable, new counts are dropped (and logged) rather than exhaust memory. */
const MAX_BUFFERED_FIELDS = 200_000;

export type VerificationLogEntry = { k: string; o: string; t: number; ip: string | null; p: string | null; c: VerifyCode };

export type UsageEntry = Parameters<UsageSink['record']>[0];

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
  private last = new Map<string, string>();
  private log: string[] = [];
  private samples = new Map<string, number>();
  private samplesMinute = 0;
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

  record(entry: UsageEntry): void {
    this.opts.onOutcome?.(entry.code);
    const rec: KeyRecord | null = entry.record;
    if (!rec) return;
    if (this.counts.size >= MAX_BUFFERED_FIELDS) {
      this.dropped++;
      return;
    }
    const minute = Math.floor(entry.at / 60_000);
    const field = countField(rec.id, rec.organizationId, minute, entry.code);
    this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
    const ip = entry.ip && entry.ip.length <= 64 ? entry.ip : null;
    if (USED_CODES.has(entry.code)) this.last.set(rec.id, `${entry.at}|${ip ?? ''}`);
    if (this.opts.logPerMinute > 0) this.sample(rec, entry, minute, ip);
    if (this.counts.size >= FLUSH_AT_FIELDS && !this.flushing) void this.flush();
  }

  private sample(rec: KeyRecord, entry: UsageEntry, minute: number, ip: string | null): void {
    if (minute !== this.samplesMinute) {
      this.samples.clear();
      this.samplesMinute = minute;
    }
    const bucket = `${rec.id}|${entry.code === 'VALID' ? 1 : 0}`;
    const n = this.samples.get(bucket) ?? 0;
    if (n >= this.opts.logPerMinute) return;
    this.samples.set(bucket, n + 1);
    const permission = entry.permission && entry.permission.length <= 100 ? entry.permission : null;
    const e: VerificationLogEntry = { k: rec.id, o: rec.organizationId, t: entry.at, ip, p: permission, c: entry.code };
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
    const pairs = [...last].flat();
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
