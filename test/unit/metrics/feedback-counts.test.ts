/**
 * Hearing the refused (contract §8) in the counts: an answer is a
 * `b|<situation>` counter and its household in the `said-<situation>`
 * sketch — one household however many devices answer — read back as
 * `households.feedback`; and a guard's `maxLiveHereRate` reads the share of
 * refused households that said `live-here`, trips like the other thresholds
 * (past it, with `minHouseholds` treated households), never at it.
 */
import { describe, expect, it } from 'vitest';
import { readGuard } from '../../../src/metrics/guard-reading';
import { HouseholdHasher } from '../../../src/metrics/household-sketch';
import { countsOf, emptyCounts, hasValidTokenCounts, householdCounts, mergeHouseholds, parseCounter, RegionTally, serialiseHouseholds, type HouseholdCounts } from '../../../src/metrics/tally';
import { FEEDBACK_SITUATIONS } from '../../../src/vocabulary';

const hasher = new HouseholdHasher(new TextEncoder().encode('feedback-counts-test-key-of-32-bytes!'));
const T0 = Date.UTC(2026, 11, 7);
const none = Object.fromEntries(FEEDBACK_SITUATIONS.map((s) => [s, 0])) as HouseholdCounts['feedback'];

describe('answers in the tally', () => {
  it('count a household once per situation however many of its devices answer, and every answer as a counter', async () => {
    const tally = new RegionTally('PE', T0);
    const [one, two] = [await hasher.hash('acct-1'), await hasher.hash('acct-2')];
    for (let device = 0; device < 3; device++) tally.countFeedback('live-here', one);
    tally.countFeedback('live-here', two);
    tally.countFeedback('studying', two);
    expect(tally.record()).toEqual({ 'b|live-here': 4, 'b|studying': 1 });
    // As the region's object receives them: serialised, merged.
    const households = householdCounts(mergeHouseholds({}, serialiseHouseholds(tally.households)));
    expect(households).toEqual({ treated: 0, refused: 0, sent: 0, verified: 0, feedback: { ...none, 'live-here': 2, studying: 1 } });
    expect(countsOf(tally.record()).feedback).toEqual({ ...none, 'live-here': 4, studying: 1 });
  });

  it('read `b|<situation>` names back, make a region known (an answer needs a valid token), and nothing else', () => {
    for (const situation of FEEDBACK_SITUATIONS) expect(parseCounter(`b|${situation}`)).toEqual({ kind: 'feedback', situation });
    for (const name of ['b|home', 'b|live-here|x', 'b|']) {
      expect(parseCounter(name)).toBeNull();
      expect(countsOf({ [name]: 2 })).toEqual(emptyCounts());
    }
    expect(hasValidTokenCounts({ 'b|other': 1 })).toBe(true);
  });
});

describe('a guard on maxLiveHereRate', () => {
  const guard = { maxLiveHereRate: 0.25, minHouseholds: 10, window: 'PT15M' };
  const reading = (treated: number, refused: number, liveHere: number) =>
    readGuard(guard, { treated, refused, sent: 0, verified: 0, feedback: { ...none, 'live-here': liveHere, travelling: 3 } }, T0 - 15 * 60_000, T0);

  it('reads live-here households over refused households, and trips past the threshold', () => {
    expect(reading(40, 8, 3)).toMatchObject({ liveHereRate: 0.375, unhealthy: true, cause: 'liveHereRate' });
    expect(reading(40, 8, 2)).toMatchObject({ liveHereRate: 0.25, unhealthy: false });
    expect(reading(40, 8, 2).cause).toBeUndefined();
  });

  it('neither trips below minHouseholds treated households nor reads a rate with nobody refused', () => {
    expect(reading(9, 8, 8)).toMatchObject({ liveHereRate: 1, unhealthy: false });
    expect(reading(40, 0, 0)).toMatchObject({ liveHereRate: null, unhealthy: false });
  });

  it('is read beside the other rates, which keep their causes', () => {
    const both = readGuard({ ...guard, maxRefusalRate: 0.1 }, { treated: 40, refused: 20, sent: 0, verified: 0, feedback: { ...none, 'live-here': 20 } }, T0, T0);
    expect(both).toMatchObject({ refusalRate: 0.5, liveHereRate: 1, cause: 'refusalRate' });
  });
});
