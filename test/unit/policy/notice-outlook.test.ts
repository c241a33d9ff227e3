/**
 * What the status page tells of a region (`outlookOf`), from rollouts made
 * the way the ControlStore makes them (`planRuleChange`, `recordChanges`,
 * `settled`): what the gate does now and since when, every stricter step
 * ahead, and the last changes with their notice.
 */
import { describe, expect, it } from 'vitest';
import { outlookOf, planRuleChange, recordChanges, type RuleChangeRequest } from '../../../src/policy/notice';
import { EMPTY_ROLLOUT, ruleFor, type Rollout } from '../../../src/policy/rollout';
import { MS_PER_DAY, MS_PER_HOUR } from '../../../src/time';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** One person's change at `now`, applied as the ControlStore applies it (no approval asked). */
function change(rollout: Rollout, request: Omit<RuleChangeRequest, 'actor'>, now: number, noticeMs: number): Rollout {
  const plan = planRuleChange(rollout, { ...request, actor: 'ops@test' }, { noticeMs, approval: false }, now);
  if (plan.kind !== 'apply') throw new Error('approval asked');
  return recordChanges(rollout, { ...rollout, version: rollout.version + 1, regions: plan.regions }, now, plan.notice);
}

describe('outlookOf', () => {
  it('tells a stricter rule on its way with its date, then, once due, as what the gate does, announced', () => {
    const ruled = change(EMPTY_ROLLOUT, { region: 'PE', rule: { mode: 'monitor', percent: 100, failOpen: true } }, T0, 14 * MS_PER_DAY);
    const stricter = change(ruled, { region: 'PE', rule: { mode: 'challenge', percent: 50, failOpen: true } }, T0 + MS_PER_HOUR, 14 * MS_PER_DAY);
    const effectiveAt = T0 + MS_PER_HOUR + 14 * MS_PER_DAY;

    const before = outlookOf(stricter, 'PE', effectiveAt - 1);
    expect(before).toMatchObject({ mode: 'monitor', percent: 100, since: iso(T0), upcoming: [{ mode: 'challenge', percent: 50, at: iso(effectiveAt) }] });
    expect(before.upcoming[0]).not.toHaveProperty('notBefore');
    // The gate decides by the same rule at the same moments.
    expect(ruleFor(stricter, 'PE', effectiveAt - 1).rule.mode).toBe('monitor');
    expect(ruleFor(stricter, 'PE', effectiveAt).rule.mode).toBe('challenge');

    const after = outlookOf(stricter, 'PE', effectiveAt);
    expect(after).toMatchObject({ mode: 'challenge', percent: 50, since: iso(effectiveAt), upcoming: [] });
    expect(after.changes).toEqual([
      { at: iso(effectiveAt), mode: 'challenge', percent: 50, notice: 'given', announcedAt: iso(T0 + MS_PER_HOUR) },
      { at: iso(T0), mode: 'monitor', percent: 100, notice: 'not-needed' },
    ]);
  });

  it('lists every stage of a guarded staged rule ahead, each "not before" its earliest date', () => {
    const staged = change(
      EMPTY_ROLLOUT,
      {
        region: 'CL',
        rule: {
          mode: 'enforce',
          percent: 10,
          failOpen: true,
          stages: [{ percent: 10, hold: 'P2D' }, { percent: 50, hold: 'P3D' }, { percent: 100 }],
          guard: { maxRefusalRate: 0.5, window: 'PT1H' },
        },
        notice: 'skip',
      },
      T0,
      14 * MS_PER_DAY,
    );
    const outlook = outlookOf(staged, 'CL', T0 + MS_PER_HOUR);
    expect(outlook).toMatchObject({ mode: 'enforce', percent: 10, since: iso(T0) });
    expect(outlook.upcoming).toEqual([
      { mode: 'enforce', percent: 50, at: iso(T0 + 2 * MS_PER_DAY), notBefore: true },
      { mode: 'enforce', percent: 100, at: iso(T0 + 5 * MS_PER_DAY), notBefore: true },
    ]);
    expect(outlook.changes).toEqual([{ at: iso(T0), mode: 'enforce', percent: 10, notice: 'skipped' }]);
  });

  it('tells a region with no rule of its own what `*` does there and what `*` announces', () => {
    const fallback = change(EMPTY_ROLLOUT, { region: '*', rule: { mode: 'off', percent: 100, failOpen: true } }, T0, MS_PER_DAY);
    const announced = change(fallback, { region: '*', rule: { mode: 'challenge', percent: 20, failOpen: true } }, T0 + MS_PER_HOUR, MS_PER_DAY);
    const us = outlookOf(announced, 'US', T0 + 2 * MS_PER_HOUR);
    expect(us).toEqual(outlookOf(announced, '*', T0 + 2 * MS_PER_HOUR));
    expect(us).toMatchObject({ mode: 'off', upcoming: [{ mode: 'challenge', percent: 20, at: iso(T0 + MS_PER_HOUR + MS_PER_DAY) }] });
  });

  it('reads a tripped rule as the monitor it answers with', () => {
    const ruled = change(EMPTY_ROLLOUT, { region: 'CR', rule: { mode: 'enforce', percent: 100, failOpen: true }, notice: 'skip' }, T0, MS_PER_DAY);
    const tripped: Rollout = { ...ruled, regions: { CR: { ...ruled.regions.CR!, status: 'tripped' } } };
    expect(outlookOf(tripped, 'CR', T0 + MS_PER_HOUR)).toMatchObject({ mode: 'monitor', percent: 100, upcoming: [] });
  });
});
