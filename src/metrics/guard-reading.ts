/**
 * A guard's reading (docs/api.md, "Rules that advance and guard
 * themselves"): over the window's counts of its region, the sessions of the
 * rule's *treated* accounts (answered under `challenge` or `enforce`) — how
 * many were refused, and how many of the codes they were sent were verified.
 */
import type { Guard, GuardReading } from '../policy/rollout';
import { treatedCounts, type TallyRecord } from './tally';

/**
 * Reads `guard` over `record` (the window's counts). Unhealthy only with at
 * least `minSessions` treated sessions: when the refusal rate exceeds its
 * maximum, or the share of codes verified falls below its minimum.
 */
export function readGuard(guard: Guard, record: TallyRecord, since: number, now: number): GuardReading {
  const { sessions, refused, codesSent, codesVerified } = treatedCounts(record);
  const refusalRate = sessions === 0 ? null : refused / sessions;
  const verifySuccessRate = codesSent === 0 ? null : codesVerified / codesSent;
  const enough = sessions >= guard.minSessions;
  const cause =
    enough && guard.maxRefusalRate !== undefined && refusalRate !== null && refusalRate > guard.maxRefusalRate
      ? 'refusalRate'
      : enough && guard.minVerifySuccessRate !== undefined && verifySuccessRate !== null && verifySuccessRate < guard.minVerifySuccessRate
        ? 'verifySuccessRate'
        : undefined;
  return {
    at: new Date(now).toISOString(),
    since: new Date(since).toISOString(),
    sessions,
    refused,
    refusalRate,
    codesSent,
    codesVerified,
    verifySuccessRate,
    unhealthy: cause !== undefined,
    ...(cause ? { cause } : {}),
  };
}
