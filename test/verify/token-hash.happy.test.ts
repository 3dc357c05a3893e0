import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSecret, mintCredential, secretMatches } from '../../src/lib/token.ts';

describe('the keyed secret hash', () => {
  it('is HMAC-SHA-256(pepper, keyId:secret), whichever pepper is used (shorter than, equal to and longer than the block), for any secret text', () => {
    const peppers = [Buffer.from('a'.repeat(40)), Buffer.from('b'.repeat(64)), Buffer.from('c'.repeat(100))];
    for (const pepper of peppers) {
      for (let i = 0; i < 3; i++) {
        const { keyId, secret } = mintCredential('SECRET');
        const expected = createHmac('sha256', pepper).update(`${keyId}:${secret}`).digest();
        expect(hashSecret(pepper, keyId, secret).equals(expected)).toBe(true);
        expect(secretMatches(pepper, keyId, secret, expected)).toBe(true);
        expect(secretMatches(Buffer.from('z'.repeat(40)), keyId, secret, expected)).toBe(false);
      }
      // Not only base62: the message is hashed as UTF-8, as createHmac's update(string) does.
      for (const secret of ['', 'ünïcödé 🔑', 'x'.repeat(300)]) {
        const expected = createHmac('sha256', pepper).update(`kid:${secret}`).digest();
        expect(hashSecret(pepper, 'kid', secret).equals(expected)).toBe(true);
      }
    }
  });
});
