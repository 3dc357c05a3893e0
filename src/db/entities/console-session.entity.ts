import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { SubAccountGrant } from './api-key.entity.ts';

/** A one-time console link and, once exchanged, the cookie session it became. */
export const ConsoleSession = defineEntity({
  name: 'ConsoleSession',
  tableName: 'console_session',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    userId: p.string(),
    linkHash: p.blob(),
    linkExpiresAt: p.datetime(),
    returnPath: p.string().nullable(),
    usedAt: p.datetime().nullable(),
    sessionHash: p.blob().nullable(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** Last request of the session, written at most about once a minute (idle timeout). */
    lastSeenAt: p.datetime().nullable(),
    subAccounts: p.json<SubAccountGrant>(),
    createdByUserId: p.string().nullable(),
    createdByKeyId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ConsoleSession = InferEntity<typeof ConsoleSession>;
