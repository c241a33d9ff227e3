/**
 * A device's standing in its household: trust (row 7), sign-out marks and
 * keys (row 1), travel grants used, support grants, and the status the
 * device list shows. Reads, plus the bound on how many devices are kept.
 */

import { unixSeconds } from '../time';
import { type DeviceRecord, type Household, type HouseholdLimits, MAX_DEVICES_PER_HOUSEHOLD, MAX_SIGN_OUT_MARKS, type SupportGrant } from './household';
import { lastsUntil } from './seen';

/** When a device's trust (row 7) lapses; null: never seen at home. */
export function trustedUntil(device: DeviceRecord | undefined, limits: HouseholdLimits): number | null {
  return device?.lastHomeSeenAt == null ? null : lastsUntil(device.lastHomeSeenAt, limits);
}

export function isTrusted(device: DeviceRecord | undefined, limits: HouseholdLimits, now: number): boolean {
  const until = trustedUntil(device, limits);
  return until !== null && until > now;
}

/**
 * Whether a token issued at `issuedAtSeconds` was issued at or before the
 * device's sign-out second (or the account's folded sign-out floor). A token
 * minted in the sign-out's own second is refused: a new sign-in carries a
 * later `iat`.
 */
export function isSignedOut(household: Household | null, deviceId: string, issuedAtSeconds: number): boolean {
  if (!household) return false;
  const revokedAt = (ms: number | null | undefined) => ms != null && issuedAtSeconds <= unixSeconds(ms);
  return revokedAt(household.devices.get(deviceId)?.signedOutAt) || revokedAt(household.signedOutBefore);
}

/**
 * Whether the household refuses a token for `deviceId` bound to
 * `keyThumbprint` (null: unbound) because the device id was seen bound to
 * another key (contract §2.1): a copy of the id with another key, or
 * without one, is not that device.
 */
export function isOtherKey(household: Household | null, deviceId: string, keyThumbprint: string | null): boolean {
  const recorded = household?.devices.get(deviceId)?.keyThumbprint ?? null;
  return recorded !== null && recorded !== keyThumbprint;
}

/**
 * What the household says to a device proving possession of `keyThumbprint`:
 * `recorded` the first time (the key becomes the device's), `known` when it
 * is the device's key already, `other` when the device id holds another key.
 */
export type KeySighting = 'recorded' | 'known' | 'other';

export function keySighting(household: Household | null, deviceId: string, keyThumbprint: string): KeySighting {
  const recorded = household?.devices.get(deviceId)?.keyThumbprint ?? null;
  if (recorded === null) return 'recorded';
  return recorded === keyThumbprint ? 'known' : 'other';
}

export function travelGrantsUsed(device: DeviceRecord | undefined, limits: HouseholdLimits, now: number): number {
  return device ? device.travelGrantsAt.filter((at) => at > now - limits.travelWindowMs).length : 0;
}

export function activeSupportGrant(household: Household, deviceId: string, now: number): SupportGrant | undefined {
  return household.supportGrants.find((grant) => grant.expiresAt > now && (grant.deviceId === null || grant.deviceId === deviceId));
}

/** Whether a device's sign-out still matters: a token issued before it could still be within its maximum age. */
function signOutMarkLive(device: DeviceRecord, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>, now: number): boolean {
  return device.signedOutAt !== null && device.signedOutAt > now - limits.tokenMaxAgeMs;
}

/**
 * Keeps the household bounded. A signed-out device that never came back is
 * forgotten once its mark has outlived every token it refuses. Past
 * MAX_SIGN_OUT_MARKS live marks, the oldest fold into `signedOutBefore`.
 * Past MAX_DEVICES_PER_HOUSEHOLD other devices, the least recently seen
 * leave (never the anchor or an extra member). A household so holds at most
 * MAX_DEVICES_PER_HOUSEHOLD + MAX_SIGN_OUT_MARKS device records.
 */
export function forgetOldestDevices(household: Household, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>, now: number): void {
  // Deleting the entry being visited is safe while iterating a Map.
  for (const device of household.devices.values()) {
    if (device.signedOutAt !== null && !signOutMarkLive(device, limits, now) && device.lastSeenAt <= device.signedOutAt) {
      household.devices.delete(device.deviceId);
    }
  }
  const marks = [...household.devices.values()].filter((device) => signOutMarkLive(device, limits, now)).toSorted((a, b) => a.signedOutAt! - b.signedOutAt!);
  for (const device of marks.slice(0, Math.max(0, marks.length - MAX_SIGN_OUT_MARKS))) {
    household.signedOutBefore = Math.max(household.signedOutBefore ?? 0, device.signedOutAt!);
    if (device.lastSeenAt <= device.signedOutAt!) household.devices.delete(device.deviceId);
    else device.signedOutAt = null;
  }
  // Live marks have their own cap above; the device cap counts the others.
  const active = [...household.devices.values()].filter((device) => !signOutMarkLive(device, limits, now));
  if (active.length <= MAX_DEVICES_PER_HOUSEHOLD) return;
  const keep = new Set([household.anchorDeviceId, ...household.extraMembers.keys()]);
  const evictable = active.filter((device) => !keep.has(device.deviceId)).toSorted((a, b) => a.lastSeenAt - b.lastSeenAt);
  for (const device of evictable.slice(0, active.length - MAX_DEVICES_PER_HOUSEHOLD)) household.devices.delete(device.deviceId);
}

/** A device as the account owner sees it (`GET /gate/v1/household/devices`). */
export type DeviceStatus = 'home' | 'trusted' | 'temporary' | 'extra-member' | 'support-grant' | 'outside' | 'signed-out';

/**
 * What access a device holds right now and until when. A device is `home`
 * when its last recorded visit was on a home network; `signed-out` until it
 * comes back with a token issued after the sign-out.
 */
export function deviceStatus(household: Household, device: DeviceRecord, limits: HouseholdLimits, now: number): { status: DeviceStatus; accessUntil: number | null } {
  if (device.signedOutAt !== null && device.lastSeenAt <= device.signedOutAt) return { status: 'signed-out', accessUntil: null };
  if (isTrusted(device, limits, now)) {
    const until = trustedUntil(device, limits)!;
    return { status: device.lastHomeSeenAt === device.lastSeenAt ? 'home' : 'trusted', accessUntil: until };
  }
  if (device.temporaryAccessUntil !== null && device.temporaryAccessUntil > now) return { status: 'temporary', accessUntil: device.temporaryAccessUntil };
  if (household.extraMembers.has(device.deviceId)) return { status: 'extra-member', accessUntil: null };
  const grant = activeSupportGrant(household, device.deviceId, now);
  if (grant) return { status: 'support-grant', accessUntil: grant.expiresAt };
  return { status: 'outside', accessUntil: null };
}
