import { hash, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { KeySnapshot, VerifyCode, VerifyInput, VerifyKeyResult } from './types.ts';

/** A snapshot made ready for decisions: permissions as a map, the allowlist as a BlockList. */
type Entry = {
  snapshot: KeySnapshot;
  grants: Map<string, ReadonlySet<string> | null>;
  ips: BlockList | null;
  storedAt: number;
  /** Cached answers by code (the permission-independent part of a result). */
  results: Map<string, VerifyKeyResult>;
};

const NONE: string[] = [];

/** `::ffff:1.2.3.4` → `1.2.3.4`, as Keyplane compares addresses. */
function normaliseIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  let a = ip.trim();
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  const v = isIP(a);
  return v === 4 ? { address: a, family: 'ipv4' } : v === 6 ? { address: a, family: 'ipv6' } : null;
}

function compileIps(cidrs: string[]): BlockList | null {
  if (!cidrs.length) return null;
  const list = new BlockList();
  for (const c of cidrs) {
    const slash = c.lastIndexOf('/');
    const net = normaliseIp(slash < 0 ? c : c.slice(0, slash));
    if (!net) continue;
    const bits = slash < 0 ? (net.family === 'ipv4' ? 32 : 128) : Number(c.slice(slash + 1));
    list.addSubnet(net.address, bits, net.family);
  }
  return list;
}

/**
 * Snapshots of keys this host verified, keyed by a salted hash of the credential (never the
 * credential itself: a heap dump shows no token), bounded (least recently stored goes first).
 * `generation` moves on every invalidation, so an answer fetched before one is never stored after it.
 */
export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly salt = randomBytes(32).toString('base64');
  private readonly max: number;
  generation = 0;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * SHA-256 of a per-process random salt and the credential: one-shot (an HMAC object per call
   * cost 10 µs, most of a local verification); the credential carries 256 random bits, so the
   * salt only keeps equal tokens in two processes from having equal cache keys.
   */
  hashOf(input: VerifyInput): string {
    const credential = input.token != null ? `t:${input.token}` : `p:${input.keyId}\0${input.secret}`;
    return hash('sha256', this.salt + credential, 'base64url');
  }

  get(hash: string, now: number, maxAgeMs: number): Entry | null {
    const e = this.entries.get(hash);
    if (!e) return null;
    if (now - e.storedAt > Math.min(maxAgeMs, e.snapshot.maxAgeMs) || (e.snapshot.secretValidUntil !== null && now >= e.snapshot.secretValidUntil)) {
      this.entries.delete(hash);
      return null;
    }
    return e;
  }

  store(hash: string, snapshot: KeySnapshot, generation: number, now: number): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= this.max && !this.entries.has(hash)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const grants = new Map<string, ReadonlySet<string> | null>();
    for (const g of snapshot.permissions) grants.set(g.permission, g.resourceIds ? new Set(g.resourceIds) : null);
    this.entries.set(hash, { snapshot, grants, ips: compileIps(snapshot.allowedIps), storedAt: now, results: new Map() });
  }

  dropKey(keyId: string): void {
    this.generation++;
    for (const [h, e] of this.entries) if (e.snapshot.key.keyId === keyId) this.entries.delete(h);
  }

  dropUser(userId: string): void {
    this.generation++;
    for (const [h, e] of this.entries) if (e.snapshot.userId === userId) this.entries.delete(h);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

/**
 * Keyplane's checks after the secret, in its order, on a snapshot: status, validity window, IP
 * allowlist, user status, permission and resource. The same answer the server would give, or null
 * when only the server can answer (a permission the key does not hold at all).
 */
export function decide(e: Entry, input: VerifyInput, now: number): VerifyKeyResult | null {
  const s = e.snapshot;
  let code: VerifyCode = 'VALID';
  if (s.key.status === 'REVOKED') code = 'REVOKED';
  else if (s.key.status === 'EXPIRED') code = 'EXPIRED';
  else if (s.validFrom !== null && now < s.validFrom) code = 'NOT_YET_VALID';
  else if (s.validUntil !== null && now >= s.validUntil) code = 'EXPIRED';
  else if (e.ips && !ipAllowed(e.ips, input.ip)) code = 'IP_NOT_ALLOWED';
  else if (s.userStatus !== 'ACTIVE') code = 'USER_DISABLED';
  else if (input.permission && !allows(e.grants, input.permission, input.resource ?? null)) {
    // A permission the key holds for other instances is a denial; one it does not hold at all may
    // be unknown to Keyplane's catalogue (UNKNOWN_PERMISSION), which only the server can tell.
    if (!e.grants.has(input.permission)) return null;
    code = 'INSUFFICIENT_PERMISSIONS';
  }
  let withheld = NONE;
  if (s.key.kind === 'PUBLISHABLE' && input.permission) {
    const colon = input.permission.indexOf(':');
    withheld = s.withheldFields[colon > 0 ? input.permission.slice(0, colon) : input.permission] ?? NONE;
  }
  // Results are shared per code and withheld list (callers must not mutate them).
  const cacheKey = withheld === NONE ? code : `${code}|${withheld.join(',')}`;
  let r = e.results.get(cacheKey);
  if (!r) {
    r = {
      valid: code === 'VALID',
      code,
      apiKey: s.key,
      organizationId: s.organizationId,
      userId: s.userId,
      permissions: s.permissions,
      withheldFields: withheld,
      remaining: null,
      rateLimit: null,
      poolRemaining: null,
    };
    e.results.set(cacheKey, r);
  }
  return r;
}

function ipAllowed(list: BlockList, ip: string | null | undefined): boolean {
  if (!ip || ip.length > 64) return false;
  const a = normaliseIp(ip);
  return a !== null && list.check(a.address, a.family);
}

function allows(grants: Map<string, ReadonlySet<string> | null>, permission: string, resource: string | null): boolean {
  const limit = grants.get(permission);
  if (limit === undefined) return false;
  if (limit === null) return true;
  return resource != null && limit.has(resource);
}
