import { LRUCache } from 'lru-cache';

/**
 * An LRU bounded by entries (and, given `size`, by bytes) that allocates as it fills. lru-cache's
 * own `max` preallocates arrays of that length on construction (about 35 ms and a few megabytes
 * for 100,000 entries, paid by every process and every app a test makes). Here each entry counts
 * at least `bytes / entries`, so the cache never holds more than `entries` items nor, when sizes
 * are given, more than `bytes`.
 */
export function boundedLru<K extends {}, V extends {}>(opts: { entries: number; bytes?: number; size?: (v: V) => number; ttlMs?: number }): LRUCache<K, V> {
  const bytes = opts.bytes ?? opts.entries;
  const slot = Math.max(1, Math.ceil(bytes / opts.entries));
  const size = opts.size;
  return new LRUCache<K, V>({
    maxSize: bytes,
    sizeCalculation: size ? (v) => Math.max(size(v), slot) : () => slot,
    ...(opts.ttlMs ? { ttl: opts.ttlMs } : {}),
  });
}
