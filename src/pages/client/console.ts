/**
 * The ops console: decision charts, regions, rule changes previewed and confirmed with If-Match, audit trail, account support.
 *
 * Server text is only ever set as `textContent`, never parsed as HTML. Free
 * text people wrote (audit notes, grant reasons, labels: every table cell)
 * and problem details also pass through `visibleText`, so control and bidi
 * characters show as escapes instead of reordering what an operator reads;
 * ids are plain `[A-Za-z0-9._:-]` by the API's own rule. Every instant is
 * shown in the viewer's own time with its offset (local-time.ts); a cell
 * holding one keeps the exact instant in its `<time datetime>`.
 */
import { adminApi, ifMatch, type Metrics, type Problem, type Rollout, type RolloutRule, type RolloutRuleInput } from '../../admin-client/client';
import { describePreview, describeSharedNetworks, durationMinutes, explainRefusal, formatCount, percentOf, resumeBody, summariseChange, type RefusalHints } from '../../admin-client/wording';
import { visibleDeep, visibleText } from '../../admin-client/visible-text';
import { describeGuard, describeStages, guardMinimum, parseStages, stagesText, type Stages } from '../../admin-client/rule-text';
import { drawGuard, drawRegion } from './charts';
import { enableRemoteNavigation, setStatus } from './common';
import { enableAccountSupport } from './console-account';
import { button, cell, row } from './console-cells';
import { localTime } from './local-time';
import './console-layout.css';

const TOKEN_KEY = 'hearth_admin_token';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const statusLine = $('console-status');
let rolloutVersion = 0;
let rules: Record<string, RolloutRule> = {};
let auditCursor: string | null = null;

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

const api = adminApi({ baseUrl: location.origin, token });

/** The console's way of acting on a refusal; the sentence itself is shared with the ops CLI. */
const CONSOLE_HINTS: RefusalHints = {
  signIn: 'Sign out and sign in with a valid token.',
  scope: () => 'Sign in with a token that carries it.',
  retry: () => 'Reload to see the change, then try again.',
};

interface Answer {
  error?: unknown;
  response: Response;
}

function refusal(answer: Answer): string {
  return explainRefusal(answer.response.status, visibleDeep(answer.error as Partial<Problem> | undefined), CONSOLE_HINTS);
}

function confirmDialog(text: string, preview?: { headline: string; current: string }): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('confirm');
  $('confirm-text').textContent = text;
  $('confirm-preview').hidden = !preview;
  $('confirm-preview-headline').textContent = preview?.headline ?? '';
  $('confirm-preview-current').textContent = preview?.current ?? '';
  dialog.showModal();
  $<HTMLButtonElement>('confirm-ok').focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function showReload(message: string): void {
  setStatus(statusLine, message, 'bad');
  const reload = button('Reload', () => void loadRollout().then(() => setStatus(statusLine, 'Reloaded: the regions table shows the current rules.')));
  reload.id = 'reload-rollout';
  statusLine.append(' ', reload);
  reload.focus();
}

async function loadRollout(): Promise<void> {
  const answer = await api.GET('/admin/v1/rollout');
  if (!answer.data) return setStatus(statusLine, refusal(answer), 'bad');
  showRollout(answer.data);
}

/**
 * The regions table for `rollout`: as read, or as a change answered it — then
 * at once, so no Edit button offers the rule from before while the guards'
 * readings are fetched again.
 */
