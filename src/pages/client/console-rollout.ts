/**
 * The console's regions panel: every region's rule with its status and guard,
 * and the row actions — Edit (hands the rule to the rule form), Delete and
 * Resume, each confirmed and sent with If-Match on the version shown. A
 * change made elsewhere meanwhile (412) offers Reload instead of guessing.
 * A stricter rule waiting its notice shows under the rule in force, with the
 * date it applies and since when it is announced; a region shown only for
 * such a rule says it follows `*` until then (contract §8).
 */
import { ifMatch, type PendingChange, type Rollout, type RolloutRule } from '../../admin-client/client';
import { describeWaiting, noticeWords, upcomingWords } from '../../admin-client/change-text';
import { resumeBody } from '../../admin-client/wording';
import { visibleText } from '../../admin-client/visible-text';
import { setStatus } from './common';
import { $, type ConsoleContext } from './console-context';
import { button, cell, row } from './console-cells';
import { localTime } from './local-time';

/** What the other panels read from, and do with, the regions panel. */
export interface RolloutPanel {
  /** Reads the rollout again and shows it. */
  load: () => Promise<void>;
  /**
   * Shows `rollout`: as read, or as a change answered it — then at once, so no
   * Edit button offers the rule from before while the guards' readings are
   * fetched again.
   */
  show: (rollout: Rollout) => void;
  /** The version shown, for If-Match. */
  version: () => number;
  /** The rules shown, by region. */
  rules: () => Record<string, RolloutRule>;
  /** A 412: says so, with a Reload button. */
  showReload: (message: string) => void;
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

/** The status cell: what the rule is doing, how it came (when worth saying), and the stricter rule on its way. */
function statusCell(rule: RolloutRule): HTMLTableCellElement {
  const notice = rule.follows ? '' : noticeWords(rule.notice);
  const td = cell(rule.follows ? 'no rule of its own: follows * until its upcoming rule applies' : `${statusText(rule)}${notice ? `; ${notice}` : ''}`);
  if (rule.upcoming) {
    const line = document.createElement('span');
    line.className = 'upcoming';
    line.textContent = `Upcoming: ${upcomingWords(rule.upcoming, localTime)}`;
    td.append(line);
  }
  return td;
}

function guardText(rule: RolloutRule): string {
  if (!rule.guard) return '';
  const reading = rule.status === 'tripped' ? rule.trippedBy : rule.reading;
  const limit = [
    rule.guard.maxRefusalRate !== undefined ? `refused ≤ ${pct(rule.guard.maxRefusalRate)}` : '',
    rule.guard.minVerifySuccessRate !== undefined ? `verified ≥ ${pct(rule.guard.minVerifySuccessRate)}` : '',
    rule.guard.maxLiveHereRate !== undefined ? `live here ≤ ${pct(rule.guard.maxLiveHereRate)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const liveHere = reading && rule.guard.maxLiveHereRate !== undefined ? `, ${reading.households.feedback?.['live-here'] ?? 0} of them said they live here (${pct(reading.liveHereRate ?? null)})` : '';
  return `${limit} over ${rule.guard.window}${reading ? `; read ${reading.households.refused} of ${reading.households.treated} households refused (${pct(reading.refusalRate)})${liveHere}` : ''}`;
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

/** The regions panel; `onEdit` receives a rule when its Edit button is pressed. */
export function enableRolloutPanel({ api, status, refusal, confirm, changed }: ConsoleContext, onEdit: (region: string, rule: RolloutRule) => void): RolloutPanel {
  let rolloutVersion = 0;
  let rules: Record<string, RolloutRule> = {};

  function showReload(message: string): void {
    setStatus(status, message, 'bad');
    const reload = button('Reload', () => void load().then(() => setStatus(status, 'Reloaded: the regions table shows the current rules.')));
    reload.id = 'reload-rollout';
    status.append(' ', reload);
    reload.focus();
  }

  async function load(): Promise<void> {
    const answer = await api.GET('/admin/v1/rollout');
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    show(answer.data);
  }

  function show(rollout: Rollout): void {
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
      // A region with no rule of its own is edited from the rule on its way; deleting it drops that rule.
      const editable = rule.follows && rule.upcoming && !rule.upcoming.removes ? rule.upcoming : rule;
      actions.append(
        button('Edit', () => onEdit(region, editable), `Edit ${region}`),
        button('Delete', () => void deleteRule(region, rule), rule.follows ? `Delete the upcoming rule for ${region}` : `Delete the rule for ${region}`),
      );
      const tr = row([region, rule.follows ? `${rule.mode} (follows *)` : rule.mode, `${rule.percent} %`, rule.failOpen ? 'open' : 'closed']);
      tr.append(statusCell(rule), cell(guardText(rule)), noteCell(rule), actionCell(actions));
      tbody.append(tr);
    }
    if (regions.length === 0) tbody.append(row(['(no rules: every region is monitor at 100 %)']));
  }

  async function resumeRule(region: string, rule: RolloutRule): Promise<void> {
    const note = 'Resumed from the console after review';
    const body = resumeBody(rule, note);
    const from = body.stages ? `its stages from ${body.stages[0]!.percent} %` : `${rule.percent} %`;
    if (
      !(await confirm(
        `Resume ${region}: ${rule.mode} at ${from}, its guard watching again? It was stepped down to monitor ${rule.trippedAt ? localTime(rule.trippedAt) : ''} (${guardText(rule)}). Note: “${note}”.`,
      ))
    )
      return;
    const answer = await api.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rolloutVersion) }, body });
    if (answer.response.status === 412) return showReload(refusal(answer));
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    // Resuming is stricter than the monitor a tripped rule answers with: it may wait for a second person, then its notice.
    if (answer.response.status === 202) return waiting(answer.data as PendingChange);
    const after = answer.data as Rollout;
    show(after);
    const upcoming = after.regions[region]?.upcoming;
    setStatus(status, upcoming ? `${region} resumes: ${upcomingWords(upcoming, localTime)}.` : `${region} resumed: ${rule.mode} at ${after.regions[region]?.percent} %.`, 'ok');
    await Promise.all([load(), changed()]);
  }

  async function deleteRule(region: string, rule: RolloutRule): Promise<void> {
    const question = rule.follows
      ? `Delete the upcoming rule for ${region}? ${region} has no rule of its own: it keeps following the * rule, and the status page no longer announces the change.`
      : `Delete the rule for ${region}? The region will follow the * rule (if that is stricter, it waits its notice, and a second person’s approval when the gate asks for one).`;
    if (!(await confirm(question))) return;
    const answer = await api.DELETE('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rolloutVersion) } });
    if (answer.response.status === 412) return showReload(refusal(answer));
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    // A deletion that makes the region stricter (it would follow a stricter *) waits for a second person like any stricter change.
    if (answer.response.status === 202) return waiting(answer.data as PendingChange);
    const after = answer.data as Rollout;
    show(after);
    const upcoming = after.regions[region]?.upcoming;
    setStatus(status, upcoming ? `${region}: ${upcomingWords(upcoming, localTime)}.` : rule.follows ? `Deleted the upcoming rule for ${region}.` : `Deleted the rule for ${region}.`, 'ok');
    await Promise.all([load(), changed()]);
  }

  /** A change the gate answered 202: it waits for a second person. */
  async function waiting(change: PendingChange): Promise<void> {
    setStatus(status, describeWaiting(change, rules, localTime), 'ok');
    await changed();
  }

  return { load, show, version: () => rolloutVersion, rules: () => rules, showReload };
}
