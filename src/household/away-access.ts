/**
 * Away access (contract §6, §4 row 10): with the owner's code, one device
 * plays from anywhere for the days asked — a posting, a term, a long stay —
 * at most AWAY_ACCESS_MAX, and an account gives at most
 * AWAY_ACCESS_PER_YEAR in 365 days. Pure: the account's Durable Object
 * applies it once the code checks out; the personas simulation likewise.
 */
import { err, ok, type Result } from '../result';
import { MS_PER_DAY } from '../time';
import type { DeviceType } from '../vocabulary';
import { keyStanding } from './devices';
import { newDevice, touch, type Household } from './household';
import { takeKey } from './transitions';

/** The window AWAY_ACCESS_PER_YEAR counts in. */
export const AWAY_ACCESS_YEAR_MS = 365 * MS_PER_DAY;

export interface AwayAccessRequest {
  deviceId: string;
  deviceType: DeviceType;
  days: number;
  /** The key the asking token is bound to (null: unbound): the access belongs to it (contract §2.1). */
  keyThumbprint: string | null;
  perYear: number;
}

export type AwayAccessGrant = Result<Household, { reason: 'AWAY_ACCESS_LIMIT'; retryAfterSeconds: number } | { reason: 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' }>;

/** How many away accesses the account gave within the last 365 days. */
export function awayAccessGivenInYear(household: Household | null, now: number): number {
  return household?.awayAccessGivenAt.filter((at) => at > now - AWAY_ACCESS_YEAR_MS).length ?? 0;
}

/** The account's refusal of one more away access, with when the oldest in the year leaves it; null while some are left. */
export function awayAccessLimit(household: Household | null, perYear: number, now: number): { reason: 'AWAY_ACCESS_LIMIT'; retryAfterSeconds: number } | null {
  if (awayAccessGivenInYear(household, now) < perYear) return null;
  const oldest = household?.awayAccessGivenAt.filter((at) => at > now - AWAY_ACCESS_YEAR_MS).toSorted((a, b) => a - b)[0] ?? now;
  return { reason: 'AWAY_ACCESS_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((oldest + AWAY_ACCESS_YEAR_MS - now) / 1000)) };
}

/**
 * Gives the device away access for `days` from now (never shortening access
 * it holds), counted against the account's year. A device whose id holds
 * another key, or a bound stranger to an id with unbound history away from
 * home, is refused: the access would be the id's, not its own.
 */
export function grantAwayAccess(current: Household, request: AwayAccessRequest, now: number): AwayAccessGrant {
  const standing = keyStanding(current, { deviceId: request.deviceId, keyThumbprint: request.keyThumbprint }, () => false);
  if (standing === 'stranger') return err({ reason: 'BIND_AT_HOME' });
  if (standing === 'other-key') return err({ reason: 'DEVICE_PROOF_REQUIRED' });
  const limited = awayAccessLimit(current, request.perYear, now);
  if (limited) return err(limited);
  const household = structuredClone(current);
  const device = household.devices.get(request.deviceId) ?? newDevice(request.deviceId, request.deviceType, now);
  takeKey(device, request.keyThumbprint);
  device.awayAccessUntil = Math.max(device.awayAccessUntil ?? 0, now + request.days * MS_PER_DAY);
  household.devices.set(request.deviceId, device);
  household.awayAccessGivenAt = [...household.awayAccessGivenAt.filter((at) => at > now - AWAY_ACCESS_YEAR_MS), now];
  return ok(touch(household, now));
}

/** Support ends a device's away access early; null when it holds none. */
export function endAwayAccess(current: Household, deviceId: string, now: number): Household | null {
  const device = current.devices.get(deviceId);
  if (!device || device.awayAccessUntil === null || device.awayAccessUntil <= now) return null;
  const household = structuredClone(current);
  household.devices.get(deviceId)!.awayAccessUntil = null;
  return touch(household, now);
}
