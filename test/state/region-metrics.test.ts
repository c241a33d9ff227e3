/**
 * RegionMetrics in real Durable Object storage: one row written per flush,
 * complete hours rolled up by the alarm, hour steps equal before and after
 * the roll-up, late counts counted once, old rows pruned.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { HearthEnv } from '../../src/env';
import { counterName, countsOf, type TallyRecord } from '../../src/metrics/tally';
import { regionMetrics, type RegionMetrics } from '../../src/state/region-metrics';

const bindings = env as unknown as HearthEnv;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const segments = (n: number): TallyRecord => ({ [counterName({ kind: 'decision', route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' })]: n });

let seed = 0;
const freshRegion = () => `Z${String.fromCharCode(65 + ++seed)}`;

function allowed(series: Array<{ record: TallyRecord }>): number {
  return series.reduce((sum, step) => sum + countsOf(step.record).segments.allow, 0);
}

describe('RegionMetrics', () => {
  it('writes one row per flush, rolls complete hours up, and answers hour steps the same before and after', async () => {
    const region = freshRegion();
    const metrics = regionMetrics(bindings, region);
    const thisHour = Date.now() - (Date.now() % HOUR);
    const flushes = [
      { minute: thisHour - 3 * HOUR + 5 * MINUTE, n: 3 },
      { minute: thisHour - 3 * HOUR + 59 * MINUTE, n: 4 },
      { minute: thisHour - 2 * HOUR, n: 5 },
      { minute: thisHour, n: 6 },
    ];
    for (const { minute, n } of flushes) expect(await metrics.add(region, [{ minute, record: segments(n) }])).toEqual({ rowsWritten: 1 });
    // A second flush for the same minute adds to its row.
    await metrics.add(region, [{ minute: thisHour, record: segments(1) }]);

    const from = thisHour - 4 * HOUR;
    const before = await metrics.series('hour', from, thisHour + HOUR, HOUR);
    expect(before.map((step) => [step.at - from, allowed([step])])).toEqual([
      [HOUR, 7],
      [2 * HOUR, 5],
      [4 * HOUR, 7],
    ]);

    expect(await runDurableObjectAlarm(metrics as unknown as DurableObjectStub)).toBe(true);
    const hourRows = await runInDurableObject(metrics as unknown as DurableObjectStub<RegionMetrics>, (_, state) =>
      state.storage.sql
        .exec<{ at: number }>('SELECT at FROM hour ORDER BY at')
        .toArray()
        .map((row) => row.at),
    );
    expect(hourRows).toEqual([thisHour - 3 * HOUR, thisHour - 2 * HOUR]);
    expect(await metrics.series('hour', from, thisHour + HOUR, HOUR)).toEqual(before);

    // A count that arrives late for an hour already rolled up is counted once.
    expect(await metrics.add(region, [{ minute: thisHour - 2 * HOUR + 30 * MINUTE, record: segments(2) }])).toEqual({ rowsWritten: 2 });
    expect(allowed(await metrics.series('hour', from, thisHour + HOUR, HOUR))).toBe(21);
    expect(allowed(await metrics.series('minute', from, thisHour + HOUR, MINUTE))).toBe(21);
  });

  it('prunes minutes after 49 hours and hours after 31 days', async () => {
    const region = freshRegion();
    const metrics = regionMetrics(bindings, region);
    const now = Date.now();
    const old = now - (now % HOUR) - 50 * HOUR;
    await metrics.add(region, [{ minute: old, record: segments(1) }]);
    await runDurableObjectAlarm(metrics as unknown as DurableObjectStub);
    const left = await runInDurableObject(metrics as unknown as DurableObjectStub<RegionMetrics>, (_, state) => ({
      minutes: state.storage.sql.exec('SELECT at FROM minute').toArray().length,
      hours: state.storage.sql.exec('SELECT at FROM hour').toArray().length,
    }));
    // The minute is gone; its hour stays (it is 50 hours old, kept 31 days).
    expect(left).toEqual({ minutes: 0, hours: 1 });
    expect(allowed(await metrics.series('hour', old, now, HOUR))).toBe(1);
  });
});
