/**
 * Notice before a rule gets stricter (contract §8), as pure steps: what
 * "stricter" means, the upcoming rule a stricter change becomes, the rollout
 * with every due upcoming rule written in, the history the status page
 * lists, and the steps ahead it announces. The ControlStore applies these;
 * the gate and the status page read the same rollout through `ruleFor`, so
 * the page can never announce what the gate does not do.
 */
import type { Mode } from '../vocabulary';
import { DEFAULT_RULE, entryInForce, FALLBACK_REGION, promoted, ruleFor, type Rollout, type RolloutRule, type RuleChange, type UpcomingRule } from './rollout';
import type { NOTICE_KINDS } from './rule-schema';
import { MAX_STAGE_HOLD_MS, startRule, type RuleSettings } from './staged-rule';
import { parseDurationMs } from '../config/duration';

export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The status page keeps this many changes per region. */
export const CHANGES_KEPT = 5;

const STRICTNESS: Record<Mode, number> = { off: 0, monitor: 1, challenge: 2, enforce: 3 };

/** Whether a mode refuses anyone (the modes a percent means something under). */
export const treats = (mode: Mode) => mode === 'challenge' || mode === 'enforce';

/** What a rule does now: a tripped rule answers everyone as monitor. */
export function doing(rule: Pick<RolloutRule, 'mode' | 'percent' | 'status'>): { mode: Mode; percent: number } {
  return rule.status === 'tripped' ? { mode: 'monitor', percent: rule.percent } : { mode: rule.mode, percent: rule.percent };
}

/**
 * Whether `after` is stricter than `before` (the rule in force): a mode later
 * in off < monitor < challenge < enforce, or, under the same challenge or
 * enforce, a larger percent at any of its stages. A tripped rule is read as
 * the monitor it answers with, so resuming it is stricter.
 */
