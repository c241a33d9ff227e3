/**
 * The tally's counter names (src/metrics/tally.ts): what `RegionTally`
 * writes into a record is what `countsOf`, `treatedCounts` and
 * `replayCells` read back — for any mix of answers — and every name keeps
 * the documented grammar (outcomes, reasons, modes, device types, buckets;
 * never an account).
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addRecord,
  BUCKET_KEYS,
  BUCKETS,
  COUNTED_REASONS,
  counterKindOf,
  counterName,
  countsOf,
  emptyCounts,
  FUNNEL_EVENTS,
  hasValidTokenCounts,
  OUTCOMES,
  parseCounter,
  RegionTally,
  REPLAY_CLASSES,
  replayCells,
  replayClassOf,
  ROUTES,
  subtractRecord,
  treatedCounts,
  withoutReplay,
  type CountedAnswer,
  type Counter,
  type Counts,
  type FunnelEvent,
  type ReplayBuckets,
  type ReplayCell,
} from '../../../src/metrics/tally';
import { DEVICE_TYPES, HOME_EVIDENCE, MODES, type Mode } from '../../../src/vocabulary';

const answer: fc.Arbitrary<CountedAnswer> = fc.record({
  route: fc.constantFrom(...ROUTES),
  decision: fc.constantFrom(...OUTCOMES),
  enforced: fc.constantFrom(...OUTCOMES),
  reason: fc.constantFrom(...COUNTED_REASONS),
  mode: fc.option(fc.constantFrom(...MODES), { nil: null }),
  deviceType: fc.option(fc.constantFrom(...DEVICE_TYPES), { nil: null }),
  evidence: fc.option(fc.constantFrom(...HOME_EVIDENCE), { nil: null }),
  sharedNetwork: fc.boolean(),
});
const buckets: fc.Arbitrary<ReplayBuckets | null> = fc.option(fc.record({ region: fc.integer({ min: 0, max: BUCKETS - 1 }), fallback: fc.integer({ min: 0, max: BUCKETS - 1 }) }), { nil: null });
const step = fc.oneof(
  fc.record({ kind: fc.constant('answer' as const), answer, buckets }),
  fc.record({ kind: fc.constant('funnel' as const), event: fc.constantFrom(...FUNNEL_EVENTS), mode: fc.option(fc.constantFrom(...MODES), { nil: null }) }),
);
type Step = { kind: 'answer'; answer: CountedAnswer; buckets: ReplayBuckets | null } | { kind: 'funnel'; event: FunnelEvent; mode: Mode | null };

const treatedMode = (mode: Mode | null) => mode === 'challenge' || mode === 'enforce';

/** What the counts must say, worked out from the answers themselves rather than from counter names. */
function expected(steps: Step[]): { counts: Counts; cells: ReplayCell[] } {
  const counts = emptyCounts();
  const cells: ReplayCell[] = [];
  for (const s of steps) {
    if (s.kind === 'funnel') {
      counts.verification[s.event] += 1;
      if (treatedMode(s.mode) && s.event === 'sent') counts.treated.codesSent += 1;
      if (treatedMode(s.mode) && s.event === 'verified') counts.treated.codesVerified += 1;
      continue;
    }
    const a = s.answer;
    const plural = a.route === 'session' ? 'sessions' : 'segments';
    counts[plural][a.decision] += 1;
    if (a.enforced !== 'allow') counts.wouldRefuse[plural] += 1;
    counts.reasons[a.reason] = (counts.reasons[a.reason] ?? 0) + 1;
    counts.modes[plural][a.mode ?? 'none'] += 1;
    if (a.evidence !== null) counts.inHousehold[plural][a.evidence] += 1;
    if (a.sharedNetwork) {
      counts.sharedNetworks[plural] += 1;
      if (a.enforced !== 'allow') counts.sharedNetworks.wouldRefuse[plural] += 1;
    }
    if (a.route !== 'session') continue;
    if (treatedMode(a.mode)) {
      counts.treated.sessions += 1;
      if (a.decision !== 'allow') counts.treated.refused += 1;
    }
    const replayClass = replayClassOf(a);
    if (replayClass !== null && s.buckets !== null && a.deviceType !== null) {
      cells.push({ kind: 'bucketed', key: 'r', bucket: s.buckets.region, replayClass, deviceType: a.deviceType, sessions: 1 });
      cells.push({ kind: 'bucketed', key: '*', bucket: s.buckets.fallback, replayClass, deviceType: a.deviceType, sessions: 1 });
    } else {
      cells.push({ kind: 'fixed', outcome: a.decision, deviceType: a.deviceType, sessions: 1 });
    }
  }
  return { counts, cells };
}

