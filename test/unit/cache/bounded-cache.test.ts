import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../src/cache/bounded-cache';

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

describe('BoundedCache by weight', () => {
  it('holds at most maxWeight in all, the least recently used leaving first', () => {
    const cache = new BoundedCache<string, string>(100, 1000);
    cache.set('a', 'a', Infinity, 400);
    cache.set('b', 'b', Infinity, 400);
    cache.get('a', 0);
    cache.set('c', 'c', Infinity, 400);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe('a');
    expect(cache.weight).toBe(800);
    cache.set('huge', 'h', Infinity, 5000);
    expect(cache.get('huge', 0)).toBeUndefined();
    expect(cache.weight).toBe(800);
    cache.delete('a');
    expect(cache.weight).toBe(400);
  });
});
