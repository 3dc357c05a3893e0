import { builder } from '../../graphql/builder.ts';
import type { CreditsRefill, RateLimit } from '../../db/entities/api-key.entity.ts';

/** Rate limits and credit refills, as keys and customers carry them. */
export const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  fields: (t) => ({ limit: t.exposeInt('limit'), windowSeconds: t.exposeInt('windowSeconds') }),
});

const RefillPeriodEnum = builder.enumType('CreditsRefillPeriod', {
  description: 'When credits refill.',
  values: { DAILY: { description: 'Every day at 00:00 UTC.' }, MONTHLY: { description: 'Every month on dayOfMonth at 00:00 UTC.' } } as const,
});

export const CreditsRefillRef = builder.objectRef<CreditsRefill>('CreditsRefill').implement({
  description: 'Credits refill to `amount` on the calendar (or, for keys made so, every intervalSeconds at use).',
  fields: (t) => ({
    amount: t.exposeInt('amount', { description: 'The credits after a refill.' }),
    period: t.field({ type: RefillPeriodEnum, nullable: true, description: 'DAILY or MONTHLY; null: an interval refill.', resolve: (r) => r.period ?? null }),
    dayOfMonth: t.int({ nullable: true, description: 'With MONTHLY: the day (past the month’s end: its last day).', resolve: (r) => r.dayOfMonth ?? null }),
    intervalSeconds: t.int({ nullable: true, description: 'An interval refill’s period, in seconds.', resolve: (r) => r.intervalSeconds ?? null }),
  }),
});

export const CreditsRefillInput = builder.inputType('CreditsRefillInput', {
  description: 'Refill credits to an amount daily (00:00 UTC) or monthly (on dayOfMonth), exactly once per period.',
  fields: (t) => ({
    amount: t.int({ required: true, description: 'The credits after a refill (1 to 1,000,000,000).' }),
    period: t.field({ type: RefillPeriodEnum, required: true, description: 'DAILY or MONTHLY.' }),
    dayOfMonth: t.int({ description: 'With MONTHLY: 1 to 31 (default 1; past the month’s end: its last day).' }),
  }),
});

export const RateLimitInput = builder.inputType('RateLimitInput', {
  fields: (t) => ({ limit: t.int({ required: true }), windowSeconds: t.int({ required: true }) }),
});
