/**
 * A rollout rule's stages and guard as a person writes and reads them, the
 * same in the console's rule form and the ops CLI: `10:P1D, 50:P2D, 100` for
 * stages, and one sentence for what a rule will do. Pure: no DOM, no I/O.
 */
import type { RolloutRule, RolloutRuleInput } from '../../generated/admin-api';
import type { Result } from '../result';

export type Stages = NonNullable<RolloutRuleInput['stages']>;
export type Guard = NonNullable<RolloutRule['guard']>;
/** A guard as written (its minimum may be left to the gate's default) or as the gate answers it. */
export type GuardLike = NonNullable<RolloutRuleInput['guard']> | Guard;

/** The gate's minimum of treated households when a guard leaves it out. */
export const DEFAULT_GUARD_MINIMUM = 100;

/** Stages as text: `10:P1D, 50:P2D, 100` (the last stage has no hold). */
export function stagesText(stages: readonly { percent: number; hold?: string }[] | undefined): string {
  return (stages ?? []).map((stage) => (stage.hold ? `${stage.percent}:${stage.hold}` : String(stage.percent))).join(', ');
}

/**
 * `10:P1D, 50:P2D, 100` → stages; empty text → no stages. Only the shape is
 * checked here (whole percents, ISO 8601 holds); the gate says whether they
 * increase, which stage needs a hold and how long a hold may be.
 */
export function parseStages(text: string): Result<Stages | undefined, string> {
  if (text.trim() === '') return { ok: true, value: undefined };
  const stages: Stages = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,3})\s*(?::\s*(P[0-9A-Za-z.]+))?\s*$/i.exec(part);
    if (!match) return { ok: false, error: `“${part.trim()}” is not PERCENT or PERCENT:HOLD (e.g. 10:P1D, 50:P2D, 100)` };
    stages.push(match[2] ? { percent: Number(match[1]), hold: match[2].toUpperCase() } : { percent: Number(match[1]) });
  }
  return { ok: true, value: stages };
}

/** The guard's minimum of treated households, under its new name (minHouseholds) or its former one (minSessions). */
export function guardMinimum(guard: GuardLike): number {
  return (guard as { minHouseholds?: number }).minHouseholds ?? guard.minSessions ?? DEFAULT_GUARD_MINIMUM;
}

const pct = (rate: number) => `${Math.round(rate * 1000) / 10} %`;

/** `in stages 10 % for P1D, then 50 % for P2D, then 100 %`, or '' for an unstaged rule. */
export function describeStages(stages: readonly { percent: number; hold?: string }[] | undefined): string {
  if (!stages || stages.length < 2) return '';
  return `in stages ${stages.map((stage) => (stage.hold ? `${stage.percent} % for ${stage.hold}` : `${stage.percent} %`)).join(', then ')}`;
}

/** `guarded: back to monitor when more than 5 % of treated households are refused or fewer than 50 % verify, over PT15M, from 200 households`. */
export function describeGuard(guard: GuardLike | undefined): string {
  if (!guard) return 'with no guard';
  const limits = [
    guard.maxRefusalRate !== undefined ? `more than ${pct(guard.maxRefusalRate)} of treated households are refused` : '',
    guard.minVerifySuccessRate !== undefined ? `fewer than ${pct(guard.minVerifySuccessRate)} of households sent a code verify` : '',
    guard.maxLiveHereRate !== undefined ? `more than ${pct(guard.maxLiveHereRate)} of refused households say they live here` : '',
  ].filter(Boolean);
  return `guarded: back to monitor when ${limits.join(' or ')}, over ${guard.window}, from ${guardMinimum(guard)} treated households`;
}
