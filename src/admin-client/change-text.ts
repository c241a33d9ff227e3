/**
 * Rollout changes in words (contract §8), the same for the console and the
 * ops CLI: a rule as "enforce at 100 %", a change waiting for a second
 * person as what it changes from and to, when a change would apply (the
 * preview's `applies`), a rule's upcoming rule and notice, and the refusals
 * of approve and reject with what to do next. Pure: no DOM, no I/O; the
 * caller writes instants its own way (`time`).
 */
import type { PendingChange, Preview, Problem, RolloutRule, UpcomingRule } from '../../generated/admin-api';
import { visibleText } from './visible-text';
import { describeStages } from './rule-text';

/** How a surface writes an instant (the console: the viewer's local time with its offset). */
export type TimeWriter = (instant: string) => string;

/** `enforce at 100 %`, `monitor`, `challenge at 10 %, in stages 10 % for P1D, then 100 %`. */
export function ruleWords(rule: Pick<RolloutRule, 'mode' | 'percent' | 'stages'>): string {
  const share = rule.mode === 'challenge' || rule.mode === 'enforce' ? ` at ${rule.percent} %` : '';
  const stages = describeStages(rule.stages);
  return `${rule.mode}${share}${stages ? `, ${stages}` : ''}`;
}

/** A length of time in words: `14 days`, `1 hour`, `90 minutes` (rounded to whole minutes). */
export function lengthWords(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes > 0 && minutes % 1440 === 0) return unit(minutes / 1440, 'day');
  if (minutes > 0 && minutes % 60 === 0) return unit(minutes / 60, 'hour');
  return unit(minutes, 'minute');
}

/**
 * When a previewed change would apply, in one sentence: at once; on a date
 * after its notice on the public status page; or only after a second
 * person's approval, then its notice (or at once when the notice is skipped).
 * `now` is when the preview was answered (the notice length is `at − now`).
 */
export function describeApplies(applies: Preview['applies'], now: number, time: TimeWriter, options: { skipNotice?: boolean } = {}): string {
  const noticeMs = Date.parse(applies.at) - now;
  // A minute's slack: the preview's `at` was taken on the gate's clock a moment before `now`.
  const noticed = applies.stricter && noticeMs > 60_000 && !options.skipNotice;
  const notice = noticed ? `${lengthWords(noticeMs)} on the public status page` : '';
  if (applies.approval) {
    if (!noticed) return 'Needs a second person’s approval first: it applies as soon as another person with rollout:approve approves it.';
    return `Needs a second person’s approval first, then ${notice}: it applies ${lengthWords(noticeMs)} after the approval (${time(applies.at)} if approved now).`;
  }
  if (!noticed) return applies.stricter && options.skipNotice ? 'Applies at once, without notice: audited, and the public status page says so.' : 'Applies at once.';
  return `Applies on ${time(applies.at)}, after ${notice}; the rule in force decides until then.`;
}

/** The rule a region follows when it has none of its own (`*`, or monitor at 100 % with no `*` rule). */
function fallbackWords(rules: Record<string, RolloutRule>): string {
  const star = Object.hasOwn(rules, '*') ? rules['*'] : undefined;
  return star ? `follows * (${ruleWords(star)})` : 'follows * (no * rule: monitor)';
}

/** What a region does now, from its entry in the rollout: its own rule, or the `*` it follows. */
export function inForceWords(region: string, rules: Record<string, RolloutRule>): string {
  const own = Object.hasOwn(rules, region) ? rules[region] : undefined;
  if (!own || own.follows) return region === '*' ? 'no * rule (monitor)' : fallbackWords(rules);
  return `${ruleWords(own)}${own.status === 'tripped' ? ' (tripped: monitor until resumed)' : ''}`;
}

/**
 * A waiting change as what it changes, from the rollout as read now:
 * `PE: follows * (monitor) → enforce at 100 %`; a deletion → "follows *".
 */
export function describePendingChange(change: PendingChange, rules: Record<string, RolloutRule>): string {
  const to = change.rule ? ruleWords(change.rule) : `its own rule deleted: ${fallbackWords(rules)}`;
  const skip = change.notice === 'skip' ? ', at once without notice once approved' : '';
  return `${change.region}: ${inForceWords(change.region, rules)} → ${to}${skip}`;
}

/** A region's upcoming rule: `enforce at 100 % from <date>, announced <date> (approved by …)`. */
export function upcomingWords(upcoming: UpcomingRule, time: TimeWriter): string {
  const what = upcoming.removes ? 'its own rule removed (follows *)' : ruleWords(upcoming);
  const approved = upcoming.approvedBy ? `, approved by ${visibleText(upcoming.approvedBy)}` : '';
  return `${what} from ${time(upcoming.effectiveAt)}, announced ${time(upcoming.noticeFrom)}${approved}`;
}

/**
 * How a stricter rule reached the status page, in a few words: `without
 * notice` (skipped, or a NOTICE_PERIOD of zero — the status page says so
 * too), `after notice`; `''` when it was not stricter.
 */
export function noticeWords(notice: RolloutRule['notice']): string {
  if (notice === 'skipped') return 'without notice';
  if (notice === 'given') return 'after notice';
  return '';
}

/** What approving or rejecting a waiting change was refused for, and what to do next; null for refusals every answer shares (sign-in, scope). */
export function explainChangeRefusal(status: number, problem: Partial<Problem> | undefined): string | null {
  switch (problem?.reason) {
    case 'SELF_APPROVAL':
      return 'You asked for this change, so you cannot approve it: another person with the rollout:approve scope must. Nothing changed.';
    case 'CHANGE_OUTDATED':
      return `The rollout changed after this change was asked${problem.currentVersion !== undefined ? ` (it is at version ${problem.currentVersion} now)` : ''}, so approving it could undo someone else’s work. Nothing changed. Look at the regions as they are now; if the change still makes sense, its author asks for it again.`;
    case 'CHANGE_EXPIRED':
      return 'Nobody approved this change within 7 days, so it was dropped. Nothing changed; if it is still wanted, its author asks for it again.';
    case 'CHANGE_NOT_FOUND':
      return 'This change no longer waits: someone approved or rejected it meanwhile. The list now shows what still waits.';
    default:
      return status === 404 ? 'This change no longer waits. The list now shows what still waits.' : null;
  }
}

/**
 * A change the gate answered 202: nothing changed yet, it waits for a second
 * person, and when it expires.
 */
export function describeWaiting(change: PendingChange, rules: Record<string, RolloutRule>, time: TimeWriter): string {
  return (
    `Nothing changed yet: ${describePendingChange(change, rules)} waits for a second person’s approval. ` +
    `Another person with the rollout:approve scope approves or rejects it under “Waiting for approval”; if nobody does, it expires ${time(change.expiresAt)}.`
  );
}
