/**
 * The household sketch against exact counts: exact below its exact limit
 * (so below 100 always), within 2 % above it; merging in any order gives the
 * same sketch; serialising round-trips; the hash is keyed.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXACT_HOUSEHOLDS, HouseholdHasher, HouseholdSketch } from '../../../src/metrics/household-sketch';

const SEED = 20_261_201;
const MASK_64 = (1n << 64n) - 1n;

/** splitmix64: a fast, well-mixed stand-in for the keyed hash of household `n` of stream `seed`. */
function hashOf(seed: number, n: number): string {
  let z = (BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(n + 1) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  z ^= z >> 31n;
  return z.toString(16).padStart(16, '0');
}

function sketchOf(seed: number, from: number, to: number, repeats = 1): HouseholdSketch {
  const sketch = new HouseholdSketch();
  for (let r = 0; r < repeats; r++) for (let n = from; n < to; n++) sketch.add(hashOf(seed, n));
  return sketch;
}

const relativeError = (estimate: number, exact: number) => Math.abs(estimate - exact) / exact;

describe('HouseholdSketch', () => {
  it('counts exactly from 1 to 100 households however often each is added', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (households, repeats, seed) => {
        expect(sketchOf(seed, 0, households, repeats).estimate()).toBe(households);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('stays exact up to its exact limit, then switches to registers', () => {
    expect(sketchOf(1, 0, EXACT_HOUSEHOLDS).estimate()).toBe(EXACT_HOUSEHOLDS);
    expect(sketchOf(1, 0, EXACT_HOUSEHOLDS).exact).toBe(true);
    expect(sketchOf(1, 0, EXACT_HOUSEHOLDS + 1).exact).toBe(false);
  });

  it('estimates larger counts within 2 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: EXACT_HOUSEHOLDS + 1, max: 60_000 }), fc.integer(), (households, seed) => {
        expect(relativeError(sketchOf(seed, 0, households).estimate(), households)).toBeLessThanOrEqual(0.02);
      }),
      { seed: SEED, numRuns: 25 },
    );
    for (const households of [2_000, 12_000, 40_000, 250_000]) {
      expect(relativeError(sketchOf(7, 0, households).estimate(), households), `${households} households`).toBeLessThanOrEqual(0.02);
    }
  });

  it('merges in any order and any grouping to the same sketch, the union of its parts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 1500 })), { minLength: 2, maxLength: 6 }), (ranges) => {
        const parts = ranges.map(([from, size]) => sketchOf(3, from, from + size));
        const forwards = parts.reduce((into, part) => into.merge(part), new HouseholdSketch());
        const backwards = parts.toReversed().reduce((into, part) => into.merge(part), new HouseholdSketch());
        const paired = new HouseholdSketch().merge(parts.slice(1).reduce((into, part) => into.merge(part), new HouseholdSketch())).merge(parts[0]!);
        expect(backwards.serialise()).toEqual(forwards.serialise());
        expect(paired.serialise()).toEqual(forwards.serialise());
        const union = new Set<number>();
        for (const [from, size] of ranges) for (let n = from; n < from + size; n++) union.add(n);
        // Exact up to the exact limit, within 2 % above it.
        const allowed = union.size <= EXACT_HOUSEHOLDS ? 0 : 0.02;
        expect(relativeError(forwards.estimate(), union.size)).toBeLessThanOrEqual(allowed);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('round-trips through its bytes, exact and with registers, and refuses anything else', () => {
    for (const size of [0, 1, 99, EXACT_HOUSEHOLDS, 5_000]) {
      const sketch = sketchOf(5, 0, size);
      const copy = HouseholdSketch.deserialise(sketch.serialise());
      expect(copy.estimate()).toBe(sketch.estimate());
      expect(copy.serialise()).toEqual(sketch.serialise());
      expect(copy.merge(sketchOf(5, 0, size)).estimate()).toBe(sketch.estimate());
    }
    expect(sketchOf(5, 0, 5_000).serialise().length).toBe(2 + 12_288);
    expect(() => HouseholdSketch.deserialise(new Uint8Array([9, 1, 2]))).toThrow(TypeError);
  });

  it('hashes an account with a key: another key gives another hash, and the id is nowhere in it', async () => {
    const one = await new HouseholdHasher(new Uint8Array(32).fill(1)).hash('acct-1');
    const other = await new HouseholdHasher(new Uint8Array(32).fill(2)).hash('acct-1');
    expect(one).toMatch(/^[0-9a-f]{16}$/);
    expect(other).not.toBe(one);
    expect(await new HouseholdHasher(new Uint8Array(32).fill(1)).hash('acct-1')).toBe(one);
  });
});
