import { readFileSync } from 'node:fs';
import { parseToken, secretMatches } from '../../src/lib/token.ts';

/**
 * The work a minimal verifier cannot avoid, shared by both baselines: parse the token (checksum),
 * look the key up in a Map, HMAC the secret and compare in constant time, check a permission.
 * Keyplane's own path must be measured against this, in the same run.
 */
export type BareKey = {
  keyId: string;
  hash: Buffer;
  organizationId: string;
  userId: string;
  permissions: Set<string>;
  grants: { permission: string; resourceIds: null }[];
};
export type Fixture = { pepper: string; keys: { keyId: string; hash: string; organizationId: string; userId: string; permissions: string[] }[] };

export function loadFixture(path: string): { pepper: Buffer; keys: Map<string, BareKey> } {
  const f = JSON.parse(readFileSync(path, 'utf8')) as Fixture;
  const keys = new Map<string, BareKey>();
  for (const k of f.keys)
    keys.set(k.keyId, {
      keyId: k.keyId,
      hash: Buffer.from(k.hash, 'base64'),
      organizationId: k.organizationId,
      userId: k.userId,
      permissions: new Set(k.permissions),
      grants: k.permissions.map((permission) => ({ permission, resourceIds: null })),
    });
  return { pepper: Buffer.from(f.pepper, 'base64'), keys };
}

export function bareVerify(pepper: Buffer, keys: Map<string, BareKey>, token: unknown, permission: unknown) {
  const cred = typeof token === 'string' ? parseToken(token) : null;
  if (!cred) return answer('MALFORMED', null);
  const k = keys.get(cred.keyId);
  if (!k || !secretMatches(pepper, cred.keyId, cred.secret, k.hash)) return answer('NOT_FOUND', null);
  if (typeof permission === 'string' && !k.permissions.has(permission)) return answer('INSUFFICIENT_PERMISSIONS', k);
  return answer('VALID', k);
}

/** The caller's key, from `Authorization: Bearer`. */
export function bareAuthenticate(pepper: Buffer, keys: Map<string, BareKey>, authorization: string | undefined): BareKey | null {
  if (!authorization?.startsWith('Bearer ')) return null;
  const r = bareVerify(pepper, keys, authorization.slice(7), 'keys:verify');
  return r.valid ? keys.get(r.keyId!)! : null;
}

function answer(code: string, k: BareKey | null) {
  return {
    valid: code === 'VALID',
    code,
    keyId: k?.keyId ?? null,
    organizationId: k?.organizationId ?? null,
    userId: k?.userId ?? null,
    permissions: k?.grants ?? [],
    withheldFields: [] as string[],
    remaining: null,
    rateLimit: null,
  };
}
