/**
 * Rules that advance and guard themselves (docs/api.md), in workerd with
 * real Durable Objects: counts and alarms are driven directly, holds are a
 * second long, and no test waits a minute.
 */
import { runningVersion } from '../../src/version';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALARM_BACKOFF_MAX_MS, ALARM_BACKOFF_MIN_MS, MARK_GRACE_MS } from '../../src/state/control-store';
import { callGate, newAccount, setRule, sleep, testEnv } from '../support/gate';
import { passTime } from '../support/clock';
import { deviceToken } from '../support/tokens';
import { opsEvents, signatureIsValid } from '../support/webhook';
import { admin } from './admin-support';
import { CONTROL_OBJECT_NAME, regionObjectName } from '../../src/state/object-names';
import { ROLLOUT_KEY } from '../../src/state/kv-keys';

const HOME_IP = '203.0.113.91';
const AWAY_IP = '198.51.100.91';
type Json = Record<string, any>;

let seed = 0;
/** A region no other test here uses (X?: user-assigned codes). */
const freshRegion = () => `X${String.fromCharCode(65 + ++seed)}`;
const control = () => testEnv.CONTROL.get(testEnv.CONTROL.idFromName(CONTROL_OBJECT_NAME)) as unknown as DurableObjectStub;

async function rule(region: string): Promise<Json> {
  return (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.regions[region];
}

/** Polls until `check` holds, running the ControlStore's alarm between tries (it is also due by itself). */
async function eventually(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await runDurableObjectAlarm(control());
    await sleep(150);
  }
}

/** An established household (its TV seen at home under monitor) and a phone never home. */
async function household(region: string) {
  const account = newAccount('guard');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone' });
  await callGate({ token: tv, ip: HOME_IP, country: region });
  return { tv, phone };
}

describe('rule validation', () => {
  it.each([
    [{ mode: 'enforce', stages: [] }, 'stages'],
    [{ mode: 'enforce', stages: [{ percent: 101 }] }, 'stages.0.percent'],
    [{ mode: 'enforce', stages: [{ percent: -5 }] }, 'stages.0.percent'],
    [{ mode: 'enforce', stages: [{ percent: 50, hold: 'P1D' }, { percent: 20 }] }, 'stages.1.percent'],
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'P1D' }, { percent: 10 }] }, 'stages.1.percent'],
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'P1M' }, { percent: 50 }] }, 'stages.0.hold'],
    [{ mode: 'enforce', stages: [{ percent: 10 }, { percent: 50 }] }, 'stages.0.hold'],
    [
      {
        mode: 'enforce',
        stages: [
          { percent: 10, hold: 'P1D' },
          { percent: 50, hold: 'P1D' },
        ],
      },
      'stages.1.hold',
    ],
    [{ mode: 'enforce', percent: 30, stages: [{ percent: 10, hold: 'P1D' }, { percent: 50 }] }, 'percent'],
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'P1D', extra: 1 }, { percent: 50 }] }, 'stages.0.extra'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 1.5, window: 'PT15M' } }, 'guard.maxRefusalRate'],
    [{ mode: 'enforce', guard: { minVerifySuccessRate: -0.1, window: 'PT15M' } }, 'guard.minVerifySuccessRate'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05 } }, 'guard.window'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'P1M' } }, 'guard.window'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'P3D' } }, 'guard.window'],
    // Bounded durations (v1.3): a hold past P90D (one that overflows a date, too), a window past PT6H, and zero.
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'P100000000D' }, { percent: 50 }] }, 'stages.0.hold'],
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'P1D' }, { percent: 50, hold: 'P91D' }, { percent: 90 }] }, 'stages.1.hold'],
    [{ mode: 'enforce', stages: [{ percent: 10, hold: 'PT0S' }, { percent: 50 }] }, 'stages.0.hold'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT48H' } }, 'guard.window'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT6H1M' } }, 'guard.window'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT0M' } }, 'guard.window'],
    [{ mode: 'enforce', guard: { window: 'PT15M' } }, 'guard.maxRefusalRate'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT15M', minSessions: 0 } }, 'guard.minSessions'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT15M', minHouseholds: 0 } }, 'guard.minHouseholds'],
    [{ mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT15M', minHouseholds: 5, minSessions: 6 } }, 'guard.minSessions'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const answer = await admin('PUT', '/admin/v1/rollout/PE', { body });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
  });

  it('accepts the longest durations allowed: a hold of P90D and a window of PT6H', async () => {
    const region = freshRegion();
    const answer = await admin('PUT', `/admin/v1/rollout/${region}`, {
      body: { mode: 'enforce', stages: [{ percent: 10, hold: 'P90D' }, { percent: 50 }], guard: { maxRefusalRate: 0.05, window: 'PT6H' } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.regions[region]).toMatchObject({ stages: [{ percent: 10, hold: 'P90D' }, { percent: 50 }], guard: { window: 'PT6H' } });
    expect(Date.parse(answer.body.regions[region].nextAdvanceAt) - Date.parse(answer.body.regions[region].stageStartedAt)).toBe(90 * 86_400_000);
    await admin('DELETE', `/admin/v1/rollout/${region}`);
  });

  it('names the limit in the problem', async () => {
    const hold = await admin('PUT', '/admin/v1/rollout/PE', { body: { mode: 'enforce', stages: [{ percent: 10, hold: 'P100000000D' }, { percent: 50 }] } });
    expect(hold.body.detail).toContain('P90D');
    const window = await admin('PUT', '/admin/v1/rollout/PE', { body: { mode: 'enforce', guard: { maxRefusalRate: 0.05, window: 'PT48H' } } });
    expect(window.body.detail).toContain('PT6H');
  });

  it('refuses a guard on * (a guard reads one region’s counts)', async () => {
    const answer = await admin('PUT', '/admin/v1/rollout/*', { body: { mode: 'enforce', guard: { maxRefusalRate: 0.1, window: 'PT5M' } } });
    expect(answer.body).toMatchObject({ status: 400, field: 'guard' });
  });
});

