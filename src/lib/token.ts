import { hash, timingSafeEqual } from 'node:crypto';
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
/**
 * What a secret scanner should look for (docs/secret-scanning.md quotes it; a test keeps the two
 * equal). Word boundaries keep it from matching inside longer runs of base62.
 */
export const TOKEN_SCAN_REGEX = String.raw`\bkp_(?:sk|pk|ik)_[0-9A-Za-z]{16}_[0-9A-Za-z]{50}\b`;

/** Every token in `text` that matches the scan pattern and carries a valid checksum. */
export function findTokens(text: string): string[] {
  return [...text.matchAll(new RegExp(TOKEN_SCAN_REGEX, 'g'))].map((m) => m[0]).filter((t) => parseToken(t) !== null);
}

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

/** SHA-256's block size: HMAC pads its key to this. */
const BLOCK = 64;
type Pads = { inner: Buffer; outer: Buffer };
const pepperPads = new WeakMap<Buffer, Pads>();

/** The pepper XOR ipad and XOR opad blocks of RFC 2104, computed once per pepper. */
function padsOf(pepper: Buffer): Pads {
  let pads = pepperPads.get(pepper);
  if (!pads) {
    const key = Buffer.alloc(BLOCK);
    (pepper.length > BLOCK ? hash('sha256', pepper, 'buffer') : pepper).copy(key);
    const inner = Buffer.alloc(BLOCK);
    const outer = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      inner[i] = key[i]! ^ 0x36;
      outer[i] = key[i]! ^ 0x5c;
    }
    key.fill(0);
    pepperPads.set(pepper, (pads = { inner, outer }));
  }
  return pads;
}

/**
 * Keyed hash of the secret, bound to its key id so a hash cannot be replayed onto another key:
 * HMAC-SHA-256(pepper, `keyId:secret`), computed as RFC 2104 defines it with two one-shot
 * `crypto.hash` calls (a test checks it against createHmac). createHmac makes a native Hmac object
 * per call, and on the verification hot path (two per request) the weak callbacks of thousands of
 * dead ones made each young-generation GC 6× longer (1.2 vs 0.19 ms on average, 2026-11-23): that
 * pause is what the request latency tail is made of. The buffers holding the secret are zeroed
 * before they go back to Node's shared pool.
 */
export function hashSecret(pepper: Buffer, keyId: string, secret: string): Buffer {
  const { inner, outer } = padsOf(pepper);
  const message = `${keyId}:${secret}`;
  const first = Buffer.allocUnsafe(BLOCK + Buffer.byteLength(message));
  inner.copy(first, 0);
  first.write(message, BLOCK, 'utf8');
  const innerHash = hash('sha256', first, 'buffer');
  first.fill(0);
  const second = Buffer.allocUnsafe(BLOCK + innerHash.length);
  outer.copy(second, 0);
  innerHash.copy(second, BLOCK);
  const digest = hash('sha256', second, 'buffer');
  second.fill(0);
  return digest;
}

export function secretMatches(pepper: Buffer, keyId: string, secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(pepper, keyId, secret);
  return storedHash.length === candidate.length && timingSafeEqual(candidate, storedHash);
}
