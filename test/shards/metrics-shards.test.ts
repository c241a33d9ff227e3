/**
 * Each region's counts spread over four RegionMetrics objects
 * (METRICS_SHARDS=4 in this project's bindings; docs/ops.md, "Metrics shards"),
 * in workerd with the real gate and Durable Objects. Four gates, as four
 * isolates would, flush to four different shards; a guard trips and holds
 * exactly as it does with one object, metrics answer the same totals, and a
 * household two shards saw counts once (sketches merged, not summed).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { admin } from '../admin/admin-support';
import { anotherIsolate, callGate, newAccount, setRule, testEnv } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { gateFor } from '../../src/gate';
import type { HearthEnv } from '../../src/env';
import { controlStore, MARK_GRACE_MS } from '../../src/state/control-store';
import { passTime } from '../support/clock';
import { HOURS_KEPT_MS, regionMetrics, type RegionMetrics } from '../../src/state/region-metrics';
import { CONTROL_OBJECT_NAME, regionObjectName } from '../../src/state/object-names';
import { counterName } from '../../src/metrics/tally';

const HOME_IP = '203.0.113.72';
const AWAY_IP = '198.51.100.72';
const HOUR = 3_600_000;
type Json = Record<string, any>;

let seed = 0;
/** A region no other test counts in (Q?: user-assigned codes). */
const freshRegion = () => `Q${String.fromCharCode(65 + ++seed)}`;

/** Four isolates' bindings, each gate flushing to another of the four shards (asserted, not assumed). */
function fourIsolates(): HearthEnv[] {
  const isolates = [anotherIsolate(), anotherIsolate(), anotherIsolate(), anotherIsolate()];
  const shards = isolates.map((bindings) => {
    const built = gateFor(bindings);
    if (!built.ok) throw new Error('test gate misconfigured');
    return built.value.metricsShard;
  });
  expect(shards.toSorted()).toEqual([0, 1, 2, 3]);
  return isolates;
}