function showRollout(rollout: Rollout): void {
  rolloutVersion = rollout.version;
  rules = rollout.regions;
  $('rollout-version').textContent =
    `Version ${rollout.version}${rollout.updatedAt ? `, updated ${localTime(rollout.updatedAt)}` : ''}. Regions without a rule follow *; with no * rule, monitor at 100 %.`;
  const tbody = $('regions');
  tbody.replaceChildren();
  const regions = Object.entries(rollout.regions).toSorted(([a], [b]) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)));
  for (const [region, rule] of regions) {
    const actions = document.createElement('span');
    actions.className = 'row';
    if (rule.status === 'tripped') actions.append(button('Resume', () => void resumeRule(region, rule), `Resume the tripped rule for ${region}`));
    actions.append(
      button('Edit', () => editRule(region, rule), `Edit ${region}`),
      button('Delete', () => void deleteRule(region), `Delete the rule for ${region}`),
    );
    const tr = row([region, rule.mode, `${rule.percent} %`, rule.failOpen ? 'open' : 'closed', statusText(rule), guardText(rule)]);
    tr.append(noteCell(rule), actionCell(actions));
    tbody.append(tr);
  }
  if (regions.length === 0) tbody.append(row(['(no rules: every region is monitor at 100 %)']));
}

/** A rule's note, and under it who changed the rule and when (one column, so the table fits half a laptop screen). */
function noteCell(rule: RolloutRule): HTMLTableCellElement {
  const td = cell(rule.note);
  if (rule.updatedAt || rule.updatedBy) {
    const by = document.createElement('span');
    by.className = 'updated muted';
    by.append(rule.updatedBy ? `${visibleText(rule.updatedBy)}, ` : '');
    if (rule.updatedAt) {
      const time = document.createElement('time');
      time.dateTime = rule.updatedAt;
      time.textContent = localTime(rule.updatedAt);
      by.append(time);
    }
    td.append(by);
  }
  return td;
}

