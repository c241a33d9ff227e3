/**
 * Regional rollout rules (docs/api.md): which enforcement mode applies
 * to a request's region, and to which share of accounts.
 */
import { z } from 'zod';
import { MODES, type Mode } from '../vocabulary';

export const FALLBACK_REGION = '*';

export const rolloutRuleSchema = z.object({
  mode: z.enum(MODES),
  percent: z.number().int().min(0).max(100).default(100),
  failOpen: z.boolean().default(true),
  note: z.string().max(500).optional(),
});

export interface RolloutRule {
  mode: Mode;
  percent: number;
  failOpen: boolean;
  note?: string | undefined;
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

/** The mode an account is under: the rule's mode inside its percent, `monitor` outside it. */
export function effectiveMode(rule: RolloutRule, bucket: number): Mode {
  return bucket < rule.percent ? rule.mode : 'monitor';
}
