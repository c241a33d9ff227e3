/**
 * Rules that advance and guard themselves (docs/api.md), as pure
 * transitions: a person's rule starts at its first stage; it advances when
 * its hold is over and its guard is healthy; a guard that reads unhealthy
 * trips it, and a tripped rule answers everyone as `monitor` (see
 * `effectiveMode`) until a person sets it again.
 */
import { parseDurationMs } from '../config/duration';
import { MS_PER_DAY, MS_PER_HOUR } from '../time';
import type { Guard, GuardReading, RolloutRule } from './rollout';

/**
 * The longest a stage may hold and a guard may read back (contract v1.3):
 * longer is refused when a rule is set. A hold past it would overflow a date;
 * a window past it makes every flush re-read thousands of minute rows. A rule
 * stored before the bounds is read as if it had them.
 */
export const MAX_STAGE_HOLD_MS = 90 * MS_PER_DAY;
export const MAX_GUARD_WINDOW_MS = 6 * MS_PER_HOUR;

const iso = (ms: number) => new Date(ms).toISOString();

/** How long a stage holds, within the bound. */
const holdMs = (hold: string) => Math.min(parseDurationMs(hold), MAX_STAGE_HOLD_MS);

/** How far back a guard reads, within the bound. */
export function guardWindowMs(guard: Pick<Guard, 'window'>): number {
  return Math.min(parseDurationMs(guard.window), MAX_GUARD_WINDOW_MS);
}

/** The settings a person gives; everything else on a rule is kept by the gate. */
export type RuleSettings = Pick<RolloutRule, 'mode' | 'percent' | 'failOpen' | 'note' | 'stages' | 'guard'>;

/** A person's rule as it starts: at its first stage (if staged), `advancing` while stages remain. */
export function startRule(settings: RuleSettings, now: number): RolloutRule {
  const { mode, percent, failOpen, note, stages, guard } = settings;
  const base: RolloutRule = { mode, percent, failOpen, ...(note !== undefined ? { note } : {}), ...(guard ? { guard } : {}) };
  if (!stages || stages.length === 0) return { ...base, status: 'steady' };
  const first = stages[0]!;
  const more = stages.length > 1;
  return {
    ...base,
    stages,
    percent: first.percent,
    status: more ? 'advancing' : 'steady',
    stage: 0,
    stageStartedAt: iso(now),
    nextAdvanceAt: more ? iso(now + holdMs(first.hold!)) : null,
  };
}

/** When the rule's next stage is due, or null. */
export function nextAdvance(rule: RolloutRule): number | null {
  return rule.status === 'advancing' && rule.nextAdvanceAt ? Date.parse(rule.nextAdvanceAt) : null;
}

/** The rule one stage on. */
export function advanced(rule: RolloutRule, now: number): RolloutRule {
  const index = (rule.stage ?? 0) + 1;
  const stage = rule.stages![index]!;
  const last = index === rule.stages!.length - 1;
  return {
    ...rule,
    stage: index,
    percent: stage.percent,
    stageStartedAt: iso(now),
    status: last ? 'steady' : 'advancing',
    nextAdvanceAt: last ? null : iso(now + holdMs(stage.hold!)),
  };
}

/** The rule stepped down: its settings kept for inspection, `tripped`, answering everyone as monitor. */
export function tripped(rule: RolloutRule, reading: GuardReading, now: number): RolloutRule {
  return { ...rule, status: 'tripped', reading, trippedBy: reading, trippedAt: iso(now), nextAdvanceAt: null };
}

/** Whether a rule's guard should be read: it has one and has not tripped. */
export function guarded(rule: RolloutRule | undefined): boolean {
  return Boolean(rule?.guard) && rule!.status !== 'tripped';
}

const percentOf = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/**
 * What the audit log says when a guard trips a rule: the households its
 * reading counted, the rate against the guard's bound, and the step down.
 */
export function tripNote(reading: GuardReading, rule: RolloutRule): string {
  const guard = rule.guard!;
  if (reading.cause === 'refusalRate')
    return `guard tripped: ${reading.households.refused} of ${reading.households.treated} treated households refused (${percentOf(reading.refusalRate ?? 0)} > ${percentOf(guard.maxRefusalRate!)}); stepped down to monitor`;
  if (reading.cause === 'liveHereRate')
    return `guard tripped: ${reading.households.feedback?.['live-here'] ?? 0} of ${reading.households.refused} refused households said they live here (${percentOf(reading.liveHereRate ?? 0)} > ${percentOf(guard.maxLiveHereRate!)}); stepped down to monitor`;
  return `guard tripped: ${reading.households.verified} of ${reading.households.sent} households sent a code verified one (${percentOf(reading.verifySuccessRate ?? 0)} < ${percentOf(guard.minVerifySuccessRate!)}); stepped down to monitor`;
}

/** What the audit log says when a rule moves to its next stage (`rule` as `advanced` left it). */
export function stageNote(rule: RolloutRule): string {
  return `stage ${rule.stage! + 1} of ${rule.stages!.length}: ${rule.percent}%`;
}
