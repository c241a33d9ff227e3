/**
 * Metrics answers stay bounded (docs/api.md, "Metrics and previews"): a
 * region is listed only once a decision with a valid token was counted
 * there, an answer holds only regions with counts in the period asked and at
 * most 10,000 series points, and a region whose rows have all expired is
 * forgotten. Real gate, real Durable Objects; counts flush at the end of
 * every request (METRICS_FLUSH_INTERVAL=PT0S).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, newAccount, setRule, testEnv } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { controlStore } from '../../src/state/control-store';
import { HOURS_KEPT_MS, MINUTES_KEPT_MS, regionMetrics, type RegionMetrics } from '../../src/state/region-metrics';
import { counterName, type TallyRecord } from '../../src/metrics/tally';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const HOME_IP = '203.0.113.71';

let seed = 0;
/** A region no other test counts in (W?: no other test uses it). */
const freshRegion = () => `W${String.fromCharCode(65 + ++seed)}`;

const metrics = (query: string) => admin('GET', `/admin/v1/metrics${query}`, { scope: 'rollout:read' });
const registered = () => controlStore(testEnv).metricsRegions();
const objectOf = (region: string) => regionMetrics(testEnv, region) as unknown as DurableObjectStub<RegionMetrics>;
/** A segment answered with a valid token (a mode was applied). */
const validSegments = (n: number): TallyRecord => ({ [counterName({ kind: 'decision', route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' })]: n });

/** A region where a household's TV was counted once, now. */
async function regionWithCounts(): Promise<string> {
  const region = freshRegion();
  await setRule(region, 'monitor');
  const tv = await deviceToken({ account: newAccount('bounds'), device: 'tv', type: 'tv' });
  await callGate({ token: tv, ip: HOME_IP, country: region });
  return region;
}

describe('which regions metrics list', () => {
  it('registers no region for requests without a valid token, whatever country they claim', async () => {
    // 200 distinct simulated countries (development only), half without a token, half with a bad one.
    // Countries no test (in any file of the run) has counted a valid decision in yet: the files share one control store.
    const before = new Set(await registered());
    const countries = [...'HJKLNOVYGI']
      .flatMap((first) => [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((second) => first + second))
      .filter((country) => !before.has(country))
      .slice(0, 200);
    expect(new Set(countries).size).toBe(200);
    for (const [index, country] of countries.entries()) {
      const response = await callGate({ ...(index % 2 === 0 ? {} : { token: 'not-a-token' }), headers: { 'Hearth-Sim-Country': country } });
      expect(response.status).toBe(401);
    }
    const regions = await registered();
    expect(regions.filter((region) => countries.includes(region))).toEqual([]);
    // The last two hours (every request above): over every region the run has counted in, 30 days of hours would pass the
    // 10,000 points an answer holds.
    const answer = await metrics(`?since=${new Date(Date.now() - 2 * HOUR).toISOString()}&step=PT1H`);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.regions).filter((region) => countries.includes(region))).toEqual([]);
  });

  it('counts token failures in a region once a valid decision was counted there', async () => {
    const region = await regionWithCounts();
    await callGate({ token: 'not-a-token', headers: { 'Hearth-Sim-Country': region } });
    await callGate({ headers: { 'Hearth-Sim-Country': region } });
    const totals = (await metrics(`?region=${region}`)).body.regions[region].totals;
    expect(totals.reasons).toMatchObject({ HOUSEHOLD_ESTABLISHED: 1, TOKEN_INVALID: 1, TOKEN_MISSING: 1 });
    expect(await registered()).toContain(region);
  });

  it('leaves out a region with no counts in the period asked, even when it is named', async () => {
    const region = freshRegion();
    const now = Date.now();
    const threeHoursAgo = now - (now % MINUTE) - 3 * HOUR;
    await regionMetrics(testEnv, region).add(region, [{ minute: threeHoursAgo, record: validSegments(2) }]);
    expect(await registered()).toContain(region);

    const lastHour = await metrics('');
    expect(lastHour.status).toBe(200);
    expect(lastHour.body.regions).not.toHaveProperty(region);
    const named = await metrics(`?region=${region}`);
    expect(named.status).toBe(200);
    expect(named.body.regions).toEqual({});
    // Asked over a period that holds them, the counts are there.
    const longer = await metrics(`?region=${region}&since=${new Date(now - 4 * HOUR).toISOString()}`);
    expect(longer.body.regions[region].totals.segments.allow).toBe(2);
  });
});

describe('how large an answer may be', () => {
  it('answers at most 10,000 series points over all regions: more is 400 naming step', async () => {
    // Four regions with counts now; 47 hours of minutes is 2,820 steps each: 11,280 points.
    for (let i = 0; i < 4; i++) await regionWithCounts();
    const since = new Date(Date.now() - 47 * HOUR).toISOString();
    const tooMany = await metrics(`?since=${since}&step=PT1M`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'step' });
    expect(tooMany.body.detail).toMatch(/10,000/);
    // The same period by the hour, or for one region, is fine.
    expect((await metrics(`?since=${since}&step=PT1H`)).status).toBe(200);
    const one = await regionWithCounts();
    const single = await metrics(`?since=${since}&step=PT1M&region=${one}`);
    expect(single.status).toBe(200);
    expect(single.body.regions[one].series.length).toBeGreaterThanOrEqual(2_820);
  });

  it('sends series without the replay counters (an answer is Counts, not raw cells)', async () => {
    const region = freshRegion();
    const now = Date.now();
    const minute = now - (now % MINUTE);
    const outside = counterName({ kind: 'decision', route: 'session', decision: 'allow', enforced: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', mode: 'monitor' });
    const replay: TallyRecord = {
      [outside]: 1,
      [counterName({ kind: 'replay', key: 'r', bucket: 17, replayClass: 'outside', deviceType: 'mobile' })]: 1,
      [counterName({ kind: 'replay', key: '*', bucket: 42, replayClass: 'outside', deviceType: 'mobile' })]: 1,
      [counterName({ kind: 'fixed', outcome: 'allow', deviceType: 'tv' })]: 1,
    };
    await regionMetrics(testEnv, region).add(region, [{ minute, record: replay }]);
    const {
      steps: [step],
    } = await regionMetrics(testEnv, region).countSeries('minute', minute, minute + MINUTE, MINUTE);
    expect(step!.record).toEqual({ [outside]: 1 });
  });
});

describe('forgetting regions', () => {
  it('keeps waking while old rows remain, and forgets the region once all of them are past keeping', async () => {
    const region = freshRegion();
    const now = Date.now();
    const old = now - (now % HOUR) - 3 * HOUR;
    await regionMetrics(testEnv, region).add(region, [{ minute: old, record: validSegments(1) }]);
    expect(await registered()).toContain(region);

    // Counts stopped: the roll-up still leaves an alarm for when its rows expire.
    expect(await runDurableObjectAlarm(objectOf(region))).toBe(true);
    const alarm = await runInDurableObject(objectOf(region), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(old + Math.max(MINUTES_KEPT_MS, HOURS_KEPT_MS) + HOUR);
    expect(await registered()).toContain(region);

    // Time passes (the rows are made older than keeping): the next alarm prunes them and forgets the region.
    await runInDurableObject(objectOf(region), (_, state) => {
      state.storage.sql.exec('UPDATE minute SET at = at - ?', HOURS_KEPT_MS + HOUR);
      state.storage.sql.exec('UPDATE hour SET at = at - ?', HOURS_KEPT_MS + HOUR);
    });
    expect(await runDurableObjectAlarm(objectOf(region))).toBe(true);
    const left = await runInDurableObject(objectOf(region), (_, state) => ({
      minutes: state.storage.sql.exec('SELECT at FROM minute').toArray().length,
      hours: state.storage.sql.exec('SELECT at FROM hour').toArray().length,
    }));
    expect(left).toMatchObject({ minutes: 0, hours: 0 });
    expect(await registered()).not.toContain(region);
    expect(await runInDurableObject(objectOf(region), (_, state) => state.storage.getAlarm())).toBeNull();

    // A valid decision counted there later registers it again.
    await regionMetrics(testEnv, region).add(region, [{ minute: now - (now % MINUTE), record: validSegments(1) }]);
    expect(await registered()).toContain(region);
  });
});
