/**
 * The household's other transitions: a device's key, temporary access,
 * primary location, sign-out, support grants, extra members. Each copies the
 * household it is given and returns the new one.
 */

import type { AddressId, NetworkId } from '../network/network-id';
import { err, ok, type Result } from '../result';
import type { DeviceType } from '../vocabulary';
import { activeSupportGrant, forgetOldestDevices, isTrusted } from './devices';
import { joinHomeNetwork, learnSharing, newHomeNetwork, noteAnchorAddress } from './home-networks';
import { dropHomelessSecondHomes, homeAnchoredBy, homeOf, leaveSecondHomes, SECOND_HOME_CHANGE_WAIT_MS } from './second-homes';
import { type DeviceRecord, type Household, type HouseholdLimits, PRIMARY_HOME, type SharingReading, type SupportGrant, newDevice, touch } from './household';

/**
 * Gives a device entry the key of the request writing it, when it holds none
 * (contract §2.1, "The first key"). A recorded key is never replaced: only a
 * sign-out forgets it. Callers write an entry only for a request that may
 * take its key (`keyStanding` other than `stranger` / `other-key`).
 */
export function takeKey(device: DeviceRecord, keyThumbprint: string | null | undefined): void {
  if (device.keyThumbprint === null && keyThumbprint) device.keyThumbprint = keyThumbprint;
}

/**
 * A verified code: temporary access for `durationMs` (never shortening access
 * already held) and one travel grant counted. Travel grants older than the
 * travel window are dropped, so the list stays short.
 */
export function grantTemporaryAccess(
  current: Household,
  deviceId: string,
  deviceType: DeviceType,
  durationMs: number,
  limits: HouseholdLimits,
  now: number,
  keyThumbprint: string | null = null,
): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, deviceType, now);
  takeKey(device, keyThumbprint);
  device.temporaryAccessUntil = Math.max(device.temporaryAccessUntil ?? 0, now + durationMs);
  device.travelGrantsAt = [...device.travelGrantsAt.filter((at) => at > now - limits.travelWindowMs), now];
  household.devices.set(deviceId, device);
  return touch(household, now);
}

/**
 * A copy of the household with the TV seen at home now, at a home the
 * owner's code gives it (a move, a second home): its key, if any, is taken there.
 */
function withTvAtHome(current: Household, deviceId: string, now: number, keyThumbprint: string | null): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, 'tv', now);
  takeKey(device, keyThumbprint);
  device.lastSeenAt = now;
  device.lastHomeSeenAt = now;
  household.devices.set(deviceId, device);
  return household;
}

/**
 * The TV makes its network the primary location: the primary home now holds
 * this network only (second homes keep theirs), the TV becomes the anchor
 * (leaving any second home it kept), and the change is counted.
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
  keyThumbprint: string | null = null,
): Household {
  const household = withTvAtHome(current, deviceId, now, keyThumbprint);
  household.establishedAt ??= now;
  household.anchorDeviceId = deviceId;
  leaveSecondHomes(household, deviceId, now);
  const network = newHomeNetwork(place.networkId, now);
  learnSharing(network, reading, limits, now);
  // The primary home now holds this network only; second homes keep theirs (one that held this network gives it up).
  household.homeNetworks = [network, ...household.homeNetworks.filter((home) => home.homeId !== undefined && home.networkId !== place.networkId)];
  dropHomelessSecondHomes(household);
  household.lastNetworkJoinAt = now;
  household.primaryLocationChangesAt = [...household.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs), now];
  noteAnchorAddress(household, { deviceId, deviceType: 'tv', networkId: place.networkId, addressId: place.addressId, at: now }, limits);
  return touch(household, now);
}

/** Primary-location changes inside the travel window. */
export function primaryLocationChangesUsed(household: Household, limits: HouseholdLimits, now: number): number {
  return household.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).length;
}

/**
 * Signs a device out (contract §6, "A sign-out ends everything the device
 * held"): its tokens issued at or before this second stop working, and its
 * key, seen at home and the trust it gave, temporary access and travel
 * grants used, support grants to it, its extra-member slot and the anchor
 * role all end. The id starts over as a device never seen; a household whose
 * anchor left has none until a TV is seen at home (`adoptAnchor`).
 */
