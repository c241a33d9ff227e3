/**
 * The console's rule form and its review: Edit fills every field from the
 * rule as it is and remembers what it filled in (rule-fields.ts lays only the
 * changed fields over the rule); Apply asks for a note, shows what the rule
 * would have done to the region's last hour (a preview) and when it would
 * apply (at once, after its notice on the public status page, after a second
 * person's approval) in the confirmation dialog — with “Skip the notice” for
 * a holder of rollout:skip-notice when it is stricter — and sends it with
 * If-Match. The gate's objections appear beside the fields they name; a
 * change that waits for a second person (202) says so, with its expiry.
 */
import { ifMatch, type PendingChange, type Rollout, type RolloutRule } from '../../admin-client/client';
import { describeApplies, describeWaiting, ruleWords, upcomingWords } from '../../admin-client/change-text';
import { describePreview } from '../../admin-client/wording';
import { visibleText } from '../../admin-client/visible-text';
import { describeGuard, describeStages, parseStages, stagesText } from '../../admin-client/rule-text';
import { setStatus } from './common';
import { $, skipNoticeChosen, type ConsoleContext, type PreviewLines } from './console-context';
import { localTime } from './local-time';
import type { RolloutPanel } from './console-rollout';
import { fieldsOfRule, problemsOfAnswer, ruleBody, type Editing, type FieldProblem, type RuleFields } from './rule-fields';

const RULE_INPUTS = {
  region: 'rule-region',
  mode: 'rule-mode',
  percent: 'rule-percent',
  fail: 'rule-fail',
  stages: 'rule-stages',
  refusal: 'rule-guard-refusal',
  verify: 'rule-guard-verify',
  livehere: 'rule-guard-livehere',
  households: 'rule-guard-households',
  window: 'rule-guard-window',
} as const satisfies Record<keyof RuleFields, string>;

const ruleInput = (name: keyof RuleFields) => $<HTMLInputElement | HTMLSelectElement>(RULE_INPUTS[name]);

function readRuleFields(): RuleFields {
  const fields = {} as RuleFields;
  for (const name of Object.keys(RULE_INPUTS) as (keyof RuleFields)[]) fields[name] = ruleInput(name).value.trim();
  return fields;
}

/** The API's (or the form's) objections, each beside the field it names. */
function showRuleProblems(problems: FieldProblem[]): void {
  for (const name of Object.keys(RULE_INPUTS) as (keyof RuleFields)[]) {
    ruleInput(name).removeAttribute('aria-invalid');
    ruleInput(name).removeAttribute('aria-describedby');
  }
  const box = $('rule-problems');
  box.hidden = problems.length === 0;
  const list = document.createElement('ul');
  for (const problem of problems) {
    const item = document.createElement('li');
    item.textContent = visibleText(problem.message);
    list.append(item);
    if (problem.field) {
      ruleInput(problem.field).setAttribute('aria-invalid', 'true');
      ruleInput(problem.field).setAttribute('aria-describedby', 'rule-problems');
    }
  }
  box.replaceChildren(...(problems.length > 0 ? [list] : []));
}

