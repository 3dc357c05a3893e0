import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { encodeUint32Base62, randomBase62 } from './base62.ts';

export type KeyKind = 'SECRET' | 'PUBLISHABLE' | 'INTEGRATION';

export const KIND_PREFIX: Record<KeyKind, string> = { SECRET: 'sk', PUBLISHABLE: 'pk', INTEGRATION: 'ik' };
const PREFIX_KIND: Record<string, KeyKind> = { sk: 'SECRET', pk: 'PUBLISHABLE', ik: 'INTEGRATION' };

export const KEY_ID_LENGTH = 16;
/** 44 base62 characters = 261.9 bits of randomness. */
export const SECRET_BODY_LENGTH = 44;
const CHECKSUM_LENGTH = 6;
export const SECRET_LENGTH = SECRET_BODY_LENGTH + CHECKSUM_LENGTH;

const KEY_ID_RE = /^[0-9A-Za-z]{16}$/;
const SECRET_RE = /^[0-9A-Za-z]{50}$/;
const TOKEN_RE = /^kp_(sk|pk|ik)_([0-9A-Za-z]{16})_([0-9A-Za-z]{50})$/;
/** Longest token or credential we will even look at; anything longer is rejected unparsed. */
export const MAX_CREDENTIAL_LENGTH = 256;

export type ParsedCredential = { keyId: string; secret: string; kind: KeyKind | null };

function checksum(keyId: string, body: string): string {
  return encodeUint32Base62(crc32(`${keyId}${body}`));
}

/**
 * Mints a key id and secret. The secret carries a CRC32 checksum over key id + secret body so a
 * typo or forgery is rejected offline, in every transport (token, Basic auth, keyId+secret).
 */
export function mintCredential(kind: KeyKind, keyId: string = randomBase62(KEY_ID_LENGTH)) {
  const body = randomBase62(SECRET_BODY_LENGTH);
  const secret = body + checksum(keyId, body);
  return { keyId, secret, token: formatToken(kind, keyId, secret) };
}

export function formatToken(kind: KeyKind, keyId: string, secret: string): string {
  return `kp_${KIND_PREFIX[kind]}_${keyId}_${secret}`;
}

/** Display start shown in lists: enough to tell keys apart, useless to an attacker. */
export function displayStart(kind: KeyKind, keyId: string, secret: string): string {
  return `kp_${KIND_PREFIX[kind]}_${keyId}_${secret.slice(0, 4)}`;
}

export function hasValidChecksum(keyId: string, secret: string): boolean {
  if (!KEY_ID_RE.test(keyId) || !SECRET_RE.test(secret)) return false;
  const body = secret.slice(0, SECRET_BODY_LENGTH);
  return secret.slice(SECRET_BODY_LENGTH) === checksum(keyId, body);
}

/** Parses a full token; null when malformed or its checksum fails. */
export function parseToken(token: string): ParsedCredential | null {
  if (token.length > MAX_CREDENTIAL_LENGTH) return null;
  const m = TOKEN_RE.exec(token);
  if (!m) return null;
  const keyId = m[2]!;
  const secret = m[3]!;
  if (!hasValidChecksum(keyId, secret)) return null;
  return { keyId, secret, kind: PREFIX_KIND[m[1]!]! };
}

/** Parses a key id + secret pair (Basic auth or verifyKey's split form). */
export function parseKeyIdSecret(keyId: string, secret: string): ParsedCredential | null {
  if (keyId.length > MAX_CREDENTIAL_LENGTH || secret.length > MAX_CREDENTIAL_LENGTH) return null;
  if (!hasValidChecksum(keyId, secret)) return null;
  return { keyId, secret, kind: null };
}

// createHmac with a raw Buffer builds a KeyObject on every call (most of the HMAC's cost on the
// verification hot path); the pepper's is built once.
const pepperKeys = new WeakMap<Buffer, KeyObject>();

function pepperKey(pepper: Buffer): KeyObject {
  let key = pepperKeys.get(pepper);
  if (!key) {
    key = createSecretKey(pepper);
    pepperKeys.set(pepper, key);
  }
  return key;
}

/** Keyed hash of the secret, bound to its key id so a hash cannot be replayed onto another key. */
export function hashSecret(pepper: Buffer, keyId: string, secret: string): Buffer {
  return createHmac('sha256', pepperKey(pepper)).update(keyId).update(':').update(secret).digest();
}

export function secretMatches(pepper: Buffer, keyId: string, secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(pepper, keyId, secret);
  return storedHash.length === candidate.length && timingSafeEqual(candidate, storedHash);
}
