/**
 * The admin API's answers in words, the same in the ops CLI and the console:
 * what a refusal means and what to do about it (each surface adds its own way
 * of acting on it — a command to run, a button to press), an audit change
 * in a few words, and what a preview found.
 */
import type { Counts, Preview, Problem, RolloutRule, RolloutRuleInput } from '../../generated/admin-api';

export interface RefusalHints {
  /** How to get a valid admin token on this surface. */
  signIn: string;
  /** How to get a token that carries `scope`. */
  scope: (scope: string) => string;
  /** How to look at the current rollout and retry with `version`. */
  retry: (version: number | undefined) => string;
}

export function explainRefusal(status: number, problem: Partial<Problem> | undefined, hints: RefusalHints): string {
  const reason = problem?.reason ?? 'UNKNOWN';
  if (status === 401) return `The gate refused this admin token (${reason})${problem?.detail ? `: ${problem.detail}` : '.'}\n${hints.signIn}`;
  if (status === 403 && reason === 'SCOPE_REQUIRED') return `This admin token lacks the “${problem?.requiredScope}” scope this needs.\n${hints.scope(problem?.requiredScope ?? '')}`;
  if (status === 412) {
    return `The rollout changed since you read it: it is now at version ${problem?.currentVersion}. Nothing was changed.\n${hints.retry(problem?.currentVersion)}`;
  }
  const field = problem?.field ? ` (field: ${problem.field})` : '';
  return `${status} ${reason}${field}: ${problem?.detail ?? problem?.title ?? 'no details'}`;
}

/** An audit entry's before or after, in a few words: `enforce 20% fail-closed`, `days=30 reason=…`, `∅`. */
export function summariseChange(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value !== 'object') return String(value);
  const record = value as Record<string, unknown>;
  // A change waiting for a second person (contract §8): the rule it asks for.
  if ('changeId' in record && 'rule' in record) return `waiting: ${String(record.region)} ${summariseChange(record.rule)}${record.notice === 'skip' ? ' without notice' : ''}`;
  if ('mode' in record) {
    const stage = Array.isArray(record.stages) && record.stages.length > 1 ? ` stage ${Number(record.stage ?? 0) + 1}/${record.stages.length}` : '';
    const status = record.status === 'tripped' ? ' TRIPPED (monitor)' : '';
    const now = record.follows ? 'follows *' : `${String(record.mode)} ${String(record.percent ?? 100)}%${record.failOpen === false ? ' fail-closed' : ''}${stage}${status}`;
    // A stricter rule waiting out its notice (contract §8): what it becomes, and when.
    const upcoming = record.upcoming as Record<string, unknown> | undefined;
    const next = upcoming ? `; from ${String(upcoming.effectiveAt)}: ${upcoming.removes ? 'follows *' : `${String(upcoming.mode)} ${String(upcoming.percent ?? 100)}%`}` : '';
    return now + next;
  }
  return Object.entries(record)
    .map(([key, v]) => `${key}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

const MODE_WORDS: Record<string, string> = { off: 'Enforcement off', monitor: 'Monitor', challenge: 'Challenge', enforce: 'Enforce' };

/** A duration of days, hours, minutes and seconds (`P2D`, `PT6H`, `PT1H30M`) in minutes; null when it is not one. */
export function durationMinutes(text: string): number | null {
  const match = /^P(?!$)(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (!match) return null;
  return Number(match[1] ?? 0) * 1440 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0) + Number(match[4] ?? 0) / 60;
}

/** `PT1H` → "hour", `PT30M` → "30 minutes", `P2D` → "2 days" (for "the last …"). */
export function windowWords(window: string): string {
  const minutes = durationMinutes(window);
  if (minutes === null) return window;
  const unit = (n: number, word: string) => (n === 1 ? word : `${formatCount(n)} ${word}s`);
  if (minutes % 1440 === 0) return unit(minutes / 1440, 'day');
  if (minutes % 60 === 0) return unit(minutes / 60, 'hour');
  return unit(minutes, 'minute');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function percentOf(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const share = (100 * part) / whole;
  return `${share < 10 ? share.toFixed(1) : share.toFixed(0)}%`;
}

/** Refusals (challenges and denials) among outcome counts. */
export function refusals(outcomes: { challenge: number; deny: number }): number {
  return outcomes.challenge + outcomes.deny;
}

/**
 * A preview in one sentence, then the rule in force beside it:
 * "Enforce at 20% in PE would have refused 312 of 9,840 sessions in the last hour (3.2%), 41 on TVs."
 * Both are replays, so both say "would have": sessions that ran under
 * `monitor`, or under an earlier rule, were not refused when they ran, and
 * the preview cannot tell which were.
 */
export function describePreview(preview: Preview): { headline: string; current: string } {
  const { proposed, current } = preview.rules;
  const refused = refusals(preview.proposed);
  const tvs = preview.byDeviceType.tv ? refusals(preview.byDeviceType.tv.proposed) : 0;
  const headline =
    `${MODE_WORDS[proposed.mode] ?? proposed.mode} at ${proposed.percent}% in ${preview.region} would have refused ` +
    `${formatCount(refused)} of ${formatCount(preview.sessions)} sessions in the last ${windowWords(preview.window)} (${percentOf(refused, preview.sessions)}), ${formatCount(tvs)} on TVs.`;
  const now = refusals(preview.current);
  const ruleName = current.key === preview.region ? `${preview.region}'s rule` : `the * rule`;
  const currentLine = `Under the rule in force (${ruleName}: ${current.mode} at ${current.percent}%), ${formatCount(now)} of them would have been refused (${percentOf(now, preview.sessions)}).`;
  return { headline, current: currentLine };
}