export function isStricter(before: Pick<RolloutRule, 'mode' | 'percent' | 'status'>, after: Pick<RolloutRule, 'mode' | 'percent' | 'stages'>): boolean {
  const now = doing(before);
  const step = STRICTNESS[after.mode] - STRICTNESS[now.mode];
  if (step !== 0) return step > 0;
  if (!treats(after.mode)) return false;
  const percents = after.stages?.length ? after.stages.map((stage) => stage.percent) : [after.percent];
  return Math.max(...percents) > now.percent;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A stricter change as it waits out its notice: starting (at its first stage) when the notice is over. */
export function upcomingRule(settings: RuleSettings, options: { now: number; noticeMs: number; actor: string; approvedBy?: string; removes?: boolean }): UpcomingRule {
  const effectiveAt = options.now + options.noticeMs;
  return {
    ...startRule(settings, effectiveAt),
    notice: 'given',
    updatedAt: iso(effectiveAt),
    updatedBy: options.actor,
    effectiveAt: iso(effectiveAt),
    noticeFrom: iso(options.now),
    ...(options.removes ? { removes: true } : {}),
    ...(options.approvedBy ? { approvedBy: options.approvedBy } : {}),
  };
}

/** The settings of the rule in force (mode, percent, failOpen): what a region entry made only to carry an upcoming rule copies. */
export function followingEntry(fallback: RolloutRule, upcoming: UpcomingRule): RolloutRule {
  return { mode: fallback.mode, percent: fallback.percent, failOpen: fallback.failOpen, follows: FALLBACK_REGION, upcoming };
}

/** `changes` with one more for `region`, newest first, at most CHANGES_KEPT. */
export function withChange(changes: Rollout['changes'], region: string, change: RuleChange): NonNullable<Rollout['changes']> {
  const kept = changes && Object.hasOwn(changes, region) ? changes[region]! : [];
  return { ...changes, [region]: [change, ...kept].slice(0, CHANGES_KEPT) };
}

/** The regions whose rule in force is not the same at `at` in `after` as in `before`: `*` reaches every region that follows it, listed under `*`. */
function changedRegions(before: Rollout, after: Rollout, at: number): string[] {
  const keys = new Set([...Object.keys(before.regions), ...Object.keys(after.regions), FALLBACK_REGION]);
  return [...keys].filter((region) => {
    const was = ruleFor(before, region, at);
    const is = ruleFor(after, region, at);
    // A region following `*` in both changes only when `*` does (listed there).
    if (region !== FALLBACK_REGION && was.key === FALLBACK_REGION && is.key === FALLBACK_REGION) return false;
    const a = doing(was.rule);
    const b = doing(is.rule);
    return a.mode !== b.mode || (treats(b.mode) && a.percent !== b.percent) || was.key !== is.key;
  });
}

/**
 * `after` with a change recorded for every region whose rule in force
 * differs from `before`'s at `at`, with the notice it came with.
 */
export function recordChanges(before: Rollout, after: Rollout, at: number, notice: NoticeKind, announcedAt?: string): Rollout {
  let changes = after.changes;
  for (const region of changedRegions(before, after, at)) {
    const now = doing(ruleFor(after, region, at).rule);
    changes = withChange(changes, region, { at: iso(at), mode: now.mode, percent: now.percent, notice, ...(announcedAt && notice === 'given' ? { announcedAt } : {}) });
  }
  return changes === after.changes ? after : { ...after, changes };
}

/**
 * The rollout with every upcoming rule due by `now` written in (the rule it
 * becomes, or the region deleted), each change recorded at its own
 * `effectiveAt`. The same rollout when nothing is due. The gate reads due
 * rules the same way (`ruleFor`), so writing them in changes no answer.
 */
export function settled(rollout: Rollout, now: number): { rollout: Rollout; applied: Array<{ region: string; upcoming: UpcomingRule }> } {
  const due = Object.entries(rollout.regions)
    .filter(([, entry]) => entry.upcoming && Date.parse(entry.upcoming.effectiveAt) <= now)
    .toSorted(([, a], [, b]) => Date.parse(a.upcoming!.effectiveAt) - Date.parse(b.upcoming!.effectiveAt));
  let current = rollout;
  const applied: Array<{ region: string; upcoming: UpcomingRule }> = [];
  for (const [region, entry] of due) {
    const upcoming = entry.upcoming!;
    const at = Date.parse(upcoming.effectiveAt);
    const regions = { ...current.regions };
    if (upcoming.removes) delete regions[region];
    else regions[region] = promoted(upcoming);
    // Just before its moment the entry still waited: the change recorded is the one its notice announced.
    const { upcoming: _waited, ...waiting } = entry;
    const before = { ...current, regions: { ...current.regions, [region]: waiting } };
    current = recordChanges(before, { ...current, regions }, at, upcoming.notice ?? 'given', upcoming.noticeFrom);
    applied.push({ region, upcoming });
  }
  return { rollout: current, applied };
}

/** When the next upcoming rule is due, or null. */
export function nextNoticeDue(rollout: Rollout): number | null {
  const dues = Object.values(rollout.regions)
    .map((entry) => (entry.upcoming ? Date.parse(entry.upcoming.effectiveAt) : null))
    .filter((due): due is number => due !== null);
  return dues.length > 0 ? Math.min(...dues) : null;
}

/** One step ahead the status page announces: a stricter mode or share from `at` (the earliest, with `notBefore`, for a guarded stage). */
export interface StepAhead {
  mode: Mode;
  percent: number;
  at: string;
  /** The step waits while the rule's guard reads unhealthy: `at` is the earliest it may come. */
  notBefore?: true;
}

const holdMs = (hold: string) => Math.min(parseDurationMs(hold), MAX_STAGE_HOLD_MS);

/** The stages of `rule` still ahead of its current one, each from when it may start. */
function stagesAhead(rule: RolloutRule, from: number | null): StepAhead[] {
  if (!rule.stages || rule.status !== 'advancing' || from === null) return [];
  const steps: StepAhead[] = [];
  let at = from;
  for (let index = (rule.stage ?? 0) + 1; index < rule.stages.length; index += 1) {
    steps.push({ mode: rule.mode, percent: rule.stages[index]!.percent, at: iso(at), ...(rule.guard ? { notBefore: true as const } : {}) });
    const hold = rule.stages[index]!.hold;
    if (hold) at += holdMs(hold);
  }
  return steps;
}

/** What the status page tells of one region entry (or `*`) at `now`. */
export interface RegionOutlook {
  /** What the gate does there now (a tripped rule: monitor). */
  mode: Mode;
  percent: number;
  /** When what it does now began, if known. */
  since: string | null;
  /** Every stricter step ahead, in order. */
  upcoming: StepAhead[];
  /** The last changes, newest first. */
  changes: RuleChange[];
}

/**
 * The outlook of `region` at `now`, from the rollout the gate decides with:
 * an upcoming rule already due is read as in force, exactly as `ruleFor`
 * reads it. A region with no entry is `*`'s outlook — what `*` does there,
 * and `*`'s steps ahead, which reach it too.
 */
export function outlookOf(stored: Rollout, region: string, now: number): RegionOutlook {
  const rollout = settled(stored, now).rollout;
  if (region !== FALLBACK_REGION && !Object.hasOwn(rollout.regions, region)) return outlookOf(rollout, FALLBACK_REGION, now);
  const applied = ruleFor(rollout, region, now);
  const { rule } = applied;
  const history = rollout.changes && Object.hasOwn(rollout.changes, applied.key) ? rollout.changes[applied.key]! : [];
  const own = Object.hasOwn(rollout.changes ?? {}, region) ? rollout.changes![region]! : history;
  const { mode, percent } = doing(rule);
  const entry = Object.hasOwn(rollout.regions, region) ? rollout.regions[region]! : undefined;
  const pending = entry?.upcoming;
  const steps: StepAhead[] = [];
  const currentSteps = stagesAhead(rule, rule.nextAdvanceAt ? Date.parse(rule.nextAdvanceAt) : null);
  if (pending) {
    const effectiveAt = Date.parse(pending.effectiveAt);
    steps.push(...currentSteps.filter((step) => Date.parse(step.at) < effectiveAt));
    const next = pending.removes ? (entryInForce(rollout.regions[FALLBACK_REGION] ?? DEFAULT_RULE, effectiveAt) ?? DEFAULT_RULE) : promoted(pending);
    steps.push({ mode: next.mode, percent: next.percent, at: pending.effectiveAt });
    if (!pending.removes) steps.push(...stagesAhead(next, next.nextAdvanceAt ? Date.parse(next.nextAdvanceAt) : null));
  } else {
    steps.push(...currentSteps);
  }
  const since = own[0]?.at ?? rule.stageStartedAt ?? rule.updatedAt ?? null;
  return { mode, percent, since, upcoming: steps, changes: own };
}

/** A person's change of one region's rule, as the ControlStore is asked it. */
export interface RuleChangeRequest {
  region: string;
  /** Null deletes the region's rule. */
  rule: RuleSettings | null;
  actor: string;
  /** `skip`: a stricter rule applies at once (the admin API checked the scope `rollout:skip-notice`). */
  notice?: 'skip';
  /** Who approved it (ROLLOUT_APPROVAL=stricter), when a second person did. */
  approvedBy?: string;
}

export type ChangePlan =
  /** Stricter, asked by one person under ROLLOUT_APPROVAL=stricter: nothing changes until another approves it. */
  | { kind: 'approval' }
  /** The regions after the change, how it reached the status page, and the region's entry (null: deleted). */
  | { kind: 'apply'; regions: Rollout['regions']; notice: NoticeKind; entry: RolloutRule | null; stricter: boolean };

const settingsOf = ({ mode, percent, failOpen }: RolloutRule): RuleSettings => ({ mode, percent, failOpen });

/**
 * What a person's change does to a (settled) rollout at `now`: compared with
 * the rule in force for the region (its own, or `*` it follows), a stricter
 * change waits for a second person (when `approval`), then waits
 * `noticeMs` as the region's `upcoming` rule — unless its notice is skipped
 * or the period is zero. Anything else applies at once, and replaces an
 * upcoming rule the region had.
 */
export function planRuleChange(current: Rollout, change: RuleChangeRequest, settings: { noticeMs: number; approval: boolean }, now: number): ChangePlan {
  const { region } = change;
  const own = Object.hasOwn(current.regions, region) ? current.regions[region]! : undefined;
  const inForce = ruleFor(current, region, now).rule;
  // A deletion makes the region follow `*` (the `*` rule itself falls back to the default).
  const { [region]: _removed, ...others } = current.regions;
  const target = change.rule ?? settingsOf(ruleFor({ ...current, regions: others }, region, now).rule);
  const stricter = isStricter(inForce, target);
  if (stricter && settings.approval && !change.approvedBy) return { kind: 'approval' };
  const regions = { ...current.regions };
  if (stricter && settings.noticeMs > 0 && change.notice !== 'skip') {
    const upcoming = upcomingRule(target, { now, noticeMs: settings.noticeMs, actor: change.actor, removes: change.rule === null, ...(change.approvedBy ? { approvedBy: change.approvedBy } : {}) });
    let entry: RolloutRule;
    if (own && !own.follows) {
      const { upcoming: _replaced, ...kept } = own;
      entry = { ...kept, upcoming };
    } else {
      entry = followingEntry(ruleFor({ ...current, regions: others }, region, now).rule, upcoming);
    }
    regions[region] = entry;
    return { kind: 'apply', regions, notice: 'given', entry, stricter };
  }
  const notice: NoticeKind = stricter ? 'skipped' : 'not-needed';
  if (!change.rule) {
    delete regions[region];
    return { kind: 'apply', regions, notice, entry: null, stricter };
  }
  const entry: RolloutRule = { ...startRule(change.rule, now), notice, updatedAt: iso(now), updatedBy: change.actor };
  regions[region] = entry;
  return { kind: 'apply', regions, notice, entry, stricter };
}
