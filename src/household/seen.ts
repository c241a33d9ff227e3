/**
 * How fresh a stored "seen" time is: how stale it may grow before a visit
 * writes it again, and how long what it vouches for lasts. Every rule that
 * reads a throttled time adds the write interval back (`lastsUntil`).
 */

import { MS_PER_DAY } from '../time';
import type { HouseholdLimits } from './household';

/**
 * How stale a "seen" timestamp may grow before it is written again: a day at
 * production settings, and proportionally less when the trust window is
 * scaled down for tests (PT6S → about 0.2 s). Also the least time between two
 * networks joining through the anchor TV.
 *
 * Every visit that finds the stored timestamp this old is written, so the
 * stored time is never more than this behind the device's last actual visit:
 * whatever reads it adds this interval back (`lastsUntil`).
 */
export function seenWriteIntervalMs(limits: Pick<HouseholdLimits, 'trustWindowMs'>): number {
  return Math.min(MS_PER_DAY, Math.max(1, Math.floor(limits.trustWindowMs / 31)));
}

/**
 * How stale a device's "last seen" may grow before a *session start* writes
 * it again: an hour at production settings (at most the seen-write interval).
 * What support and the device list show is accurate to this as of the
 * device's last session start; segments inside a session write once per
 * `seenWriteIntervalMs`.
 */
export const SESSION_SEEN_WRITE_MS = 60 * 60 * 1000;

export function sessionSeenWriteIntervalMs(limits: Pick<HouseholdLimits, 'trustWindowMs'>): number {
  return Math.min(SESSION_SEEN_WRITE_MS, seenWriteIntervalMs(limits));
}

/**
 * When something last seen (as stored) at `seenAt` drops out of the trust
 * window: TRUST_WINDOW after the last *actual* visit, which the write
 * throttle may have left up to `seenWriteIntervalMs` later than the stored
 * time. So trust never lapses before TRUST_WINDOW after the last visit home,
 * and lasts at most `seenWriteIntervalMs` (a day at P31D) longer.
 */
export function lastsUntil(seenAt: number, limits: Pick<HouseholdLimits, 'trustWindowMs'>): number {
  return seenAt + limits.trustWindowMs + seenWriteIntervalMs(limits);
}

/**
 * How stale the anchor's address on a shared network, or the anchor's own
 * "seen at home", may grow before it is written again: a quarter of the
 * co-presence window, so a TV streaming all evening keeps its address
 * counting — and its presence at home known — with four writes per window at most.
 */
export function anchorAddressWriteIntervalMs(limits: Pick<HouseholdLimits, 'copresenceWindowMs'>): number {
  return Math.max(1, Math.floor(limits.copresenceWindowMs / 4));
}
