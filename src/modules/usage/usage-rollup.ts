import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../infra/logger.ts';
import { VERIFY_CODES } from '../verification/verifier.ts';
import { limiterKeys, parseCountField, usageKeys } from './usage-keys.ts';
import type { VerificationLogEntry } from './usage-sink.ts';

/**
 * Moves the pending counters aside as one batch (or returns the batch already set aside by a
 * run that died). RENAME is atomic, so a verification counted during the roll-up lands in the
 * fresh hash and belongs to the next batch: nothing is counted twice or lost.
 */
const MOVE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
local moved = 0
for i = 2, 4 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 3])
    moved = 1
  end
end
if moved == 0 then return false end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/** Drops the batch once PostgreSQL has it, unless another run already moved a newer one in. */
const FINISH_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[1])
  return 1
end
return 0
`;

type RollupRedis = Redis & {
  kpUsageMove(...args: string[]): Promise<string | null>;
  kpUsageFinish(...args: string[]): Promise<number>;
};

export type RollupDeps = {
  orm: MikroORM;
  redis: Redis;
  config: Pick<Config, 'redisPrefix' | 'verificationRetentionDays' | 'usageMinuteDays'>;
  log?: Logger;
};

export type RollupResult = {
  batchId: string | null;
  applied: boolean;
  counts: number;
  verifications: number;
  creditsWritten: number;
  pruned: number;
  compacted: number;
};

const CHUNK = 500;
const PRUNE_LIMIT = 10_000;
/** Minute buckets merged into hours per pass (passes run every few seconds). */
const COMPACT_LIMIT = 20_000;
const BATCH_LEDGER_DAYS = 7;
const CODES: ReadonlySet<string> = new Set(VERIFY_CODES);

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function values(rows: unknown[][]): { sql: string; params: unknown[] } {
  const row = `(${rows[0]!.map(() => '?').join(', ')})`;
  return { sql: rows.map(() => row).join(', '), params: rows.flat() };
}

/** Runs a statement, returning the number of rows it changed. */
async function run(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const res = (await em.execute(sql, params, 'run')) as unknown as { affectedRows: number };
  return res.affectedRows;
}

function prepare(redis: Redis): RollupRedis {
  const r = redis as RollupRedis;
  if (typeof r.kpUsageMove !== 'function') {
    redis.defineCommand('kpUsageMove', { numberOfKeys: 7, lua: MOVE_LUA });
    redis.defineCommand('kpUsageFinish', { numberOfKeys: 4, lua: FINISH_LUA });
  }
  return r;
}

/**
 * One roll-up pass: Redis → PostgreSQL, exactly once per batch.
 *
 * 1. Move: the pending hashes are RENAMEd to processing keys under a fresh random batch id (or
 *    the batch a dead run left there is resumed).
 * 2. Apply, in one transaction: insert the batch id into `usage_batch` (a conflict means this
 *    batch was already applied: skip), add the counts into `usage_bucket`, move last use and the
 *    inactivity clock forward, insert the sampled verifications.
 * 3. Finish: delete the processing keys.
 * A crash before 2 commits re-applies the same batch next time; a crash after it is caught by
 * the ledger. Then credits counters of the keys seen are written back (absolute values, of the
 * current epoch only), and expired verifications are pruned.
 */
export async function rollUpUsage(deps: RollupDeps): Promise<RollupResult> {
  const result: RollupResult = { batchId: null, applied: false, counts: 0, verifications: 0, creditsWritten: 0, pruned: 0, compacted: 0 };
  const batchId = await moveBatch(deps);
  const batch = batchId ? await readBatch(deps, batchId) : null;
  if (batchId && batch) {
    result.batchId = batchId;
    result.counts = batch.counts.length;
    result.verifications = batch.log.length;
    result.applied = await applyBatch(deps.orm.em.fork(), batchId, batch);
    await finishBatch(deps, batchId);
    result.creditsWritten = await writeBackCredits(deps, [...new Set(batch.counts.map((c) => c[0]))]);
    if (!result.applied) deps.log?.info({ batchId }, 'usage roll-up: batch already applied, dropped');
  }
  result.pruned = await prune(deps);
  result.compacted = await compactUsage(deps.orm, deps.config.usageMinuteDays);
  return result;
}

/** Step 1: sets the pending counters aside under a new batch id, or returns the batch already set aside. */
export async function moveBatch(deps: Pick<RollupDeps, 'redis' | 'config'>): Promise<string | null> {
  const k = usageKeys(deps.config.redisPrefix);
  return prepare(deps.redis).kpUsageMove(k.procId, k.counts, k.last, k.log, k.procCounts, k.procLast, k.procLog, randomUUID());
}

/** Reads the batch set aside, atomically with its id; null when it is no longer `batchId`'s (already finished). */
export async function readBatch(deps: Pick<RollupDeps, 'redis' | 'config'>, batchId: string): Promise<Batch | null> {
  const k = usageKeys(deps.config.redisPrefix);
  const tx = await deps.redis.multi().get(k.procId).hgetall(k.procCounts).hgetall(k.procLast).lrange(k.procLog, 0, -1).exec();
  if (!tx || tx.some(([err]) => err)) throw new Error('usage roll-up: reading the batch failed');
  const [id, counts, last, log] = tx.map(([, v]) => v) as [string | null, Record<string, string>, Record<string, string>, string[]];
  return id === batchId ? parseBatch(counts, last, log) : null;
}

/** Step 3: drops the processing keys once PostgreSQL holds the batch. */
export async function finishBatch(deps: Pick<RollupDeps, 'redis' | 'config'>, batchId: string): Promise<void> {
  const k = usageKeys(deps.config.redisPrefix);
  await prepare(deps.redis).kpUsageFinish(k.procId, k.procCounts, k.procLast, k.procLog, batchId);
}

type CountRow = [apiKeyId: string, organizationId: string, minute: number, code: string, count: number];
type LastRow = [apiKeyId: string, atMs: number, ip: string];
type LogRow = [apiKeyId: string, organizationId: string, atMs: number, ip: string | null, permission: string | null, code: string];
export type Batch = { counts: CountRow[]; last: LastRow[]; log: LogRow[] };

function parseBatch(counts: Record<string, string>, last: Record<string, string>, log: string[]): Batch {
  const out: Batch = { counts: [], last: [], log: [] };
  for (const [field, n] of Object.entries(counts)) {
    const f = parseCountField(field);
    const count = Number(n);
    if (f && CODES.has(f.code) && Number.isSafeInteger(count) && count > 0) out.counts.push([f.apiKeyId, f.organizationId, f.minute, f.code, count]);
  }
  for (const [apiKeyId, v] of Object.entries(last)) {
    const bar = v.indexOf('|');
    const at = Number(v.slice(0, bar));
    if (bar > 0 && Number.isSafeInteger(at)) out.last.push([apiKeyId, at, v.slice(bar + 1)]);
  }
  for (const line of log) {
    try {
      const e = JSON.parse(line) as VerificationLogEntry;
      if (typeof e.k === 'string' && typeof e.o === 'string' && Number.isSafeInteger(e.t) && CODES.has(e.c))
        out.log.push([e.k, e.o, e.t, e.ip ?? null, e.p ?? null, e.c]);
    } catch {
      /* a line we did not write: skip it */
    }
  }
  return out;
}

/** Step 2: one transaction; false when the ledger shows the batch was applied already. */
export async function applyBatch(em: EntityManager, batchId: string, batch: Batch): Promise<boolean> {
  return em.transactional(async (tx) => {
    if ((await run(tx, 'insert into usage_batch (id) values (?) on conflict do nothing', [batchId])) === 0) return false;
    for (const rows of chunks(batch.counts)) {
      const v = values(rows);
      await run(
        tx,
        `insert into usage_bucket (api_key_id, organization_id, minute, code, count)
         select v.k, v.o, to_timestamp(v.m::bigint * 60), v.c, v.n::bigint
           from (values ${v.sql}) v(k, o, m, c, n) join api_key a on a.id = v.k
         on conflict (api_key_id, minute, code) do update set count = usage_bucket.count + excluded.count`,
        v.params,
      );
    }
    for (const rows of chunks(batch.last)) {
      const v = values(rows);
      await run(
        tx,
        `update api_key k
            set last_used_at = to_timestamp(v.t::bigint / 1000.0),
                last_used_ip = nullif(v.ip, ''),
                last_activity_at = greatest(k.last_activity_at, to_timestamp(v.t::bigint / 1000.0))
           from (values ${v.sql}) v(id, t, ip)
          where k.id = v.id and (k.last_used_at is null or k.last_used_at < to_timestamp(v.t::bigint / 1000.0))`,
        v.params,
      );
    }
    for (const [c, rows] of chunks(batch.log).entries()) {
      // Ids follow the order verifications were logged in, so equal timestamps still list in order.
      const v = values(rows.map((r, i) => [c * CHUNK + i, ...r]));
      await run(
        tx,
        `insert into key_verification (api_key_id, organization_id, at, ip, permission, code)
         select v.k, v.o, to_timestamp(v.t::bigint / 1000.0), v.ip, v.p, v.c
           from (values ${v.sql}) v(n, k, o, t, ip, p, c)
          where exists (select 1 from api_key a where a.id = v.k)
          order by v.n`,
        v.params,
      );
    }
    return true;
  });
}

/**
 * Writes the live credits counters of the given keys back to `api_key.credits`, so PostgreSQL
 * holds the truth if Redis is lost (what is lost is at most the uses since the last roll-up).
 * Only a counter of the key's current epoch is written: an admin's change since then wins.
 */
export async function writeBackCredits(deps: Pick<RollupDeps, 'orm' | 'redis' | 'config'>, apiKeyIds: string[]): Promise<number> {
  let written = 0;
  for (const ids of chunks(apiKeyIds)) {
    const em = deps.orm.em.fork();
    const withCredits = await em.execute<{ id: string }[]>('select id from api_key where id in (?) and credits is not null', [ids]);
    if (!withCredits.length) continue;
    const p = deps.redis.pipeline();
    for (const { id } of withCredits) p.hmget(limiterKeys(deps.config.redisPrefix, id)[1], 'n', 'e', 'r');
    const replies = (await p.exec()) ?? [];
    const rows: [string, number, number, number][] = [];
    withCredits.forEach(({ id }, i) => {
      const [err, v] = replies[i] ?? [];
      const [n, e, r] = ((err ? [] : v) as (string | null)[]).map(Number);
      if (Number.isSafeInteger(n) && Number.isSafeInteger(e) && Number.isSafeInteger(r)) rows.push([id, n!, e!, r!]);
    });
    if (!rows.length) continue;
    const v = values(rows);
    written += await em.transactional(async (tx) => {
      // Marks this transaction's writes of `credits` as a sync, so the epoch trigger leaves them be.
      await tx.execute(`select set_config('keyplane.credits_sync', 'on', true)`);
      return run(
        tx,
        `update api_key k set credits = v.n::int, credits_refilled_at = to_timestamp(v.r::bigint / 1000.0)
           from (values ${v.sql}) v(id, n, e, r)
          where k.id = v.id and k.credits_epoch = v.e::int
            and (k.credits is distinct from v.n::int or k.credits_refilled_at is distinct from to_timestamp(v.r::bigint / 1000.0))`,
        v.params,
      );
    });
  }
  return written;
}

async function prune(deps: RollupDeps): Promise<number> {
  const em = deps.orm.em.fork();
  const days = deps.config.verificationRetentionDays;
  const pruned = await run(
    em,
    `delete from key_verification where id in (
       select id from key_verification where at < now() - make_interval(days => ?) order by at limit ${PRUNE_LIMIT})`,
    [days],
  );
  await run(em, `delete from usage_batch where applied_at < now() - make_interval(days => ${BATCH_LEDGER_DAYS})`);
  return pruned;
}

/**
 * Merges minute buckets older than `usageMinuteDays` into their hour's bucket (minute 0 of the
 * hour, UTC), a bounded number per pass, in one statement: the rows leave and their sums arrive
 * together or not at all, so totals never change and a crash loses nothing. Rows a late roll-up
 * writes into an old minute are merged by a later pass. Safe beside another pass (skip locked).
 */
export async function compactUsage(orm: MikroORM, minuteDays: number): Promise<number> {
  const rows = await orm.em.fork().execute<{ moved: string }[]>(
    `with moved as (
       delete from usage_bucket b
        where (b.api_key_id, b.minute, b.code) in (
          select api_key_id, minute, code from usage_bucket
           where minute < now() - make_interval(days => ?) and date_part('minute', minute at time zone 'UTC') <> 0
           order by minute limit ${COMPACT_LIMIT}
           for update skip locked)
       returning b.api_key_id, b.organization_id, b.minute, b.code, b.count
     ), merged as (
       insert into usage_bucket (api_key_id, organization_id, minute, code, count)
       select api_key_id, organization_id, date_trunc('hour', minute at time zone 'UTC') at time zone 'UTC', code, sum(count)
         from moved group by 1, 2, 3, 4
       on conflict (api_key_id, minute, code) do update set count = usage_bucket.count + excluded.count
       returning 1
     )
     select (select count(*) from moved)::text as moved`,
    [minuteDays],
  );
  return Number(rows[0]?.moved ?? 0);
}
