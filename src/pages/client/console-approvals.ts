/**
 * The console's "Waiting for approval" panel (contract §8, four eyes): every
 * stricter change a person asked for that waits for a second person — the
 * region, what it changes from and to, who asked and when, their note, when
 * it expires — with Approve and Reject, each asking for an optional note.
 * Approve is offered to anyone but the change's author who holds
 * rollout:approve; the author sees that it waits for another person and may
 * reject (withdraw) it with that scope. The gate decides either way: its
 * refusals (SELF_APPROVAL, CHANGE_OUTDATED, CHANGE_EXPIRED, SCOPE_REQUIRED)
 * are shown in words with what to do next.
 */
import type { PendingChange, Problem, Rollout } from '../../admin-client/client';
import { describePendingChange, explainChangeRefusal, ruleWords, upcomingWords } from '../../admin-client/change-text';
import { visibleDeep, visibleText } from '../../admin-client/visible-text';
import { setStatus } from './common';
import { $, type Answer, type ConsoleContext } from './console-context';
import { button } from './console-cells';
import type { RolloutPanel } from './console-rollout';
import { localTime } from './local-time';

/** The panel: `load` reads the waiting changes again. */
export interface ApprovalsPanel {
  load: () => Promise<void>;
}

type Decision = 'approve' | 'reject';

/** A `<time>` showing `instant` in the viewer's zone. */
function timeElement(instant: string): HTMLTimeElement {
  const time = document.createElement('time');
  time.dateTime = instant;
  time.textContent = localTime(instant);
  return time;
}

function paragraph(...parts: Array<string | Node>): HTMLParagraphElement {
  const p = document.createElement('p');
  p.append(...parts);
  return p;
}

/** The decision dialog: resolves to the note (possibly empty), or null when cancelled. */
function askNote(decision: Decision, what: string): Promise<string | null> {
  const dialog = $<HTMLDialogElement>('decision');
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  $('decision-title').textContent = `${verb} the change`;
  $('decision-text').textContent =
    decision === 'approve'
      ? `${what}. Approving applies it: a stricter rule goes on the public status page now and applies once its notice is over. Both of you are named in the audit trail.`
      : `${what}. Rejecting drops it; nothing changes in the rollout.`;
  $('decision-ok').textContent = verb;
  const note = $<HTMLTextAreaElement>('decision-note');
  note.value = '';
  dialog.showModal();
  note.focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? note.value.trim() : null), { once: true }));
}

/** What an approval did, from the rollout it answered. */
function approvedWords(change: PendingChange, rollout: Rollout): string {
  const entry = Object.hasOwn(rollout.regions, change.region) ? rollout.regions[change.region] : undefined;
  if (entry?.upcoming) return `Approved: ${change.region} — ${upcomingWords(entry.upcoming, localTime)}. Until then the rule in force decides.`;
  if (!entry || entry.follows) return `Approved: ${change.region} has no rule of its own now and follows * (applied at once).`;
  return `Approved: ${change.region} is now ${ruleWords(entry)} (applied at once${entry.notice === 'skipped' ? ', without notice' : ''}).`;
}

export function enableApprovalsPanel({ api, status, refusal, changed, admin }: ConsoleContext, rollout: () => RolloutPanel): ApprovalsPanel {
  const list = $('approvals-list');
  const summary = $('approvals-summary');

  /** A refusal of approve or reject in words; the list and the regions are read again when the change moved on. */
  async function refused(answer: Answer): Promise<void> {
    const problem = visibleDeep(answer.error as Partial<Problem> | undefined);
    setStatus(status, explainChangeRefusal(answer.response.status, problem) ?? refusal(answer), 'bad');
    if ([404, 409, 410].includes(answer.response.status)) await Promise.all([rollout().load(), load()]);
  }

  async function decide(change: PendingChange, decision: Decision): Promise<void> {
    const what = describePendingChange(change, rollout().rules());
    const note = await askNote(decision, what);
    if (note === null) return setStatus(status, 'Nothing changed.');
    const request = { params: { path: { changeId: change.changeId } }, body: note ? { note } : {} };
    if (decision === 'approve') {
      const answer = await api.POST('/admin/v1/rollout/changes/{changeId}/approve', request);
      if (!answer.data) return refused(answer);
      rollout().show(answer.data);
      setStatus(status, approvedWords(change, answer.data), 'ok');
      await Promise.all([rollout().load(), changed()]);
    } else {
      const answer = await api.POST('/admin/v1/rollout/changes/{changeId}/reject', request);
      if (!answer.data) return refused(answer);
      setStatus(status, `Rejected: ${what}. Nothing changed in the rollout.`, 'ok');
      await changed();
    }
    $('approvals-title').focus();
  }

  function item(change: PendingChange): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'approval';
    const heading = document.createElement('h3');
    heading.textContent = describePendingChange(change, rollout().rules());
    li.append(heading);
    li.append(paragraph(`Asked by ${visibleText(change.requestedBy)}, `, timeElement(change.requestedAt), '; expires ', timeElement(change.expiresAt), ' if nobody approves it.'));
    li.append(paragraph(`Note: ${change.note ? `“${visibleText(change.note)}”` : '(none)'}`));
    const { sub, scopes } = admin();
    const mayDecide = scopes.has('rollout:approve');
    const own = sub !== null && sub === change.requestedBy;
    const actions = document.createElement('div');
    actions.className = 'row approval-actions';
    const say = (text: string) => {
      const words = document.createElement('span');
      words.className = 'muted';
      words.textContent = text;
      actions.append(words);
    };
    if (own) say('Waiting for another person: you asked for it, so someone else with the rollout:approve scope must approve it.');
    else if (mayDecide) actions.append(button('Approve', () => void decide(change, 'approve'), `Approve the change to ${change.region}`));
    else say('Approving or rejecting needs the rollout:approve scope, which this token lacks: ask a person who holds it, or sign in with a token that carries it.');
    if (mayDecide) actions.append(button('Reject', () => void decide(change, 'reject'), `Reject ${own ? 'your own' : 'the'} change to ${change.region}`));
    li.append(actions);
    return li;
  }

  async function load(): Promise<void> {
    const answer = await api.GET('/admin/v1/rollout/changes');
    if (!answer.data) {
      summary.textContent = `The waiting changes could not be read: ${refusal(answer)}`;
      return;
    }
    const { changes } = answer.data;
    summary.textContent =
      changes.length === 0
        ? 'No change waits for a second person’s approval.'
        : `${changes.length === 1 ? 'One change waits' : `${changes.length} changes wait`} for a second person, oldest first. Approving applies it; a stricter rule then waits its notice on the public status page.`;
    list.replaceChildren(...changes.map(item));
  }

  return { load };
}
