import type { EntityManager } from '@mikro-orm/postgresql';
import type { ReadConnection } from '../../infra/read-router.ts';
import type { VerifyCode } from '../../lib/verify-codes.ts';
import { KeyVerification } from '../../db/entities/usage.entity.ts';

export const GRANULARITIES = ['MINUTE', 'HOUR', 'DAY'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export type UsagePoint = { start: Date; code: VerifyCode; count: number };

const TRUNC: Record<Granularity, string> = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' };

/** Counts per bucket start and outcome, for one key or every key of one organisation, over [from, to). */
export async function usageSeries(
  em: EntityManager,
  scope: { apiKeyId: string } | { organizationId: string },
  from: Date,
  to: Date,
  granularity: Granularity,
  conn: ReadConnection = 'write',
): Promise<UsagePoint[]> {
  const unit = TRUNC[granularity];
  const [column, id] = 'apiKeyId' in scope ? ['api_key_id', scope.apiKeyId] : ['organization_id', scope.organizationId];
  const rows = await em.getConnection(conn).execute<{ start: Date; code: VerifyCode; count: string }[]>(
    `select date_trunc('${unit}', minute at time zone 'UTC') at time zone 'UTC' as start, code, sum(count)::text as count
       from usage_bucket
      where ${column} = ? and minute >= ? and minute < ?
      group by 1, 2
      order by 1, 2`,
    [id, from, to],
  );
  return rows.map((r) => ({ start: new Date(r.start), code: r.code, count: Number(r.count) }));
}

/** Recent verifications of a key, newest first, after a keyset cursor (at, id). */
export async function recentVerifications(em: EntityManager, apiKeyId: string, after: { at: Date; id: string } | null, limit: number) {
  return (await recentVerificationsOfKeys(em, [apiKeyId], after, limit)).get(apiKeyId) ?? [];
}

/** The newest `limit` verifications (after a cursor) of each of several keys, in one query. */
export async function recentVerificationsOfKeys(
  em: EntityManager,
  apiKeyIds: readonly string[],
  after: { at: Date; id: string } | null,
  limit: number,
  conn: ReadConnection = 'write',
) {
  const cursor = after ? 'and (v.at < ? or (v.at = ? and v.id < ?))' : '';
  const rows = await em.getConnection(conn).execute<Record<string, unknown>[]>(
    `select id, api_key_id, organization_id, at, ip, permission, code from (
       select v.*, row_number() over (partition by v.api_key_id order by v.at desc, v.id desc) as n
       from key_verification v where v.api_key_id = any(array[?]::text[]) ${cursor}
     ) ranked where n <= ? order by api_key_id, at desc, id desc`,
    [[...new Set(apiKeyIds)], ...(after ? [after.at, after.at, after.id] : []), limit],
  );
  const byKey = new Map<string, KeyVerification[]>();
  for (const row of rows) {
    const v = em.map(KeyVerification, row);
    const list = byKey.get(v.apiKeyId) ?? [];
    list.push(v);
    byKey.set(v.apiKeyId, list);
  }
  return byKey;
}

export type CreditPoint = { start: Date; credits: number };

/** Credits spent by verification per bucket, for one key or one customer (its keys' spends while they were its). */
export async function creditSeries(
  em: EntityManager,
  scope: { apiKeyId: string } | { customerId: string },
  from: Date,
  to: Date,
  granularity: Granularity,
  conn: ReadConnection = 'write',
): Promise<CreditPoint[]> {
  const unit = TRUNC[granularity];
  const [column, id] = 'apiKeyId' in scope ? ['api_key_id', scope.apiKeyId] : ['customer_id', scope.customerId];
  const rows = await em.getConnection(conn).execute<{ start: Date; credits: string }[]>(
    `select date_trunc('${unit}', minute at time zone 'UTC') at time zone 'UTC' as start, sum(credits)::text as credits
       from credit_usage
      where ${column} = ? and minute >= ? and minute < ?
      group by 1
      order by 1`,
    [id, from, to],
  );
  return rows.map((r) => ({ start: new Date(r.start), credits: Number(r.credits) }));
}
