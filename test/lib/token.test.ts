import { describe, expect, it } from 'vitest';
import { extractCredential } from '../../src/lib/credentials.ts';
import { hashSecret, mintCredential, parseKeyIdSecret, parseToken, secretMatches, SECRET_BODY_LENGTH } from '../../src/lib/token.ts';

describe('token format', () => {
  it('is kp_<kind>_<keyId>_<secret> with ≥ 256 bits of base62 secret and a checksum', () => {
    const { keyId, secret, token } = mintCredential('PUBLISHABLE');
    expect(token).toMatch(/^kp_pk_[0-9A-Za-z]{16}_[0-9A-Za-z]{50}$/);
    expect(SECRET_BODY_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(256);
    expect(parseToken(token)).toEqual({ keyId, secret, kind: 'PUBLISHABLE' });
    expect(parseKeyIdSecret(keyId, secret)).toEqual({ keyId, secret, kind: null });
  });

  it('rejects every single-character typo offline (checksum)', () => {
    const { token } = mintCredential('SECRET');
    const prefix = 'kp_sk_'.length;
    let rejected = 0;
    for (let i = prefix; i < token.length; i++) {
      if (token[i] === '_') continue;
      const swapped = token.slice(0, i) + (token[i] === 'x' ? 'y' : 'x') + token.slice(i + 1);
      if (parseToken(swapped) === null) rejected++;
      else throw new Error(`typo at ${i} accepted`);
    }
    expect(rejected).toBe(token.length - prefix - 1);
  });

  it('binds the hash to the key id and compares in constant time', () => {
    const pepper = Buffer.from('p'.repeat(40));
    const a = mintCredential('SECRET');
    const h = hashSecret(pepper, a.keyId, a.secret);
    expect(secretMatches(pepper, a.keyId, a.secret, h)).toBe(true);
    expect(secretMatches(pepper, 'B'.repeat(16), a.secret, h)).toBe(false);
    expect(secretMatches(Buffer.from('q'.repeat(40)), a.keyId, a.secret, h)).toBe(false);
    expect(secretMatches(pepper, a.keyId, a.secret, h.subarray(0, 16))).toBe(false);
  });

  it('extracts credentials from Basic, Bearer and X-API-Key, and bounds sizes', () => {
    const { keyId, secret, token } = mintCredential('INTEGRATION');
    expect(extractCredential({ authorization: `Bearer ${token}` })).toEqual({ kind: 'ok', credential: { keyId, secret, kind: 'INTEGRATION' } });
    expect(extractCredential({ 'x-api-key': token })).toMatchObject({ kind: 'ok' });
    expect(extractCredential({ authorization: `Basic ${Buffer.from(`${keyId}:${secret}`).toString('base64')}` })).toEqual({
      kind: 'ok',
      credential: { keyId, secret, kind: null },
    });
    expect(extractCredential({})).toEqual({ kind: 'none' });
    expect(extractCredential({ authorization: `Bearer ${'a'.repeat(10_000)}` })).toEqual({ kind: 'malformed' });
    expect(extractCredential({ authorization: ['a', 'b'] })).toEqual({ kind: 'malformed' });
    expect(extractCredential({ authorization: 'Basic Zm9v' })).toEqual({ kind: 'malformed' });
  });
});
