import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/cache/bounded-cache';

describe('bounded cache', () => {
  it('never holds more than its limit, dropping the least recently used', () => {
    const cache = new BoundedCache<number, number>(3);
    for (let i = 0; i < 1_000_000; i++) cache.set(i, i, Infinity);
    expect(cache.size).toBe(3);
    expect(cache.get(999_999, 0)).toBe(999_999);
    expect(cache.get(0, 0)).toBeUndefined();
  });

  it('keeps what was used recently', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1, Infinity);
    cache.set('b', 2, Infinity);
    cache.get('a', 0);
    cache.set('c', 3, Infinity);
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('b', 0)).toBeUndefined();
  });

  it('forgets entries at their expiry', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1, 100);
    expect(cache.get('a', 99)).toBe(1);
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
