import { describe, expect, it } from 'vitest';
import { resultJson } from '../../src/http/verify-route.ts';
import type { VerifyKeyResult } from '../../src/modules/verification/verify.service.ts';

/** What POST /v1/keys/verify answered before the hand-written serialiser: JSON.stringify, field order of the contract. */
const reference = (r: VerifyKeyResult) =>
  JSON.stringify({
    valid: r.valid,
    code: r.code,
    apiKey: r.key,
    organizationId: r.organizationId,
    userId: r.userId,
    permissions: r.permissions,
    withheldFields: r.withheldFields,
    remaining: r.remaining,
    rateLimit: r.rateLimit,
    poolRemaining: r.poolRemaining,
  });

const grants = [
  { permission: 'keys:read', resourceIds: null },
  { permission: 'reports:write', resourceIds: ['r1', 'r"2\\', 'ünï\n'] },
];
const key = {
  id: 'key_1',
  keyId: 'AbCdEfGhIjKlMnOp',
  name: 'Quote " backslash \\ newline \n emoji 🔑 \u2028',
  kind: 'SECRET' as const,
  status: 'ACTIVE' as const,
};

const cases: [string, VerifyKeyResult][] = [
  [
    'not found',
    {
      valid: false,
      code: 'NOT_FOUND',
      key: null,
      organizationId: null,
      userId: null,
      permissions: [],
      withheldFields: [],
      remaining: null,
      rateLimit: null,
      poolRemaining: null,
    },
  ],
  [
    'valid, every field',
    {
      valid: true,
      code: 'VALID',
      key,
      organizationId: 'org_"1',
      userId: 'usr_1',
      permissions: grants,
      withheldFields: ['email', 'na"me'],
      remaining: 41,
      rateLimit: { limit: 10, remaining: 3, resetAt: new Date('2026-11-23T15:00:00.123Z') },
      poolRemaining: 900,
    },
  ],
  [
    'rate limited, no credits',
    {
      valid: false,
      code: 'RATE_LIMITED',
      key,
      organizationId: 'org_1',
      userId: 'usr_1',
      permissions: grants,
      withheldFields: [],
      remaining: null,
      rateLimit: { limit: 1, remaining: 0, resetAt: new Date(0) },
      poolRemaining: null,
    },
  ],
  [
    'credits at zero',
    {
      valid: false,
      code: 'USAGE_EXCEEDED',
      key,
      organizationId: 'org_1',
      userId: 'usr_1',
      permissions: [],
      withheldFields: [],
      remaining: 0,
      rateLimit: null,
      poolRemaining: 0,
    },
  ],
];

describe('the JSON answer of POST /v1/keys/verify', () => {
  it.each(cases)('is the same text JSON.stringify writes: %s', (_name, r) => {
    expect(resultJson(r)).toBe(reference(r));
    expect(JSON.parse(resultJson(r))).toEqual(JSON.parse(reference(r)));
  });

  it('serves the cached permissions of a record again, and a changed record anew', () => {
    const r = cases[1]![1];
    expect(resultJson(r)).toBe(resultJson(r));
    const narrowed = { ...r, permissions: [grants[0]!] };
    expect(resultJson(narrowed)).toBe(reference(narrowed));
  });
});
