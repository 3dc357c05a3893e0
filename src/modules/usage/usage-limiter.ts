import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { KeyRecord } from '../verification/key-record.ts';
import type { RateLimitState, UsageLimiter } from '../verification/verifier.ts';
import { limiterKeys } from './usage-keys.ts';

/** Credits counters idle this long leave Redis; the next use re-seeds them from PostgreSQL. */
const CREDITS_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Rate limit, then credits, atomically, on Redis's clock (TIME), so replicas with skewed clocks
 * agree. Rate limit: a fixed window anchored at the window's first call (a hash { c: count,
 * end }), so "10 per minute" means the 11th call inside that minute fails and every answer says
 * when the window ends. Credits: a hash { n: remaining, e: epoch, r: last refill };
 * a missing hash, or one older than the key's epoch, answers -1 ("seed me") before anything is
 * counted. A refill restores `n` to the refill amount once per elapsed interval.
 * Reply: { status (0 ok, 1 rate limited, 2 no credits, -1 seed), rlRemaining, resetAt, credits }.
 */
const CONSUME_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local hasCredits = ARGV[3] == '1'
local n, r
if hasCredits then
  local h = redis.call('HMGET', KEYS[2], 'n', 'e', 'r')
  if not h[1] or tonumber(h[2]) < tonumber(ARGV[4]) then return {-1, -1, -1, -1} end
  n = tonumber(h[1])
  r = tonumber(h[3])
end
local rlRemaining, resetAt = -1, -1
if limit > 0 then
  local c
  resetAt = tonumber(redis.call('HGET', KEYS[1], 'end'))
  if not resetAt or resetAt <= now then
    resetAt = now + tonumber(ARGV[2])
    c = 1
    redis.call('HSET', KEYS[1], 'c', 1, 'end', resetAt)
    redis.call('PEXPIREAT', KEYS[1], resetAt)
  else
    c = redis.call('HINCRBY', KEYS[1], 'c', 1)
  end
  rlRemaining = limit - c
  if rlRemaining < 0 then return {1, 0, resetAt, n or -1} end
end
if hasCredits then
  local amount = tonumber(ARGV[5])
  local interval = tonumber(ARGV[6])
  if amount > 0 and interval > 0 and now - r >= interval then
    n = amount
    r = r + math.floor((now - r) / interval) * interval
    redis.call('HSET', KEYS[2], 'n', n, 'r', r)
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[7])
  if n <= 0 then return {2, rlRemaining, resetAt, 0} end
  n = n - 1
  redis.call('HSET', KEYS[2], 'n', n)
end
return {0, rlRemaining, resetAt, n or -1}
`;

/** Seeds the credits hash from PostgreSQL unless a counter of the same or a newer epoch is there. */
const SEED_LUA = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e or tonumber(e) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'n', ARGV[1], 'e', ARGV[2], 'r', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

type LimiterRedis = Redis & {
  kpConsume(rl: string, cr: string, ...args: (string | number)[]): Promise<[number, number, number, number]>;
  kpSeedCredits(cr: string, ...args: (string | number)[]): Promise<number>;
};

export class LimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super('usage limiter unavailable (Redis)', { cause });
  }
}

/** Raw queries return timestamptz as a string. */
type CreditsRow = { credits: number | null; credits_epoch: number; credits_refilled_at: Date | string | null };

/**
 * Rate limits and credits in Redis (Lua), so they hold across API replicas. PostgreSQL stays the
 * source of truth for credits: a missing counter (first use, Redis lost, an admin changed the
 * credits) is seeded from `api_key.credits`, and the usage roll-up writes the counter back.
 *
 * Give it a connection without an offline queue: a call made while Redis is down must fail now,
 * not consume a credit minutes later when the connection returns.
 */
export class RedisUsageLimiter implements UsageLimiter {
  private readonly redis: LimiterRedis;

  private readonly orm: MikroORM;
  private readonly prefix: string;

  constructor(redis: Redis, orm: MikroORM, prefix: string) {
    this.orm = orm;
    this.prefix = prefix;
    redis.defineCommand('kpConsume', { numberOfKeys: 2, lua: CONSUME_LUA });
    redis.defineCommand('kpSeedCredits', { numberOfKeys: 1, lua: SEED_LUA });
    this.redis = redis as LimiterRedis;
  }

  async consume(record: KeyRecord) {
    const [rlKey, crKey] = limiterKeys(this.prefix, record.id);
    let hasCredits = record.hasCredits;
    for (let attempt = 0; ; attempt++) {
      const reply = await this.call(() =>
        this.redis.kpConsume(
          rlKey,
          crKey,
          record.rateLimit?.limit ?? 0,
          (record.rateLimit?.windowSeconds ?? 0) * 1000,
          hasCredits ? 1 : 0,
          record.creditsEpoch,
          record.creditsRefill?.amount ?? 0,
          (record.creditsRefill?.intervalSeconds ?? 0) * 1000,
          CREDITS_TTL_MS,
        ),
      );
      const [status, rlRemaining, resetAt, credits] = reply.map(Number) as [number, number, number, number];
      if (status === -1) {
        if (attempt > 0) throw new LimiterUnavailableError('credits counter vanished while seeding');
        hasCredits = await this.seed(record, crKey);
        continue;
      }
      const rateLimit: RateLimitState | null = record.rateLimit
        ? { limit: record.rateLimit.limit, remaining: Math.max(0, rlRemaining), resetAt: new Date(resetAt) }
        : null;
      const remaining = hasCredits ? Math.max(0, credits) : null;
      if (status === 1) return { ok: false as const, code: 'RATE_LIMITED' as const, remaining, rateLimit };
      if (status === 2) return { ok: false as const, code: 'USAGE_EXCEEDED' as const, remaining: 0, rateLimit };
      return { ok: true as const, remaining, rateLimit };
    }
  }

  /** One SQL read, only when Redis has no current counter. Returns whether the key still has credits. */
  private async seed(record: KeyRecord, crKey: string): Promise<boolean> {
    const rows = await this.orm.em.fork().execute<CreditsRow[]>('select credits, credits_epoch, credits_refilled_at from api_key where id = ?', [record.id]);
    const row = rows[0];
    if (!row || row.credits === null) return false;
    const refilledAt = row.credits_refilled_at === null ? Date.now() : new Date(row.credits_refilled_at).getTime();
    await this.call(() => this.redis.kpSeedCredits(crKey, row.credits!, row.credits_epoch, refilledAt, CREDITS_TTL_MS));
    return true;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new LimiterUnavailableError(err);
    }
  }
}
