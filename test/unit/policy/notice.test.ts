import { describe, expect, it } from 'vitest';
import { isStricter, outlookOf, planRuleChange, settled } from '../../../src/policy/notice';
import { ruleFor, type Rollout, type RolloutRule } from '../../../src/policy/rollout';
import { MS_PER_DAY } from '../../../src/time';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const rule = (mode: RolloutRule['mode'], percent = 100, extra: Partial<RolloutRule> = {}): RolloutRule => ({ mode, percent, failOpen: true, ...extra });
const rollout = (regions: Rollout['regions'], version = 1): Rollout => ({ version, updatedAt: null, regions });
const NOTICE = { noticeMs: 14 * MS_PER_DAY, approval: false };

describe('what is stricter (contract §8)', () => {
  it.each([
    ['monitor → challenge', rule('monitor'), rule('challenge', 0), true],
    ['off → monitor', rule('off'), rule('monitor'), true],
    ['enforce → challenge at 100', rule('enforce', 10), rule('challenge', 100), false],
    ['challenge 10 → challenge 50', rule('challenge', 10), rule('challenge', 50), true],
    ['challenge 50 → challenge 10', rule('challenge', 50), rule('challenge', 10), false],
    ['challenge 50 → enforce 10', rule('challenge', 50), rule('enforce', 10), true],
    ['monitor 10 → monitor 100', rule('monitor', 10), rule('monitor', 100), false],
    ['the same rule again', rule('enforce', 30), rule('enforce', 30), false],
    ['a stage above the percent in force', rule('challenge', 50), rule('challenge', 10, { stages: [{ percent: 10, hold: 'P1D' }, { percent: 60 }] }), true],
    ['every stage at or below it', rule('challenge', 50), rule('challenge', 10, { stages: [{ percent: 10, hold: 'P1D' }, { percent: 50 }] }), false],
    ['resuming a tripped rule (it answers as monitor)', rule('enforce', 100, { status: 'tripped' }), rule('enforce', 100), true],
  ])('%s: %s', (_name, before, after, stricter) => {
    expect(isStricter(before, after)).toBe(stricter);
  });
});

describe('a change planned', () => {
  it('makes a stricter rule the region’s upcoming one, keeping the rule in force', () => {
    const current = rollout({ PE: rule('monitor', 100, { note: 'watching' }) });
    const plan = planRuleChange(current, { region: 'PE', rule: rule('enforce'), actor: 'alice' }, NOTICE, T0);
    expect(plan).toMatchObject({ kind: 'apply', notice: 'given', stricter: true });
    if (plan.kind !== 'apply') throw new Error('planned');
    expect(plan.entry).toMatchObject({
      mode: 'monitor',
      note: 'watching',
      upcoming: { mode: 'enforce', effectiveAt: new Date(T0 + 14 * MS_PER_DAY).toISOString(), noticeFrom: new Date(T0).toISOString() },
    });
  });

  it('asks a second person first under approval, unless one approved it', () => {
    const current = rollout({});
    expect(planRuleChange(current, { region: 'PE', rule: rule('challenge'), actor: 'alice' }, { ...NOTICE, approval: true }, T0)).toEqual({ kind: 'approval' });
    expect(planRuleChange(current, { region: 'PE', rule: rule('challenge'), actor: 'alice', approvedBy: 'bob' }, { ...NOTICE, approval: true }, T0).kind).toBe('apply');
    // Looser needs nobody.
    expect(planRuleChange(current, { region: 'PE', rule: rule('off'), actor: 'alice' }, { ...NOTICE, approval: true }, T0).kind).toBe('apply');
  });

  it('gives a region without a rule an entry that follows * until its upcoming rule applies', () => {
    const current = rollout({ '*': rule('challenge', 20) });
    const plan = planRuleChange(current, { region: 'CL', rule: rule('enforce'), actor: 'alice' }, NOTICE, T0);
    if (plan.kind !== 'apply') throw new Error('planned');
    expect(plan.entry).toMatchObject({ follows: '*', mode: 'challenge', percent: 20 });
    const next = rollout(plan.regions);
    expect(ruleFor(next, 'CL', T0)).toEqual({ key: '*', rule: rule('challenge', 20) });
    // `*` moves on; the region follows it until its own rule's moment.
    next.regions['*'] = rule('off');
    expect(ruleFor(next, 'CL', T0 + MS_PER_DAY).rule.mode).toBe('off');
    expect(ruleFor(next, 'CL', T0 + 14 * MS_PER_DAY)).toMatchObject({ key: 'CL', rule: { mode: 'enforce' } });
  });

  it('applies at once with a skipped notice or a zero period, saying so', () => {
    const current = rollout({});
    const skipped = planRuleChange(current, { region: 'PE', rule: rule('enforce'), actor: 'a', notice: 'skip' }, NOTICE, T0);
    expect(skipped).toMatchObject({ kind: 'apply', notice: 'skipped', entry: { mode: 'enforce', notice: 'skipped' } });
    const zero = planRuleChange(current, { region: 'PE', rule: rule('enforce'), actor: 'a' }, { noticeMs: 0, approval: false }, T0);
    expect(zero).toMatchObject({ kind: 'apply', notice: 'skipped' });
  });

  it('a loosening replaces the upcoming rule', () => {
    const current = rollout({ PE: { ...rule('monitor'), upcoming: { ...rule('enforce'), effectiveAt: new Date(T0 + MS_PER_DAY).toISOString(), noticeFrom: new Date(T0).toISOString() } } });
    const plan = planRuleChange(current, { region: 'PE', rule: rule('off'), actor: 'a' }, NOTICE, T0);
    if (plan.kind !== 'apply') throw new Error('planned');
    expect(plan.entry).toMatchObject({ mode: 'off', notice: 'not-needed' });
    expect(plan.entry!.upcoming).toBeUndefined();
  });
});

