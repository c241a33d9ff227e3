import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../../src/config/duration';

describe('ISO 8601 durations', () => {
  it.each([
    ['P31D', 31 * 86_400_000],
    ['PT15M', 15 * 60_000],
    ['PT6S', 6000],
    ['PT0.5S', 500],
    ['P1W', 7 * 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
    ['pt1h30m', 90 * 60_000],
  ])('reads %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', '31D', 'P-1D', 'PT0S', 'P1D2H', 'banana', 'P1.D'])('refuses %j', (text) => {
    expect(() => parseDurationMs(text)).toThrow(/ISO 8601|longer than zero/);
  });

  it('refuses years and months, which have no fixed length', () => {
    expect(() => parseDurationMs('P1M')).toThrow(/use days/);
    expect(() => parseDurationMs('P1Y')).toThrow(/use days/);
    expect(parseDurationMs('PT1M')).toBe(60_000);
  });
});
