import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Grant } from '../../lib/permissions.ts';

export const KEY_KINDS = ['SECRET', 'PUBLISHABLE', 'INTEGRATION'] as const;
export const KEY_STATUSES = ['ACTIVE', 'REVOKED', 'EXPIRED'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export type SubAccountGrant = { mode: 'NONE' } | { mode: 'ALL' } | { mode: 'SELECTED'; ids: string[] };
export type RateLimit = { limit: number; windowSeconds: number };
/**
 * How credits refill, to `amount`: every `intervalSeconds` (at use, in the lease), or on the
 * calendar (`period` DAILY at 00:00 UTC, or MONTHLY on `dayOfMonth`, by the refill sweep).
 */
export type CreditsRefill = { amount: number; intervalSeconds?: number; period?: 'DAILY' | 'MONTHLY'; dayOfMonth?: number };

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.string().primary(),
    keyId: p.string().unique(),
    organizationId: p.string(),
    userId: p.string(),
    kind: p.enum(KEY_KINDS),
    name: p.string(),
    description: p.string().nullable(),
    start: p.string(),
    secretHash: p.blob(),
    previousSecretHash: p.blob().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    status: p.enum(KEY_STATUSES).default('ACTIVE'),
    /** Restriction of the user's permissions; null = all of them. */
    permissions: p.json<Grant[]>().nullable(),
    validFrom: p.datetime().nullable(),
    validUntil: p.datetime().nullable(),
    allowedIps: p.array().columnType('text[]'),
    subAccounts: p.json<SubAccountGrant>(),
    rateLimit: p.json<RateLimit>().nullable(),
    credits: p.integer().nullable(),
    creditsRefill: p.json<CreditsRefill>().nullable(),
    metadata: p.json<Record<string, unknown>>(),
    lastUsedAt: p.datetime().nullable(),
    lastUsedIp: p.string().nullable(),
    /** Last use, creation or rotation: where the inactivity clock starts. */
    lastActivityAt: p.datetime(),
    rotatedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().nullable(),
    /** When the key was first found leaked (secret scanning, a report); null: never. */
    leakedAt: p.datetime().nullable(),
    /** The organisation's customer the key belongs to (its shared limits apply); null: none. */
    customerId: p.string().nullable(),
    deletedAt: p.datetime().nullable(),
    createdByUserId: p.string().nullable(),
    createdByKeyId: p.string().nullable(),
    /** Name of the key that created this record: the "source" shown in audit trails. */
    source: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ApiKey = InferEntity<typeof ApiKey>;