describe('the rollout settled and told', () => {
  const effectiveAt = new Date(T0 + 14 * MS_PER_DAY).toISOString();
  const staged: RolloutRule = {
    ...rule('enforce', 10, { stages: [{ percent: 10, hold: 'P2D' }, { percent: 50, hold: 'P3D' }, { percent: 100 }], guard: { maxRefusalRate: 0.1, window: 'PT15M' } }),
    status: 'advancing',
    stage: 0,
    stageStartedAt: effectiveAt,
    nextAdvanceAt: new Date(T0 + 16 * MS_PER_DAY).toISOString(),
  };
  const waiting = rollout({ PE: { ...rule('monitor'), upcoming: { ...staged, notice: 'given', effectiveAt, noticeFrom: new Date(T0).toISOString() } } });

  it('writes in what is due, recording the change at its own moment', () => {
    expect(settled(waiting, T0).applied).toEqual([]);
    const after = settled(waiting, T0 + 15 * MS_PER_DAY);
    expect(after.applied.map((a) => a.region)).toEqual(['PE']);
    expect(after.rollout.regions.PE).toMatchObject({ mode: 'enforce', percent: 10, stage: 0 });
    expect(after.rollout.regions.PE!.upcoming).toBeUndefined();
    expect(after.rollout.changes!.PE![0]).toEqual({ at: effectiveAt, mode: 'enforce', percent: 10, notice: 'given', announcedAt: new Date(T0).toISOString() });
  });

  it('announces every stricter step ahead, a guarded stage as "not before"', () => {
    const outlook = outlookOf(waiting, 'PE', T0);
    expect(outlook).toMatchObject({ mode: 'monitor', percent: 100 });
    expect(outlook.upcoming).toEqual([
      { mode: 'enforce', percent: 10, at: effectiveAt },
      { mode: 'enforce', percent: 50, at: new Date(T0 + 16 * MS_PER_DAY).toISOString(), notBefore: true },
      { mode: 'enforce', percent: 100, at: new Date(T0 + 19 * MS_PER_DAY).toISOString(), notBefore: true },
    ]);
    const later = outlookOf(waiting, 'PE', T0 + 15 * MS_PER_DAY);
    expect(later).toMatchObject({ mode: 'enforce', percent: 10, since: effectiveAt });
    expect(later.upcoming.map((step) => step.percent)).toEqual([50, 100]);
  });
});
