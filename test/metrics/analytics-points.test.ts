/**
 * Analytics Engine points at the price they should cost (docs/api.md,
 * DECISIONS_SEGMENT_SAMPLE): every session, refusal and error is written
 * with weight 1; allowed segments are written at the sample, each carrying
 * its weight (1/sample) in double1, so SUM(double1) still counts them; token
 * failures (contract §9) at DECISION_LOG_SAMPLE and at most a few per client
 * network and minute, each carrying the failures it stands for.
 */
import { describe, expect, it } from 'vitest';
import { analyticsWeight } from '../../src/edge/record';
import { anotherIsolate, callGate, newAccount, setRule, unreadableHouseholds } from '../support/gate';
import { deviceToken } from '../support/tokens';

const HOME_IP = '203.0.113.88';
const AWAY_IP = '198.51.100.88';

function dataset(): { points: AnalyticsEngineDataPoint[]; writeDataPoint: (point?: AnalyticsEngineDataPoint) => void } {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, writeDataPoint: (point) => void points.push(point!) };
}

const routeOf = (point: AnalyticsEngineDataPoint) => point.blobs![1];
const decisionOf = (point: AnalyticsEngineDataPoint) => point.blobs![3];
const weightOf = (point: AnalyticsEngineDataPoint) => point.doubles![0];

