import { randomBytes } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform random base62 string (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]! & 0x3f; // 0..63
      if (b < 62) out += BASE62[b];
    }
  }
  return out;
}

/** Fixed-width base62 encoding of an unsigned 32-bit integer (6 characters). */
export function encodeUint32Base62(n: number): string {
  let v = n >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}
