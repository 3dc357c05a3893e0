import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTokens, mintCredential, parseToken, TOKEN_SCAN_REGEX } from '../../src/lib/token.ts';

/** Issue 21, item 4: the regex scanners are given matches every token Keyplane mints, and nothing near. */
const docs = readFileSync(new URL('../../docs/secret-scanning.md', import.meta.url), 'utf8');
const documented = /```regex\n(.+)\n```/.exec(docs)?.[1];
const scan = new RegExp(`^${TOKEN_SCAN_REGEX}$`);

describe('the token pattern for secret scanners', () => {
  it('is the one docs/secret-scanning.md gives', () => {
    expect(documented).toBe(TOKEN_SCAN_REGEX);
  });

  it('matches every token minted, of every kind', () => {
    for (const kind of ['SECRET', 'PUBLISHABLE', 'INTEGRATION'] as const) {
      for (let i = 0; i < 1000; i++) {
        const { token } = mintCredential(kind);
        expect(scan.test(token), token).toBe(true);
        expect(findTokens(`export KEY="${token}"`)).toEqual([token]);
      }
    }
  });

  it('rejects near misses, and findTokens drops matches whose checksum fails', () => {
    const { token } = mintCredential('SECRET');
    const nearMisses = [
      token.replace('kp_sk_', 'kp_xk_'),
      token.replace('kp_', 'kq_'),
      token.slice(0, -1),
      `${token}A`,
      `${token.slice(0, 10)}-${token.slice(11)}`,
      token.replace('_', '-'),
      `x${token}`,
    ];
    for (const t of nearMisses) expect(scan.test(t), t).toBe(false);
    const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    expect(scan.test(flipped)).toBe(true); // the shape matches…
    expect(parseToken(flipped)).toBeNull(); // …but the checksum does not,
    expect(findTokens(`a ${flipped} b ${token} c`)).toEqual([token]); // so only the real one is found.
  });
});