describe('stages', () => {
  it('start at the first stage and advance in order after each hold, audited and announced, and stop at the last', async () => {
    const region = freshRegion();
    const put = await admin('PUT', `/admin/v1/rollout/${region}`, {
      body: { mode: 'enforce', stages: [{ percent: 10, hold: 'PT1S' }, { percent: 50, hold: 'PT1S' }, { percent: 100 }], note: 'staged' },
    });
    expect(put.status).toBe(200);
    expect(put.body.regions[region]).toMatchObject({ mode: 'enforce', percent: 10, status: 'advancing', stage: 0, nextAdvanceAt: expect.any(String) });

    passTime(1000);
    await eventually(async () => (await rule(region)).stage === 1);
    expect(await rule(region)).toMatchObject({ percent: 50, status: 'advancing', stage: 1 });
    passTime(1000);
    await eventually(async () => (await rule(region)).stage === 2);
    const last = await rule(region);
    expect(last).toMatchObject({ percent: 100, status: 'steady', stage: 2, nextAdvanceAt: null });

    passTime(1200);
    await runDurableObjectAlarm(control());
    expect(await rule(region)).toMatchObject({ percent: 100, stage: 2 });

    const audit = (await admin('GET', '/admin/v1/audit?limit=50', { scope: 'audit:read' })).body.entries.filter((entry: Json) => entry.target === `rollout/${region}`);
    expect(audit.map((entry: Json) => [entry.actor, entry.action])).toEqual([
      ['hearth-guard', 'rollout.stage_advanced'],
      ['hearth-guard', 'rollout.stage_advanced'],
      [expect.any(String), 'rollout.set'],
    ]);
    expect(audit[0].before.percent).toBe(50);
    expect(audit[0].after.percent).toBe(100);

    await eventually(async () => (await opsEvents(region)).length === 2);
    const events = await opsEvents(region);
    expect(events.map((event) => [event.message.type, (event.message.rule as unknown as Json).percent])).toEqual([
      ['rollout_stage_advanced', 50],
      ['rollout_stage_advanced', 100],
    ]);
    for (const event of events) expect(await signatureIsValid(event)).toBe(true);
  });

  it('lets a person’s change win over an advance, and the schedule follows the new rule', async () => {
    const region = freshRegion();
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'challenge', stages: [{ percent: 10, hold: 'PT1S' }, { percent: 90 }] } });
    const read = (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.version;
    passTime(1000);
    await eventually(async () => (await rule(region)).stage === 1);
    // The person read before the advance: their write is refused, nothing is lost.
    const stale = await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'off' }, headers: { 'If-Match': `"${read}"` } });
    expect(stale.status).toBe(412);
    // A new staged rule starts over at its own first stage, with its own hold.
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', stages: [{ percent: 5, hold: 'PT1H' }, { percent: 100 }] } });
    passTime(1200);
    await runDurableObjectAlarm(control());
    expect(await rule(region)).toMatchObject({ mode: 'enforce', percent: 5, stage: 0, status: 'advancing' });
  });
});

