/**
 * A device's standing in its household: trust (row 7), sign-out marks and
 * keys (row 1), travel grants used, support grants, and the status the
 * device list shows. Reads, plus the bound on how many devices are kept.
 */

import { unixSeconds } from '../time';
import { type DeviceRecord, type Household, type HouseholdLimits, MAX_DEVICES_PER_HOUSEHOLD, MAX_SIGN_OUT_MARKS, type SupportGrant } from './household';
import { lastsUntil } from './seen';
import { homeAnchoredBy } from './second-homes';

/** When a device's trust (row 7) lapses; null: never seen at home. */
export function trustedUntil(device: DeviceRecord | undefined, limits: Pick<HouseholdLimits, 'trustWindowMs'>): number | null {
  return device?.lastHomeSeenAt == null ? null : lastsUntil(device.lastHomeSeenAt, limits);
}

export function isTrusted(device: DeviceRecord | undefined, limits: Pick<HouseholdLimits, 'trustWindowMs'>, now: number): boolean {
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
 * Whether the household holds anything for `deviceId` that a key could
 * inherit: a device entry that is not signed out, an extra-member slot, a
 * support grant to the device, or the anchor role. An id holding none of
 * these is "never seen" (contract §2.1, "The first key"), whatever sign-out
 * mark it still carries.
 */
export function holdsHistory(household: Household | null, deviceId: string): boolean {
  if (!household) return false;
  const device = household.devices.get(deviceId);
  if (device && !isSignedOutRecord(device)) return true;
  return household.extraMembers.has(deviceId) || homeAnchoredBy(household, deviceId) !== null || household.supportGrants.some((grant) => grant.deviceId === deviceId);
}

/** A record signed out and not seen since: it holds nothing but its mark. */
export function isSignedOutRecord(device: DeviceRecord): boolean {
  return device.signedOutAt !== null && device.lastSeenAt <= device.signedOutAt;
}

/**
 * Who a request speaks for, by its key (contract §2.1, "A device is its key"):
 * - `own-key`: the id's recorded key — the device itself;
 * - `unbound`: an unbound token for an id holding no key — the device, as before v1.3 (`optional`);
 * - `first-key`: a bound token for an id that takes this key — one never seen,
 *   or one with unbound history asking from home (the key is recorded when the
 *   device is next written);
 * - `stranger`: a bound token for an id with unbound history, away from home —
 *   decided as a device never seen: none of the id's history applies, no key
 *   is recorded, the anchor role stays where it is;
 * - `other-key`: the id holds another key (or the token is unbound) — refused at row 1.
 */
export type KeyStanding = 'own-key' | 'unbound' | 'first-key' | 'stranger' | 'other-key';

export function keyStanding(household: Household | null, device: { deviceId: string; keyThumbprint: string | null }, atHome: () => boolean): KeyStanding {
  const recorded = household?.devices.get(device.deviceId)?.keyThumbprint ?? null;
  if (recorded !== null) return recorded === device.keyThumbprint ? 'own-key' : 'other-key';
  if (device.keyThumbprint === null) return 'unbound';
  if (!holdsHistory(household, device.deviceId) || atHome()) return 'first-key';
  return 'stranger';
}

/**
 * The household as a device never seen under `deviceId` would meet it: the
 * id's entry, extra-member slot, support grant to the device and anchor role
 * left out (account-wide grants still cover it). A shallow view for one
 * decision, never stored.
 */
export function withoutHistoryOf(household: Household, deviceId: string): Household {
  const devices = new Map(household.devices);
  devices.delete(deviceId);
  const extraMembers = new Map(household.extraMembers);
  extraMembers.delete(deviceId);
  return {
    ...household,
    devices,
    extraMembers,
    supportGrants: household.supportGrants.filter((grant) => grant.deviceId !== deviceId),
    anchorDeviceId: household.anchorDeviceId === deviceId ? null : household.anchorDeviceId,
    secondHomes: household.secondHomes.map((home) => (home.anchorDeviceId === deviceId ? { ...home, anchorDeviceId: null } : home)),
  };
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
 * Past MAX_DEVICES_PER_HOUSEHOLD other devices, devices leave only as
 * `evictableDevices` allows (contract §2.1, "Kept keys"). A household so
 * holds at most MAX_DEVICES_PER_HOUSEHOLD + MAX_SIGN_OUT_MARKS device records,
 * plus the few a verified code, the owner or the TV that forms the household
 * adds past a full list.
 */
export function forgetOldestDevices(household: Household, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>, now: number): void {
  // Deleting the entry being visited is safe while iterating a Map.
  for (const device of household.devices.values()) {
    if (device.signedOutAt !== null && !signOutMarkLive(device, limits, now) && device.lastSeenAt <= device.signedOutAt) {
      household.devices.delete(device.deviceId);
    }
  }
  const marks = [...household.devices.values()].filter((device) => signOutMarkLive(device, limits, now)).toSorted((a, b) => a.signedOutAt! - b.signedOutAt!);
  let over = Math.max(0, marks.length - MAX_SIGN_OUT_MARKS);
  const letGo = (device: DeviceRecord) => {
    if (device.lastSeenAt <= device.signedOutAt!) household.devices.delete(device.deviceId);
    else device.signedOutAt = null;
  };
  // Marks of devices that held nothing go first, unfolded: a token they revoked can take nothing back.
  for (const device of marks.filter((mark) => mark.signedOutHolding === false)) {
    if (over === 0) break;
    letGo(device);
    over -= 1;
  }
  for (const device of marks.filter((mark) => mark.signedOutHolding !== false).slice(0, over)) {
    household.signedOutBefore = Math.max(household.signedOutBefore ?? 0, device.signedOutAt!);
    letGo(device);
  }
  const excess = listedDevices(household, limits, now).length - MAX_DEVICES_PER_HOUSEHOLD;
  for (const device of evictableDevices(household, limits, now).slice(0, Math.max(0, excess))) household.devices.delete(device.deviceId);
}

/** The devices the cap counts: live sign-out marks have their own cap. */
function listedDevices(household: Household, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>, now: number): DeviceRecord[] {
  return [...household.devices.values()].filter((device) => !signOutMarkLive(device, limits, now));
}

/**
 * The devices that may leave to make room, least recently seen first: unbound,
 * not seen at home within the trust window, and neither the anchor nor an
 * extra member. A bound device, a trusted one, the anchor and an extra member
 * are never dropped for a new device.
 */
export function evictableDevices(household: Household, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>, now: number): DeviceRecord[] {
  return listedDevices(household, limits, now)
    .filter((device) => device.keyThumbprint === null && homeAnchoredBy(household, device.deviceId) === null && !household.extraMembers.has(device.deviceId))
    .filter((device) => !isTrusted(device, limits, now))
    .toSorted((a, b) => a.lastSeenAt - b.lastSeenAt);
}

/**
 * Whether a device not listed yet may join the list now: the list has room,
 * or a device may leave for it (`evictableDevices`). When neither, the new
 * device is decided without being listed (contract §2.1, "Kept keys").
 */
export function roomForNewDevice(household: Household, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>, now: number): boolean {
  return listedDevices(household, limits, now).length < MAX_DEVICES_PER_HOUSEHOLD || evictableDevices(household, limits, now).length > 0;
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
  // Away access is time-boxed access from the owner's code, as temporary access is: the list shows it so (contract §6's statuses).
  if (device.awayAccessUntil !== null && device.awayAccessUntil > now) return { status: 'temporary', accessUntil: device.awayAccessUntil };
  return { status: 'outside', accessUntil: null };
}
