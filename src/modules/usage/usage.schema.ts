import { counted } from '../../graphql/connection.ts';
import { builder, needs } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { ApiKeyRef } from '../keys/api-key.schema.ts';
import { VerifyCodeEnum } from '../verification/verify.schema.ts';
import type { VerifyCode } from '../../lib/verify-codes.ts';
import type { KeyVerification } from '../../db/entities/usage.entity.ts';
import { GRANULARITIES, type UsagePoint } from './usage.repository.ts';
import { getCreditUsage, getUsage, listVerifications } from './usage.service.ts';
import type { CreditPoint } from './usage.repository.ts';

const GranularityEnum = builder.enumType('UsageGranularity', { values: GRANULARITIES });

/** GraphQL Int is 32-bit; a day of one key's verifications could in theory exceed it. */
const INT_MAX = 2_147_483_647;

const UsagePointRef = builder.objectRef<UsagePoint>('UsagePoint').implement({
  description: 'Verifications with one outcome in one bucket.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the bucket (UTC-aligned).' }),
    code: t.field({ type: VerifyCodeEnum, resolve: (p) => p.code }),
    count: t.int({ resolve: (p) => Math.min(p.count, INT_MAX) }),
  }),
});

const UsageFilter = builder.inputType('UsageFilter', {
  fields: (t) => ({
    keyId: t.id({ description: 'One key (its id or its public key id). Without it: every key of the organization.' }),
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
    from: t.field({ type: 'DateTime', description: 'Default: one hour (MINUTE), one day (HOUR) or 30 days (DAY) before `to`.' }),
    to: t.field({ type: 'DateTime', description: 'Default: now.' }),
    granularity: t.field({ type: GranularityEnum, description: 'Default: HOUR.' }),
  }),
});

builder.queryField('usage', (t) =>
  t.field({
    type: [UsagePointRef],
    authScopes: needs('usage:read'),
    description: 'Verification counts per outcome over time. Counts reach the database within seconds (the usage roll-up).',
    args: { filter: t.arg({ type: UsageFilter }) },
    resolve: (_r, { filter }, ctx) =>
      getUsage(
        svc(ctx),
        filter
          ? {
              ...filter,
              keyId: filter.keyId == null ? filter.keyId : String(filter.keyId),
              organizationId: filter.organizationId == null ? filter.organizationId : String(filter.organizationId),
            }
          : {},
      ),
  }),
);

const KeyVerificationRef = builder.objectRef<KeyVerification>('KeyVerification').implement({
  description: 'One verification of a key, kept in detail (a sample per key and minute) for the configured retention.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    ip: t.exposeString('ip', { nullable: true, description: 'The address given to verifyKey, or the caller’s for Keyplane’s own API.' }),
    permission: t.exposeString('permission', { nullable: true }),
    code: t.field({ type: VerifyCodeEnum, description: 'The outcome.', resolve: (v) => v.code as VerifyCode }),
  }),
});

builder.objectField(ApiKeyRef, 'verifications', (t) =>
  t.connection(
    {
      type: KeyVerificationRef,
      nullable: true,
      authScopes: needs('usage:read'),
      description: 'Recent verifications, newest first (needs usage:read).',
      resolve: (key, args, ctx) => listVerifications(svc(ctx), key, args),
    },
    { name: 'KeyVerificationConnection', ...counted },
    { name: 'KeyVerificationEdge' },
  ),
);

const CreditPointRef = builder.objectRef<CreditPoint>('CreditUsagePoint').implement({
  description: 'Credits spent by verification in one period.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the period (UTC-aligned).' }),
    credits: t.field({
      type: 'Float',
      description: 'Credits spent in the period (whole numbers; Float only because Int is 32-bit).',
      resolve: (p) => p.credits,
    }),
  }),
});

const CreditUsageFilter = builder.inputType('CreditUsageFilter', {
  description: 'Whose credit spend (one key, or one customer), over which period, in what periods.',
  fields: (t) => ({
    keyId: t.id({ description: 'One key (its id or its public key id).' }),
    customerId: t.id({ description: 'One customer: what all its keys spent while they were its.' }),
    from: t.field({ type: 'DateTime', required: true, description: 'Start (rounded down to a whole period).' }),
    to: t.field({ type: 'DateTime', required: true, description: 'End, exclusive (rounded up to a whole period).' }),
    granularity: t.field({ type: GranularityEnum, description: 'Default: DAY.' }),
  }),
});

builder.queryField('creditUsage', (t) =>
  t.field({
    type: [CreditPointRef],
    authScopes: needs('usage:read'),
    description: 'Credits spent by verification per period, for one key or one customer: the figures to bill from, equal to what verification consumed.',
    args: { filter: t.arg({ type: CreditUsageFilter, required: true, description: 'Whose spend, when, in what periods.' }) },
    resolve: (_r, { filter }, ctx) =>
      getCreditUsage(svc(ctx), {
        ...filter,
        keyId: filter.keyId == null ? filter.keyId : String(filter.keyId),
        customerId: filter.customerId == null ? filter.customerId : String(filter.customerId),
      }),
  }),
);
