import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../../infra/redis.ts';
import type { PrincipalRecord } from '../principal/key-record.ts';
import { LimiterUnavailableError, type RateLimitState, type UsageLimiter } from '../verification/verifier.ts';
import { limiterKeys, poolKeys } from '../limits/usage-keys.ts';

/** The most credits one lease moves from PostgreSQL to Redis: what a Redis loss can withhold. */
export const MAX_LEASE = 100;
/** A call that cannot get a lease of credits this long answers 503 (PostgreSQL or Redis is stuck). */
const LEASE_DEADLINE_MS = 3000;

/**
 * Rate limit, then credits, atomically, on Redis's clock (TIME), so replicas with skewed clocks
 * agree.
 *
 * Rate limit: a fixed window anchored at the window's first call (a hash { c: count, end }), so
 * "10 per minute" means the 11th call inside that minute fails and every answer says when the
 * window ends.
 *
 * Credits: Redis holds only a lease, a hash { n: leased and unspent, e: epoch, p: credits still
 * in PostgreSQL when last leased, r: start of the refill period }. Asks for a lease (-1 for the
 * key, -2 for its customer's pool, with how many credits are missing) when there is no hash of
 * the current epoch, when the refill period has turned, or when `n` cannot pay `cost` and
 * PostgreSQL still holds credits. Nothing is counted before such an answer: the caller leases
 * and calls again.
 *
 * A key of a customer also spends the customer's shared window (KEYS[3]) and pool (KEYS[4]), in
 * the same script (the keys share the customer's slot): both must allow, or neither is spent.
 * Reply: { status (0 ok, 1 rate limited, 2 no credits, -1/-2 lease), rlRemaining | need,
 * resetAt | now, key credits left, pool credits left, which window is reported (1 key, 2 pool) }.
 */
const CONSUME_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cost = tonumber(ARGV[7])
local keyCredits = ARGV[3] == '1'
local poolCredits = ARGV[10] == '1'
local n, p, pn, pp
if keyCredits then
  local h = redis.call('HMGET', KEYS[2], 'n', 'e', 'p', 'r')
  if not h[1] or tonumber(h[2]) < tonumber(ARGV[4]) then return {-1, cost, now, -1, -1, 0} end
  n = tonumber(h[1])
  p = tonumber(h[3])
  local amount = tonumber(ARGV[5])
  local interval = tonumber(ARGV[6])
  if amount > 0 and interval > 0 and now - tonumber(h[4]) >= interval then return {-1, cost, now, -1, -1, 0} end
  if n < cost and p > 0 then return {-1, cost - n, now, -1, -1, 0} end
end
if poolCredits then
  local h = redis.call('HMGET', KEYS[4], 'n', 'e', 'p')
  if not h[1] or tonumber(h[2]) < tonumber(ARGV[11]) then return {-2, cost, now, -1, -1, 0} end
  pn = tonumber(h[1])
  pp = tonumber(h[3])
  if pn < cost and pp > 0 then return {-2, cost - pn, now, -1, -1, 0} end
end
local keyLeft = keyCredits and n + p or -1
local poolLeft = poolCredits and pn + pp or -1
local function window(key, limit, windowMs)
  local resetAt = tonumber(redis.call('HGET', key, 'end'))
  local c
  if not resetAt or resetAt <= now then
    resetAt = now + windowMs
    c = 1
    redis.call('HSET', key, 'c', 1, 'end', resetAt)
    redis.call('PEXPIREAT', key, resetAt)
  else
    c = redis.call('HINCRBY', key, 'c', 1)
  end
  return limit - c, resetAt
end
local rlRemaining, resetAt, which = 0, 0, 0
if tonumber(ARGV[1]) > 0 then
  rlRemaining, resetAt = window(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
  which = 1
  if rlRemaining < 0 then return {1, 0, resetAt, keyLeft, poolLeft, 1} end
end
if tonumber(ARGV[8]) > 0 then
  local r2, reset2 = window(KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9]))
  if r2 < 0 then return {1, 0, reset2, keyLeft, poolLeft, 2} end
  if which == 0 or r2 < rlRemaining then
    rlRemaining, resetAt, which = r2, reset2, 2
  end
end
if (keyCredits and n < cost) or (poolCredits and pn < cost) then return {2, rlRemaining, resetAt, keyLeft, poolLeft, which} end
if keyCredits then
  n = n - cost
  redis.call('HSET', KEYS[2], 'n', n)
  keyLeft = n + p
end
if poolCredits then
  pn = pn - cost
  redis.call('HSET', KEYS[4], 'n', pn)
  poolLeft = pn + pp
