/**
 * Staged and guarded rules as pure transitions (src/policy/staged-rule.ts):
 * the workerd tests in test/admin/guarded-rollouts.test.ts drive them through
 * the ControlStore and its alarm; these pin each step on its own, with the
 * clock passed in.
 */
import { describe, expect, it } from 'vitest';
import { effectiveMode, type GuardReading, type RolloutRule } from '../../../src/policy/rollout';
import { advanced, guarded, guardWindowMs, MAX_GUARD_WINDOW_MS, MAX_STAGE_HOLD_MS, nextAdvance, stageNote, startRule, tripNote, tripped, type RuleSettings } from '../../../src/policy/staged-rule';
import { MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND } from '../../../src/time';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const staged: RuleSettings = {
  mode: 'enforce',
  percent: 100,
  failOpen: true,
  stages: [{ percent: 10, hold: 'PT1S' }, { percent: 50, hold: 'P1D' }, { percent: 100 }],
  guard: { maxRefusalRate: 0.05, window: 'PT15M' },
};

const unhealthy: GuardReading = {
  at: iso(T0),
  since: iso(T0 - 15 * MS_PER_MINUTE),
  households: { treated: 200, refused: 40, sent: 30, verified: 10 },
  refusalRate: 0.2,
  verifySuccessRate: 1 / 3,
  unhealthy: true,
  cause: 'refusalRate',
};

describe('startRule', () => {
  it('keeps a rule without stages as given, steady, with no stage fields', () => {
    const rule = startRule({ mode: 'challenge', percent: 30, failOpen: false, note: 'pilot' }, T0);
    expect(rule).toEqual({ mode: 'challenge', percent: 30, failOpen: false, note: 'pilot', status: 'steady' });
    expect(nextAdvance(rule)).toBeNull();
  });

  it('starts a staged rule at its first stage, its percent from that stage, due after its hold', () => {
    const rule = startRule(staged, T0);
    expect(rule).toMatchObject({ mode: 'enforce', percent: 10, status: 'advancing', stage: 0, stageStartedAt: iso(T0), nextAdvanceAt: iso(T0 + MS_PER_SECOND), guard: staged.guard });
    expect(rule.stages).toEqual(staged.stages);
    expect(nextAdvance(rule)).toBe(T0 + MS_PER_SECOND);
    // An absent note stays absent (not `note: undefined` in storage).
    expect('note' in rule).toBe(false);
  });

  it('treats a single stage as steady: nothing is ever due', () => {
    const rule = startRule({ mode: 'enforce', percent: 100, failOpen: true, stages: [{ percent: 40 }] }, T0);
    expect(rule).toMatchObject({ percent: 40, status: 'steady', stage: 0, nextAdvanceAt: null });
    expect(nextAdvance(rule)).toBeNull();
  });

  it('holds a stage no longer than the bound, whatever the hold says', () => {
    const rule = startRule({ mode: 'enforce', percent: 100, failOpen: true, stages: [{ percent: 10, hold: 'P400D' }, { percent: 100 }] }, T0);
    expect(nextAdvance(rule)).toBe(T0 + MAX_STAGE_HOLD_MS);
    expect(MAX_STAGE_HOLD_MS).toBe(90 * MS_PER_DAY);
  });
});

describe('advanced', () => {
  it('steps through the stages in order, each with its own hold, and stops steady at the last', () => {
    const first = startRule(staged, T0);
    const second = advanced(first, T0 + MS_PER_SECOND);
    expect(second).toMatchObject({ percent: 50, stage: 1, status: 'advancing', stageStartedAt: iso(T0 + MS_PER_SECOND), nextAdvanceAt: iso(T0 + MS_PER_SECOND + MS_PER_DAY) });
    const last = advanced(second, T0 + 2 * MS_PER_DAY);
    expect(last).toMatchObject({ percent: 100, stage: 2, status: 'steady', stageStartedAt: iso(T0 + 2 * MS_PER_DAY), nextAdvanceAt: null });
    expect(nextAdvance(last)).toBeNull();
    // The person's settings ride along unchanged.
    expect(last).toMatchObject({ mode: 'enforce', failOpen: true, guard: staged.guard, stages: staged.stages });
  });

  it('copies: the rule it steps from is left as it was', () => {
    const first = startRule(staged, T0);
    const before = structuredClone(first);
    advanced(first, T0 + MS_PER_SECOND);
    expect(first).toEqual(before);
  });
});

describe('tripped', () => {
  it('keeps the settings for inspection, records the reading, stops advancing and answers everyone as monitor', () => {
    const rule = advanced(startRule(staged, T0), T0 + MS_PER_SECOND);
    const stepped = tripped(rule, unhealthy, T0 + 2 * MS_PER_SECOND);
    expect(stepped).toMatchObject({ mode: 'enforce', percent: 50, stage: 1, status: 'tripped', reading: unhealthy, trippedBy: unhealthy, trippedAt: iso(T0 + 2 * MS_PER_SECOND), nextAdvanceAt: null });
    expect(nextAdvance(stepped)).toBeNull();
    for (const bucket of [0, 10, 49, 50, 99]) expect(effectiveMode(stepped, bucket)).toBe('monitor');
    expect(effectiveMode(rule, 10)).toBe('enforce');
  });
});

describe('guarded', () => {
  it('reads a guard only on a rule that has one and has not tripped', () => {
    const rule: RolloutRule = startRule(staged, T0);
    expect(guarded(rule)).toBe(true);
    expect(guarded(tripped(rule, unhealthy, T0))).toBe(false);
    expect(guarded(startRule({ mode: 'enforce', percent: 100, failOpen: true }, T0))).toBe(false);
    expect(guarded(undefined)).toBe(false);
  });

  it('reads back over the window given, within the bound', () => {
    expect(guardWindowMs({ window: 'PT15M' })).toBe(15 * MS_PER_MINUTE);
    expect(guardWindowMs({ window: 'P1D' })).toBe(MAX_GUARD_WINDOW_MS);
  });
});

describe('the audit notes of a rule that changes itself', () => {
  it('a trip by refusals: the households refused of those treated, the rate against the bound, the step down', () => {
    const rule = startRule(staged, T0);
    expect(tripNote(unhealthy, rule)).toBe('guard tripped: 40 of 200 treated households refused (20.0% > 5.0%); stepped down to monitor');
  });

  it('a trip by verifications: the households that verified a code of those sent one, against the floor', () => {
    const rule = startRule({ ...staged, guard: { minVerifySuccessRate: 0.5, window: 'PT15M' } }, T0);
    const reading: GuardReading = { ...unhealthy, cause: 'verifySuccessRate' };
    expect(tripNote(reading, rule)).toBe('guard tripped: 10 of 30 households sent a code verified one (33.3% < 50.0%); stepped down to monitor');
  });

  it('an advance: the stage reached (counted from 1) of how many, and its percent', () => {
    const second = advanced(startRule(staged, T0), T0 + MS_PER_SECOND);
    expect(stageNote(second)).toBe('stage 2 of 3: 50%');
    expect(stageNote(advanced(second, T0 + 2 * MS_PER_DAY))).toBe('stage 3 of 3: 100%');
  });
});