/** Cells summed by everything but their count, so two lists compare whatever their order. */
function summed(cells: ReplayCell[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { sessions, ...cell } of cells) {
    const key = JSON.stringify(cell, Object.keys(cell).toSorted());
    out[key] = (out[key] ?? 0) + sessions;
  }
  return out;
}

function tallied(steps: Step[]): RegionTally {
  const tally = new RegionTally('PE', Date.UTC(2026, 0, 1));
  for (const s of steps) {
    if (s.kind === 'answer') tally.count(s.answer, s.buckets);
    else tally.countFunnel(s.event, s.mode);
  }
  return tally;
}

const NAME = new RegExp(
  [
    `^d\\|(${ROUTES.join('|')})\\|(${OUTCOMES.join('|')})\\|(${OUTCOMES.join('|')})\\|(${COUNTED_REASONS.join('|')})\\|(${MODES.join('|')}|-)$`,
    `^v\\|(${FUNNEL_EVENTS.join('|')})\\|(${MODES.join('|')}|-)$`,
    `^p\\|(r|\\*)\\|\\d{1,2}\\|(outside|travel)\\|(${DEVICE_TYPES.join('|')})$`,
    `^f\\|(${OUTCOMES.join('|')})\\|(${DEVICE_TYPES.join('|')}|-)$`,
    `^e\\|(${ROUTES.join('|')})\\|(${HOME_EVIDENCE.join('|')})$`,
    `^s\\|(${ROUTES.join('|')})\\|(${OUTCOMES.join('|')})$`,
    `^r\\|[A-Za-z0-9._+-]{1,64}\\|(${ROUTES.join('|')})\\|(${OUTCOMES.join('|')})$`,
  ].join('|'),
);

describe('RegionTally records', () => {
  it('read back into the same counts, treated figures and replay cells as the answers counted', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const record = tallied(steps).record();
        const { counts, cells } = expected(steps);
        expect(countsOf(record)).toEqual(counts);
        expect(treatedCounts(record)).toEqual(counts.treated);
        expect(summed(replayCells(record))).toEqual(summed(cells));
      }),
    );
  });

  it('name every counter in the documented grammar, and only counters that moved', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const record = tallied(steps).record();
        for (const [name, n] of Object.entries(record)) {
          expect(name).toMatch(NAME);
          expect(n).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('are untouched and empty until something is counted', () => {
    const tally = new RegionTally('PE', 0);
    expect(tally.touched).toBe(false);
    expect(tally.record()).toEqual({});
    tally.countFunnel('sent', 'enforce');
    expect(tally.touched).toBe(true);
    expect(tally.record()).toEqual({ [counterName({ kind: 'funnel', event: 'sent', mode: 'enforce' })]: 1 });
  });
});