function actionCell(actions: HTMLElement): HTMLTableCellElement {
  const td = document.createElement('td');
  actions.className = 'row-actions';
  td.append(actions);
  return td;
}

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`);

function statusText(rule: RolloutRule): string {
  if (rule.status === 'tripped') return `tripped ${rule.trippedAt ? localTime(rule.trippedAt) : ''}: monitor until resumed`;
  if (rule.stages && rule.stages.length > 1) {
    const index = rule.stage ?? 0;
    const next = rule.stages[index + 1];
    return `stage ${index + 1} of ${rule.stages.length}${next && rule.nextAdvanceAt ? `; ${next.percent} % at ${localTime(rule.nextAdvanceAt)}` : ''}`;
  }
  return rule.status ?? 'steady';
}

function guardText(rule: RolloutRule): string {
  if (!rule.guard) return '';
  const reading = rule.status === 'tripped' ? rule.trippedBy : rule.reading;
  const limit = [
    rule.guard.maxRefusalRate !== undefined ? `refused ≤ ${pct(rule.guard.maxRefusalRate)}` : '',
    rule.guard.minVerifySuccessRate !== undefined ? `verified ≥ ${pct(rule.guard.minVerifySuccessRate)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${limit} over ${rule.guard.window}${reading ? `; read ${reading.households.refused} of ${reading.households.treated} households refused (${pct(reading.refusalRate)})` : ''}`;
}

async function resumeRule(region: string, rule: RolloutRule): Promise<void> {
  const note = 'Resumed from the console after review';
  const body = resumeBody(rule, note);
  const from = body.stages ? `its stages from ${body.stages[0]!.percent} %` : `${rule.percent} %`;
  if (
    !(await confirmDialog(
      `Resume ${region}: ${rule.mode} at ${from}, its guard watching again? It was stepped down to monitor ${rule.trippedAt ? localTime(rule.trippedAt) : ''} (${guardText(rule)}). Note: “${note}”.`,
    ))
  )
    return;
  const answer = await api.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rolloutVersion) }, body });
  if (answer.response.status === 412) return showReload(refusal(answer));
  if (!answer.data) return setStatus(statusLine, refusal(answer), 'bad');
  showRollout(answer.data);
  setStatus(statusLine, `${region} resumed: ${rule.mode} at ${answer.data.regions[region]?.percent} %.`, 'ok');
  await Promise.all([loadRollout(), loadAudit(true)]);
}

/**
 * The rule form. Edit fills every field from the rule as it is — its stages
 * from the one it has reached, so a rollout half-way does not start over —
 * and remembers what it filled in: Apply then starts from the rule and
 * overlays only the fields a person changed, so a stage, a guard setting or
 * anything the form does not show is never dropped by an edit.
 */
interface RuleFields {
  region: string;
  mode: string;
  percent: string;
  fail: string;
  stages: string;
  refusal: string;
  verify: string;
  households: string;
  window: string;
}

const RULE_INPUTS = {
  region: 'rule-region',
  mode: 'rule-mode',
  percent: 'rule-percent',
  fail: 'rule-fail',
  stages: 'rule-stages',
  refusal: 'rule-guard-refusal',
  verify: 'rule-guard-verify',
  households: 'rule-guard-households',
  window: 'rule-guard-window',
} as const satisfies Record<keyof RuleFields, string>;

/** The API's field names (problem `field`, first segment after `guard.`) → the form's. */
const FIELD_OF_PROBLEM: Record<string, keyof RuleFields> = {
  mode: 'mode',
  percent: 'percent',
  failOpen: 'fail',
  stages: 'stages',
  'guard.maxRefusalRate': 'refusal',
  'guard.minVerifySuccessRate': 'verify',
  'guard.minSessions': 'households',
  'guard.minHouseholds': 'households',
  'guard.window': 'window',
  guard: 'window',
};

/** What Edit filled in, and the rule it came from. */
let editing: { region: string; rule: RolloutRule; fields: RuleFields } | null = null;

const ruleInput = (name: keyof RuleFields) => $<HTMLInputElement | HTMLSelectElement>(RULE_INPUTS[name]);

function readRuleFields(): RuleFields {
  const fields = {} as RuleFields;
  for (const name of Object.keys(RULE_INPUTS) as (keyof RuleFields)[]) fields[name] = ruleInput(name).value.trim();
  return fields;
}

/** The stages a rule has still to go through, from the one it has reached; none once a single stage is left. */
function remainingStages(rule: RolloutRule): Stages | undefined {
  const stages = rule.stages?.slice(rule.stage ?? 0);
  return stages && stages.length > 1 ? stages : undefined;
}

function fieldsOfRule(region: string, rule: RolloutRule): RuleFields {
  const stages = remainingStages(rule);
  return {
    region,
    mode: rule.mode,
    percent: String(rule.percent),
    fail: rule.failOpen ? 'open' : 'closed',
    stages: stagesText(stages),
    refusal: rule.guard?.maxRefusalRate !== undefined ? String(rule.guard.maxRefusalRate) : '',
    verify: rule.guard?.minVerifySuccessRate !== undefined ? String(rule.guard.minVerifySuccessRate) : '',
    households: rule.guard ? String(guardMinimum(rule.guard)) : '',
    window: rule.guard?.window ?? '',
  };
}

function editRule(region: string, rule: RolloutRule): void {
  const fields = fieldsOfRule(region, rule);
  for (const name of Object.keys(RULE_INPUTS) as (keyof RuleFields)[]) ruleInput(name).value = fields[name];
  editing = { region, rule, fields };
  showRuleProblems([]);
  $<HTMLInputElement>('rule-note').focus();
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

$('rule-clear').addEventListener('click', () => {
  editing = null;
  $<HTMLFormElement>('rule-form').reset();
  for (const name of ['stages', 'refusal', 'verify', 'households', 'window'] as const) ruleInput(name).value = '';
  showRuleProblems([]);
});

/** A number field: empty → undefined, not a number → a problem for that field. */
function numberField(fields: RuleFields, name: 'refusal' | 'verify' | 'households', problems: FieldProblem[]): number | undefined {
  if (fields[name] === '') return undefined;
  const value = Number(fields[name]);
  if (!Number.isFinite(value)) problems.push({ field: name, message: `“${fields[name]}” is not a number` });
  return value;
}

interface FieldProblem {
  field: keyof RuleFields | null;
  message: string;
}

/**
 * The body to PUT: the rule being edited (when the form is still on its
 * region), with the fields the person changed laid over it.
 */
function ruleBody(fields: RuleFields, note: string): { body: RolloutRuleInput; problems: FieldProblem[] } {
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

  const guardFields = ['refusal', 'verify', 'households', 'window'] as const;
  if (from && !guardFields.some(changed)) {
    if (from.rule.guard) body.guard = from.rule.guard;
  } else if (guardFields.some((name) => fields[name] !== '')) {
    // The rule's own guard first, so a setting the form does not show survives; then what the form says.
    const guard: Record<string, unknown> = { ...from?.rule.guard };
    const set = (key: string, value: unknown) => (value === undefined ? delete guard[key] : (guard[key] = value));
    set('maxRefusalRate', numberField(fields, 'refusal', problems));
    set('minVerifySuccessRate', numberField(fields, 'verify', problems));
    const minimumKey = 'minHouseholds' in guard ? 'minHouseholds' : 'minSessions';
    set(minimumKey, numberField(fields, 'households', problems));
    set('window', fields.window === '' ? undefined : fields.window.toUpperCase());
    body.guard = guard as NonNullable<RolloutRuleInput['guard']>;
  }
  return { body, problems };
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

/** A 400's errors (`field` + message), mapped to the form's fields. */
function problemsOfAnswer(error: unknown): FieldProblem[] {
  const problem = visibleDeep(error as Partial<Problem> & { errors?: Array<{ field: string; message: string }> });
  const errors = problem.errors && problem.errors.length > 0 ? problem.errors : [{ field: problem.field ?? '', message: problem.detail ?? problem.title ?? 'invalid' }];
  return errors.map(({ field, message }) => {
    const key = Object.keys(FIELD_OF_PROBLEM).find((name) => field === name || field.startsWith(`${name}.`));
    const text = message.startsWith(`${field}:`) ? message : `${field}: ${message}`;
    return { field: key ? FIELD_OF_PROBLEM[key]! : null, message: text };
  });
}

async function deleteRule(region: string): Promise<void> {
  if (!(await confirmDialog(`Delete the rule for ${region}? The region will follow the * rule.`))) return;
  const answer = await api.DELETE('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rolloutVersion) } });
  if (answer.response.status === 412) return showReload(refusal(answer));
  if (!answer.data) return setStatus(statusLine, refusal(answer), 'bad');
  showRollout(answer.data);
  setStatus(statusLine, `Deleted the rule for ${region}.`, 'ok');
  await Promise.all([loadRollout(), loadAudit(true)]);
}

$('rule-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const fields = readRuleFields();
  fields.region = fields.region.toUpperCase();
  const { region, mode } = fields;
  const failOpen = fields.fail === 'open';
  const note = $<HTMLInputElement>('rule-note').value.trim();
  if (!note) return setStatus(statusLine, 'A note is required: say why, it goes into the audit trail.', 'bad');
  const { body, problems } = ruleBody(fields, note);
  showRuleProblems(problems);
  if (problems.length > 0) return setStatus(statusLine, 'Nothing changed: see the problems beside the form.', 'bad');
  const percent = body.stages?.[0]?.percent ?? body.percent ?? 100;
  const shape = [describeStages(body.stages), describeGuard(body.guard)].filter(Boolean).join('; ');
  const ok = await confirmDialog(
    `Set ${region} to ${mode} for ${percent} % of accounts, failing ${failOpen ? 'open' : 'closed'}, ${shape}? Note: “${note}”. This applies to the next request.`,
    await previewOf(region, body.mode, percent),
  );
  if (!ok) return setStatus(statusLine, 'Nothing changed.');
  const answer = await api.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rolloutVersion) }, body });
  if (answer.response.status === 412) return showReload(refusal(answer));
  if (answer.response.status === 400) {
    showRuleProblems(problemsOfAnswer(answer.error));
    return setStatus(statusLine, `Nothing changed: the gate refused the rule (${refusal(answer)}).`, 'bad');
  }
  if (!answer.data) return setStatus(statusLine, refusal(answer), 'bad');
  showRollout(answer.data);
  setStatus(statusLine, `${region} is now ${mode} at ${answer.data.regions[region]?.percent ?? percent} % (version ${answer.data.version}).`, 'ok');
  $<HTMLInputElement>('rule-note').value = '';
  editing = { region, rule: answer.data.regions[region]!, fields: fieldsOfRule(region, answer.data.regions[region]!) };
  await Promise.all([loadRollout(), loadAudit(true)]);
});

/** What the proposed rule would have done to the region's last hour of sessions (previews are per region, not for `*`). */
async function previewOf(region: string, mode: RolloutRule['mode'], percent: number): Promise<{ headline: string; current: string }> {
  if (region === '*') return { headline: 'Previews are per region: * applies to every region without a rule of its own.', current: 'Preview a region by entering its code instead.' };
  const answer = await api.POST('/admin/v1/rollout/{region}/preview', { params: { path: { region } }, body: { mode, percent } });
  if (!answer.data) return { headline: `No preview: ${refusal(answer)}`, current: '' };
  return describePreview(answer.data);
}

let metrics: Metrics | null = null;
/** The region the last answer was narrowed to (too many points over all regions), or null. */
let narrowedTo: string | null = null;

/** `PT1H|PT1M` → since an hour ago, per minute. */
function rangeQuery(value: string): { since: string; step: string; words: string } {
  const [back, step] = value.split('|') as [string, string];
  const words = $<HTMLSelectElement>('metrics-range').selectedOptions[0]?.textContent ?? '';
  return { since: new Date(Date.now() - (durationMinutes(back) ?? 60) * 60_000).toISOString(), step, words };
}

/**
 * Loads the period's counts for every region with counts. An answer may hold
 * at most 10,000 points: when a long period at a fine step over many regions
 * is refused (400 naming `step`), the console asks for the chosen region
 * alone and says so; choosing another region then loads that one.
 */
async function loadMetrics(only?: string): Promise<void> {
  const range = rangeQuery($<HTMLSelectElement>('metrics-range').value);
  const select = $<HTMLSelectElement>('metrics-region');
  const query = { since: range.since, step: range.step };
  let answer = only ? await api.GET('/admin/v1/metrics', { params: { query: { ...query, region: only } } }) : await api.GET('/admin/v1/metrics', { params: { query } });
  narrowedTo = only ?? null;
  if (!answer.data && tooManyPoints(answer)) {
    // The regions listed so far, else those with a rule, to choose from.
    if (select.options.length === 0) {
      const ruled = Object.keys(rules)
        .filter((region) => region !== '*')
        .toSorted();
      select.replaceChildren(...ruled.map((region) => new Option(region, region)));
    }
    const chosen = select.value;
    if (!chosen) return setStatus(statusLine, `${refusal(answer)} No region to narrow to: choose a shorter period.`, 'bad');
    answer = await api.GET('/admin/v1/metrics', { params: { query: { ...query, region: chosen } } });
    narrowedTo = chosen;
  }
  const chosen = narrowedTo ?? select.value;
  if (!answer.data) return setStatus(statusLine, refusal(answer), 'bad');
  metrics = answer.data;
  if (narrowedTo) {
    setStatus(statusLine, `${range.words} over every region would be more than 10,000 points: showing ${narrowedTo} only. Choose another region to load it, or a shorter period for all.`);
  } else {
    const regions = Object.keys(metrics.regions);
    select.replaceChildren(...regions.map((region) => new Option(region, region)));
    if (regions.length > 0) select.value = regions.includes(chosen) ? chosen : regions.includes('PE') ? 'PE' : regions[0]!;
  }
  showRegion(range.words);
}

function tooManyPoints(answer: Answer): boolean {
  const problem = answer.error as Partial<Problem> | undefined;
  return answer.response.status === 400 && problem?.field === 'step';
}

function showRegion(words: string): void {
  const region = $<HTMLSelectElement>('metrics-region').value;
  const data = region ? metrics?.regions[region] : undefined;
  if (!data) {
    $('metrics-summary').textContent = 'No decisions counted in this period. Counts reach the console within 10 seconds of a decision.';
    return;
  }
  const { totals, series } = data;
  const sessions = totals.sessions.allow + totals.sessions.challenge + totals.sessions.deny;
  $('metrics-summary').textContent =
    `${region}, ${words}: ${formatCount(sessions)} sessions and ${formatCount(totals.segments.allow + totals.segments.challenge + totals.segments.deny)} segments. ` +
    `Enforce would have refused ${formatCount(totals.wouldRefuse.sessions)} of them (${percentOf(totals.wouldRefuse.sessions, sessions)}); ` +
    `${formatCount(totals.verification.sent)} codes sent, ${formatCount(totals.verification.verified)} verified. ` +
    `Households: ${formatCount(totals.households.treated)} treated, ${formatCount(totals.households.refused)} of them refused (${percentOf(totals.households.refused, totals.households.treated)}); ` +
    `${formatCount(totals.households.sent)} sent a code, ${formatCount(totals.households.verified)} verified. ` +
    describeSharedNetworks(totals);
  drawRegion(region, words, series, totals);
  const guard = rules[region]?.guard;
  $('guard-figure').hidden = guard?.maxRefusalRate === undefined;
  if (guard?.maxRefusalRate !== undefined) drawGuard(region, series, guard.maxRefusalRate);
  $('metrics-table').replaceChildren(
    ...series
      .filter((step) => step.sessions.allow + step.sessions.challenge + step.sessions.deny + step.verification.sent > 0)
      .map((step) =>
        row([
          step.at,
          step.sessions.allow + step.sessions.challenge + step.sessions.deny,
          step.sessions.allow,
          step.sessions.challenge,
          step.sessions.deny,
          step.wouldRefuse.sessions,
          step.households.treated,
          step.households.refused,
          step.verification.sent,
          step.verification.verified,
        ]),
      ),
  );
}

$('metrics-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadMetrics();
});
$('metrics-region').addEventListener('change', () => {
  const region = $<HTMLSelectElement>('metrics-region').value;
  if (narrowedTo && region && region !== narrowedTo) return void loadMetrics(region);
  showRegion(rangeQuery($<HTMLSelectElement>('metrics-range').value).words);
});

async function loadAudit(reset: boolean): Promise<void> {
  if (reset) auditCursor = null;
  const answer = await api.GET('/admin/v1/audit', { params: { query: { limit: 20, ...(auditCursor ? { cursor: auditCursor } : {}) } } });
  if (!answer.data) return;
  const tbody = $('audit');
  if (reset) tbody.replaceChildren();
  for (const entry of answer.data.entries) tbody.append(row([entry.at, entry.actor, entry.action, entry.target, `${summariseChange(entry.before)} → ${summariseChange(entry.after)}`, entry.note]));
  auditCursor = answer.data.nextCursor ?? null;
  $('audit-more').hidden = !auditCursor;
  // Said, not left to guess: once the last page is shown, there is nothing older.
  $('audit-end').hidden = auditCursor !== null || tbody.childElementCount === 0;
}
$('audit-more').addEventListener('click', () => void loadAudit(false));

async function signedIn(): Promise<void> {
  $('signin').hidden = true;
  $('signed-in').hidden = false;
  try {
    const payload = JSON.parse(atob(token()!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    $('whoami').textContent = `Signed in as ${payload.sub} (${payload.scope})`;
  } catch {
    $('whoami').textContent = 'Signed in';
  }
  await Promise.all([loadRollout(), loadAudit(true)]);
  await loadMetrics();
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $<HTMLTextAreaElement>('token').value.trim());
  void signedIn();
});

$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

enableAccountSupport({ api, status: statusLine, refusal, confirm: confirmDialog, changed: () => loadAudit(true) });
enableRemoteNavigation();
if (token()) void signedIn();
