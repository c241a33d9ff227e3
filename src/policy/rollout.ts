/**
 * Regional rollout rules (docs/api.md): which enforcement mode applies
 * to a request's region, and to which share of accounts.
 */
import type { z } from 'zod';
import type { Mode } from '../vocabulary';
import type { guard, guardReading, rollout, rolloutRule, ruleChange, stage, upcomingRule } from './rule-schema';

export const FALLBACK_REGION = '*';

// The shapes are read off their schemas (rule-schema.ts), which the admin API answers them with: written once.
/** One step of a staged rule: its percent, and how long it holds before the next (none on the last). */
export type Stage = z.output<typeof stage>;
/** When a rule steps itself down (docs/api.md, "Rules that advance and guard themselves"). */
export type Guard = z.output<typeof guard>;
/** What a guard read over its window, in distinct households of the rule's treated sessions (mode challenge or enforce). */
export type GuardReading = z.output<typeof guardReading>;
export type RolloutRule = z.output<typeof rolloutRule>;
/** A stricter rule waiting out its notice on the status page (contract §8). */
export type UpcomingRule = z.output<typeof upcomingRule>;
/** One change of what the gate does in a region, as the status page lists it. */
export type RuleChange = z.output<typeof ruleChange>;
export type RuleStatus = NonNullable<RolloutRule['status']>;
export type Rollout = z.output<typeof rollout>;

/** The treated households a guard needs before it acts: `minHouseholds`, or its former name. */
export function minHouseholdsOf(guard: Guard): number {
  return guard.minHouseholds ?? guard.minSessions ?? 100;
}

/** With no rule at all, `*` is `monitor` at 100 %. */
export const DEFAULT_RULE: RolloutRule = { mode: 'monitor', percent: 100, failOpen: true };
export const EMPTY_ROLLOUT: Rollout = { version: 0, updatedAt: null, regions: {} };

export interface AppliedRule {
  /** The key of the rule that applies: the region itself, or `*`. */
  key: string;
  rule: RolloutRule;
}

/**
 * The rule in force for one region entry at `now`: its upcoming rule once its
 * notice is over (contract §8 — at every edge, read-time, before the
 * ControlStore's alarm has written it in), else the rule itself. Null: the
 * entry follows `*` (it has no rule of its own yet, or its upcoming change
 * deletes it and is due).
 */
export function entryInForce(entry: RolloutRule, now: number): RolloutRule | null {
  const { upcoming } = entry;
  if (upcoming && Date.parse(upcoming.effectiveAt) <= now) return upcoming.removes ? null : promoted(upcoming);
  return entry.follows ? null : entry;
}

/** An upcoming rule as the rule in force it becomes: without what only waiting needs. */
export function promoted(upcoming: UpcomingRule): RolloutRule {
  const { effectiveAt: _effectiveAt, noticeFrom: _noticeFrom, removes: _removes, approvedBy: _approvedBy, ...rule } = upcoming;
  return rule;
}

/** The rule in force for `region` at `now`: its own, else `*`, else the default. */
export function ruleFor(rollout: Rollout, region: string | null, now: number): AppliedRule {
  if (region && region !== FALLBACK_REGION && Object.hasOwn(rollout.regions, region)) {
    const own = entryInForce(rollout.regions[region]!, now);
    if (own) return { key: region, rule: own };
  }
  const fallback = Object.hasOwn(rollout.regions, FALLBACK_REGION) ? entryInForce(rollout.regions[FALLBACK_REGION]!, now) : null;
  return { key: FALLBACK_REGION, rule: fallback ?? DEFAULT_RULE };
}

/**
 * An account's rollout bucket: the first 4 bytes of SHA-256 over
 * `"<ruleKey>:<accountId>"`, big-endian unsigned, modulo 100.
 */
export async function rolloutBucket(ruleKey: string, accountId: string): Promise<number> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${ruleKey}:${accountId}`));
  return new DataView(digest).getUint32(0, false) % 100;
}

/** The mode an account is under: the rule's mode inside its percent, `monitor` outside it — and for everyone once its guard tripped. */
export function effectiveMode(rule: Pick<RolloutRule, 'mode' | 'percent' | 'status'>, bucket: number): Mode {
  if (rule.status === 'tripped') return 'monitor';
  return bucket < rule.percent ? rule.mode : 'monitor';
}
