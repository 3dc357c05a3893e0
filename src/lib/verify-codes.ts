/** The outcomes of verifying a key, in the contract's order (DESIGN.md); metrics, usage rows and the API name them. */
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
