import type { MikroORM, QueryResult } from '@mikro-orm/postgresql';
import type { RedisClient } from '../../infra/redis.ts';
import { z } from 'zod';
import type { CreditsRefill } from '../../db/entities/api-key.entity.ts';
import { limiterKeys, poolKeys } from './usage-keys.ts';

type Row = { id: string; credits_refill: CreditsRefill; credits_refilled_at: string | null; customer_id?: string | null };

/**
 * The start of the calendar period `now` falls in: today at 00:00 UTC (DAILY), or the latest
 * `dayOfMonth` at 00:00 UTC not after now (MONTHLY; a day past the month's end means its last day).
 */
export function periodStart(refill: CreditsRefill, now: Date): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  if (refill.period === 'DAILY') return new Date(Date.UTC(y, m, now.getUTCDate()));
  const day = (year: number, month: number) => Math.min(refill.dayOfMonth ?? 1, new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
  const thisMonth = new Date(Date.UTC(y, m, day(y, m)));
  if (thisMonth.getTime() <= now.getTime()) return thisMonth;
  return new Date(Date.UTC(y, m - 1, day(y, m - 1)));
}

/**
 * Calendar refills of keys' credits and customers' pools: each to its amount, once per period.
 * The update is conditional on the last refill being before the period's start, so two sweeps
 * at once refill once, and a late sweep refills once (not once per missed period). A fresh
 * refill setting is only stamped with its current period. The new grant starts a new epoch and
 * the old lease in Redis is dropped, so nothing of the last period's lease is spent after it.
 */
export async function sweepCalendarRefills(deps: { orm: MikroORM; redis: RedisClient; prefix: string }, now: Date): Promise<number> {
  let refilled = 0;
  for (const table of ['api_key', 'customer'] as const) {
    const rows = await deps.orm.em.fork().execute<Row[]>(
      `select id, credits_refill, credits_refilled_at${table === 'api_key' ? ', customer_id' : ''} from ${table}
          where credits is not null and credits_refill->>'period' is not null${table === 'api_key' ? " and status = 'ACTIVE' and deleted_at is null" : ''}`,
    );
    for (const row of rows) {
      const start = periodStart(row.credits_refill, now);
      const last = row.credits_refilled_at === null ? null : new Date(row.credits_refilled_at);
      if (last && last.getTime() >= start.getTime()) continue;
      const done = await deps.orm.em.fork().transactional(async (tx) => {
        await tx.execute(`select set_config('keyplane.credits_sync', 'on', true)`);
        const res = await tx.execute<QueryResult>(
          last === null
            ? `update ${table} set credits_refilled_at = ? where id = ? and credits_refilled_at is null`
            : `update ${table} set credits = ?, credits_epoch = credits_epoch + 1, credits_refilled_at = ? where id = ? and credits_refilled_at < ?`,
          last === null ? [start, row.id] : [row.credits_refill.amount, start, row.id, start],
          'run',
        );
        return res.affectedRows > 0 && last !== null;
      });
      if (!done) continue;
      refilled++;
      const hash = table === 'api_key' ? limiterKeys(deps.prefix, row.id, row.customer_id ?? null)[1] : poolKeys(deps.prefix, row.id)[1];
      await deps.redis.del(hash).catch(() => {});
    }
  }
  return refilled;
}

/** A calendar refill as callers give it: to `amount`, DAILY, or MONTHLY on `dayOfMonth` (default 1). */
export const calendarRefill = z
  .object({
    amount: z.number().int().min(1).max(1_000_000_000),
    period: z.enum(['DAILY', 'MONTHLY']),
    dayOfMonth: z.number().int().min(1).max(31).nullish(),
  })
  .refine((r) => r.period === 'MONTHLY' || r.dayOfMonth == null, { message: 'dayOfMonth goes with period MONTHLY', path: ['dayOfMonth'] })
  .transform(
    (r): CreditsRefill =>
      r.period === 'MONTHLY' ? { amount: r.amount, period: r.period, dayOfMonth: r.dayOfMonth ?? 1 } : { amount: r.amount, period: r.period },
  );
