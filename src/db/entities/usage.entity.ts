import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Verifications of one key in one minute with one outcome; written only by the usage roll-up. */
export const UsageBucket = defineEntity({
  name: 'UsageBucket',
  tableName: 'usage_bucket',
  properties: {
    apiKeyId: p.string().primary(),
    minute: p.datetime().primary(),
    code: p.string().primary(),
    organizationId: p.string(),
    count: p.bigint('number'),
  },
});
export type UsageBucket = InferEntity<typeof UsageBucket>;

/** One recent verification kept in detail (sampled per key and minute, pruned after the retention). */
export const KeyVerification = defineEntity({
  name: 'KeyVerification',
  tableName: 'key_verification',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    apiKeyId: p.string(),
    organizationId: p.string(),
    at: p.datetime(),
    ip: p.string().nullable(),
    permission: p.string().nullable(),
    code: p.string(),
  },
});
export type KeyVerification = InferEntity<typeof KeyVerification>;
