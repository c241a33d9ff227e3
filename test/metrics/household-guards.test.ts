/**
 * Guards count households, not requests (contract v1.3 §7), in workerd with
 * the real gate and Durable Objects: one subscriber cannot trip a guard or
 * hold one back however many sessions it sends; households counted in
 * metrics; the funnel counts where the code was sent; no stored row holds an
 * id or a plain account hash; a flush reads no rows for the guard.
 */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, newAccount, setRule, testEnv } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { lastCode } from '../support/webhook';
import type { RegionMetrics } from '../../src/state/region-metrics';
import { HouseholdSketch } from '../../src/metrics/household-sketch';
import { counterName } from '../../src/metrics/tally';
import { regionObjectName } from '../../src/state/object-names';

const HOME_IP = '203.0.113.71';
const AWAY_IP = '198.51.100.71';
type Json = Record<string, any>;

let seed = 0;
/** A region no other test counts in (Y?: user-assigned codes). */
const freshRegion = () => `Y${String.fromCharCode(65 + ++seed)}`;

async function rule(region: string): Promise<Json> {
  return (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.regions[region];
}

/** An established household (its TV seen at home under monitor) and a phone never home. */
async function household(region: string) {
  const account = newAccount('hh');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone', type: 'mobile' });
  await callGate({ token: tv, ip: HOME_IP, country: region });
  return { account, tv, phone };
}

const regionObject = (region: string) => testEnv.METRICS.get(testEnv.METRICS.idFromName(regionObjectName(region, 0)));

describe('a guard counts households', () => {
  it('does not trip on one household refused 30 times when it needs 5 households', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const one = await household(region);
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.05, minHouseholds: 5, window: 'PT15M' } } });
    for (let i = 0; i < 30; i++) expect(await (await callGate({ token: one.phone, ip: AWAY_IP, country: region })).json()).toMatchObject({ decision: 'challenge', mode: 'enforce' });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 1, refused: 1 }, refusalRate: 1, unhealthy: false } });
  });

  it('trips once five households are refused once each, and the sixth is answered under monitor', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const strangers = [];
    for (let i = 0; i < 6; i++) strangers.push(await household(region));
    // Its former name still sets the same minimum.
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.05, minSessions: 5, window: 'PT15M' } } });
    expect((await rule(region)).guard).toEqual({ maxRefusalRate: 0.05, minHouseholds: 5, window: 'PT15M' });
    for (const { phone } of strangers.slice(0, 4)) await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 4, refused: 4 } } });
    await callGate({ token: strangers[4]!.phone, ip: AWAY_IP, country: region });
    const tripped = await rule(region);
    expect(tripped).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 5, refused: 5 }, cause: 'refusalRate' } });
    const audit = (await admin('GET', '/admin/v1/audit?limit=20', { scope: 'audit:read' })).body.entries.find((entry: Json) => entry.target === `rollout/${region}`);
    expect(audit.note).toContain('5 of 5 treated households refused');
    expect(await (await callGate({ token: strangers[5]!.phone, ip: AWAY_IP, country: region })).json()).toMatchObject({ decision: 'allow', mode: 'monitor' });
  });

  it('is not held back by one household flooding allowed sessions', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const flooder = await household(region);
    const strangers = [];
    for (let i = 0; i < 5; i++) strangers.push(await household(region));
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.5, minHouseholds: 5, window: 'PT15M' } } });
    for (let i = 0; i < 40; i++) await callGate({ token: flooder.tv, ip: HOME_IP, country: region });
    for (const { phone } of strangers.slice(0, 4)) await callGate({ token: phone, ip: AWAY_IP, country: region });
    // 4 of 5 households refused (80 %), though only 4 of 44 sessions were.
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 5, refused: 4 }, refusalRate: 0.8 } });
  });

  it('reads no rows on a flush once its window is loaded, whatever the window', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const homes = [];
    for (let i = 0; i < 3; i++) homes.push(await household(region));
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.5, minHouseholds: 50, window: 'PT6H' } } });
    await callGate({ token: homes[0]!.tv, ip: HOME_IP, country: region });
    const before = await runInDurableObject(regionObject(region), (object: RegionMetrics) => ({ ...object.guardCost }));
    for (let i = 0; i < 10; i++) await callGate({ token: homes[i % 3]!.tv, ip: HOME_IP, country: region });
    const after = await runInDurableObject(regionObject(region), (object: RegionMetrics) => ({ ...object.guardCost }));
    expect(after.rowsRead).toBe(before.rowsRead);
    // Each reading merges at most the minutes before the first whole hour and the whole hours: here one or two parts.
    expect(after.merges - before.merges).toBeLessThanOrEqual(10 * 2);
    expect(await rule(region)).toMatchObject({ reading: { households: { treated: 3, refused: 0 } } });
  });
  it('merges the same few parts per flush at PT6H over six hours of counted minutes, late counts included', async () => {
    const region = freshRegion();
    const object = regionObject(region) as unknown as DurableObjectStub<RegionMetrics>;
    const guard = { maxRefusalRate: 0.99, minHouseholds: 1_000_000_000, window: 'PT6H' };
    // A guard reading the whole window (not restarted by a person): every minute of six hours holds a household of its own.
    await object.setGuard(guard);
    const sketchOf = (n: number) => new HouseholdSketch().add(n.toString(16).padStart(16, '0')).serialise();
    const session = { [counterName({ kind: 'decision', route: 'session', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'enforce' })]: 1 };
    const current = Date.now() - (Date.now() % 60_000);
    await object.add(
      region,
      Array.from({ length: 359 }, (_, i) => ({ minute: current - (359 - i) * 60_000, record: session, households: { treated: sketchOf(i + 1) } })),
    );
    expect(await object.guardReading(guard)).toMatchObject({ households: { treated: 359 } });
    const before = await runInDurableObject(object, (metrics: RegionMetrics) => ({ ...metrics.guardCost }));
    for (let i = 0; i < 10; i++) await object.add(region, [{ minute: Date.now() - (Date.now() % 60_000), record: session, households: { treated: sketchOf(1000 + i) } }]);
    // A late count for a minute two hours back, and one household seen again.
    await object.add(region, [{ minute: current - 120 * 60_000, record: session, households: { treated: sketchOf(2000) } }]);
    await object.add(region, [{ minute: current - 5 * 60_000, record: session, households: { treated: sketchOf(7) } }]);
    const after = await runInDurableObject(object, (metrics: RegionMetrics) => ({ ...metrics.guardCost }));
    expect(after.rowsRead).toBe(before.rowsRead);
    // Each reading merges the settled part's union and the part still growing (two or three parts); the settled part is merged
    // again only when the window moves on — once a minute, at most 60 minutes and 6 hours. Reading all of it each time is 13 × 10 or more.
    expect(after.merges - before.merges).toBeLessThanOrEqual(12 * 3 + 70);
    expect(await object.guardReading(guard)).toMatchObject({ households: { treated: 359 + 10 + 1 } });
  });

  it('reads in its first minute only what was decided under it: counts decided before it was set and flushed after are not its own', async () => {
    const region = freshRegion();
    const object = regionObject(region) as unknown as DurableObjectStub<RegionMetrics>;
    const guard = { maxRefusalRate: 0.5, minHouseholds: 3, window: 'PT5M' };
    const refusedSession = { [counterName({ kind: 'decision', route: 'session', decision: 'challenge', enforced: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', mode: 'challenge' })]: 1 };
    const refusedHousehold = (n: number) => {
      const sketch = new HouseholdSketch().add(n.toString(16).padStart(16, '0')).serialise();
      return { treated: sketch, refused: sketch };
    };
    // A person sets the rule (rollout version 12) at 20 s into a minute.
    const minute = Date.now() - (Date.now() % 60_000);
    await object.setGuard(guard, { at: minute + 20_000, version: 12 });
    // An isolate flushes, after the set, a refusal it decided under version 11 ten seconds before, and one under 12: one row written.
    const flushed = await object.add(region, [
      { minute, record: refusedSession, households: refusedHousehold(1), policyVersion: 11 },
      { minute, record: refusedSession, households: refusedHousehold(2), policyVersion: 12 },
    ]);
    expect(flushed.rowsWritten).toBe(1);
    expect(await object.guardReading(guard)).toMatchObject({ households: { treated: 1, refused: 1 } });
    // The metrics still count both households; read again from storage (a stage advance), the guard still holds only its own.
    expect((await object.series('minute', minute, minute + 60_000, 60_000))[0]).toMatchObject({ households: { treated: 2, refused: 2 } });
    await object.setGuard(guard);
    expect(await object.guardReading(guard)).toMatchObject({ households: { treated: 1, refused: 1 } });
  });
});

describe('households in metrics', () => {
  it('counts distinct households beside sessions, totals over the period and per step', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const [a, b] = [await household(region), await household(region)];
    await setRule(region, 'enforce');
    for (let i = 0; i < 5; i++) await callGate({ token: a.phone, ip: AWAY_IP, country: region });
    for (let i = 0; i < 3; i++) await callGate({ token: b.tv, ip: HOME_IP, country: region });
    const answer = (await admin('GET', `/admin/v1/metrics?region=${region}`, { scope: 'rollout:read' })).body.regions[region];
    expect(answer.totals.sessions).toMatchObject({ challenge: 5 });
    expect(answer.totals.households).toEqual({ treated: 2, refused: 1, sent: 0, verified: 0, feedback: { 'live-here': 0, travelling: 0, studying: 0, 'posted-away': 0, 'second-home': 0, other: 0 } });
    const steps = (answer.series as Json[]).filter((step) => step.households.treated > 0);
    expect(steps.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...steps.map((step) => step.households.treated))).toBeLessThanOrEqual(2);
  });

  it('counts the funnel in the region the code was sent in, even when the verify arrives from another country', async () => {
    const [sentIn, verifiedFrom] = [freshRegion(), freshRegion()];
    await setRule(sentIn, 'monitor');
    await setRule(verifiedFrom, 'challenge');
    const { account, phone } = await household(sentIn);
    await setRule(sentIn, 'challenge');
    const post = (country: string, path: string, body?: unknown) =>
      callGate({ method: 'POST', path, token: phone, ip: AWAY_IP, country, headers: { 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const opened = (await (await post(sentIn, '/gate/v1/challenges')).json()) as Json;
    expect((await post(verifiedFrom, `/gate/v1/challenges/${opened.challengeId}/verify`, { code: await lastCode(account) })).status).toBe(200);
    const body = (await admin('GET', '/admin/v1/metrics', { scope: 'rollout:read' })).body;
    expect(body.regions[sentIn].totals.verification).toMatchObject({ sent: 1, verified: 1 });
    expect(body.regions[sentIn].totals.households).toMatchObject({ sent: 1, verified: 1 });
    expect(body.regions[verifiedFrom]?.totals.verification.verified ?? 0).toBe(0);
  });

  it('stores no id and no plain account hash in any row of the region object', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const people = [await household(region), await household(region)];
    await setRule(region, 'enforce');
    for (const { phone } of people) await callGate({ token: phone, ip: AWAY_IP, country: region });
    const hex = (bytes: ArrayBuffer | Uint8Array) => [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    const stored = await runInDurableObject(regionObject(region), (_: RegionMetrics, state) => {
      const rows: Json[] = [];
      for (const table of ['minute', 'hour', 'meta']) rows.push(...state.storage.sql.exec(`SELECT * FROM ${table}`).toArray());
      return rows.map((row) =>
        Object.values(row)
          .map((value) => (value instanceof ArrayBuffer ? hex(value) : String(value)))
          .join('|'),
      );
    });
    const text = stored.join('\n');
    expect(text).toContain('d|session'); // the rows were read
    const sketches = stored.some((row) => /\|01[0-9a-f]{32}/.test(row));
    expect(sketches).toBe(true); // two households' hashes, exact form
    for (const { account } of people) {
      const utf8 = hex(new TextEncoder().encode(account));
      const plain = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(account)));
      expect(text).not.toContain(account);
      expect(text).not.toContain(utf8);
      expect(text).not.toContain(plain.slice(0, 16));
    }
  });
});
