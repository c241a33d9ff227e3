/**
 * Row 6: the household's home networks — which are current, where a request
 * stands against them (`homeMatch`), shared networks and the anchor TV's
 * addresses on them (co-presence), and joining a network.
 */

import type { AddressId, NetworkId } from '../network/network-id';
import type { DeviceType } from '../vocabulary';
import { type DeviceRecord, type HomeMatch, type HomeNetwork, type Household, type HouseholdLimits, MAX_ANCHOR_ADDRESSES, PRIMARY_HOME, type SharingReading, UNCHECKED, type Visit } from './household';
import { anchorAddressWriteIntervalMs, lastsUntil } from './seen';
import { anchorOfHome, homeAnchoredBy, homeOf } from './second-homes';

/** Home networks still inside the trust window at `now`. */
export function activeHomeNetworks(household: Household, limits: HouseholdLimits, now: number): HomeNetwork[] {
  return household.homeNetworks.filter((network) => lastsUntil(network.lastSeenAt, limits) > now);
}

/** The home network `networkId`, if the household holds it and it is still inside the trust window. */
function activeHomeNetwork(household: Household, networkId: NetworkId, limits: HouseholdLimits, now: number): HomeNetwork | undefined {
  return household.homeNetworks.find((network) => network.networkId === networkId && lastsUntil(network.lastSeenAt, limits) > now);
}

/**
 * Whether a request speaks as the household's anchor: the anchor's device id
 * with a token of type `tv` (contract §4). The anchor's privileges — carrying
 * the household to a new network, matching on a shared network, lending its
 * address for co-presence — need both: a copy of the TV's id in a phone's
 * token is just another phone.
 */
export function isAnchor(household: Household, device: { deviceId: string; deviceType: DeviceType }): boolean {
  return device.deviceType === 'tv' && homeAnchoredBy(household, device.deviceId) !== null;
}

/** Whether the request speaks as the anchor of the home `network` belongs to (each home has its own, contract §6). */
function anchorsNetwork(household: Household, device: { deviceId: string; deviceType: DeviceType }, network: HomeNetwork): boolean {
  return device.deviceType === 'tv' && anchorOfHome(household, homeOf(network)) === device.deviceId;
}

/**
 * Row 6: where a request from `networkId` / `addressId` by `device` stands
 * against the household's home networks. Null: not a home network (or no
 * usable address). On a network that is not shared, every device is home; on
 * a shared one only the anchor TV, and a device at an address the anchor used
 * there within the co-presence window.
 */
export function homeMatch(
  household: Household,
  device: { deviceId: string; deviceType: DeviceType },
  networkId: NetworkId | null,
  addressId: AddressId | null,
  limits: HouseholdLimits,
  now: number,
): HomeMatch | null {
  return placeMatch(household, (network) => anchorsNetwork(household, device, network), networkId, addressId, limits, now);
}

/**
 * Whether a request for `deviceId` from `networkId` / `addressId` is home
 * without the anchor's privilege: a home network that is not shared, or
 * beside the anchor TV on a shared one. What an id with unbound history needs
 * to take its first key (contract §2.1): a copy of the TV's id claims nothing
 * by being the TV's id. Only the primary home counts, or the second home the
 * id itself keeps: whoever the owner let a second home to plays there as at
 * home, but does not take the household's other ids (the primary TV's key and
 * anchor role, a phone's trust or slot) by minting them there.
 */
export function homeWithoutAnchorRole(household: Household, deviceId: string, networkId: NetworkId | null, addressId: AddressId | null, limits: HouseholdLimits, now: number): boolean {
  const match = placeMatch(household, () => false, networkId, addressId, limits, now);
  if (match?.evidence == null) return false;
  const home = homeOf(match.network);
  return home === PRIMARY_HOME || homeAnchoredBy(household, deviceId) === home;
}

function placeMatch(household: Household, anchor: (network: HomeNetwork) => boolean, networkId: NetworkId | null, addressId: AddressId | null, limits: HouseholdLimits, now: number): HomeMatch | null {
  const network = networkId === null ? undefined : activeHomeNetwork(household, networkId, limits, now);
  if (!network) return null;
  if (!network.shared) return { network, evidence: 'network' };
  if (anchor(network)) return { network, evidence: 'anchor' };
  const beside = addressId === null ? undefined : network.anchorAddresses.find((address) => address.addressId === addressId && address.until > now);
  return beside ? { network, evidence: 'copresence', anchorSeenAt: beside.lastSeenAt } : { network, evidence: null };
}

/** Whether the request comes from one of the household's home networks that is shared: only then does its address id matter. */
export function onSharedHomeNetwork(household: Household | null, networkId: NetworkId | null, limits: HouseholdLimits, now: number): boolean {
  if (household === null || networkId === null) return false;
  return activeHomeNetwork(household, networkId, limits, now)?.shared === true;
}

/**
 * Whether the anchor TV has gone quiet at home: not seen on any current home
 * network within the co-presence window (contract §4). Its "seen at home" is
 * written at most once per `anchorAddressWriteIntervalMs`, so it may lag the
 * TV's last visit by that much: the TV counts as quiet only once the window
 * and that lag have both passed — never while it may still be at home.
 */
export function anchorQuietAtHome(anchor: DeviceRecord, limits: Pick<HouseholdLimits, 'copresenceWindowMs'>, now: number): boolean {
  return anchor.lastHomeSeenAt === null || anchor.lastHomeSeenAt <= now - limits.copresenceWindowMs - anchorAddressWriteIntervalMs(limits);
}

