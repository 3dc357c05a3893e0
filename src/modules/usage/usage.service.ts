import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { isIdOf } from '../../lib/ids.ts';
import { decodeCursor, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { ApiKey } from '../../db/entities/api-key.entity.ts';
import type { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { parseInput } from '../../lib/validation.ts';
import { listRead, type ServiceContext } from '../service-context.ts';
import {
  creditSeries,
  GRANULARITIES,
  recentVerificationsOfKeys,
  usageSeries,
  type CreditPoint,
  type Granularity,
  type UsagePoint,
} from './usage.repository.ts';
import { getCustomerFor } from '../customers/customer.service.ts';
import type { KeyVerification } from '../../db/entities/usage.entity.ts';

const MINUTE = 60_000;
const UNIT_MS: Record<Granularity, number> = { MINUTE, HOUR: 60 * MINUTE, DAY: 1440 * MINUTE };
/** Default span and longest span per granularity: a series never exceeds a few thousand buckets. */
const DEFAULT_SPAN: Record<Granularity, number> = { MINUTE: 60 * MINUTE, HOUR: 1440 * MINUTE, DAY: 30 * 1440 * MINUTE };
const MAX_SPAN: Record<Granularity, number> = { MINUTE: 2 * 1440 * MINUTE, HOUR: 93 * 1440 * MINUTE, DAY: 1100 * 1440 * MINUTE };

const filterSchema = z.object({
  keyId: z.string().max(64).nullish(),
  organizationId: z.string().max(64).nullish(),
  from: z.date().nullish(),
  to: z.date().nullish(),
  granularity: z.enum(GRANULARITIES).nullish(),
});

/** Loads a key (by id `key_…` or public key id) whose usage the caller may read; NotFound when out of reach. */
async function getKeyForUsage(ctx: ServiceContext, id: string): Promise<{ key: ApiKey; org: Organization }> {
  // The public key id names the same key: resolve it, then the same reach as everywhere.
  const byKeyId = isIdOf('apiKey', id) || id.length > 64 ? null : await ctx.em.findOne(ApiKey, { keyId: id, deletedAt: null });
  try {
    const { obj: key, org } = await ctx.reach.require('ApiKey', byKeyId?.id ?? id, 'usage:read');
    return { key, org };
  } catch (e) {
    // Named as the caller named it.
    if (e instanceof NotFoundError) throw new NotFoundError('ApiKey', id);
    throw e;
  }
}

/**
 * Verification counts per outcome over time, for one key or for every key of one organisation
 * (default: the caller's). Buckets are aligned to the granularity in UTC; `from` is rounded down
 * and `to` up to whole buckets. Counts reach PostgreSQL with the usage roll-up (every few seconds).
 */
export async function getUsage(ctx: ServiceContext, input: unknown): Promise<UsagePoint[]> {
  const f = parseInput(filterSchema, input ?? {});
  if (f.keyId && f.organizationId) throw ValidationError.field('filter.organizationId', 'give keyId or organizationId, not both');
  const granularity = f.granularity ?? 'HOUR';
  const unit = UNIT_MS[granularity];
  const toMs = (f.to ?? ctx.deps.now()).getTime();
  const fromMs = f.from?.getTime() ?? toMs - DEFAULT_SPAN[granularity];
  const from = Math.floor(fromMs / unit) * unit;
  const to = Math.ceil(toMs / unit) * unit || from + unit;
  if (fromMs >= toMs) throw ValidationError.field('filter.from', 'must be before filter.to');
  const minuteDays = ctx.deps.config.usageMinuteDays;
  if (granularity === 'MINUTE' && from < ctx.deps.now().getTime() - (minuteDays - 1) * 1440 * MINUTE)
    throw ValidationError.field(
      'filter.from',
      `minute detail is kept for ${minuteDays} days (older minutes are merged into hours): ask HOUR or DAY for older periods`,
    );
  if (to - from > MAX_SPAN[granularity])
    throw ValidationError.field('filter.from', `at most ${MAX_SPAN[granularity] / (1440 * MINUTE)} days at ${granularity} granularity`);
  const scope = f.keyId
    ? { apiKeyId: (await getKeyForUsage(ctx, f.keyId)).key.id }
    : { organizationId: (await targetOrganization(ctx, f.organizationId, 'usage:read')).id };
  return usageSeries(ctx.em, scope, new Date(from), new Date(to), granularity, (await listRead(ctx)).connectionType);
}

/** Recent verifications of a key (sampled, kept `verificationRetentionDays`), newest first. */
export async function listVerifications(ctx: ServiceContext, key: Pick<ApiKey, 'id'>, page: PageArgs) {
  await getKeyForUsage(ctx, key.id);
  const limit = pageSize(page.first);
  const c = decodeCursor(page.after, 2);
  const after = c ? { at: new Date(String(c[0])), id: String(c[1]) } : null;
  if (after && (Number.isNaN(after.at.getTime()) || !/^\d{1,19}$/.test(after.id))) throw ValidationError.field('after', 'invalid cursor');
  // Batched across the keys of one page that ask with the same cursor and size.
  const rows = await ctx.reach
    .batched<string, KeyVerification[]>(`verifications:${limit}:${page.after ?? ''}`, async (ids) => {
      const byKey = await recentVerificationsOfKeys(ctx.em, ids, after, limit + 1, (await listRead(ctx)).connectionType);
      return ids.map((id) => byKey.get(id) ?? []);
    })
    .load(key.id);
  const total = () =>
    ctx.reach
      .batched<string, number>('verificationCounts', async (ids) => {
        const counts = await ctx.em
          .getConnection((await listRead(ctx)).connectionType)
          .execute<{ id: string; n: string }[]>(
            'select api_key_id as id, count(*) as n from key_verification where api_key_id = any(array[?]::text[]) group by api_key_id',
            [[...ids]],
          );
        const byId = new Map(counts.map((c) => [c.id, Number(c.n)]));
        return ids.map((id) => byId.get(id) ?? 0);
      })
      .load(key.id);
  return toConnection(rows, limit, (r) => [r.at.toISOString(), r.id], after !== null, total);
}

const creditFilterSchema = z.object({
  keyId: z.string().max(64).nullish(),
  customerId: z.string().max(64).nullish(),
  from: z.date(),
  to: z.date(),
  granularity: z.enum(GRANULARITIES).nullish(),
});

/**
 * Credits spent by verification per period, for one key or one customer: what to bill from. The
 * figures are what verification consumed (cost per successful call of a key with credits or a
 * pool), written with the usage counts, exactly once. Periods are UTC-aligned; `from` is rounded
 * down and `to` up to whole periods.
 */
export async function getCreditUsage(ctx: ServiceContext, input: unknown): Promise<CreditPoint[]> {
  const f = parseInput(creditFilterSchema, input ?? {});
  if ((f.keyId == null) === (f.customerId == null)) throw ValidationError.field('filter.keyId', 'give keyId or customerId, one of them');
  const granularity = f.granularity ?? 'DAY';
  const unit = UNIT_MS[granularity];
  if (f.from.getTime() >= f.to.getTime()) throw ValidationError.field('filter.from', 'must be before filter.to');
  const from = Math.floor(f.from.getTime() / unit) * unit;
  const to = Math.ceil(f.to.getTime() / unit) * unit;
  if (to - from > MAX_SPAN[granularity])
    throw ValidationError.field('filter.from', `at most ${MAX_SPAN[granularity] / (1440 * MINUTE)} days at ${granularity} granularity`);
  const { connectionType } = await listRead(ctx);
  if (f.keyId)
    return creditSeries(ctx.em, { apiKeyId: (await getKeyForUsage(ctx, f.keyId)).key.id }, new Date(from), new Date(to), granularity, connectionType);
  const { org } = await getCustomerFor(ctx, f.customerId!, 'customers:read');
  ctx.actor.require('usage:read', org);
  return creditSeries(ctx.em, { customerId: f.customerId! }, new Date(from), new Date(to), granularity, connectionType);
}
