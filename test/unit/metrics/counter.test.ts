/**
 * The isolate's counters and their flush schedule: at most one flush per
 * interval, one within the interval of any count even when traffic stops,
 * and counts a failed flush could not deliver arrive with the next one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DecisionCounter, OWED_MINUTES_KEPT, type MinuteCounts } from '../../../src/metrics/counter';
import { countsOf, householdCounts, mergeHouseholds, type CountedAnswer } from '../../../src/metrics/tally';

const allowed: CountedAnswer = { route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor', deviceType: 'tv', evidence: 'network', sharedNetwork: false };
const refused: CountedAnswer = {
  route: 'session',
  decision: 'challenge',
  enforced: 'challenge',
  reason: 'OUTSIDE_HOUSEHOLD',
  mode: 'enforce',
  deviceType: 'mobile',
  evidence: null,
  sharedNetwork: false,
};

function harness(intervalMs: number, failures = 0) {
  const delivered: Array<{ region: string; minutes: MinuteCounts[] }> = [];
  let failing = failures;
  const counter = new DecisionCounter(intervalMs, async (region, minutes) => {
    if (failing > 0) {
      failing -= 1;
      throw new Error('region object unavailable');
    }
    delivered.push({ region, minutes });
    return { rowsWritten: 2 * minutes.length };
  });
  const scheduled: Promise<unknown>[] = [];
  const waitUntil = (promise: Promise<unknown>) => void scheduled.push(promise);
  const sum = (region: string) => {
    const counts = { allow: 0, challenge: 0 };
    for (const d of delivered.filter((x) => x.region === region))
      for (const m of d.minutes) {
        const c = countsOf(m.record);
        counts.allow += c.segments.allow + c.sessions.allow;
        counts.challenge += c.sessions.challenge;
      }
    return counts;
  };
  return { counter, delivered, scheduled, waitUntil, sum };
}

describe('DecisionCounter', () => {
  afterEach(() => vi.useRealTimers());

  it('flushes at once after a quiet spell, then once for any number of decisions within the interval, carrying all of them', async () => {
    const { counter, scheduled, waitUntil, delivered, sum } = harness(300);
    const now = Date.now();
    for (let i = 0; i < 1000; i++) {
      counter.count('PE', now, allowed, null);
      counter.scheduleFlush(now, waitUntil);
    }
    counter.count('CL', now, refused, { region: 3, fallback: 97 });
    counter.scheduleFlush(now, waitUntil);
    // The first decision found no flush for a while: it went at once; the rest wait for one more.
    expect(scheduled).toHaveLength(2);
    await Promise.all(scheduled);
    expect(delivered.map((d) => d.region).toSorted()).toEqual(['CL', 'PE', 'PE']);
    expect(sum('PE')).toEqual({ allow: 1000, challenge: 0 });
    expect(sum('CL')).toEqual({ allow: 0, challenge: 1 });
    expect(counter.usage).toEqual({ flushes: 2, deliveries: 3, rowsWritten: 6 });
  });

  it('flushes at most once per interval, and once more after the last decision when traffic stops', async () => {
    const { counter, scheduled, waitUntil, delivered } = harness(300);
    const first = Date.now();
    counter.count('PE', first, allowed, null);
    counter.scheduleFlush(first, waitUntil);
    await scheduled[0];
    const flushedAt = Date.now();
    // Traffic continues, then stops: one more flush, no sooner than the interval after the first.
    for (let i = 0; i < 5; i++) {
      counter.count('PE', Date.now(), allowed, null);
      counter.scheduleFlush(Date.now(), waitUntil);
    }
    expect(scheduled).toHaveLength(2);
    await scheduled[1];
    expect(Date.now() - flushedAt).toBeGreaterThanOrEqual(290);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]!.minutes.reduce((n, m) => n + countsOf(m.record).segments.allow, 0)).toBe(5);
  });

  it('keeps each minute apart, and delivers what a failed flush owed with the next one', async () => {
    const { counter, scheduled, waitUntil, delivered, sum } = harness(0, 1);
    const minute = Date.now() - (Date.now() % 60_000) - 120_000;
    counter.count('PE', minute + 5_000, allowed, null);
    counter.count('PE', minute + 65_000, allowed, null);
    counter.scheduleFlush(Date.now(), waitUntil);
    await Promise.all(scheduled);
    expect(delivered).toHaveLength(0);
    counter.count('PE', minute + 70_000, allowed, null);
    counter.scheduleFlush(Date.now(), waitUntil);
    await Promise.all(scheduled);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.minutes.map((m) => m.minute).toSorted()).toEqual([minute, minute + 60_000]);
    expect(sum('PE')).toEqual({ allow: 3, challenge: 0 });
  });

  it('counts treated and refused households once each however many sessions, and keeps them through a failed flush', async () => {
    const { counter, delivered } = harness(0, 1);
    const now = Date.now();
    const [one, two] = ['00000000000000a1', '00000000000000b2'];
    for (let i = 0; i < 30; i++) counter.count('PE', now, refused, null, one);
    counter.count('PE', now, { ...refused, decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD' }, null, two);
    counter.count('PE', now, { ...refused, mode: 'monitor' }, null, '00000000000000c3'); // not treated
    counter.count('PE', now, allowed, null, null); // a segment: no household
    counter.countFunnel('PE', now, 'sent', 'challenge', one);
    await counter.flush(); // fails: owed
    expect(delivered).toHaveLength(0);
    counter.countFunnel('PE', now, 'verified', 'challenge', one);
    await counter.flush();
    const minutes = delivered.flatMap((d) => d.minutes);
    const households = mergeHouseholds({}, minutes[0]!.households!);
    expect(householdCounts(households)).toMatchObject({ treated: 2, refused: 1, sent: 1, verified: 1 });
    expect(countsOf(minutes[0]!.record).sessions.challenge).toBe(31);
  });

  it('waits no longer than the interval when the clock is behind its last flush (a clock set back)', async () => {
    const { counter, scheduled, waitUntil, delivered } = harness(300);
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    vi.setSystemTime(now + 30 * 60_000);
    counter.count('PE', Date.now(), allowed, null);
    counter.scheduleFlush(Date.now(), waitUntil);
    await scheduled[0];
    vi.setSystemTime(now);
    counter.count('PE', Date.now(), allowed, null);
    counter.scheduleFlush(Date.now(), waitUntil);
    // Timers run in real time: the flush comes within the interval, not thirty minutes on.
    const waited = await Promise.race([scheduled[1]!.then(() => 'flushed'), new Promise((resolve) => setTimeout(resolve, 2_000, 'still waiting'))]);
    expect(waited).toBe('flushed');
    expect(delivered).toHaveLength(2);
  });

  it('sends a minute decided under two rollout versions as two, each with its version, through a failed flush too', async () => {
    const { counter, delivered } = harness(0, 1);
    const now = Date.now();
    const minute = now - (now % 60_000);
    counter.count('PE', now, { ...refused, policyVersion: 11 }, null, '00000000000000a1');
    counter.count('PE', now, { ...refused, route: 'segment', decision: 'deny', enforced: 'deny', reason: 'TOKEN_EXPIRED', mode: null }, null, null); // no rule applied
    counter.count('PE', now, { ...refused, policyVersion: 12 }, null, '00000000000000b2');
    counter.countFunnel('PE', now, 'sent', 'enforce', '00000000000000b2', 12);
    await counter.flush(); // fails: owed
    counter.count('PE', now, { ...refused, policyVersion: 12 }, null, '00000000000000c3');
    await counter.flush();
    const minutes = delivered.flatMap((d) => d.minutes).toSorted((a, b) => a.policyVersion! - b.policyVersion!);
    expect(minutes.map((m) => [m.minute, m.policyVersion])).toEqual([
      [minute, 11],
      [minute, 12],
    ]);
    expect(householdCounts(mergeHouseholds({}, minutes[0]!.households!))).toMatchObject({ treated: 1, refused: 1, sent: 0, verified: 0 });
    expect(householdCounts(mergeHouseholds({}, minutes[1]!.households!))).toMatchObject({ treated: 2, refused: 2, sent: 1, verified: 0 });
    // Every answer is still counted once.
    const sessions = minutes.reduce((n, m) => n + countsOf(m.record).sessions.challenge, 0);
    expect(sessions).toBe(3);
  });

  it('keeps what a failed flush owed by minutes of the clock (OWED_MINUTES_KEPT), and its log counts minutes, not rollout versions', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
    const { counter, delivered } = harness(0, 1);
    const now = Date.now();
    const old = now - (OWED_MINUTES_KEPT + 5) * 60_000;
    // One minute under three rollout versions, and one minute too old to keep.
    for (const policyVersion of [1, 2, 3]) counter.count('PE', now, { ...refused, policyVersion }, null, null);
    counter.count('PE', old, { ...refused, policyVersion: 1 }, null, null);
    await counter.flush(); // fails
    const line = JSON.parse(errors.find((l) => l.includes('metrics_flush_failed'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ event: 'metrics_flush_failed', region: 'PE', minutesKept: 1, minutesDropped: 1 });
    await counter.flush();
    const minutes = delivered.flatMap((d) => d.minutes);
    expect(new Set(minutes.map((m) => m.minute))).toEqual(new Set([now - (now % 60_000)]));
    expect(minutes.map((m) => m.policyVersion).toSorted()).toEqual([1, 2, 3]);
    vi.restoreAllMocks();
  });
});
