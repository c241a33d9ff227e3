/**
 * Regional rollout rules (docs/api.md): which enforcement mode applies
 * to a request's region, and to which share of accounts.
 */
import { type Mode } from '../vocabulary';

export const FALLBACK_REGION = '*';

/** One step of a staged rule: its percent, and how long it holds before the next (none on the last). */
export interface Stage {
  percent: number;
  /** ISO 8601 duration as given (`P1D`); absent on the last stage. */
  hold?: string;
}

/** When a rule steps itself down (docs/api.md, "Rules that advance and guard themselves"). */
export interface Guard {
  maxRefusalRate?: number;
  minVerifySuccessRate?: number;
  /** Treated households the window needs before the guard acts (v1.3). */
  minHouseholds?: number;
  /** Its former name (v1.1), same meaning; rules stored before v1.3 carry this. */
  minSessions?: number;
  /** ISO 8601 duration as given (`PT15M`); read in whole minutes. */
  window: string;
}

/** The treated households a guard needs before it acts: `minHouseholds`, or its former name. */
export function minHouseholdsOf(guard: Guard): number {
  return guard.minHouseholds ?? guard.minSessions ?? 100;
}

/** What a guard read over its window, in distinct households of the rule's treated sessions (mode challenge or enforce). */
export interface GuardReading {
  at: string;
  /** Start of the minutes read. */
  since: string;
  /** Treated households, those with a session refused, those sent a code, those that verified one. */
  households: { treated: number; refused: number; sent: number; verified: number };
  /** refused / treated households. */
  refusalRate: number | null;
  /** verified / sent households. */
  verifySuccessRate: number | null;
  /** Whether the reading is over the thresholds (with at least minHouseholds treated households). */
  unhealthy: boolean;
  /** Which threshold it crossed. */
  cause?: 'refusalRate' | 'verifySuccessRate';
}

export type RuleStatus = 'steady' | 'advancing' | 'tripped';

export interface RolloutRule {
  mode: Mode;
  percent: number;
  failOpen: boolean;
  note?: string | undefined;
  stages?: Stage[] | undefined;
  guard?: Guard | undefined;
  /** Kept by the gate: `advancing` while stages remain, `tripped` after a guard stepped it down to monitor. */
  status?: RuleStatus;
  /** Index of the current stage. */
  stage?: number;
  stageStartedAt?: string;
  /** When the next stage starts (if the guard stays healthy); null when none is due. */
  nextAdvanceAt?: string | null;
  /** The guard's latest reading. */
  reading?: GuardReading;
  /** The reading that tripped the guard. */
  trippedBy?: GuardReading;
  trippedAt?: string;
  updatedAt?: string;
  updatedBy?: string;
}

export interface Rollout {
  /** Increments with every change: the `policyVersion` each decision carries. */
  version: number;
  updatedAt: string | null;
  regions: Record<string, RolloutRule>;
}

/** With no rule at all, `*` is `monitor` at 100 %. */
export const DEFAULT_RULE: RolloutRule = { mode: 'monitor', percent: 100, failOpen: true };
export const EMPTY_ROLLOUT: Rollout = { version: 0, updatedAt: null, regions: {} };

export interface AppliedRule {
  /** The key of the rule that applies: the region itself, or `*`. */
  key: string;
  rule: RolloutRule;
}

/** The rule for `region`: its own, else `*`, else the default. */
export function ruleFor(rollout: Rollout, region: string | null): AppliedRule {
  if (region) {
    const own = Object.hasOwn(rollout.regions, region) ? rollout.regions[region] : undefined;
    if (own) return { key: region, rule: own };
  }
  return { key: FALLBACK_REGION, rule: (Object.hasOwn(rollout.regions, FALLBACK_REGION) && rollout.regions[FALLBACK_REGION]) || DEFAULT_RULE };
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