describe('guards', () => {
  it('trip exactly past the threshold, not below it and not before minHouseholds; the next request is no longer refused', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const homes = [await household(region), await household(region), await household(region)];
    const strangers = [await household(region), await household(region), await household(region), await household(region)];
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxRefusalRate: 0.5, minHouseholds: 6, window: 'PT5M' }, note: 'guarded' } });
    const decide = async (token: string, ip: string) => (await (await callGate({ token, ip, country: region })).json()) as Json;

    // 3 treated households, all refused: a rate of 1.0, but under minHouseholds — no trip.
    for (const { phone } of strangers.slice(0, 3)) expect(await decide(phone, AWAY_IP)).toMatchObject({ decision: 'challenge', mode: 'enforce' });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 3, refused: 3 }, unhealthy: false } });
    // 3 households allowed: 3 of 6 refused is exactly 0.5 — not past it.
    for (const { tv } of homes) expect(await decide(tv, HOME_IP)).toMatchObject({ decision: 'allow', mode: 'enforce' });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 6, refused: 3 }, refusalRate: 0.5, unhealthy: false } });
    // The same households again, one allowed and one refused: still 3 of 6 households, exactly 0.5.
    expect(await decide(homes[1]!.tv, HOME_IP)).toMatchObject({ decision: 'allow' });
    expect(await decide(strangers[0]!.phone, AWAY_IP)).toMatchObject({ decision: 'challenge' });
    expect((await rule(region)).status).toBe('steady');
    // One more household refused: 4 of 7 > 0.5 — tripped by the counts of this very request; the next one is not refused.
    expect(await decide(strangers[3]!.phone, AWAY_IP)).toMatchObject({ decision: 'challenge' });
    expect(await decide(strangers[2]!.phone, AWAY_IP)).toMatchObject({ decision: 'allow', mode: 'monitor', wouldDecision: 'challenge' });

    const tripped = await rule(region);
    expect(tripped).toMatchObject({ mode: 'enforce', percent: 100, status: 'tripped', trippedBy: { households: { treated: 7, refused: 4 }, unhealthy: true, cause: 'refusalRate' } });
    const audit = (await admin('GET', '/admin/v1/audit?limit=20', { scope: 'audit:read' })).body.entries.find((entry: Json) => entry.target === `rollout/${region}`);
    expect(audit).toMatchObject({ actor: 'hearth-guard', action: 'rollout.guard_tripped', before: { status: 'steady' }, after: { status: 'tripped' } });
    expect(audit.note).toContain('4 of 7 treated households refused');

    await eventually(async () => (await opsEvents(region)).length === 1);
    const [event] = await opsEvents(region);
    expect(event!.message).toMatchObject({ type: 'rollout_guard_tripped', region, rule: { status: 'tripped' }, reading: { households: { treated: 7, refused: 4 } } });
    expect(await signatureIsValid(event!)).toBe(true);

    // It stays tripped — more traffic, more alarms — until a person sets the rule again.
    for (const { phone } of strangers) await decide(phone, AWAY_IP);
    await runDurableObjectAlarm(control());
    expect((await rule(region)).status).toBe('tripped');
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', note: 'resumed after review' } });
    expect((await rule(region)).status).toBe('steady');
    expect(await decide(strangers[0]!.phone, AWAY_IP)).toMatchObject({ decision: 'challenge', mode: 'enforce' });
  });

  /** A guarded rule (half refused, from three households) tripped by three strangers' phones. */
  async function trippedByThreeStrangers() {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const strangers = [await household(region), await household(region), await household(region)];
    const guard = { maxRefusalRate: 0.5, minHouseholds: 3, window: 'PT5M' };
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard, note: 'guarded' } });
    for (const { phone } of strangers) await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect((await rule(region)).status).toBe('tripped');
    return { region, strangers, guard };
  }

  it('a rule resumed with its guard reads only its own counts: the refusals that tripped it do not trip it again', async () => {
    const { region, strangers, guard } = await trippedByThreeStrangers();

    // The person resumes it, same guard: the three refusals are still inside the window, but they were the old rule's.
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard, note: 'resumed after review' } });
    await runDurableObjectAlarm(control());
    const resumed = await rule(region);
    expect(resumed).toMatchObject({ status: 'steady', reading: { households: { treated: 0, refused: 0 }, unhealthy: false } });
    expect(Date.parse(resumed.reading.since)).toBeGreaterThanOrEqual(Date.parse(resumed.updatedAt));

    // Its own refusals count from the resume on, and trip it past the threshold.
    for (const { phone } of strangers.slice(0, 2)) await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'steady', reading: { households: { treated: 2, refused: 2 } } });
    await callGate({ token: strangers[2]!.phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 3, refused: 3 } } });
  });

  it('a resumed rule is not tripped by a reading taken before its mark reached the region object', async () => {
    const { region } = await trippedByThreeStrangers();
    // A person's resume, written by the ControlStore, as its region object still has it: the mark setGuard brings is on
    // its way (the store sets it after its own write, and other calls run while it awaits).
    await runInDurableObject(control(), async (_, state) => {
      const rollout = (await state.storage.get<Json>('rollout'))!;
      const { trippedAt: _at, trippedBy: _by, ...wasTripped } = rollout.regions[region];
      rollout.regions[region] = { ...wasTripped, status: 'steady', note: 'resumed after review', updatedAt: new Date().toISOString() };
      await state.storage.put('rollout', { ...rollout, version: rollout.version + 1 });
    });
    // Counts arrive, or the alarm comes, in that moment: the reading is the tripped rule's (its three refusals), not the resumed one's.
    await testEnv.CONTROL.get(testEnv.CONTROL.idFromName(CONTROL_OBJECT_NAME)).countsArrived(region);
    await runDurableObjectAlarm(control());
    expect(await rule(region)).toMatchObject({ status: 'steady', mode: 'enforce' });
  });

  it('a guard whose mark never reached its region object gets it from the next alarm, and then trips', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const strangers = [await household(region), await household(region), await household(region)];
    const guard = { maxRefusalRate: 0.5, minHouseholds: 3, window: 'PT5M' };
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard, note: 'guarded' } });
    const setAt = Date.parse((await rule(region)).updatedAt);
    // As if setGuard had failed: the region object still reads from a mark of ten minutes before.
    const metrics = testEnv.METRICS.get(testEnv.METRICS.idFromName(regionObjectName(region, 0)));
    await metrics.setGuard(guard, { at: setAt - 600_000 });
    expect(Date.parse((await metrics.guardReading(guard)).since)).toBeLessThan(setAt);
    passTime(MARK_GRACE_MS + 1000);
    await runDurableObjectAlarm(control());
    expect(Date.parse((await metrics.guardReading(guard)).since)).toBe(setAt);
    for (const { phone } of strangers) await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 3, refused: 3 } } });
  });

  it('a person’s guarded rule is published and in force though its region object refused the mark for a moment', async () => {
    // A ControlStore of its own: no other rule has set its alarm (as for the first guarded rule of a deployment).
    const store = testEnv.CONTROL.get(testEnv.CONTROL.idFromName(`mark-refused-${newAccount('store')}`)) as unknown as DurableObjectStub;
    const kvBefore = await testEnv.HEARTH_KV.get(ROLLOUT_KEY);
    const errors = captureErrors();
    try {
      await runInDurableObject(store, async (instance: any, state) => {
        const real = instance.env;
        // The region object is unreachable for a moment (overloaded, restarting for a deploy): setGuard rejects.
        instance.env = {
          ...real,
          METRICS: { idFromName: (name: string) => real.METRICS.idFromName(name), get: () => ({ setGuard: async () => Promise.reject(new Error('region object overloaded')) }) },
        };
        try {
          const changed = await instance.changeRule({ region: 'XR', rule: { mode: 'enforce', guard: { maxRefusalRate: 0.5, window: 'PT15M' } }, actor: 'ops@example.test' });
          expect(changed.ok).toBe(true);
        } finally {
          instance.env = real;
        }
        // Written, published to KV (nothing owed), and the alarm set: it will send the mark again.
        expect((await instance.rollout()).regions.XR).toMatchObject({ mode: 'enforce' });
        expect(await state.storage.get('kv:pending')).toBeUndefined();
        expect(await state.storage.getAlarm()).not.toBeNull();
      });
      expect(((await testEnv.HEARTH_KV.get(ROLLOUT_KEY, 'json')) as Json).regions.XR).toMatchObject({ mode: 'enforce' });
      expect(errors).toContainEqual(expect.objectContaining({ event: 'rollout_guard_mark_failed', region: 'XR', error: 'Error' }));
    } finally {
      if (kvBefore === null) await testEnv.HEARTH_KV.delete(ROLLOUT_KEY);
      else await testEnv.HEARTH_KV.put(ROLLOUT_KEY, kvBefore);
    }
  });

  it('a mark overtaken in flight by a later change’s is ignored: the later rule trips on its own refusals', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const strangers = [await household(region), await household(region), await household(region)];
    const guard = { maxRefusalRate: 0.5, minHouseholds: 3, window: 'PT30M' };
    // Change A (a guarded monitor rule), then change B (enforce) a moment later.
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'monitor', guard, note: 'A' } });
    const versionA = (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.version;
    const atA = Date.parse((await rule(region)).updatedAt);
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard, note: 'B' } });
    // A's setGuard (another stub, in flight while B ran: nothing orders the two) reaches the region object after B's.
    await testEnv.METRICS.get(testEnv.METRICS.idFromName(regionObjectName(region, 0))).setGuard(guard, { at: atA, version: versionA });
    for (const { phone } of strangers) await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { treated: 3, refused: 3 } } });
  });

  it('trips on the verification success rate too', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const { phone } = await household(region);
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'challenge', guard: { minVerifySuccessRate: 0.5, minHouseholds: 1, window: 'PT5M' } } });
    await callGate({ token: phone, ip: AWAY_IP, country: region });
    // A code sent and never verified: 0 of 1 < 0.5.
    await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: region });
    expect(await rule(region)).toMatchObject({ status: 'tripped', trippedBy: { households: { sent: 1, verified: 0 }, cause: 'verifySuccessRate' } });
  });

  it('retries an ops event the receiver refused until it lands', async () => {
    const region = freshRegion();
    await fetch(`http://notify.test/ops-fail?count=2&region=${region}`, { method: 'POST' });
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', stages: [{ percent: 20, hold: 'PT1S' }, { percent: 40 }] } });
    await eventually(async () => (await opsEvents(region)).length === 1, 10_000);
    const [event] = await opsEvents(region);
    expect(event!.message).toMatchObject({ type: 'rollout_stage_advanced', region });
    expect(await signatureIsValid(event!)).toBe(true);
  });
});

