import type { VerifyCode as SchemaVerifyCode } from './gql/graphql.ts';
/** The verification codes, in the order the checks run (Keyplane's contract). */
export const VERIFY_CODES = [
  'VALID',
  'MALFORMED',
  'NOT_FOUND',
  'ROTATED',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'IP_NOT_ALLOWED',
  'USER_DISABLED',
  'UNKNOWN_PERMISSION',
  'INSUFFICIENT_PERMISSIONS',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

/**
 * The SDK carries its own list (it decides locally, without the server's code), held to the
 * schema's VerifyCode enum by the compiler: a code added or removed on one side fails the build.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _codesMatchSchema: Same<VerifyCode, SchemaVerifyCode> = true;

export type KeyKind = 'SECRET' | 'PUBLISHABLE' | 'INTEGRATION';
export type KeyStatus = 'ACTIVE' | 'REVOKED' | 'EXPIRED';
export type Grant = { permission: string; resourceIds: string[] | null };

/** What `POST /v1/keys/verify` answers, field for field (and what the SDK answers locally). */
export type VerifyKeyResult = {
  valid: boolean;
  code: VerifyCode;
  apiKey: { id: string; keyId: string; name: string; kind: KeyKind; status: KeyStatus } | null;
  organizationId: string | null;
  userId: string | null;
  permissions: Grant[];
  withheldFields: string[];
  remaining: number | null;
  rateLimit: { limit: number; remaining: number; resetAt: string } | null;
  /** Credits left in the pool of the key's customer; null: no pool. */
  poolRemaining: number | null;
};

/** A key to verify: its token, or its key id and secret (Basic auth's two halves). */
export type VerifyInput = ({ token: string; keyId?: never; secret?: never } | { keyId: string; secret: string; token?: never }) & {
  /** The address the host saw the request come from (checked against the key's allowlist). */
  ip?: string | null;
  /** `resource:action`, e.g. `invoices:read`. */
  permission?: string | null;
  /** A resource instance id, for permissions limited to chosen instances. */
  resource?: string | null;
  /** Credits this call spends from the key and its customer's pool (default 1; always asked of the server). */
  cost?: number | null;
};

/** The server's snapshot of a key for local verification (POST /v1/keys/snapshots). */
export type KeySnapshot = {
  version: 1;
  key: NonNullable<VerifyKeyResult['apiKey']>;
  organizationId: string;
  userId: string;
  userStatus: 'ACTIVE' | 'DISABLED' | 'DELETED';
  validFrom: number | null;
  validUntil: number | null;
  secretValidUntil: number | null;
  allowedIps: string[];
  permissions: Grant[];
  withheldFields: Record<string, string[]>;
  maxAgeMs: number;
};

/** Keyplane's error body for every non-GraphQL route. */
export type ErrorBody = { errors: { message: string; extensions: { code: string } & Record<string, unknown> }[] };

/** A failed call to Keyplane (not a failed verification: those are answers). */
export class KeyplaneError extends Error {
  readonly code: string;
  readonly status: number | null;
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, status: number | null = null, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'KeyplaneError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}
