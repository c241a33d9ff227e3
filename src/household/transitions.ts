/**
 * The household's other transitions: a device's key, temporary access,
 * primary location, sign-out, support grants, extra members. Each copies the
 * household it is given and returns the new one.
 */

import type { AddressId, NetworkId } from '../network/network-id';
import { err, ok, type Result } from '../result';
import type { DeviceType } from '../vocabulary';
import { forgetOldestDevices } from './devices';
import { learnSharing, newHomeNetwork, noteAnchorAddress } from './home-networks';
import { type Household, type HouseholdLimits, type SharingReading, type SupportGrant, newDevice, touch } from './household';

/** Records the key a device was first seen with, bound (a device not seen yet is remembered with it). Never replaces a recorded key. */
export function recordDeviceKey(current: Household, deviceId: string, deviceType: DeviceType, keyThumbprint: string, now: number): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, deviceType, now);
  if (device.keyThumbprint !== null) return household;
  device.keyThumbprint = keyThumbprint;
  household.devices.set(deviceId, device);
  return touch(household, now);
}

/**
 * A verified code: temporary access for `durationMs` (never shortening access
 * already held) and one travel grant counted. Travel grants older than the
 * travel window are dropped, so the list stays short.
 */
export function grantTemporaryAccess(current: Household, deviceId: string, deviceType: DeviceType, durationMs: number, limits: HouseholdLimits, now: number): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, deviceType, now);
  device.temporaryAccessUntil = Math.max(device.temporaryAccessUntil ?? 0, now + durationMs);
  device.travelGrantsAt = [...device.travelGrantsAt.filter((at) => at > now - limits.travelWindowMs), now];
  household.devices.set(deviceId, device);
  return touch(household, now);
}

/**
 * The TV makes its network the primary location: the household now holds
 * this network only, the TV becomes the anchor, and the change is counted.
 * With the network's sharing count read for the change, a shared network
 * starts with the TV's address counting as home.
 */
export function setPrimaryLocation(
  current: Household,
  deviceId: string,
  place: { networkId: NetworkId; addressId: AddressId | null },
  reading: SharingReading | null,
  limits: HouseholdLimits,
  now: number,
): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, 'tv', now);
  device.lastSeenAt = now;
  device.lastHomeSeenAt = now;
  household.devices.set(deviceId, device);
  household.establishedAt ??= now;
  household.anchorDeviceId = deviceId;
  const network = newHomeNetwork(place.networkId, now);
  learnSharing(network, reading, limits, now);
  household.homeNetworks = [network];
  household.lastNetworkJoinAt = now;
  household.primaryLocationChangesAt = [...household.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs), now];
  noteAnchorAddress(household, { deviceId, deviceType: 'tv', networkId: place.networkId, addressId: place.addressId, at: now }, limits);
  return touch(household, now);
}

/** Primary-location changes inside the travel window. */
export function primaryLocationChangesUsed(household: Household, limits: HouseholdLimits, now: number): number {
  return household.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).length;
}

/** Signs a device out: its tokens issued at or before this second stop working, and its key is forgotten (a new sign-in may bring another). */
export function signOutDevice(current: Household, deviceId: string, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>, now: number): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId);
  if (!device) return household;
  device.signedOutAt = now;
  device.keyThumbprint = null;
  forgetOldestDevices(household, limits, now);
  return touch(household, now);
}

/** Adds a time-boxed support grant for one device or (deviceId null) the whole account. */
export function addSupportGrant(current: Household, grant: SupportGrant, now: number): Household {
  const household = structuredClone(current);
  household.supportGrants = [...household.supportGrants.filter((g) => g.expiresAt > now), grant];
  return touch(household, now);
}

/** Ends a support grant; returns null when there is no such grant. */
export function endSupportGrant(current: Household, grantId: string, now: number): Household | null {
  if (!current.supportGrants.some((grant) => grant.grantId === grantId)) return null;
  const household = structuredClone(current);
  household.supportGrants = household.supportGrants.filter((grant) => grant.grantId !== grantId);
  return touch(household, now);
}

export type ExtraMemberChange = Result<{ household: Household; added: boolean }, { reason: 'SLOTS_EXHAUSTED' }>;

/** Gives a device an extra-member slot, while the account has one free. Adding a member again changes nothing. */
export function addExtraMember(current: Household, deviceId: string, label: string | null, slots: number, now: number): ExtraMemberChange {
  if (current.extraMembers.has(deviceId)) return ok({ household: current, added: false });
  if (current.extraMembers.size >= slots) return err({ reason: 'SLOTS_EXHAUSTED' });
  const household = structuredClone(current);
  household.extraMembers.set(deviceId, { deviceId, label, addedAt: now });
  return ok({ household: touch(household, now), added: true });
}

/** Frees a device's extra-member slot; returns null when it held none. */
export function removeExtraMember(current: Household, deviceId: string, now: number): Household | null {
  if (!current.extraMembers.has(deviceId)) return null;
  const household = structuredClone(current);
  household.extraMembers.delete(deviceId);
  return touch(household, now);
}