describe('alarms that fail', () => {
  it('back off instead of waking again at once, longer each time, and start over once a person sets the rule', async () => {
    // A rule whose stored hold cannot be read (set before today's checks): every advance throws.
    const region = freshRegion();
    const alarm = () => runInDurableObject(control(), (_, state) => state.storage.getAlarm());
    // The other duties sharing the alarm settle first (KV is written at most once a second).
    passTime(1100);
    for (let i = 0; i < 10 && ((await alarm()) ?? Infinity) < Date.now() + 2000; i++) await runDurableObjectAlarm(control());
    const past = new Date(Date.now() - 60_000).toISOString();
    await runInDurableObject(control(), async (_, state) => {
      const rollout = ((await state.storage.get('rollout')) ?? { version: 0, updatedAt: null, regions: {} }) as Json;
      rollout.regions[region] = {
        mode: 'enforce',
        percent: 10,
        failOpen: true,
        stages: [{ percent: 10, hold: 'PT1S' }, { percent: 50, hold: 'P1M' }, { percent: 100 }],
        status: 'advancing',
        stage: 0,
        stageStartedAt: past,
        nextAdvanceAt: past,
        updatedAt: past,
        updatedBy: 'before-checks',
      };
      await state.storage.put('rollout', { ...rollout, version: rollout.version + 1 });
      await state.storage.setAlarm(Date.now());
    });
    const lines = captureErrors();
    const failures = () => lines.filter((line) => line.event === 'rollout_tend_failed' && line.region === region);

    let before = Date.now();
    await runDurableObjectAlarm(control());
    const first = (await alarm())! - before;
    // Not at once: after the first backoff (and before the guards' minute).
    expect(first).toBeGreaterThanOrEqual(ALARM_BACKOFF_MIN_MS - 500);
    expect(first).toBeLessThanOrEqual(ALARM_BACKOFF_MIN_MS + 1000);
    // Woken early for something else, the region is not tried again before its backoff is over.
    await runDurableObjectAlarm(control());
    expect(failures()).toHaveLength(1);

    passTime(ALARM_BACKOFF_MIN_MS + 100);
    before = Date.now();
    await runDurableObjectAlarm(control());
    const second = (await alarm())! - before;
    expect(second).toBeGreaterThanOrEqual(2 * ALARM_BACKOFF_MIN_MS - 500);
    expect(ALARM_BACKOFF_MAX_MS).toBeGreaterThanOrEqual(60_000);
    // One line per attempt: the region, the attempt, when it is tried again — nothing else.
    expect(failures()).toEqual([
      { event: 'rollout_tend_failed', region, attempt: 1, retryInMs: ALARM_BACKOFF_MIN_MS, error: expect.any(String), version: runningVersion() },
      { event: 'rollout_tend_failed', region, attempt: 2, retryInMs: 2 * ALARM_BACKOFF_MIN_MS, error: expect.any(String), version: runningVersion() },
    ]);

    // A person sets the rule again: it is tended when due, with no backoff left over.
    expect((await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', stages: [{ percent: 10, hold: 'PT1S' }, { percent: 50 }] } })).status).toBe(200);
    passTime(1100);
    await runDurableObjectAlarm(control());
    expect(await rule(region)).toMatchObject({ stage: 1, status: 'steady' });
    expect(failures()).toHaveLength(2);
    await admin('DELETE', `/admin/v1/rollout/${region}`);
  });
});

/** Collects the Worker's JSON error log lines from now on (the Durable Objects run in this isolate). */
function captureErrors(): Json[] {
  const lines: Json[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: string) => {
    lines.push(JSON.parse(line) as Json);
  });
  return lines;
}

afterEach(() => vi.restoreAllMocks());
