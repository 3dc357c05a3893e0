import type { FlushEventArgs } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../infra/logger.ts';

/** Published (Redis pub/sub) when a key row is created, so every replica's filter learns its id. */
export const KEY_ADDED_TOPIC = 'key-filter:add';

/** Sized for twice the keys present at build time: ≈ 0.3 % false positives at 12 bits per key. */
const BITS_PER_KEY = 12;
const PROBES = 7;
const MIN_BITS = 1 << 20;
const PAGE = 20_000;

function fnv1a(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A Bloom filter of every existing key id, so random well-formed key ids (anyone can compute the
 * public CRC32 checksum) are answered NOT_FOUND in process instead of each costing a PostgreSQL
 * lookup: the negative cache only helps against repeated ids. Built in the background at start
 * (pages over the key_id index) and rebuilt periodically; new keys are added as this process
 * flushes them and as other replicas announce them.
 *
 * A key the filter has not heard of (created by a process that did not announce it, or during a
 * rebuild's race) is still found: ids the filter rejects may reach PostgreSQL at a bounded rate
 * (a token bucket), which only a flood of unknown ids exhausts.
 */
export class KeyIdFilter {
  private bits: Uint32Array | null = null;
  private mask = 0;
  private building: Set<string> | null = null;
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;

  private readonly opts: { orm: MikroORM; missLoadsPerSecond: number; rebuildMs: number; log?: Logger; now?: () => number };

  constructor(opts: { orm: MikroORM; missLoadsPerSecond: number; rebuildMs: number; log?: Logger; now?: () => number }) {
    this.opts = opts;
    this.tokens = opts.missLoadsPerSecond;
    this.refilledAt = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get ready(): boolean {
    return this.bits !== null;
  }

  /** False only when the id was surely never added. True (ask the database) until the first build. */
  mightExist(keyId: string): boolean {
    const bits = this.bits;
    if (!bits) return true;
    const h1 = fnv1a(keyId, 0x811c9dc5);
    const h2 = fnv1a(keyId, 0x01000193) | 1;
    for (let i = 0; i < PROBES; i++) {
      const b = (h1 + Math.imul(i, h2)) & this.mask;
      if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }

  add(keyId: string): void {
    this.building?.add(keyId);
    if (this.bits) set(this.bits, this.mask, keyId);
  }

  /** One database lookup for an id the filter rejected, if the per-second budget allows. */
  allowMissLoad(): boolean {
    const now = this.now();
    const rate = this.opts.missLoadsPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Builds now, then every `rebuildMs` (which also forgets deleted keys). */
  start(): this {
    void this.rebuild();
    this.timer = setInterval(() => void this.rebuild(), this.opts.rebuildMs);
    this.timer.unref();
    return this;
  }

  /** Stops the timer and waits for a rebuild in flight (closing the pool under it would hang). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight;
  }

  rebuild(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.build().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async build(): Promise<void> {
    this.building = new Set();
    try {
      const conn = this.opts.orm.em.getConnection();
      const [{ n }] = await conn.execute<{ n: string }[]>('select count(*)::text as n from api_key where deleted_at is null');
      let size = MIN_BITS;
      while (size < Number(n) * 2 * BITS_PER_KEY) size *= 2;
      const bits = new Uint32Array(size / 32);
      const mask = size - 1;
      let after = '';
      for (;;) {
        const rows = await conn.execute<{ key_id: string }[]>(
          `select key_id from api_key where key_id > ? and deleted_at is null order by key_id limit ${PAGE}`,
          [after],
        );
        for (const r of rows) set(bits, mask, r.key_id);
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.key_id;
      }
      for (const id of this.building) set(bits, mask, id);
      this.bits = bits;
      this.mask = mask;
    } catch (err) {
      this.opts.log?.warn({ err }, 'key id filter: rebuild failed; keeping the previous one');
    } finally {
      this.building = null;
    }
  }
}

type KeyCreated = (keyId: string) => void;

/** One flush subscriber per ORM, whatever number of apps share it (MikroORM cannot unregister one). */
const keyCreatedListeners = new WeakMap<MikroORM, Set<KeyCreated>>();

function onKeyCreated(orm: MikroORM, listener: KeyCreated): () => void {
  let listeners = keyCreatedListeners.get(orm);
  if (!listeners) {
    const set = new Set<KeyCreated>();
    listeners = set;
    keyCreatedListeners.set(orm, set);
    orm.em.getEventManager().registerSubscriber({
      afterFlush({ uow }: FlushEventArgs) {
        if (set.size === 0) return;
        for (const cs of uow.getChangeSets()) {
          if (cs.type !== 'create' || cs.meta.className !== 'ApiKey') continue;
          const keyId = (cs.entity as { keyId?: unknown }).keyId;
          if (typeof keyId === 'string') for (const l of set) l(keyId);
        }
      },
    });
  }
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * Teaches the filter every key row this process creates (any code path that flushes an ApiKey)
 * and announces it to the other replicas. Adding before the commit is harmless: an id that never
 * commits is one false positive. Returns the way to stop (an app closing over a shared ORM).
 */
export function announceNewKeys(orm: MikroORM, filter: KeyIdFilter, publish: (keyId: string) => Promise<void>, log?: Logger): () => void {
  return onKeyCreated(orm, (keyId) => {
    filter.add(keyId);
    publish(keyId).catch((err: unknown) => log?.warn({ err }, 'key id filter: announcing a new key failed'));
  });
}

function set(bits: Uint32Array, mask: number, keyId: string): void {
  const h1 = fnv1a(keyId, 0x811c9dc5);
  const h2 = fnv1a(keyId, 0x01000193) | 1;
  for (let i = 0; i < PROBES; i++) {
    const b = (h1 + Math.imul(i, h2)) & mask;
    bits[b >>> 5] |= 1 << (b & 31);
  }
}
