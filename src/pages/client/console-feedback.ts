/**
 * What refused households said (contract §8), for the console: beside the
 * refusal chart, each situation with its households and their share of the
 * period's refused households — the `live-here` share is what
 * `guard.maxLiveHereRate` reads — and, in an account's view, its answers
 * with the person's comment and the refusal's request id.
 *
 * Server text is only ever set as `textContent` (console-cells.ts).
 */
import type { AccountSummary, Counts } from '../../admin-client/client';
import { formatCount, percentOf } from '../../admin-client/wording';
import { FEEDBACK_SITUATIONS } from '../../vocabulary';
import { $ } from './console-context';
import { row } from './console-cells';

/** The period's refused households by what they said, as a table beside the refusal chart. */
export function showFeedbackSaid(households: Counts['households']): void {
  const said = households.feedback;
  const answered = FEEDBACK_SITUATIONS.filter((situation) => (said?.[situation] ?? 0) > 0);
  $('feedback-said').replaceChildren(
    ...(answered.length > 0
      ? answered.map((situation) => row([situation, formatCount(said![situation]), percentOf(said![situation], households.refused)]))
      : [row(['(no answer yet: refused viewers are asked after every refusal)'])]),
  );
}

/** The words of the summary line: `12 said they live here (4.0% of refused), 30 travelling…`, or '' with no answer. */
export function feedbackWords(households: Counts['households']): string {
  const said = households.feedback;
  const answered = FEEDBACK_SITUATIONS.filter((situation) => (said?.[situation] ?? 0) > 0);
  if (answered.length === 0) return '';
  return `Refused households said: ${answered.map((situation) => `${situation} ${formatCount(said![situation])}`).join(', ')} (live-here ${percentOf(said?.['live-here'] ?? 0, households.refused)} of refused). `;
}

/** An account's answers, newest first: when, what, which device, the refusal (reason, region, request id) and the comment. */
export function showAccountFeedback(summary: AccountSummary): void {
  $('account-feedback').replaceChildren(
    ...(summary.feedback.length > 0
      ? summary.feedback.map((answer) => row([answer.at, answer.situation, `${answer.deviceId} (${answer.deviceType})`, `${answer.reason} in ${answer.region}`, answer.requestId, answer.comment]))
      : [row(['(none: no refused device of this account answered within TRUST_WINDOW)'])]),
  );
}
