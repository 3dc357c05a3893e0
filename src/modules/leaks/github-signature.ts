import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';

/** Where GitHub publishes the keys that sign secret-scanning partner requests. */
export const GITHUB_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';
export type GithubPublicKey = { id: string; pem: string };

const KEY_ID_RE = /^[A-Za-z0-9_=+/-]{1,128}$/;
const BASE64_RE = /^[A-Za-z0-9+/]{8,512}={0,2}$/;
/** An unknown key id makes us ask GitHub again at most this often: a forger cannot make us hammer it. */
const REFETCH_UNKNOWN_MS = 60_000;
const MAX_KEYS_BYTES = 256 * 1024;

const keysBody = z.object({
  public_keys: z
    .array(z.object({ key_identifier: z.string().regex(KEY_ID_RE), key: z.string().min(1).max(4096), is_current: z.boolean().optional() }))
    .max(100),
});
const keysConfig = z
  .array(z.object({ key_identifier: z.string().regex(KEY_ID_RE), key: z.string().min(1).max(4096) }))
  .min(1)
  .max(100);

/** Parses KEYPLANE_GITHUB_SCANNING_KEYS: `[{ "key_identifier": "…", "key": "-----BEGIN PUBLIC KEY-----…" }]`. */
export function parseGithubKeysConfig(json: string): GithubPublicKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('KEYPLANE_GITHUB_SCANNING_KEYS: not JSON (a list of { key_identifier, key })');
  }
  const r = keysConfig.safeParse(raw);
  if (!r.success) throw new Error(`KEYPLANE_GITHUB_SCANNING_KEYS: ${r.error.issues[0]?.message ?? 'invalid'} (a list of { key_identifier, key })`);
  return r.data.map((k) => ({ id: k.key_identifier, pem: k.key }));
}

/** Fetches GitHub's current secret-scanning keys: 5 s at most, 256 KiB at most, validated. */
export async function fetchGithubKeys(url = GITHUB_KEYS_URL, fetchImpl: typeof fetch = fetch): Promise<GithubPublicKey[]> {
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json', 'user-agent': 'keyplane' } });
  if (!res.ok) throw new Error(`GitHub keys: HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_KEYS_BYTES) throw new Error('GitHub keys: response too large');
  const body = keysBody.parse(JSON.parse(text));
  return body.public_keys.map((k) => ({ id: k.key_identifier, pem: k.key }));
}

function toKeyObject(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ec' ? key : null;
  } catch {
    return null;
  }
}

/**
 * The public keys that may sign partner requests: configured ones (tests, air-gapped installs)
 * win; otherwise GitHub's, fetched and cached for `ttlMs`. An unknown key id refetches at most
 * once a minute; callers at once share one fetch; a failed fetch keeps what was cached.
 */
export class GithubKeySource {
  private readonly staticKeys: Map<string, KeyObject> | null;
  private cached = new Map<string, KeyObject>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastUnknownFetch = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private readonly opts: { fetchKeys: () => Promise<GithubPublicKey[]>; ttlMs: number; now: () => number };

  constructor(opts: { staticKeys?: GithubPublicKey[] | null; fetchKeys?: () => Promise<GithubPublicKey[]>; ttlMs?: number; now?: () => number } = {}) {
    this.staticKeys = opts.staticKeys?.length
      ? new Map(opts.staticKeys.flatMap((k) => (toKeyObject(k.pem) ? [[k.id, toKeyObject(k.pem)!] as const] : [])))
      : null;
    this.opts = { fetchKeys: opts.fetchKeys ?? (() => fetchGithubKeys()), ttlMs: opts.ttlMs ?? 3600_000, now: opts.now ?? Date.now };
  }

  async keyFor(id: string): Promise<KeyObject | null> {
    if (this.staticKeys) return this.staticKeys.get(id) ?? null;
    const now = this.opts.now();
    if (now - this.fetchedAt >= this.opts.ttlMs) await this.refresh();
    else if (!this.cached.has(id) && now - this.lastUnknownFetch >= REFETCH_UNKNOWN_MS) {
      this.lastUnknownFetch = now;
      await this.refresh();
    }
    return this.cached.get(id) ?? null;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.opts
      .fetchKeys()
      .then((keys) => {
        const next = new Map<string, KeyObject>();
        for (const k of keys) {
          const obj = toKeyObject(k.pem);
          if (obj) next.set(k.id, obj);
        }
        this.cached = next;
        this.fetchedAt = this.opts.now();
      })
      .catch(() => {
        // Keep what we had; try again after a minute rather than on every request.
        this.fetchedAt = this.opts.now() - this.opts.ttlMs + REFETCH_UNKNOWN_MS;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}

/**
 * Whether GitHub signed this raw body: ECDSA P-256 with SHA-256, the signature base64 ASN.1 DER
 * (`Github-Public-Key-Signature`), by the key `Github-Public-Key-Identifier` names. Hostile input
 * of any shape answers false, never throws.
 */
export async function verifyGithubSignature(source: GithubKeySource, rawBody: Buffer, keyId: unknown, signature: unknown): Promise<boolean> {
  if (typeof keyId !== 'string' || typeof signature !== 'string' || !KEY_ID_RE.test(keyId) || !BASE64_RE.test(signature)) return false;
  const key = await source.keyFor(keyId);
  if (!key) return false;
  try {
    return verify('sha256', rawBody, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
