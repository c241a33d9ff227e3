import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
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

describe('bounded cache hits', () => {
  /** Milliseconds for `hits` hits on one key, in a cache holding `entries` keys (token-sized strings, as the verified-token cache holds). */
  function timeHits(entries: number, hits: number): number {
    const cache = new BoundedCache<string, number>(entries);
    const key = (i: number) => `token-${i}.${'x'.repeat(300)}`;
    for (let i = 0; i < entries; i++) cache.set(key(i), i, Infinity);
    const hot = key(Math.floor(entries / 2));
    const start = performance.now();
    for (let i = 0; i < hits; i++) if (cache.get(hot, 0) === undefined) throw new Error('hot key lost');
    return performance.now() - start;
  }

  // A hit used to delete and re-insert its key in the Map: each re-insert left a deleted slot in the key's hash
  // chain, and the next insert of the same key walked all of them — a hit on a full 20,000-entry cache cost
  // 80–150 µs, growing with the cache (the `token, seen before` stage of docs/performance.md).
  it('costs about the same on a full cache as on a nearly empty one', () => {
    timeHits(10, 60_000);
    const small = timeHits(10, 60_000);
    const full = timeHits(20_000, 60_000);
    expect(full).toBeLessThan(Math.max(10 * small, 250));
  });

  it('evicts exactly the least recently used, whatever the order of sets, hits and deletes', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(operation, { minLength: 10, maxLength: 80, size: 'max' }), (limit, operations) => {
        const cache = new BoundedCache<number, number>(limit);
        // The model: keys from least to most recently used. Each step notes what the cache held and what the model says.
        let model: number[] = [];
        const held: Array<{ found: boolean | null; size: number }> = [];
        const expected: Array<{ found: boolean | null; size: number }> = [];
        for (const [step, { kind, key }] of operations.entries()) {
          let found: boolean | null = null;
          let modelFound: boolean | null = null;
          if (kind === 'set') {
            cache.set(key, step, Infinity);
            model = [...model.filter((k) => k !== key), key].slice(-limit);
          } else if (kind === 'get') {
            found = cache.get(key, 0) !== undefined;
            modelFound = model.includes(key);
            if (modelFound) model = [...model.filter((k) => k !== key), key];
          } else {
            cache.delete(key);
            model = model.filter((k) => k !== key);
          }
          held.push({ found, size: cache.size });
          expected.push({ found: modelFound, size: model.length });
        }
        expect(held).toEqual(expected);
        expect(model.filter((key) => cache.get(key, 0) === undefined)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('forgets an expired entry on a hit, and holds the rest', () => {
    const cache = new BoundedCache<string, number>(3);
    cache.set('a', 1, 100);
    cache.set('b', 2, 200);
    cache.set('c', 3, 300);
    expect(cache.get('b', 150)).toBe(2);
    expect(cache.get('a', 150)).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set('d', 4, 400);
    cache.set('e', 5, 500);
    // c was the least recently used: b was hit, d and e are new.
    expect(cache.get('c', 0)).toBeUndefined();
    expect(cache.get('b', 199)).toBe(2);
    expect(cache.get('b', 200)).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.weight).toBe(0);
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