async function rule(region: string): Promise<Json> {
  return (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.regions[region];
}

/** An established household (its TV seen at home under monitor, through `bindings`) and a phone never home. */
async function household(region: string, bindings: HearthEnv) {
  const account = newAccount('shard');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone', type: 'mobile' });
  await callGate({ token: tv, ip: HOME_IP, country: region, bindings });
  return { account, tv, phone };
}

const shardObject = (region: string, shard: number) => regionMetrics(testEnv, region, shard) as unknown as DurableObjectStub<RegionMetrics>;

/** Minute rows each shard holds. */
async function rowsByShard(region: string): Promise<number[]> {
  const rows = [];
  for (let shard = 0; shard < 4; shard++) {
    rows.push(await runInDurableObject(shardObject(region, shard), (_: RegionMetrics, state) => state.storage.sql.exec('SELECT at FROM minute').toArray().length));
  }
  return rows;
}

describe('metrics spread over four shards', () => {
  it('names shard 0 as the one object before sharding, and the others region:<RR>#<n>', () => {
    expect([0, 1, 3].map((shard) => regionObjectName('PE', shard))).toEqual(['region:PE', 'region:PE#1', 'region:PE#3']);
  });

  it('trips a guard on five households refused once each, on four shards, as on one', async () => {
    const isolates = fourIsolates();
    const region = freshRegion();
    await setRule(region, 'monitor');
    const strangers = [];
    for (let i = 0; i < 6; i++) strangers.push(await household(region, isolates[i % 4]!));
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.05, minHouseholds: 5, window: 'PT15M' } } });
    // Four households refused, each through another shard: no shard alone holds enough households to read unhealthy.
    for (let i = 0; i < 4; i++)
      expect(await (await callGate({ token: strangers[i]!.phone, ip: AWAY_IP, country: region, bindings: isolates[i]! })).json()).toMatchObject({ decision: 'challenge', mode: 'enforce' });
    expect((await rowsByShard(region)).every((rows) => rows > 0)).toBe(true);
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 4, refused: 4 }, unhealthy: false } });
    await callGate({ token: strangers[4]!.phone, ip: AWAY_IP, country: region, bindings: isolates[1]! });
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 5, refused: 5 }, cause: 'refusalRate' } });
    // The isolate whose counts tripped it answers under monitor at once.
    expect(await (await callGate({ token: strangers[5]!.phone, ip: AWAY_IP, country: region, bindings: isolates[1]! })).json()).toMatchObject({ decision: 'allow', mode: 'monitor' });
  });

  it('does not trip on one household refused 30 times through every shard', async () => {
    const isolates = fourIsolates();
    const region = freshRegion();
    await setRule(region, 'monitor');
    const one = await household(region, isolates[0]!);
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.05, minHouseholds: 5, window: 'PT15M' } } });
    for (let i = 0; i < 30; i++) await callGate({ token: one.phone, ip: AWAY_IP, country: region, bindings: isolates[i % 4]! });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 1, refused: 1 }, refusalRate: 1, unhealthy: false } });
  });

  it('counts a household that floods allowed sessions through every shard once, so it cannot hold a guard back', async () => {
    const isolates = fourIsolates();
    const region = freshRegion();
    await setRule(region, 'monitor');
    const flooder = await household(region, isolates[0]!);
    const strangers = [];
    for (let i = 0; i < 4; i++) strangers.push(await household(region, isolates[i]!));
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.5, minHouseholds: 5, window: 'PT15M' } } });
    for (let i = 0; i < 40; i++) await callGate({ token: flooder.tv, ip: HOME_IP, country: region, bindings: isolates[i % 4]! });
    for (const [i, { phone }] of strangers.entries()) await callGate({ token: phone, ip: AWAY_IP, country: region, bindings: isolates[(i + 1) % 4]! });
    // 4 of 5 households refused (80 %), though only 4 of 44 sessions were; the flooder, seen by all four shards, is one household.
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 5, refused: 4 }, refusalRate: 0.8 } });
  });

  it('answers metrics summed over the shards, households merged, and previews over all of them', async () => {
    const isolates = fourIsolates();
    const region = freshRegion();
    await setRule(region, 'monitor');
    const [a, b] = [await household(region, isolates[0]!), await household(region, isolates[1]!)];
    await setRule(region, 'enforce');
    for (let i = 0; i < 8; i++) await callGate({ token: a.phone, ip: AWAY_IP, country: region, bindings: isolates[i % 4]! });
    for (let i = 0; i < 3; i++) await callGate({ token: b.tv, ip: HOME_IP, country: region, bindings: isolates[(i + 2) % 4]! });
    expect((await controlStore(testEnv).metricsShards())[region]).toEqual([0, 1, 2, 3]);
    const answer = (await admin('GET', `/admin/v1/metrics?region=${region}`, { scope: 'rollout:read' })).body.regions[region];
    // Every session counted once: 2 at setup, 8 refused, 3 allowed at home.
    expect(answer.totals.sessions).toEqual({ allow: 5, challenge: 8, deny: 0 });
    expect(answer.totals.reasons).toMatchObject({ HOUSEHOLD_ESTABLISHED: 2, OUTSIDE_HOUSEHOLD: 8, IN_HOUSEHOLD: 3 });
    expect(answer.totals.households).toEqual({ treated: 2, refused: 1, sent: 0, verified: 0 });
    const steps = answer.series as Json[];
    expect(steps.reduce((sum, step) => sum + step.sessions.challenge, 0)).toBe(8);
    expect(Math.max(...steps.map((step) => step.households.treated))).toBeLessThanOrEqual(2);
    const preview = await admin('POST', `/admin/v1/rollout/${region}/preview`, { scope: 'rollout:read', body: { mode: 'monitor' } });
    expect(preview.body).toMatchObject({ sessions: 13, current: { challenge: 8 }, proposed: { challenge: 0 } });
  });

  it('keeps the region listed while any shard holds counts, and forgets it with the last', async () => {
    const region = freshRegion();
    const now = Date.now();
    const minute = now - (now % 60_000);
    const counts = { [counterName({ kind: 'decision', route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' })]: 1 };
    await regionMetrics(testEnv, region, 2).add(region, [{ minute: minute - 3 * HOUR, record: counts }], 2);
    await regionMetrics(testEnv, region, 0).add(region, [{ minute, record: counts }], 0);
    expect((await controlStore(testEnv).metricsShards())[region]).toEqual([0, 2]);
    // Shard 2's rows pass keeping: it forgets itself, the region stays for shard 0.
    await runInDurableObject(shardObject(region, 2), (_: RegionMetrics, state) => {
      state.storage.sql.exec('UPDATE minute SET at = at - ?', HOURS_KEPT_MS + HOUR);
      state.storage.sql.exec('UPDATE hour SET at = at - ?', HOURS_KEPT_MS + HOUR);
    });
    await runDurableObjectAlarm(shardObject(region, 2));
    await runDurableObjectAlarm(shardObject(region, 2));
    expect((await controlStore(testEnv).metricsShards())[region]).toEqual([0]);
    expect(await controlStore(testEnv).metricsRegions()).toContain(region);
  });

  it('sends a guard mark again to the one shard whose mark failed, though shard 0 reads from the rule', async () => {
    const region = freshRegion();
    const guard = { maxRefusalRate: 0.5, minHouseholds: 3, window: 'PT5M' };
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard, note: 'guarded on four shards' } });
    const setAt = Date.parse((await rule(region)).updatedAt);
    const markOf = async (shard: number) =>
      runInDurableObject(shardObject(region, shard), (_: RegionMetrics, state) => {
        const stored = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'guardFrom'").toArray()[0]?.value;
        return stored ? (JSON.parse(stored) as { at: number }).at : null;
      });
    expect(await Promise.all([0, 1, 2, 3].map(markOf))).toEqual([setAt, setAt, setAt, setAt]);
    // As if shard 2's setGuard had failed: it still reads from a mark of ten minutes before.
    await regionMetrics(testEnv, region, 2).setGuard(guard, { at: setAt - 600_000 });
    passTime(MARK_GRACE_MS + 1000);
    try {
      await runDurableObjectAlarm(testEnv.CONTROL.get(testEnv.CONTROL.idFromName(CONTROL_OBJECT_NAME)));
      expect(await Promise.all([0, 1, 2, 3].map(markOf))).toEqual([setAt, setAt, setAt, setAt]);
    } finally {
      vi.unstubAllGlobals();
      await admin('DELETE', `/admin/v1/rollout/${region}`);
    }
  });
});