end
return {0, rlRemaining, resetAt, keyLeft, poolLeft, which}
`;

/**
 * Adds a lease PostgreSQL granted. A hash of an older epoch (an admin's change, a refill) is
 * replaced, its unspent lease dropped with the grant it came from; a grant of an older epoch
 * than the hash's arrives too late and is dropped. `p` only falls within an epoch, so the
 * smallest report is the freshest.
 */
const LEASE_LUA = `
local e = redis.call('HGET', KEYS[1], 'e')
local epoch = tonumber(ARGV[2])
if not e or tonumber(e) < epoch then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'n', ARGV[1], 'e', epoch, 'p', ARGV[3], 'r', ARGV[4])
  return 1
end
if tonumber(e) > epoch then return 0 end
redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])
if tonumber(ARGV[3]) < tonumber(redis.call('HGET', KEYS[1], 'p')) then redis.call('HSET', KEYS[1], 'p', ARGV[3]) end
return 1
`;

type LimiterRedis = RedisClient & {
  kpConsume(rl: string, cr: string, prl: string, pcr: string, ...args: (string | number)[]): Promise<[number, number, number, number, number, number]>;
  kpLease(cr: string, ...args: (string | number)[]): Promise<number>;
};

type LeaseRow = { granted: number; unleased: number; epoch: number; refilled_at: string };

/**
 * One statement: refills the key when its period has turned (new epoch, the old lease void), then
 * moves up to a lease of credits out of `api_key.credits`. `keyplane.credits_sync` tells the epoch
 * trigger this write is a lease, not an admin's change.
 */
export const LEASE_SQL = `
with cur as (
  select id, credits, credits_epoch as e,
         coalesce((credits_refill->>'amount')::bigint, 0) as amount,
         coalesce((credits_refill->>'intervalSeconds')::bigint, 0) * 1000 as ival,
         coalesce(floor(extract(epoch from credits_refilled_at) * 1000)::bigint, cast(? as bigint)) as r
    from api_key where id = ? and credits is not null for update
), refill as (
  select *, (amount > 0 and ival > 0 and cast(? as bigint) - r >= ival) as due from cur
), next as (
  select id,
         case when due then amount else credits end as avail,
         case when due then e + 1 else e end as e2,
         case when due then r + ((cast(? as bigint) - r) / ival) * ival else r end as r2
    from refill
), grant_ as (
  select *, least(avail, greatest(least(cast(? as bigint), ${MAX_LEASE}), least(${MAX_LEASE}, ceil(avail / 10.0)::bigint))) as g from next
)
update api_key k
   set credits = (g.avail - g.g)::int, credits_epoch = g.e2::int, credits_refilled_at = to_timestamp(g.r2 / 1000.0)
  from grant_ g
 where k.id = g.id
returning g.g::int as granted, k.credits as unleased, k.credits_epoch as epoch, g.r2::text as refilled_at`;

/** A lease out of a customer's pool (no refill: a pool is topped up by updateCustomer). */
const POOL_LEASE_SQL = `
with cur as (
  select id, credits, credits_epoch as e from customer where id = ? and credits is not null for update
), grant_ as (
  select id, credits as avail, e, least(credits, greatest(least(cast(? as bigint), ${MAX_LEASE}), least(${MAX_LEASE}, ceil(credits / 10.0)::bigint))) as g from cur
)
update customer c
   set credits = (g.avail - g.g)::int
  from grant_ g
 where c.id = g.id