/** The rule form: returns `edit`, which the regions panel's Edit buttons call. */
export function enableRuleForm(context: ConsoleContext, rollout: () => RolloutPanel): { edit: (region: string, rule: RolloutRule) => void } {
  const { api, status, refusal, confirm, changed, admin } = context;
  /** What Edit filled in, and the rule it came from. */
  let editing: Editing | null = null;

  function edit(region: string, rule: RolloutRule): void {
    const fields = fieldsOfRule(region, rule);
    for (const name of Object.keys(RULE_INPUTS) as (keyof RuleFields)[]) ruleInput(name).value = fields[name];
    editing = { region, rule, fields };
    showRuleProblems([]);
    $<HTMLInputElement>('rule-note').focus();
  }

  /**
   * What the proposed rule would have done to the region's last hour of
   * sessions, and when it would apply (previews are per region, not for `*`).
   * “Skip the notice” is offered to a holder of rollout:skip-notice when the
   * change is stricter (for `*`, which has no preview, whenever it might be).
   * A staged rule is stricter when any stage is: when a later stage goes
   * higher than the first, the gate is asked when that would apply.
   */
  async function previewOf(region: string, mode: RolloutRule['mode'], percent: number, highest: number): Promise<PreviewLines> {
    const mayskip = admin().scopes.has('rollout:skip-notice');
    if (region === '*')
      return {
        headline: 'Previews are per region: * applies to every region without a rule of its own.',
        current: 'Preview a region by entering its code instead.',
        applies: (skip) =>
          skip
            ? 'If this is stricter, it applies without notice as soon as any approval it needs is given: audited, and the public status page says so.'
            : 'If this is stricter, it waits like any other: for a second person’s approval when the gate asks for one, then its notice on the public status page. The answer after Apply says when it applies.',
        offerSkipNotice: mayskip,
      };
    const answer = await api.POST('/admin/v1/rollout/{region}/preview', { params: { path: { region } }, body: { mode, percent } });
    if (!answer.data) return { headline: `No preview: ${refusal(answer)}`, current: '' };
    let { applies } = answer.data;
    if (highest > percent) {
      const staged = await api.POST('/admin/v1/rollout/{region}/preview', { params: { path: { region } }, body: { mode, percent: highest } });
      if (staged.data) applies = staged.data.applies;
    }
    const answeredAt = Date.now();
    return { ...describePreview(answer.data), applies: (skipNotice) => describeApplies(applies, answeredAt, localTime, { skipNotice }), offerSkipNotice: mayskip && applies.stricter };
  }

  /** What a Set answered with 200, in words: at once, or on its way after its notice. */
  function appliedWords(region: string, after: Rollout, percent: number): string {
    const entry = Object.hasOwn(after.regions, region) ? after.regions[region]! : undefined;
    if (entry?.upcoming) return `${region}: ${upcomingWords(entry.upcoming, localTime)}. It is on the public status page now; until then the rule in force decides (version ${after.version}).`;
    const skipped = entry?.notice === 'skipped' ? ', at once without notice (audited; the status page says so)' : '';
    return `${region} is now ${entry ? ruleWords(entry) : `at ${percent} %`}${skipped} (version ${after.version}).`;
  }

  /**
   * A staged rule's percent is its (current) first stage's: changing Percent
   * changes that stage in the Stages field too, where the person sees it.
   */
  $('rule-percent').addEventListener('input', () => {
    const parsed = parseStages(ruleInput('stages').value);
    const percent = Number(ruleInput('percent').value);
    if (!parsed.ok || !parsed.value || !Number.isInteger(percent)) return;
    parsed.value[0]!.percent = percent;
    ruleInput('stages').value = stagesText(parsed.value);
  });

  /**
   * A region typed in (not one Edit filled): once its code is whole, the form starts from what the
   * region has now — its rule's mode and percent — or, for a region without
   * a rule of its own, `monitor` at 100 %. (The form used to start at `off`,
   * the first mode in the list.)
   */
  $('rule-region').addEventListener('input', () => {
    const region = ruleInput('region').value.trim().toUpperCase();
    // Once the code is whole (typed, pasted), and before the person picks a mode.
    if (!/^([A-Z]{2}|\*)$/.test(region) || editing?.region === region) return;
    const current = rollout().rules()[region];
    ruleInput('mode').value = current && !current.follows ? current.mode : 'monitor';
    ruleInput('percent').value = String(current && !current.follows ? current.percent : 100);
  });

  $('rule-clear').addEventListener('click', () => {
    editing = null;
    $<HTMLFormElement>('rule-form').reset();
    for (const name of ['stages', 'refusal', 'verify', 'livehere', 'households', 'window'] as const) ruleInput(name).value = '';
    showRuleProblems([]);
  });

  $('rule-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = readRuleFields();
    fields.region = fields.region.toUpperCase();
    const { region, mode } = fields;
    const failOpen = fields.fail === 'open';
    const note = $<HTMLInputElement>('rule-note').value.trim();
    if (!note) return setStatus(status, 'A note is required: say why, it goes into the audit trail.', 'bad');
    const { body, problems } = ruleBody(fields, note, editing);
    showRuleProblems(problems);
    if (problems.length > 0) return setStatus(status, 'Nothing changed: see the problems beside the form.', 'bad');
    const percent = body.stages?.[0]?.percent ?? body.percent ?? 100;
    const shape = [describeStages(body.stages), describeGuard(body.guard)].filter(Boolean).join('; ');
    // What changes against the rule in force, said in the review line: "challenge 50 %" then "enforce" is not silently 100 %.
    const now = rollout().rules()[region];
    const moves = now && !now.follows ? [now.mode !== mode ? `mode ${now.mode} → ${mode}` : '', now.percent !== percent ? `percent ${now.percent} → ${percent}` : ''].filter(Boolean) : [];
    const ok = await confirm(
      `Set ${region} to ${mode} for ${percent} % of accounts${moves.length > 0 ? ` (${moves.join(', ')})` : ''}, failing ${failOpen ? 'open' : 'closed'}, ${shape}? Note: “${note}”.`,
      await previewOf(region, body.mode, percent, Math.max(percent, ...(body.stages ?? []).map((stage) => stage.percent))),
    );
    if (!ok) return setStatus(status, 'Nothing changed.');
    if (skipNoticeChosen()) body.notice = 'skip';
    const answer = await api.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rollout().version()) }, body });
    if (answer.response.status === 412) return rollout().showReload(refusal(answer));
    if (answer.response.status === 400) {
      showRuleProblems(problemsOfAnswer(answer.error));
      return setStatus(status, `Nothing changed: the gate refused the rule (${refusal(answer)}).`, 'bad');
    }
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    $<HTMLInputElement>('rule-note').value = '';
    if (answer.response.status === 202) {
      // Stricter, under ROLLOUT_APPROVAL=stricter: nothing changed until a second person approves it.
      setStatus(status, describeWaiting(answer.data as PendingChange, rollout().rules(), localTime), 'ok');
      return changed();
    }
    const changedRollout = answer.data as Rollout;
    rollout().show(changedRollout);
    setStatus(status, appliedWords(region, changedRollout, percent), 'ok');
    // Further edits start from the rule just set: the upcoming one while it waits its notice.
    const entry = changedRollout.regions[region];
    const basis = entry?.upcoming ? (entry.upcoming.removes ? null : entry.upcoming) : entry;
    editing = basis ? { region, rule: basis, fields: fieldsOfRule(region, basis) } : null;
    await Promise.all([rollout().load(), changed()]);
  });

  return { edit };
}
