import { describe, expect, it } from 'vitest';
import { boundedLru } from '../../src/lib/lru.ts';

describe('boundedLru', () => {
  it('holds at most `entries` items, evicting the least recently used', () => {
    const c = boundedLru<string, number>({ entries: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) c.set(k, i);
    c.get('a');
    c.set('d', 3);
    expect([...c.keys()].sort()).toEqual(['a', 'c', 'd']);
  });

  it('with sizes, holds at most `entries` small items and at most `bytes` in all', () => {
    const c = boundedLru<string, string>({ entries: 4, bytes: 400, size: (v) => v.length });
    for (let i = 0; i < 10; i++) c.set(`k${i}`, 'x');
    expect(c.size).toBe(4);
    const big = boundedLru<string, string>({ entries: 100, bytes: 400, size: (v) => v.length });
    for (let i = 0; i < 10; i++) big.set(`k${i}`, 'y'.repeat(150));
    expect(big.size).toBe(2);
    expect(big.calculatedSize).toBeLessThanOrEqual(400);
    big.set('huge', 'z'.repeat(401));
    expect(big.has('huge')).toBe(false);
  });

  it('expires entries after ttlMs', async () => {
    const c = boundedLru<string, number>({ entries: 10, ttlMs: 20 });
    c.set('a', 1);
    expect(c.get('a')).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(c.get('a')).toBeUndefined();
  });
});
