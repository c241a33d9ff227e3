/**
 * What the owner hears of (contract §6, "The owner hears of it"): the
 * household events, and which of them a change to the household makes. Pure:
 * the account's Durable Object stores and delivers them (state/household-events.ts).
 */
import type { DeviceType, HouseholdEventName, SignOutAuthority } from '../vocabulary';
import type { Household } from './household';

export { HOUSEHOLD_EVENT_NAMES, SIGN_OUT_AUTHORITIES, type HouseholdEventName, type SignOutAuthority } from '../vocabulary';

/** One event, as a change finds it: which device, and for a sign-out by whom. */
export interface HouseholdEventFinding {
  event: HouseholdEventName;
  deviceId: string;
  deviceType: DeviceType;
  by?: SignOutAuthority;
}

/**
 * The events a change from `before` to `after` makes by itself: a new anchor
 * (after a sign-out left none, or a primary-location change moved it to
 * another TV), and a network join refused while the real TV was at home.
 */
export function eventsOfChange(before: Household | null, after: Household): HouseholdEventFinding[] {
  const found: HouseholdEventFinding[] = [];
  const anchor = after.anchorDeviceId;
  if (anchor !== null && anchor !== (before?.anchorDeviceId ?? null) && before?.establishedAt != null) {
    found.push({ event: 'anchor_changed', deviceId: anchor, deviceType: after.devices.get(anchor)?.type ?? 'tv' });
  }
  if (anchor !== null && after.anchorConflicts > (before?.anchorConflicts ?? 0)) {
    found.push({ event: 'anchor_conflict', deviceId: anchor, deviceType: after.devices.get(anchor)?.type ?? 'tv' });
  }
  return found;
}
