/**
 * The console's rule form and the ops CLI's --guard grammar take a guard's
 * live-here share (contract §8, `maxLiveHereRate`): read from a rule into
 * the form, laid over the rule being edited, a 400 naming it shown beside its
 * field, and in the words a rule is described with.
 */
import { describe, expect, it } from 'vitest';
import type { RolloutRule } from '../../../src/admin-client/client';
import { fieldsOfRule, problemsOfAnswer, ruleBody } from '../../../src/pages/client/rule-fields';
import { describeGuard } from '../../../src/admin-client/rule-text';

const rule = { mode: 'enforce', percent: 100, failOpen: true, guard: { maxRefusalRate: 0.05, maxLiveHereRate: 0.2, minHouseholds: 200, window: 'PT30M' } } as RolloutRule;

describe('a guard’s live-here share', () => {
  it('is read into the form and kept by an edit that leaves it alone, changed by one that does not', () => {
    const fields = fieldsOfRule('PE', rule);
    expect(fields.livehere).toBe('0.2');
    const editing = { region: 'PE', rule, fields };
    expect(ruleBody({ ...fields, percent: '100' }, 'same', editing).body.guard).toMatchObject({ maxLiveHereRate: 0.2 });
    expect(ruleBody({ ...fields, livehere: '0.3' }, 'higher', editing).body.guard).toMatchObject({ maxRefusalRate: 0.05, maxLiveHereRate: 0.3 });
    expect(ruleBody({ ...fields, livehere: '' }, 'gone', editing).body.guard).not.toHaveProperty('maxLiveHereRate');
    expect(ruleBody({ ...fields, livehere: 'lots' }, 'wrong', editing).problems).toEqual([{ field: 'livehere', message: '“lots” is not a number' }]);
  });

  it('is named beside its field when the gate refuses it', () => {
    expect(problemsOfAnswer({ status: 400, field: 'guard.maxLiveHereRate', detail: 'guard.maxLiveHereRate: must be at most 1' })).toEqual([
      { field: 'livehere', message: 'guard.maxLiveHereRate: must be at most 1' },
    ]);
  });

  it('is in the words a rule is described with (the CLI’s --guard term: test/node/feedback-ops.test.ts)', () => {
    expect(describeGuard(rule.guard)).toContain('more than 5 % of treated households are refused or more than 20 % of refused households say they live here');
  });
});
