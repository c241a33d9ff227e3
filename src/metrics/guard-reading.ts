/**
 * A guard's reading (docs/api.md, "Rules that advance and guard
 * themselves"): over the window, the rule's *treated* households (a session
 * answered under `challenge` or `enforce`) — how many had a session refused —
 * and of the households sent a code, how many verified one; of the refused,
 * how many said they live here (v1.4). Households, not
 * requests: one household moves a rate by one household however many
 * requests it sends.
 */
import { minHouseholdsOf, type Guard, type GuardReading } from '../policy/rollout';
import type { HouseholdCounts } from './tally';

/**
 * Reads `guard` over `households` (the window's distinct households).
 * Unhealthy only with at least `minHouseholds` treated households: when the
 * share refused exceeds its maximum, the share of households sent a code
 * that verified one falls below its minimum, or (v1.4) the share of refused
 * households that said they live here exceeds `maxLiveHereRate` — one
 * household saying it from many devices counts once.
 */
export function readGuard(guard: Guard, households: HouseholdCounts, since: number, now: number): GuardReading {
  const { treated, refused, sent, verified, feedback } = households;
  // Estimates past the exact range are each within 2 %: a share is never read above 1.
  const refusalRate = treated === 0 ? null : Math.min(1, refused / treated);
  const verifySuccessRate = sent === 0 ? null : Math.min(1, verified / sent);
  const liveHereRate = refused === 0 ? null : Math.min(1, feedback['live-here'] / refused);
  const enough = treated >= minHouseholdsOf(guard);
  const cause =
    enough && guard.maxRefusalRate !== undefined && refusalRate !== null && refusalRate > guard.maxRefusalRate
      ? 'refusalRate'
      : enough && guard.minVerifySuccessRate !== undefined && verifySuccessRate !== null && verifySuccessRate < guard.minVerifySuccessRate
        ? 'verifySuccessRate'
        : enough && guard.maxLiveHereRate !== undefined && liveHereRate !== null && liveHereRate > guard.maxLiveHereRate
          ? 'liveHereRate'
          : undefined;
  return {
    at: new Date(now).toISOString(),
    since: new Date(since).toISOString(),
    households: { treated, refused, sent, verified, feedback },
    refusalRate,
    verifySuccessRate,
    liveHereRate,
    unhealthy: cause !== undefined,
    ...(cause ? { cause } : {}),
  };
}
