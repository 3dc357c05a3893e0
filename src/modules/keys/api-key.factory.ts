import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import type { Grant } from '../../lib/permissions.ts';
import { displayStart, hashSecret, mintCredential, type KeyKind } from '../../lib/token.ts';
import { ApiKey, type CreditsRefill, type RateLimit, type SubAccountGrant } from '../../db/entities/api-key.entity.ts';

export type IssueKeyInput = {
  customerId?: string | null;
  organizationId: string;
  userId: string;
  kind: KeyKind;
  name: string;
  description?: string | null;
  permissions?: Grant[] | null;
  validFrom?: Date | null;
  validUntil?: Date | null;
  allowedIps?: string[];
  subAccounts?: SubAccountGrant;
  rateLimit?: RateLimit | null;
  credits?: number | null;
  creditsRefill?: CreditsRefill | null;
  metadata?: Record<string, unknown>;
  createdByUserId?: string | null;
  createdByKeyId?: string | null;
  source?: string | null;
  now?: Date;
};

/**
 * Mints a credential and queues the key row (not flushed). The plaintext secret exists only in
 * the returned value: the row holds its keyed hash and a display start.
 */
export function issueKey(em: EntityManager, pepper: Buffer, input: IssueKeyInput): { apiKey: ApiKey; secret: string; token: string } {
  const { keyId, secret, token } = mintCredential(input.kind);
  const now = input.now ?? new Date();
  const apiKey = em.create(ApiKey, {
    id: newId('apiKey'),
    keyId,
    organizationId: input.organizationId,
    userId: input.userId,
    kind: input.kind,
    name: input.name,
    description: input.description ?? null,
    start: displayStart(input.kind, keyId, secret),
    secretHash: hashSecret(pepper, keyId, secret),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    status: 'ACTIVE',
    permissions: input.permissions ?? null,
    validFrom: input.validFrom ?? null,
    validUntil: input.validUntil ?? null,
    allowedIps: input.allowedIps ?? [],
    subAccounts: input.subAccounts ?? { mode: 'NONE' },
    rateLimit: input.rateLimit ?? null,
    credits: input.credits ?? null,
    customerId: input.customerId ?? null,
    creditsRefill: input.creditsRefill ?? null,
    metadata: input.metadata ?? {},
    lastActivityAt: now,
    createdByUserId: input.createdByUserId ?? null,
    createdByKeyId: input.createdByKeyId ?? null,
    source: input.source ?? null,
    createdAt: now,
    updatedAt: now,
  });
  return { apiKey, secret, token };
}