export function signOutDevice(current: Household, deviceId: string, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>, now: number, deviceType: DeviceType = 'other'): Household {
  const household = structuredClone(current);
  // An id not listed (held only as an extra member or by a grant, or signing itself out) gets an entry for its mark: its tokens so far are refused too.
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, deviceType, now);
  household.devices.set(deviceId, device);
  device.signedOutHolding = holdsStanding(household, device, limits, now);
  device.signedOutAt = now;
  device.keyThumbprint = null;
  device.lastHomeSeenAt = null;
  device.temporaryAccessUntil = null;
  device.awayAccessUntil = null;
  device.travelGrantsAt = [];
  household.extraMembers.delete(deviceId);
  household.supportGrants = household.supportGrants.filter((grant) => grant.deviceId !== deviceId);
  const anchored = homeAnchoredBy(household, deviceId);
  if (anchored !== null) {
    if (anchored === PRIMARY_HOME) household.anchorDeviceId = null;
    else leaveSecondHomes(household, deviceId, now);
    // What lent the anchor's presence to others on its home's shared networks leaves with it.
    for (const network of household.homeNetworks) if (homeOf(network) === anchored) network.anchorAddresses = [];
  }
  forgetOldestDevices(household, limits, now);
  return touch(household, now);
}

/** Whether a device holds anything a sign-out takes away: a key, trust, access, a slot, a grant to it, the anchor role. */
function holdsStanding(household: Household, device: DeviceRecord, limits: Pick<HouseholdLimits, 'trustWindowMs'>, now: number): boolean {
  const grant = activeSupportGrant(household, device.deviceId, now);
  return (
    device.keyThumbprint !== null ||
    isTrusted(device, limits, now) ||
    (device.temporaryAccessUntil !== null && device.temporaryAccessUntil > now) ||
    (device.awayAccessUntil !== null && device.awayAccessUntil > now) ||
    household.extraMembers.has(device.deviceId) ||
    (grant !== undefined && grant.deviceId !== null) ||
    homeAnchoredBy(household, device.deviceId) !== null
  );
}

/**
 * The TV makes its network a second home of the household (contract §6),
 * with the owner's code: the network joins under a new home whose anchor is
 * this TV (it leaves any other home's anchor role: a TV keeps one home), the
 * TV is seen at home there, and the change is counted for the 90-day wait.
 * The caller checks the limits (`secondHomeLimit`) and that the network is
 * not home already.
 */
export function setSecondHome(
  current: Household,
  deviceId: string,
  place: { networkId: NetworkId; addressId: AddressId | null },
  reading: SharingReading | null,
  limits: HouseholdLimits,
  now: number,
  keyThumbprint: string | null = null,
): Household {
  const household = withTvAtHome(current, deviceId, now, keyThumbprint);
  if (household.anchorDeviceId === deviceId) household.anchorDeviceId = null;
  const homeId = `second-${now.toString(36)}`;
  leaveSecondHomes(household, deviceId, now);
  household.secondHomes = [...household.secondHomes, { homeId, anchorDeviceId: deviceId, setAt: now, updatedAt: now }];
  household.secondHomeChangesAt = [...household.secondHomeChangesAt.filter((at) => at > now - SECOND_HOME_CHANGE_WAIT_MS), now];
  const network = joinHomeNetwork(household, place.networkId, limits, now, homeId);
  learnSharing(network, reading, limits, now);
  noteAnchorAddress(household, { deviceId, deviceType: 'tv', networkId: place.networkId, addressId: place.addressId, at: now }, limits);
  return touch(household, now);
}

/** Removes a second home: its networks leave the household; its devices keep what rows 7–10 give them. Null when there is no such home. */
export function removeSecondHome(current: Household, homeId: string, now: number): Household | null {
  if (!current.secondHomes.some((home) => home.homeId === homeId)) return null;
  const household = structuredClone(current);
  household.secondHomes = household.secondHomes.filter((home) => home.homeId !== homeId);
  household.homeNetworks = household.homeNetworks.filter((network) => network.homeId !== homeId);
  household.secondHomeChangesAt = [...household.secondHomeChangesAt.filter((at) => at > now - SECOND_HOME_CHANGE_WAIT_MS), now];
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
