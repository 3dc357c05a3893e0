import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';

/** Where GitHub publishes the keys that sign secret-scanning partner requests. */
export const GITHUB_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';
export type GithubPublicKey = { id: string; pem: string };

const KEY_ID_RE = /^[A-Za-z0-9_=+/-]{1,128}$/;
/** Canonical base64 only (length a multiple of 4, padding only at the end): one signature has one spelling. */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4}){2,128}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** An unknown key id makes us ask GitHub again at most this often: a forger cannot make us hammer it. */
const REFETCH_UNKNOWN_MS = 60_000;
const MAX_KEYS_BYTES = 256 * 1024;

// Entries are checked one by one (a key of a shape we do not know is skipped, not the whole list).
const keysBody = z.object({ public_keys: z.array(z.unknown()).max(100) });
const keyEntry = z.object({ key_identifier: z.string().regex(KEY_ID_RE), key: z.string().min(1).max(4096), is_current: z.boolean().optional() });
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
  // A configured key that cannot verify anything is a mistake to report at startup, not to drop.
  for (const k of r.data) {
    if (!toKeyObject(k.key)) throw new Error(`KEYPLANE_GITHUB_SCANNING_KEYS: key ${k.key_identifier} is not a PEM ECDSA P-256 public key`);
  }
  return r.data.map((k) => ({ id: k.key_identifier, pem: k.key }));
}

/** Reads at most `max` bytes of a body, cancelling the stream the moment it goes over. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new Error('GitHub keys: response too large');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new Error('GitHub keys: response too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Fetches GitHub's current secret-scanning keys: 5 s at most, 256 KiB at most (counted in bytes
 * as they arrive), no redirects followed. Entries that are not a P-256 key of a valid id are
 * skipped; a list without one usable key is an error (so the cache keeps what it had).
 */
export async function fetchGithubKeys(url = GITHUB_KEYS_URL, fetchImpl: typeof fetch = fetch): Promise<GithubPublicKey[]> {
  const res = await fetchImpl(url, {
    signal: AbortSignal.timeout(5000),
    redirect: 'error',
    headers: { accept: 'application/json', 'user-agent': 'keyplane' },
  });
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`GitHub keys: HTTP ${res.status}`);
  }
  const text = await readCapped(res, MAX_KEYS_BYTES);
  const body = keysBody.parse(JSON.parse(text));
  const keys: GithubPublicKey[] = [];
  for (const entry of body.public_keys) {
    const k = keyEntry.safeParse(entry);
    if (k.success && toKeyObject(k.data.key)) keys.push({ id: k.data.key_identifier, pem: k.data.key });
  }
  if (keys.length === 0) throw new Error('GitHub keys: no usable P-256 key in the answer');
  return keys;
}

/** The key as a KeyObject when it is an ECDSA public key on P-256 (what GitHub signs with), else null. */
function toKeyObject(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : null;
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
      ? new Map(
          opts.staticKeys.map((k) => {
            const obj = toKeyObject(k.pem);
            if (!obj) throw new Error(`GitHub key ${k.id} is not a PEM ECDSA P-256 public key`);
            return [k.id, obj] as const;
          }),
        )
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
    // A fetch that throws synchronously is a failed fetch like any other (Promise.try semantics).
    this.inflight ??= new Promise<GithubPublicKey[]>((resolve) => resolve(this.opts.fetchKeys()))
      .then((keys) => {
        const next = new Map<string, KeyObject>();
        for (const k of keys) {
          const obj = toKeyObject(k.pem);
          if (obj) next.set(k.id, obj);
        }
        if (next.size === 0) throw new Error('no usable key');
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
  try {
    const key = await source.keyFor(keyId);
    if (!key) return false;
    return verify('sha256', rawBody, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
