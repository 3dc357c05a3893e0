import type { LRUCache } from 'lru-cache';
import { boundedLru } from '../../lib/lru.ts';
import { pathIds, recordSize, type PrincipalRecord } from '../principal/key-record.ts';

export type Invalidation = { scope: 'key'; keyId: string } | { scope: 'user'; userId: string } | { scope: 'org'; organizationId: string } | { scope: 'all' };

export const INVALIDATION_TOPIC = 'key-cache:invalidate';

/**
 * In-process cache of key records (bounded by entries and bytes, with a TTL as a safety net)
 * plus a negative cache of unknown key ids so floods of random ids never reach PostgreSQL.
 *
 * A generation counter guards against the classic race: a load that started before an
 * invalidation must not store its (stale) result after it.
 */
export class KeyCache {
  private readonly positive: LRUCache<string, PrincipalRecord>;
  private readonly negative: LRUCache<string, true>;
  private generation = 0;

  constructor(opts: { max: number; maxBytes?: number; ttlMs: number; negativeMax?: number; negativeTtlMs?: number }) {
    this.positive = boundedLru<string, PrincipalRecord>({ entries: opts.max, bytes: opts.maxBytes ?? opts.max * 4096, size: recordSize, ttlMs: opts.ttlMs });
    this.negative = boundedLru<string, true>({ entries: opts.negativeMax ?? 100_000, ttlMs: opts.negativeTtlMs ?? 30_000 });
  }

  get(keyId: string): PrincipalRecord | undefined {
    return this.positive.get(keyId);
  }

  isKnownMissing(keyId: string): boolean {
    return this.negative.has(keyId);
  }

  /** The generation a load must present when it stores its result. */
  currentGeneration(): number {
    return this.generation;
  }

  store(keyId: string, record: PrincipalRecord | null, loadGeneration: number): void {
    if (loadGeneration !== this.generation) return;
    if (record) this.positive.set(keyId, record);
    else this.negative.set(keyId, true);
  }

  get size(): number {
    return this.positive.size;
  }

  get bytes(): number {
    return this.positive.calculatedSize;
  }

  apply(inv: Invalidation): void {
    this.generation++;
    switch (inv.scope) {
      case 'key':
        this.positive.delete(inv.keyId);
        this.negative.delete(inv.keyId);
        return;
      case 'user':
        for (const [k, r] of this.positive.entries()) if (r.userId === inv.userId) this.positive.delete(k);
        return;
      case 'org':
        // A change to an organisation (its roles, catalogue, settings) affects keys living in it
        // or below it, and keys whose user lives in it or below it.
        for (const [k, r] of this.positive.entries()) {
          if (pathIds(r.organizationPath).includes(inv.organizationId) || pathIds(r.userOrganizationPath).includes(inv.organizationId)) this.positive.delete(k);
        }
        return;
      case 'all':
        this.clear();
        return;
    }
  }

  clear(): void {
    this.generation++;
    this.positive.clear();
    this.negative.clear();
  }
}