returning g.g::int as granted, c.credits as unleased, c.credits_epoch as epoch, '0' as refilled_at`;

/**
 * Rate limits and credits in Redis (Lua), so they hold across API replicas.
 *
 * Credits never exceed their grant, even when Redis loses its data: PostgreSQL (`api_key.credits`)
 * holds the credits not yet leased, and Redis only ever spends credits PostgreSQL moved to it
 * (a lease of at most a tenth of what is left, at most MAX_LEASE). A Redis loss can withhold the
 * unspent part of one lease per key; it can never hand out a credit twice. Refills happen in
 * PostgreSQL, once per period (the row lock orders replicas).
 *
 * A rate-limit window lives in Redis only: a Redis loss starts a new window, so the window that
 * spans the loss can let through up to twice its limit.
 *
 * Give it a connection without an offline queue: a call made while Redis is down must fail now,
 * not consume a credit minutes later when the connection returns.
 */
export class RedisUsageLimiter implements UsageLimiter {
  private readonly redis: LimiterRedis;
  private readonly orm: MikroORM;
  private readonly prefix: string;
  /** One lease at a time per key in this process: a burst that empties the lease asks PostgreSQL once. */
  private readonly leasing = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, number>();

  constructor(redis: RedisClient, orm: MikroORM, prefix: string) {
    this.orm = orm;
    this.prefix = prefix;
    redis.defineCommand('kpConsume', { numberOfKeys: 4, lua: CONSUME_LUA });
    redis.defineCommand('kpLease', { numberOfKeys: 1, lua: LEASE_LUA });
    this.redis = redis as LimiterRedis;
  }

  async consume(record: PrincipalRecord, _now?: number, cost = 1) {
    const customer = record.customer;
    const [rlKey, crKey] = limiterKeys(this.prefix, record.id, customer?.id ?? null);
    // Without a customer the script still names four keys, in the key's own slot, untouched.
    const [prlKey, pcrKey] = customer ? poolKeys(this.prefix, customer.id) : [`${rlKey}:-`, `${crKey}:-`];
    let hasCredits = record.hasCredits;
    let poolCredits = customer?.hasCredits ?? false;
    const deadline = Date.now() + LEASE_DEADLINE_MS;
    for (;;) {
      const reply = await this.call(() =>
        this.redis.kpConsume(
          rlKey,
          crKey,
          prlKey,
          pcrKey,
          record.rateLimit?.limit ?? 0,
          (record.rateLimit?.windowSeconds ?? 0) * 1000,
          hasCredits ? 1 : 0,
          record.creditsEpoch,
          record.creditsRefill?.amount ?? 0,
          (record.creditsRefill?.intervalSeconds ?? 0) * 1000,
          cost,
          customer?.rateLimit?.limit ?? 0,
          (customer?.rateLimit?.windowSeconds ?? 0) * 1000,
          poolCredits ? 1 : 0,
          customer?.creditsEpoch ?? 0,
        ),
      );
      const [status, rlRemaining, resetAt, keyLeft, poolLeft, which] = reply.map(Number) as [number, number, number, number, number, number];
      if (status === -1 || status === -2) {
        // Others may spend a lease before this call gets to it; every lease spends credits, so
        // rounds end when the credits do. Only a stuck lease (PostgreSQL or Redis slow) times out.
        if (Date.now() > deadline) throw new LimiterUnavailableError('no credits lease within the deadline');
        if (status === -1) hasCredits = await this.lease('key', record.id, crKey, rlRemaining, resetAt);
        else poolCredits = await this.lease('pool', customer!.id, pcrKey, rlRemaining, resetAt);
        continue;
      }
      const window = which === 1 ? record.rateLimit : which === 2 ? (customer?.rateLimit ?? null) : null;
      const rateLimit: RateLimitState | null = window ? { limit: window.limit, remaining: Math.max(0, rlRemaining), resetAt: new Date(resetAt) } : null;
      const remaining = hasCredits ? Math.max(0, keyLeft) : null;
      const poolRemaining = poolCredits ? Math.max(0, poolLeft) : null;
      if (status === 1) return { ok: false as const, code: 'RATE_LIMITED' as const, remaining, rateLimit, poolRemaining };
      if (status === 2) return { ok: false as const, code: 'USAGE_EXCEEDED' as const, remaining, rateLimit, poolRemaining };
      return { ok: true as const, remaining, rateLimit, poolRemaining };
    }
  }

  /** Leases credits for a key or a customer's pool (sharing a lease already asked for); false when it has no credits any more. */
  private async lease(what: 'key' | 'pool', id: string, hashKey: string, need: number, now: number): Promise<boolean> {
    const flight = `${what}:${id}`;
    // Calls waiting on this key's leases: a burst gets a lease sized for all of it, not one call.
    this.waiting.set(flight, (this.waiting.get(flight) ?? 0) + 1);
    let pending = this.leasing.get(flight);
    if (!pending) {
      pending = this.leaseOnce(what, id, hashKey, need * (this.waiting.get(flight) ?? 1), now).finally(() => this.leasing.delete(flight));
      this.leasing.set(flight, pending);
    }
    try {
      await pending;
      return true;
    } catch (err) {
      if (err instanceof NoCreditsError) return false;
      throw err;
    } finally {
      const left = (this.waiting.get(flight) ?? 1) - 1;
      if (left > 0) this.waiting.set(flight, left);
      else this.waiting.delete(flight);
    }
  }

  private async leaseOnce(what: 'key' | 'pool', id: string, hashKey: string, need: number, now: number): Promise<void> {
    let row: LeaseRow | undefined;
    try {
      row = await this.orm.em.fork().transactional(async (tx) => {
        await tx.execute(`select set_config('keyplane.credits_sync', 'on', true)`);
        const rows =
          what === 'key'
            ? await tx.execute<LeaseRow[]>(LEASE_SQL, [now, id, now, now, Math.max(1, need)])
            : await tx.execute<LeaseRow[]>(POOL_LEASE_SQL, [id, Math.max(1, need)]);
        return rows[0];
      });
    } catch (err) {
      throw new LimiterUnavailableError(err);
    }
    if (!row) throw new NoCreditsError();
    // Should Redis fail here, the grant is lost: under-spent, never over-spent.
    await this.call(() => this.redis.kpLease(hashKey, row.granted, row.epoch, row.unleased, row.refilled_at));
  }

  /** What the key has left, spending nothing: the rate window's count and the credits (lease + PostgreSQL). */
  async peek(record: PrincipalRecord): Promise<{ remaining: number | null; rateLimit: RateLimitState | null; poolRemaining: number | null }> {
    const customer = record.customer;
    const [rlKey, crKey] = limiterKeys(this.prefix, record.id, customer?.id ?? null);
    const [, pcrKey] = customer ? poolKeys(this.prefix, customer.id) : [null, `${crKey}:-`];
    const replies = await this.call(() => this.redis.multi().time().hmget(rlKey, 'c', 'end').hmget(crKey, 'n', 'e', 'p').hmget(pcrKey, 'n', 'e', 'p').exec());
    const [time, rl, cr, pcr] = (replies ?? []).map(([err, v]) => (err ? null : v)) as [
      [string, string] | null,
      (string | null)[] | null,
      (string | null)[] | null,
      (string | null)[] | null,
    ];
    const now = time ? Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000) : Date.now();
    let rateLimit: RateLimitState | null = null;
    if (record.rateLimit) {
      const end = Number(rl?.[1]);
      const live = Number.isFinite(end) && end > now;
      rateLimit = {
        limit: record.rateLimit.limit,
        remaining: live ? Math.max(0, record.rateLimit.limit - Number(rl?.[0] ?? 0)) : record.rateLimit.limit,
        resetAt: new Date(live ? end : now + record.rateLimit.windowSeconds * 1000),
      };
    }
    let remaining: number | null = null;
    if (record.hasCredits) {
      const [n, e, p] = (cr ?? []).map((x) => (x === null ? Number.NaN : Number(x)));
      if (Number.isSafeInteger(n) && Number.isSafeInteger(e) && e! >= record.creditsEpoch) remaining = Math.max(0, n! + (Number.isSafeInteger(p) ? p! : 0));
      else {
        const rows = await this.orm.em.fork().execute<{ credits: number | null }[]>('select credits from api_key where id = ?', [record.id]);
        remaining = rows[0]?.credits ?? null;
      }
    }
    let poolRemaining: number | null = null;
    if (customer?.hasCredits) {
      const [n, e, p] = (pcr ?? []).map((x) => (x === null ? Number.NaN : Number(x)));
      if (Number.isSafeInteger(n) && Number.isSafeInteger(e) && e! >= customer.creditsEpoch)
        poolRemaining = Math.max(0, n! + (Number.isSafeInteger(p) ? p! : 0));
      else {
        const rows = await this.orm.em.fork().execute<{ credits: number | null }[]>('select credits from customer where id = ?', [customer.id]);
        poolRemaining = rows[0]?.credits ?? null;
      }
    }
    return { remaining, rateLimit, poolRemaining };
  }

  /**
   * What the keys have left: PostgreSQL's unleased credits plus the unspent lease in Redis (of the
   * same epoch). While Redis is unreachable, PostgreSQL's figure alone (a lower bound).
   */
  async remaining(keys: readonly { id: string; credits: number | null; creditsEpoch: number; customerId?: string | null }[]): Promise<(number | null)[]> {
    return this.left(keys, (k) => limiterKeys(this.prefix, k.id, k.customerId ?? null)[1]);
  }

  /** What customers' pools have left, as `remaining` for keys. */
  poolsLeft(pools: readonly { id: string; credits: number | null; creditsEpoch: number }[]): Promise<(number | null)[]> {
    return this.left(pools, (c) => poolKeys(this.prefix, c.id)[1]);
  }

  private async left<T extends { id: string; credits: number | null; creditsEpoch: number }>(
    items: readonly T[],
    hashOf: (item: T) => string,
  ): Promise<(number | null)[]> {
    const keys = items;
    const credited = keys.filter((k) => k.credits !== null);
    const leased = new Map<string, number>();
    if (credited.length) {
      try {
        // One command per key, sent together (not one pipeline: on a cluster the keys live in many slots).
        const replies = await Promise.all(credited.map((k) => this.redis.hmget(hashOf(k), 'n', 'e').catch(() => null)));
        credited.forEach((k, i) => {
          const [n, e] = replies[i]?.map((x) => (x === null ? Number.NaN : Number(x))) ?? [];
          if (Number.isSafeInteger(n) && e === k.creditsEpoch) leased.set(k.id, n!);
        });
      } catch {
        /* Redis unreachable: PostgreSQL's figure */
      }
    }
    return keys.map((k) => (k.credits === null ? null : k.credits + (leased.get(k.id) ?? 0)));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new LimiterUnavailableError(err);
    }
  }
}

class NoCreditsError extends Error {}
