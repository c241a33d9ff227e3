/**
 * The sample of requests that prove nothing (contract §9): a share of them,
 * at most a few lines per network and minute, each line carrying the weight
 * it stands for — so the weights still add up to what was seen.
 */
import { describe, expect, it } from 'vitest';
import { CappedSample, LINES_PER_NETWORK_MINUTE } from '../../../src/metrics/capped-sample';

const MINUTE = 60_000;
const start = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE);

describe('CappedSample', () => {
  it('writes at most the cap per network and minute, however many arrive, and starts again the next minute', () => {
    const sample = new CappedSample(1);
    const weights = Array.from({ length: 1000 }, (_, i) => sample.take('n1.flood', start + i));
    expect(weights.filter((w) => w !== null)).toEqual([1, 1, 1]);
    expect(sample.usage).toEqual({ seen: 1000, written: LINES_PER_NETWORK_MINUTE, capped: 997 });
    // The next minute's first line carries everything the cap held back.
    expect(sample.take('n1.flood', start + MINUTE)).toBe(998);
  });

  it('caps each network on its own: one network’s flood takes nothing from another’s lines', () => {
    const sample = new CappedSample(1, 2);
    for (let i = 0; i < 50; i++) sample.take('n1.flood', start);
    expect(sample.take('n1.other', start)).toBe(1);
  });

  it('takes a share, each line standing for 1/share', () => {
    const sample = new CappedSample(0.25, 1000);
    let i = 0;
    const random = () => [0.1, 0.5, 0.9, 0.3][i++ % 4]!;
    const weights = Array.from({ length: 8 }, () => sample.take('n1.a', start, random));
    expect(weights).toEqual([4, null, null, null, 4, null, null, null]);
  });

  it('writes nothing at a share of 0', () => {
    const sample = new CappedSample(0);
    for (let i = 0; i < 100; i++) expect(sample.take('n1.a', start)).toBeNull();
  });

  it('keeps the weights’ sum equal to the events seen, over minutes and a spread of networks', () => {
    const sample = new CappedSample(0.1);
    let seen = 0;
    let weighed = 0;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let minute = 0; minute < 30; minute++) {
      for (let i = 0; i < 2000; i++) {
        seen += 1;
        weighed += sample.take(`n1.${i % 5}`, start + minute * MINUTE + i, random) ?? 0;
      }
    }
    // Only the last minute's held-back weight is still owed: within a few percent of everything seen.
    expect(weighed / seen).toBeGreaterThan(0.9);
    expect(weighed / seen).toBeLessThanOrEqual(1.05);
    expect(sample.usage.written).toBeLessThanOrEqual(30 * 5 * LINES_PER_NETWORK_MINUTE);
  });
});
