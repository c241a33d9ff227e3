/**
 * The console's rule form without the page (src/pages/client/rule-fields.ts):
 * an edit lays only the fields a person changed over the rule, so what the
 * form does not show — a stage reached, a guard setting — survives, and the
 * gate's objections land beside the fields they name.
 */
import { describe, expect, it } from 'vitest';
import type { RolloutRule } from '../../../src/admin-client/client';
import { fieldsOfRule, problemsOfAnswer, ruleBody } from '../../../src/pages/client/rule-fields';

const staged = {
  mode: 'enforce',
  percent: 50,
  failOpen: true,
  stages: [{ percent: 10, hold: 'P1D' }, { percent: 50, hold: 'P2D' }, { percent: 100 }],
  stage: 1,
  guard: { maxRefusalRate: 0.05, minHouseholds: 200, window: 'PT15M' },
  note: 'Peru, guarded',
} as RolloutRule;

describe('the rule form', () => {
  it('fills an edit from the stage the rule has reached, not from its first', () => {
    expect(fieldsOfRule('PE', staged)).toMatchObject({ region: 'PE', mode: 'enforce', percent: '50', fail: 'open', stages: '50:P2D, 100', refusal: '0.05', households: '200', window: 'PT15M' });
  });

  it('keeps the stages and the guard of the rule being edited when only the note and failing change', () => {
    const fields = { ...fieldsOfRule('PE', staged), fail: 'closed' };
    const { body, problems } = ruleBody(fields, 'fail closed now', { region: 'PE', rule: staged, fields: fieldsOfRule('PE', staged) });
    expect(problems).toEqual([]);
    expect(body).toEqual({ mode: 'enforce', failOpen: false, note: 'fail closed now', stages: [{ percent: 50, hold: 'P2D' }, { percent: 100 }], guard: staged.guard });
  });

  it('keeps a guard setting the form does not show (its minimum under its new name) when a guard field changes', () => {
    const fields = { ...fieldsOfRule('PE', staged), refusal: '0.1' };
    const { body } = ruleBody(fields, 'looser', { region: 'PE', rule: staged, fields: fieldsOfRule('PE', staged) });
    expect(body.guard).toEqual({ maxRefusalRate: 0.1, minHouseholds: 200, window: 'PT15M' });
  });

  it('starts afresh for another region, and names a field that is not a number', () => {
    const fields = { ...fieldsOfRule('PE', staged), region: 'CL', stages: '', verify: 'half' };
    const { body, problems } = ruleBody(fields, 'Chile', { region: 'PE', rule: staged, fields: fieldsOfRule('PE', staged) });
    expect(body.percent).toBe(50);
    expect(body.stages).toBeUndefined();
    expect(problems).toEqual([{ field: 'verify', message: '“half” is not a number' }]);
  });

  it('puts each of the gate’s objections beside the field it names', () => {
    const problems = problemsOfAnswer({
      errors: [
        { field: 'guard.window', message: 'must be at most PT6H' },
        { field: 'region', message: 'unknown' },
      ],
    });
    expect(problems).toEqual([
      { field: 'window', message: 'guard.window: must be at most PT6H' },
      { field: null, message: 'region: unknown' },
    ]);
  });
});
