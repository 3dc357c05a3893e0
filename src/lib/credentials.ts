import { MAX_CREDENTIAL_LENGTH, parseKeyIdSecret, parseToken, type ParsedCredential } from './token.ts';

type HeaderValue = string | string[] | undefined;
export type CredentialHeaders = { authorization?: HeaderValue; 'x-api-key'?: HeaderValue };

export type ExtractedCredential = { kind: 'none' } | { kind: 'malformed' } | { kind: 'ok'; credential: ParsedCredential };

const MAX_HEADER = MAX_CREDENTIAL_LENGTH * 2;

function single(v: HeaderValue): string | undefined | null {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.length === 1 ? v[0]! : null;
  return v;
}

/**
 * Reads the key from `Authorization: Basic base64(keyId:secret)`, `Authorization: Bearer <token>`
 * or `X-API-Key: <token>`. Sizes are bounded before any decoding; the checksum is verified here,
 * so garbage never reaches a cache or the database.
 */
export function extractCredential(headers: CredentialHeaders): ExtractedCredential {
  const auth = single(headers.authorization);
  const apiKey = single(headers['x-api-key']);
  if (auth === null || apiKey === null) return { kind: 'malformed' };
  if (auth !== undefined && apiKey !== undefined) return { kind: 'malformed' };
  if (apiKey !== undefined) return fromToken(apiKey.trim());
  if (auth === undefined || auth === '') return { kind: 'none' };
  if (auth.length > MAX_HEADER) return { kind: 'malformed' };
  const space = auth.indexOf(' ');
  if (space < 0) return { kind: 'malformed' };
  const scheme = auth.slice(0, space).toLowerCase();
  const value = auth.slice(space + 1).trim();
  if (scheme === 'bearer') return fromToken(value);
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { kind: 'malformed' };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    const parsed = parseKeyIdSecret(decoded.slice(0, colon), decoded.slice(colon + 1));
    return parsed ? { kind: 'ok', credential: parsed } : { kind: 'malformed' };
  }
  return { kind: 'malformed' };
}

function fromToken(token: string): ExtractedCredential {
  if (token === '') return { kind: 'none' };
  const parsed = parseToken(token);
  return parsed ? { kind: 'ok', credential: parsed } : { kind: 'malformed' };
}
