import type { EntityManager, MikroORM, QueryResult } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../infra/logger.ts';

export type RollupDeps = {
  orm: MikroORM;
  config: Pick<Config, 'verificationRetentionDays' | 'usageMinuteDays'>;
  log?: Logger;
};

export type RollupResult = { pruned: number; compacted: number };

/** Minute buckets merged into hours per pass (passes run every few seconds). */
const COMPACT_LIMIT = 20_000;
/** A batch id only needs remembering while its process may still retry it (minutes, at worst days of a PostgreSQL outage). */
const BATCH_LEDGER_DAYS = 3;

/** Runs a statement, returning the number of rows it changed. */
async function run(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const res = await em.execute<QueryResult>(sql, params, 'run');
  return res.affectedRows;
}

/**
 * One usage maintenance pass. API processes write usage straight to PostgreSQL (see
 * PgUsageSink); this pass keeps the tables in shape: minute buckets older than
 * `usageMinuteDays` are rolled up into hours, a bounded amount per pass, and old entries of the
 * batch ledger and of Idempotency-Key answers are pruned. Verifications, usage and audit past
 * retention leave a partition at a time (src/modules/retention/partitions.ts).
 */
export async function rollUpUsage(deps: RollupDeps): Promise<RollupResult> {
  const pruned = await prune(deps);
  const compacted = await compactUsage(deps.orm, deps.config.usageMinuteDays);
  return { pruned, compacted };
}

async function prune(deps: RollupDeps): Promise<number> {
  const em = deps.orm.em.fork();
  const pruned = await run(em, `delete from usage_batch where applied_at < now() - make_interval(days => ${BATCH_LEDGER_DAYS})`);
  // Idempotency-Key answers are kept 24 hours (src/http/idempotency.ts); older ones are forgotten here.
  await run(em, `delete from idempotency_record where created_at < now() - interval '25 hours'`);
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