describe('records', () => {
  it('add and take away counter by counter, never below zero', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.array(step, { maxLength: 30 }), (a, b) => {
        const first = tallied(a).record();
        const second = tallied(b).record();
        const both = addRecord(addRecord({}, first), second);
        expect(countsOf(both)).toEqual(countsOf(second, countsOf(first)));
        const back = subtractRecord({ ...both }, second);
        for (const [name, n] of Object.entries(first)) expect(back[name]).toBe(n);
        for (const n of Object.values(subtractRecord({ ...first }, both))) expect(n).toBe(0);
      }),
    );
  });

  it('lose only their replay counters to withoutReplay, which a metrics answer does not read', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const record = tallied(steps).record();
        const kept = withoutReplay(record);
        expect(replayCells(kept)).toEqual([]);
        expect(countsOf(kept)).toEqual(countsOf(record));
        const read = Object.fromEntries(Object.entries(record).filter(([name]) => parseCounter(name)!.kind !== 'replay' && parseCounter(name)!.kind !== 'fixed'));
        expect(kept).toEqual(read);
      }),
    );
  });

  it('make a region known only with a count that needed a valid token', () => {
    const refusedToken: CountedAnswer = { route: 'session', decision: 'deny', enforced: 'deny', reason: 'TOKEN_INVALID', mode: null, deviceType: null, evidence: null, sharedNetwork: false };
    expect(hasValidTokenCounts(tallied([{ kind: 'answer', answer: refusedToken, buckets: null }]).record())).toBe(false);
    expect(hasValidTokenCounts(tallied([{ kind: 'answer', answer: { ...refusedToken, reason: 'IN_HOUSEHOLD', decision: 'allow', enforced: 'allow', mode: 'monitor' }, buckets: null }]).record())).toBe(
      true,
    );
    expect(hasValidTokenCounts(tallied([{ kind: 'funnel', event: 'sent', mode: null }]).record())).toBe(true);
    expect(hasValidTokenCounts({ [counterName({ kind: 'decision', route: 'session', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' })]: 0 })).toBe(false);
  });
});

const mode = fc.option(fc.constantFrom(...MODES), { nil: null });
const counter: fc.Arbitrary<Counter> = fc.oneof(
  fc.record({
    kind: fc.constant('decision' as const),
    route: fc.constantFrom(...ROUTES),
    decision: fc.constantFrom(...OUTCOMES),
    enforced: fc.constantFrom(...OUTCOMES),
    reason: fc.constantFrom(...COUNTED_REASONS),
    mode,
  }),
  fc.record({ kind: fc.constant('funnel' as const), event: fc.constantFrom(...FUNNEL_EVENTS), mode }),
  fc.record({
    kind: fc.constant('replay' as const),
    key: fc.constantFrom(...BUCKET_KEYS),
    bucket: fc.integer({ min: 0, max: BUCKETS - 1 }),
    replayClass: fc.constantFrom(...REPLAY_CLASSES),
    deviceType: fc.constantFrom(...DEVICE_TYPES),
  }),
  fc.record({ kind: fc.constant('fixed' as const), outcome: fc.constantFrom(...OUTCOMES), deviceType: fc.option(fc.constantFrom(...DEVICE_TYPES), { nil: null }) }),
  fc.record({ kind: fc.constant('evidence' as const), route: fc.constantFrom(...ROUTES), evidence: fc.constantFrom(...HOME_EVIDENCE) }),
  fc.record({ kind: fc.constant('shared' as const), route: fc.constantFrom(...ROUTES), enforced: fc.constantFrom(...OUTCOMES) }),
);

describe('counter names', () => {
  it('read back as the counter they were written from, in the documented grammar', () => {
    fc.assert(
      fc.property(counter, (c) => {
        const name = counterName(c);
        expect(name).toMatch(NAME);
        expect(parseCounter(name)).toEqual(c);
        expect(counterKindOf(name)).toBe(c.kind);
      }),
    );
  });

  it('keep the names already stored: each kind as written before the encoder', () => {
    expect(parseCounter('d|session|challenge|deny|TRAVEL_LIMIT_REACHED|-')).toEqual({
      kind: 'decision',
      route: 'session',
      decision: 'challenge',
      enforced: 'deny',
      reason: 'TRAVEL_LIMIT_REACHED',
      mode: null,
    });
    expect(parseCounter('v|verified|enforce')).toEqual({ kind: 'funnel', event: 'verified', mode: 'enforce' });
    expect(parseCounter('p|*|42|travel|mobile')).toEqual({ kind: 'replay', key: '*', bucket: 42, replayClass: 'travel', deviceType: 'mobile' });
    expect(parseCounter('f|deny|-')).toEqual({ kind: 'fixed', outcome: 'deny', deviceType: null });
    expect(parseCounter('e|segment|copresence')).toEqual({ kind: 'evidence', route: 'segment', evidence: 'copresence' });
    expect(parseCounter('s|session|challenge')).toEqual({ kind: 'shared', route: 'session', enforced: 'challenge' });
    expect(counterName({ kind: 'decision', route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' })).toBe('d|segment|allow|allow|IN_HOUSEHOLD|monitor');
  });

  it('outside the grammar read as no counter, and count nowhere', () => {
    for (const name of [
      '',
      'x|session',
      'd|session|allow|allow|IN_HOUSEHOLD',
      'd|session|allow|allow|IN_HOUSEHOLD|monitor|extra',
      'd|session|allow|allow|NOT_A_REASON|monitor',
      'v|sent|sideways',
      'p|r|100|outside|tv',
      'p|r|07|outside|tv',
      'p|r|7|outside|-',
      'f|maybe|tv',
      'e|session|guess',
      's|stream|allow',
    ]) {
      expect(parseCounter(name)).toBeNull();
      expect(countsOf({ [name]: 3 })).toEqual(emptyCounts());
      expect(replayCells({ [name]: 3 })).toEqual([]);
    }
  });
});
