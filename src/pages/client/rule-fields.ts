/**
 * The rule form's fields and the rule they make, without the page: a rule
 * read into fields (Edit), fields laid over the rule being edited into the
 * body to PUT, and an API's 400 mapped back to the fields it names. Pure, so
 * it is testable without a browser; console-rule-form.ts reads and writes the
 * inputs.
 */
import type { Problem, RolloutRule, RolloutRuleInput } from '../../admin-client/client';
import { visibleDeep } from '../../admin-client/visible-text';
import { guardMinimum, parseStages, stagesText, type Stages } from '../../admin-client/rule-text';

/** The form's fields, as text. */
export interface RuleFields {
  region: string;
  mode: string;
  percent: string;
  fail: string;
  stages: string;
  refusal: string;
  verify: string;
  /** v1.4: the most of the refused households that may say they live here (`maxLiveHereRate`). */
  livehere: string;
  households: string;
  window: string;
}

/** One objection, beside the field it names (null: the form as a whole). */
export interface FieldProblem {
  field: keyof RuleFields | null;
  message: string;
}

/** What Edit filled in, and the rule it came from. */
export interface Editing {
  region: string;
  rule: RolloutRule;
  fields: RuleFields;
}

/** The API's field names (problem `field`, first segment after `guard.`) → the form's. */
const FIELD_OF_PROBLEM: Record<string, keyof RuleFields> = {
  mode: 'mode',
  percent: 'percent',
  failOpen: 'fail',
  stages: 'stages',
  'guard.maxRefusalRate': 'refusal',
  'guard.minVerifySuccessRate': 'verify',
  'guard.maxLiveHereRate': 'livehere',
  'guard.minSessions': 'households',
  'guard.minHouseholds': 'households',
  'guard.window': 'window',
  guard: 'window',
};

/** The stages a rule has still to go through, from the one it has reached; none once a single stage is left. */
export function remainingStages(rule: RolloutRule): Stages | undefined {
  const stages = rule.stages?.slice(rule.stage ?? 0);
  return stages && stages.length > 1 ? stages : undefined;
}

/** The fields Edit fills in for a rule: its stages from the one it has reached, so a rollout half-way does not start over. */
export function fieldsOfRule(region: string, rule: RolloutRule): RuleFields {
  const stages = remainingStages(rule);
  return {
    region,
    mode: rule.mode,
    percent: String(rule.percent),
    fail: rule.failOpen ? 'open' : 'closed',
    stages: stagesText(stages),
    refusal: rule.guard?.maxRefusalRate !== undefined ? String(rule.guard.maxRefusalRate) : '',
    verify: rule.guard?.minVerifySuccessRate !== undefined ? String(rule.guard.minVerifySuccessRate) : '',
    livehere: rule.guard?.maxLiveHereRate !== undefined ? String(rule.guard.maxLiveHereRate) : '',
    households: rule.guard ? String(guardMinimum(rule.guard)) : '',
    window: rule.guard?.window ?? '',
  };
}

/** A number field: empty → undefined, not a number → a problem for that field. */
function numberField(fields: RuleFields, name: 'refusal' | 'verify' | 'livehere' | 'households', problems: FieldProblem[]): number | undefined {
  if (fields[name] === '') return undefined;
  const value = Number(fields[name]);
  if (!Number.isFinite(value)) problems.push({ field: name, message: `“${fields[name]}” is not a number` });
  return value;
}

/**
 * The body to PUT: the rule being edited (when the form is still on its
 * region), with the fields the person changed laid over it, so a stage, a
 * guard setting or anything the form does not show is never dropped by an edit.
 */
export function ruleBody(fields: RuleFields, note: string, editing: Editing | null): { body: RolloutRuleInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const from = editing && editing.region === fields.region ? editing : null;
  const changed = (name: keyof RuleFields) => !from || from.fields[name] !== fields[name];
  const body: RolloutRuleInput = { mode: fields.mode as RolloutRule['mode'], failOpen: fields.fail === 'open', note };

  let stages: Stages | undefined;
  if (from && !changed('stages')) stages = remainingStages(from.rule);
  else {
    const parsed = parseStages(fields.stages);
    if (parsed.ok) stages = parsed.value;
    else problems.push({ field: 'stages', message: parsed.error });
  }
  if (stages && stages.length > 0) {
    body.stages = stages;
    if (changed('percent') && Number(fields.percent) !== stages[0]!.percent) body.percent = Number(fields.percent);
  } else body.percent = Number(fields.percent);

  const guardFields = ['refusal', 'verify', 'livehere', 'households', 'window'] as const;
  if (from && !guardFields.some(changed)) {
    if (from.rule.guard) body.guard = from.rule.guard;
  } else if (guardFields.some((name) => fields[name] !== '')) {
    // The rule's own guard first, so a setting the form does not show survives; then what the form says.
    const guard: Record<string, unknown> = { ...from?.rule.guard };
    const set = (key: string, value: unknown) => (value === undefined ? delete guard[key] : (guard[key] = value));
    set('maxRefusalRate', numberField(fields, 'refusal', problems));
    set('minVerifySuccessRate', numberField(fields, 'verify', problems));
    set('maxLiveHereRate', numberField(fields, 'livehere', problems));
    const minimumKey = 'minHouseholds' in guard ? 'minHouseholds' : 'minSessions';
    set(minimumKey, numberField(fields, 'households', problems));
    set('window', fields.window === '' ? undefined : fields.window.toUpperCase());
    body.guard = guard as NonNullable<RolloutRuleInput['guard']>;
  }
  return { body, problems };
}

/** A 400's errors (`field` + message), mapped to the form's fields. */
export function problemsOfAnswer(error: unknown): FieldProblem[] {
  const problem = visibleDeep(error as Partial<Problem> & { errors?: Array<{ field: string; message: string }> });
  const errors = problem.errors && problem.errors.length > 0 ? problem.errors : [{ field: problem.field ?? '', message: problem.detail ?? problem.title ?? 'invalid' }];
  return errors.map(({ field, message }) => {
    const key = Object.keys(FIELD_OF_PROBLEM).find((name) => field === name || field.startsWith(`${name}.`));
    const text = message.startsWith(`${field}:`) ? message : `${field}: ${message}`;
    return { field: key ? FIELD_OF_PROBLEM[key]! : null, message: text };
  });
}
