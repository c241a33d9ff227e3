/**
 * A guard's reading (docs/api.md, "Rules that advance and guard
 * themselves"): over the window's counts of its region, the sessions of the
 * rule's *treated* accounts (answered under `challenge` or `enforce`) — how
 * many were refused, and how many of the codes they were sent were verified.
 */
import type { Guard, GuardReading } from '../policy/rollout';
import type { TallyRecord } from './tally';

const TREATED = new Set(['challenge', 'enforce']);

/** Treated sessions, refusals among them, and their codes sent and verified. */
export function treatedCounts(record: TallyRecord): { sessions: number; refused: number; codesSent: number; codesVerified: number } {
  const counts = { sessions: 0, refused: 0, codesSent: 0, codesVerified: 0 };
  for (const [name, n] of Object.entries(record)) {
    const parts = name.split('|');
    if (parts[0] === 'd' && parts[1] === 'session' && TREATED.has(parts[5]!)) {
      counts.sessions += n;
      if (parts[2] !== 'allow') counts.refused += n;
    } else if (parts[0] === 'v' && TREATED.has(parts[2]!)) {
      if (parts[1] === 'sent') counts.codesSent += n;
      if (parts[1] === 'verified') counts.codesVerified += n;
    }
  }
  return counts;
}

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
