import { hasLimits } from '../principal/key-record.ts';
import { secretMatches, type ParsedCredential } from '../../lib/token.ts';
import { toGrants, type Grant } from '../../lib/permissions.ts';
import type { KeyKind } from '../../lib/token.ts';
import type { KeyStatus } from '../../db/entities/api-key.entity.ts';
import type { PrincipalRecord } from '../principal/key-record.ts';
import type { UserStatus } from '../../db/entities/user.entity.ts';

/**
 * What a host process needs to answer verifications of one key by itself (the SDK's local
 * verification): the checks after the secret, in the verifier's order, with the data they read.
 * Never a secret or a hash: the server has checked the credential it was asked about, and the
 * host caches the snapshot under a hash of that credential. Times are epoch milliseconds.
 */
export type KeySnapshot = {
  version: 1;
  key: { id: string; keyId: string; name: string; kind: KeyKind; status: KeyStatus };
  organizationId: string;
  userId: string;
  userStatus: UserStatus;
  validFrom: number | null;
  validUntil: number | null;
  /** Set when the credential is the previous secret of a rotated key: it stops working then. */
  secretValidUntil: number | null;
  /** Addresses and CIDR ranges; empty: any address. */
  allowedIps: string[];
  /** Effective permissions (write already implies read; publishable keys: public actions only). */
  permissions: Grant[];
  /** resource → fields a publishable key must not see (empty for other kinds). */
  withheldFields: Record<string, string[]>;
  /** How long the host may keep it at most, even with the invalidation feed up (a safety net). */
  maxAgeMs: number;
};

/** Longest a host keeps a snapshot, whatever the feed says. */
export const SNAPSHOT_MAX_AGE_MS = 5 * 60_000;

/**
 * The snapshot of `record` for the credential `cred`, or null when it must not be answered
 * locally: keys with a rate limit or credits (every call counts in Redis, so hosts ask the server),
 * and credentials that match neither the current nor a still-valid previous secret.
 */
export function snapshotOf(record: PrincipalRecord, cred: ParsedCredential, pepper: Buffer, now: number): KeySnapshot | null {
  if (hasLimits(record)) return null;
  if (cred.keyId !== record.keyId || (cred.kind !== null && cred.kind !== record.kind)) return null;
  let secretValidUntil: number | null = null;
  if (!secretMatches(pepper, cred.keyId, cred.secret, record.secretHash)) {
    const inGrace =
      record.previousSecretHash !== null &&
      record.previousSecretExpiresAt !== null &&
      now < record.previousSecretExpiresAt &&
      secretMatches(pepper, cred.keyId, cred.secret, record.previousSecretHash);
    if (!inGrace) return null;
    secretValidUntil = record.previousSecretExpiresAt;
  }
  return {
    version: 1,
    key: { id: record.id, keyId: record.keyId, name: record.name, kind: record.kind, status: record.status },
    organizationId: record.organizationId,
    userId: record.userId,
    userStatus: record.userStatus,
    validFrom: record.validFrom,
    validUntil: record.validUntil,
    secretValidUntil,
    allowedIps: record.allowedIps.map(([net, bits]) => `${net.toString()}/${bits}`),
    permissions: toGrants(record.permissions),
    withheldFields: record.kind === 'PUBLISHABLE' ? Object.fromEntries(record.withheldFields) : {},
    maxAgeMs: SNAPSHOT_MAX_AGE_MS,
  };
}
