import { describe, expect, it } from 'vitest';
import { codeLabel, fieldLabel, humanMessage } from '../../console/src/lib/format.ts';

/** Issue 18, item 10: the console speaks words, not codes and input paths. */
describe('console wording', () => {
  it('turns codes into words, keeping acronyms', () => {
    expect(codeLabel('IP_NOT_ALLOWED')).toBe('IP not allowed');
    expect(codeLabel('USAGE_EXCEEDED')).toBe('Usage exceeded');
    expect(codeLabel('ACTIVE')).toBe('Active');
  });

  it('turns input paths into field names, with entries counted from 1', () => {
    expect(fieldLabel('input.allowedIps.4')).toBe('Allowed IPs, entry 5');
    expect(fieldLabel('input.rateLimit.windowSeconds')).toBe('Rate limit, window seconds');
    expect(fieldLabel('input.userId')).toBe('User ID');
    expect(humanMessage('input.allowedIps.4: not an IP address or CIDR range')).toBe('Allowed IPs, entry 5: not an IP address or CIDR range');
    expect(humanMessage('input.subAccounts.organizationIds.0: sub-account org_x not found; input.name: too long')).toBe(
      'Sub accounts, organization IDs, entry 1: sub-account org_x not found; Name: too long',
    );
  });
});
