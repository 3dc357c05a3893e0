import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';

export type CountRow = [apiKeyId: string, organizationId: string, minute: number, code: string, count: number];
/** Last use: key, time (ms), address ('' when none). */
export type LastRow = [apiKeyId: string, atMs: number, ip: string];
export type LogRow = [apiKeyId: string, organizationId: string, atMs: number, ip: string | null, permission: string | null, code: string];
/** Credits spent: key, organisation, customer ('' when none), minute, credits. */
export type CreditRow = [apiKeyId: string, organizationId: string, customerId: string, minute: number, credits: number];
/** What one process metered since its last flush. */
export type Batch = { counts: CountRow[]; last: LastRow[]; log: LogRow[]; credits?: CreditRow[] };

const CHUNK = 500;

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
  const res = await em.execute<QueryResult>(sql, params, 'run');
  return res.affectedRows;
}

/**
 * Applies one batch in one transaction, exactly once: its id goes into the `usage_batch` ledger
 * first, and a conflict means it was applied already (a retry whose first commit did land), so
 * nothing is added twice. Adds the counts into `usage_bucket`, moves last use and the inactivity
 * clock forward, inserts the sampled verifications. Rows of keys deleted meanwhile are dropped.
 * Returns false when the ledger already held the batch.
 */
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
    for (const rows of chunks(batch.credits ?? [])) {
      const v = values(rows);
      await run(
        tx,
        `insert into credit_usage (api_key_id, organization_id, customer_id, minute, credits)
         select v.k, v.o, v.c, to_timestamp(v.m::bigint * 60), v.n::bigint
           from (values ${v.sql}) v(k, o, c, m, n) join api_key a on a.id = v.k
         on conflict (api_key_id, minute, customer_id) do update set credits = credit_usage.credits + excluded.credits`,
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