describe('Analytics Engine points', () => {
  it('at a segment sample of 0 writes no allowed segment, and every session and refusal (token failures at a log sample of 1)', async () => {
    await setRule('UY', 'enforce');
    const decisions = dataset();
    const env = { DECISIONS: decisions, DECISIONS_SEGMENT_SAMPLE: '0', DECISION_LOG_SAMPLE: '1' };
    const account = newAccount('ae');
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    const phone = await deviceToken({ account, device: 'phone' });
    await callGate({ token: tv, ip: HOME_IP, country: 'UY', env });
    for (let i = 0; i < 40; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: 'UY', env });
    await callGate({ token: phone, ip: AWAY_IP, country: 'UY', env });
    await callGate({ path: '/seg-away.ts', token: phone, ip: AWAY_IP, country: 'UY', env });
    await callGate({ path: '/seg-forged.ts', token: `${phone.slice(0, -4)}AAAA`, ip: AWAY_IP, country: 'UY', env });
    await callGate({ token: 'garbage', ip: AWAY_IP, country: 'UY', env });
    expect(decisions.points.map((point) => [routeOf(point), decisionOf(point), point.blobs![5], weightOf(point)])).toEqual([
      ['session', 'allow', 'HOUSEHOLD_ESTABLISHED', 1],
      ['session', 'challenge', 'OUTSIDE_HOUSEHOLD', 1],
      ['segment', 'challenge', 'OUTSIDE_HOUSEHOLD', 1],
      ['segment', 'deny', 'TOKEN_INVALID', 1],
      ['session', 'deny', 'TOKEN_INVALID', 1],
    ]);
  });

  it('writes token failures as a sample of their network’s, at most 3 a minute per network', async () => {
    const decisions = dataset();
    // One set of bindings (one gate, one sample) for every call: the dataset's points would make each `env` another.
    const bindings = anotherIsolate();
    Object.assign(bindings, { DECISIONS: decisions, DECISION_LOG_SAMPLE: '1' });
    for (let i = 0; i < 50; i++) await callGate({ path: `/flood-${i}.ts`, token: 'garbage', ip: '192.0.2.91', country: 'UY', bindings });
    await callGate({ path: '/other.ts', token: 'garbage', ip: '198.18.7.1', country: 'UY', bindings });
    // One network's 50 failures: 3 points; another network's first still gets its own.
    expect(decisions.points.map((point) => [routeOf(point), point.blobs![5], weightOf(point)])).toEqual([
      ['segment', 'TOKEN_INVALID', 1],
      ['segment', 'TOKEN_INVALID', 1],
      ['segment', 'TOKEN_INVALID', 1],
      ['segment', 'TOKEN_INVALID', 1],
    ]);

    const none = dataset();
    for (let i = 0; i < 20; i++) await callGate({ path: `/seg-${i}.ts`, ip: '192.0.2.92', country: 'UY', env: { DECISIONS: none, DECISION_LOG_SAMPLE: '0' } });
    expect(none.points).toEqual([]);
  });

  it('writes an allowed segment that hit STATE_UNAVAILABLE (an error) even at a sample of 0', async () => {
    await setRule('UY', 'enforce', { failOpen: true });
    const decisions = dataset();
    const token = await deviceToken({ account: newAccount('ae'), device: 'p' });
    const env = { ...unreadableHouseholds(), DECISIONS: decisions, DECISIONS_SEGMENT_SAMPLE: '0' };
    const response = await callGate({ path: '/seg.ts', token, country: 'UY', env });
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=STATE_UNAVAILABLE');
    expect(decisions.points.map((point) => [routeOf(point), decisionOf(point), point.blobs![5], weightOf(point)])).toEqual([['segment', 'allow', 'STATE_UNAVAILABLE', 1]]);
  });

  it('at a segment sample of 1 writes every allowed segment with weight 1', async () => {
    await setRule('UY', 'enforce');
    const decisions = dataset();
    const env = { DECISIONS: decisions, DECISIONS_SEGMENT_SAMPLE: '1' };
    const tv = await deviceToken({ account: newAccount('ae'), device: 'tv', type: 'tv' });
    await callGate({ token: tv, ip: HOME_IP, country: 'UY', env });
    for (let i = 0; i < 25; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: 'UY', env });
    const segments = decisions.points.filter((point) => routeOf(point) === 'segment');
    expect(segments).toHaveLength(25);
    expect(segments.every((point) => decisionOf(point) === 'allow' && weightOf(point) === 1)).toBe(true);
  });

  it('at a segment sample of 0.25 writes about a quarter of allowed segments, each weighing 4, so the weighted sum counts them', async () => {
    await setRule('UY', 'monitor');
    const decisions = dataset();
    const env = { DECISIONS: decisions, DECISIONS_SEGMENT_SAMPLE: '0.25' };
    const tv = await deviceToken({ account: newAccount('ae'), device: 'tv', type: 'tv' });
    const n = 400;
    for (let i = 0; i < n; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: 'UY', env });
    const segments = decisions.points.filter((point) => routeOf(point) === 'segment');
    // Mean 100, standard deviation √(400 · 0.25 · 0.75) ≈ 8.7: ±5σ fails by chance about once in 3.5 million runs.
    const sd = Math.sqrt(n * 0.25 * 0.75);
    expect(segments.length).toBeGreaterThan(n * 0.25 - 5 * sd);
    expect(segments.length).toBeLessThan(n * 0.25 + 5 * sd);
    expect(segments.every((point) => weightOf(point) === 4)).toBe(true);
    const weighted = segments.reduce((sum, point) => sum + (weightOf(point) ?? 0), 0);
    expect(Math.abs(weighted - n)).toBeLessThan(4 * 5 * sd);
  });

  it('weighs a sampled segment 1/sample and a session, refusal or error 1, whatever the random draw', () => {
    const draws = (value: number) => () => value;
    expect(analyticsWeight('segment', false, 0.25, draws(0.2))).toBe(4);
    expect(analyticsWeight('segment', false, 0.25, draws(0.25))).toBeNull();
    expect(analyticsWeight('segment', false, 0, draws(0))).toBeNull();
    expect(analyticsWeight('segment', false, 1, draws(0.999))).toBe(1);
    expect(analyticsWeight('segment', false, 0.01, draws(0.005))).toBe(100);
    expect(analyticsWeight('segment', true, 0, draws(0.9))).toBe(1);
    expect(analyticsWeight('session', false, 0, draws(0.9))).toBe(1);
  });
});