/**
 * A household whose anchor was signed out has none until a `tv` is seen at
 * home on one of its networks that is not shared (contract §6); that TV
 * becomes the anchor. Answers whether it did.
 */
export function adoptAnchor(household: Household, visit: Pick<Visit, 'deviceId' | 'deviceType' | 'networkId'>, limits: HouseholdLimits, now: number): boolean {
  if (household.establishedAt === null || visit.deviceType !== 'tv' || visit.networkId === null) return false;
  const network = activeHomeNetwork(household, visit.networkId, limits, now);
  // A TV keeps one home: the anchor of another home does not take this one's role too.
  if (!network || network.shared || homeAnchoredBy(household, visit.deviceId) !== null) return false;
  const home = homeOf(network);
  if (anchorOfHome(household, home) !== null) return false;
  if (home === PRIMARY_HOME) household.anchorDeviceId = visit.deviceId;
  else household.secondHomes = household.secondHomes.map((second) => (second.homeId === home ? { ...second, anchorDeviceId: visit.deviceId, updatedAt: now } : second));
  return true;
}

/** Whether some home of an established household has no anchor, and a TV at home there would take the role (`adoptAnchor`). */
export function anchorWanted(household: Household, networkId: NetworkId | null, limits: HouseholdLimits, now: number): boolean {
  if (household.establishedAt === null || networkId === null) return false;
  const network = activeHomeNetwork(household, networkId, limits, now);
  return network !== undefined && !network.shared && anchorOfHome(household, homeOf(network)) === null;
}

/** A network's sharing count, taken in: shared past the limit; a network no longer shared forgets the anchor's addresses. */
export function learnSharing(network: HomeNetwork, reading: SharingReading | null, limits: HouseholdLimits, now: number): void {
  if (reading?.networkId !== network.networkId) return;
  network.households = reading.households;
  network.shared = reading.households > limits.sharedNetworkHouseholds;
  network.checkedAt = now;
  network.holderId = reading.holderId;
  if (!network.shared) network.anchorAddresses = [];
}

/** The anchor TV streaming on a shared home network: its address counts as home for the co-presence window. */
export function noteAnchorAddress(household: Household, visit: Visit, limits: HouseholdLimits): void {
  if (visit.addressId === null || visit.networkId === null) return;
  const network = household.homeNetworks.find((home) => home.networkId === visit.networkId);
  if (!network?.shared || !anchorsNetwork(household, visit, network)) return;
  const others = network.anchorAddresses.filter((address) => address.addressId !== visit.addressId);
  // The address is written at most once per quarter window: it counts for the window after the TV's last actual use.
  const until = visit.at + limits.copresenceWindowMs + anchorAddressWriteIntervalMs(limits);
  network.anchorAddresses = [{ addressId: visit.addressId, lastSeenAt: visit.at, until }, ...others].slice(0, MAX_ANCHOR_ADDRESSES);
}

/** Drops anchor addresses past the co-presence window: nothing older is kept. Answers whether any was dropped. */
export function pruneAnchorAddresses(household: Household, now: number): boolean {
  let pruned = false;
  for (const network of household.homeNetworks) {
    const live = network.anchorAddresses.filter((address) => address.until > now);
    if (live.length !== network.anchorAddresses.length) {
      network.anchorAddresses = live;
      pruned = true;
    }
  }
  return pruned;
}

/** When the oldest anchor address kept leaves the co-presence window (the object's alarm prunes it then); null when none is kept. */
export function nextAnchorAddressExpiry(household: Household | null): number | null {
  const times = household?.homeNetworks.flatMap((network) => network.anchorAddresses.map((address) => address.until)) ?? [];
  return times.length === 0 ? null : Math.min(...times);
}

export function newHomeNetwork(networkId: NetworkId, now: number): HomeNetwork {
  return { networkId, addedAt: now, lastSeenAt: now, ...UNCHECKED, anchorAddresses: [] };
}

/**
 * Adds a home network to `homeId` (the primary home by default); when the
 * household is full (HOME_NETWORKS_MAX counts every home's networks), the
 * least recently seen network of the same home leaves — an ISP change at one
 * home moves only that home — else the least recently seen of a home holding
 * more than one (a home that holds none yet never takes another's last
 * network), else of the others. Returns the network added.
 */
export function joinHomeNetwork(household: Household, networkId: NetworkId, limits: HouseholdLimits, now: number, homeId: string = PRIMARY_HOME): HomeNetwork {
  const network = newHomeNetwork(networkId, now);
  if (homeId !== PRIMARY_HOME) network.homeId = homeId;
  const others = household.homeNetworks.filter((known) => known.networkId !== networkId);
  while (others.length + 1 > limits.homeNetworksMax && others.length > 0) {
    const sameHome = others.filter((known) => homeOf(known) === homeId);
    const spare = others.filter((known) => others.some((other) => other !== known && homeOf(other) === homeOf(known)));
    const pool = sameHome.length > 0 ? sameHome : spare.length > 0 ? spare : others;
    const leaving = pool.reduce((oldest, known) => (known.lastSeenAt < oldest.lastSeenAt ? known : oldest));
    others.splice(others.indexOf(leaving), 1);
  }
  household.homeNetworks = [network, ...others].toSorted((a, b) => b.lastSeenAt - a.lastSeenAt);
  return network;
}
