import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Authenticated encryption at rest for secrets Keyplane must use again later (webhook signing
 * secrets). AES-256-GCM with a random 96-bit IV and a 128-bit tag; the text form is versioned
 * (`v1.<iv>.<tag>.<ciphertext>`, base64url) so the scheme or key can change without guessing.
 * `context` is bound as associated data: a ciphertext copied to another row fails to decrypt.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const subkeys = new WeakMap<Buffer, Map<string, KeyObject>>();

/** A purpose-specific subkey, so one configured key never encrypts two kinds of data directly. */
function subkey(key: Buffer, purpose: string): KeyObject {
  if (key.length !== 32) throw new TypeError('encryption key must be 32 bytes');
  // Derived once per key and purpose: deliveries decrypt on every attempt.
  let byPurpose = subkeys.get(key);
  if (!byPurpose) subkeys.set(key, (byPurpose = new Map()));
  let derived = byPurpose.get(purpose);
  if (!derived)
    byPurpose.set(purpose, (derived = createSecretKey(Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `keyplane/${VERSION}/${purpose}`, 32)))));
  return derived;
}

export function encrypt(key: Buffer, purpose: string, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', subkey(key, purpose), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** Throws when the text is not ours, was tampered with, or belongs to another context. */
export function decrypt(key: Buffer, purpose: string, sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('unsupported ciphertext format');
  const [, ivText, tagText, ctText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', subkey(key, purpose), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
}