/** The share of sessions that enforce would have refused, 0–1 (0 with no sessions). */
export function wouldRefuseRate(counts: Pick<Counts, 'sessions' | 'wouldRefuse'>): number {
  const sessions = counts.sessions.allow + counts.sessions.challenge + counts.sessions.deny;
  return sessions === 0 ? 0 : counts.wouldRefuse.sessions / sessions;
}

/**
 * The rule a person PUTs to resume a tripped one: the same settings, its
 * guard watching again, from the stage it had reached (so a resumed rollout
 * does not start over).
 */
export function resumeBody(rule: RolloutRule, note: string): RolloutRuleInput {
  const stages = rule.stages?.slice(rule.stage ?? 0);
  return {
    mode: rule.mode,
    failOpen: rule.failOpen,
    note,
    ...(stages && stages.length > 0 ? { stages } : { percent: rule.percent }),
    ...(rule.guard ? { guard: rule.guard } : {}),
  };
}

/**
 * Shared networks in one sentence, the same in the CLI and the console: how
 * many sessions came from households' shared home networks, how many enforce
 * would refuse there, and how many were home on what evidence.
 */
export function describeSharedNetworks(counts: Pick<Counts, 'sharedNetworks' | 'inHousehold'>): string {
  const shared = counts.sharedNetworks;
  const home = counts.inHousehold.sessions;
  return (
    `${formatCount(shared.sessions)} sessions from shared networks (carrier-grade NAT, dorms, hotels); enforce would refuse ${formatCount(shared.wouldRefuse.sessions)} (${percentOf(shared.wouldRefuse.sessions, shared.sessions)}). ` +
    `Home by network ${formatCount(home.network)}, the TV itself ${formatCount(home.anchor)}, beside the TV ${formatCount(home.copresence)}.`
  );
}

/**
 * The account summary's anchor conflicts, for support (CLI and console alike):
 * the TV's id streaming from another network while the real TV was at home.
 */
export function describeAnchorConflicts(conflicts: { count: number; lastAt: string | null }): string {
  if (conflicts.count === 0) return 'none: the TV’s id has only streamed where the TV is';
  const times = conflicts.count === 1 ? 'once' : `${formatCount(conflicts.count)} times`;
  return `${times} (last ${conflicts.lastAt}), the TV’s id tried to move the household while the TV was at home — likely a copy of its id elsewhere; the household did not move`;
}
