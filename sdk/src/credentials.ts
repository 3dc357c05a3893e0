/** A credential as a request carries it; `malformed` when the headers are there but unusable. */
export type ExtractedKey = { token: string } | { keyId: string; secret: string } | 'none' | 'malformed';

type Header = string | string[] | undefined | null;
const MAX = 1024;

function single(v: Header): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 1 ? v[0]! : null;
  return v;
}

/**
 * Reads the key as Keyplane does: `Authorization: Bearer <token>`, `X-API-Key: <token>` or
 * `Authorization: Basic base64(keyId:secret)`; both headers at once is malformed. Checksums are
 * left to Keyplane (a malformed token is never cached, so it costs a server call).
 */
export function extractKey(authorization: Header, xApiKey: Header): ExtractedKey {
  const auth = single(authorization);
  const apiKey = single(xApiKey);
  if (auth === null || apiKey === null) return 'malformed';
  if (auth !== undefined && apiKey !== undefined) return 'malformed';
  if (apiKey !== undefined) {
    const t = apiKey.trim();
    return t === '' ? 'none' : t.length > MAX ? 'malformed' : { token: t };
  }
  if (auth === undefined || auth === '') return 'none';
  if (auth.length > MAX * 2) return 'malformed';
  const space = auth.indexOf(' ');
  if (space < 0) return 'malformed';
  const scheme = auth.slice(0, space).toLowerCase();
  const value = auth.slice(space + 1).trim();
  if (scheme === 'bearer') return value === '' ? 'none' : value.length > MAX ? 'malformed' : { token: value };
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return 'malformed';
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1) return 'malformed';
    return { keyId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  return 'malformed';
}
