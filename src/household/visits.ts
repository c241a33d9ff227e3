/**
 * Visits: what one playback request changes in the household, and whether it
 * is worth a write at all (`visitIsNews`). The edge asks the second; the
 * account's Durable Object applies the first.
 */

import { activeSupportGrant, forgetOldestDevices, isSignedOutRecord, isTrusted, keyStanding, roomForNewDevice } from './devices';
import {
  activeHomeNetworks,
  adoptAnchor,
  anchorWanted,
  anchorQuietAtHome,
  homeMatch,
  homeWithoutAnchorRole,
  isAnchor,
  joinHomeNetwork,
  learnSharing,
  newHomeNetwork,
  noteAnchorAddress,
  pruneAnchorAddresses,
} from './home-networks';
import { takeKey } from './transitions';
import { dropHomelessSecondHomes, homeAnchoredBy } from './second-homes';
import { type DeviceRecord, type HomeMatch, type Household, type HouseholdLimits, PRIMARY_HOME, type SharingReading, type Visit, newDevice, touch } from './household';
import { anchorAddressWriteIntervalMs, seenWriteIntervalMs, sessionSeenWriteIntervalMs } from './seen';

export interface VisitNewsOptions {
  /** A session start: "last seen" is kept to within `sessionSeenWriteIntervalMs`, not a day. */
  session?: boolean;
  /** Row 6's answer for this visit on this household, when the decision already gave it (decide's `home`): not asked again. */
  home?: HomeMatch | null;
}

/**
 * Whether `visit` tells the household something it does not know yet, so the
 * edge sends it to the Durable Object. Everything else is left unwritten:
 * a device streaming all day costs one write per `seenWriteIntervalMs`, and
 * each session it starts at most one more per `sessionSeenWriteIntervalMs`; the
 * anchor TV at home one more per quarter of the co-presence window (its
 * presence is what keeps a copy of its id from moving the household), and on
 * a shared network one per address per quarter of that window.
 */
export function visitIsNews(household: Household | null, visit: Visit, limits: HouseholdLimits, options: VisitNewsOptions = {}): boolean {
  if (!household) return true;
  const interval = seenWriteIntervalMs(limits);
  const staleBy = (at: number | null | undefined, ms: number) => at == null || at <= visit.at - ms;
  const stale = (at: number | null | undefined) => staleBy(at, interval);
  // A session start keeps what support and the device list show within an hour; segments within a day.
  const shown = options.session ? sessionSeenWriteIntervalMs(limits) : interval;
  if (!mayWrite(household, visit, limits)) return false;
  const device = household.devices.get(visit.deviceId);
  if (!device || staleBy(device.lastSeenAt, shown)) return true;
  // A bound device's key is recorded with its first write (contract §2.1); a TV at home takes up an anchor role left empty.
  if (visit.keyThumbprint && device.keyThumbprint === null) return true;
  if (device.signedOutAt !== null && device.lastSeenAt <= device.signedOutAt) return true;
  if (household.establishedAt === null) return visit.deviceType === 'tv' && visit.networkId !== null;
  if (visit.networkId === null) return false;
  const home = options.home !== undefined ? options.home : homeMatch(household, visit, visit.networkId, visit.addressId, limits, visit.at);
  if (!home) {
    const move = anchorMove(household, device, visit, limits, visit.at);
    return move === 'join' || (move === 'conflict' && stale(household.lastAnchorConflictAt));
  }
  // On a shared network, a device not beside the TV is not home: nothing to write.
  if (home.evidence === null) return false;
  // A TV at home on a network that is not shared takes up an anchor role left empty by a sign-out.
  if (visit.deviceType === 'tv' && home.evidence === 'network' && anchorWanted(household, visit.networkId, limits, visit.at) && !isAnchor(household, visit)) return true;
  if (staleBy(device.lastHomeSeenAt, shown) || stale(home.network.lastSeenAt)) return true;
  if (!isAnchor(household, visit)) return false;
  if (staleBy(device.lastHomeSeenAt, anchorAddressWriteIntervalMs(limits))) return true;
  if (home.evidence !== 'anchor' || visit.addressId === null) return false;
  const address = home.network.anchorAddresses.find((known) => known.addressId === visit.addressId);
  return address === undefined || address.lastSeenAt <= visit.at - anchorAddressWriteIntervalMs(limits);
}

/**
 * Whether the visit may write the household at all: the request speaks for
 * the id's device (`keyStanding`: not another key, not a bound stranger to an
 * id with unbound history); and a device not listed yet (or signed out) joins
 * only as it may (contract §9: a refused stranger is not stored — it joins
 * when the household is still forming, when it is home, or when the owner or
 * support let it in) and where the list has room (§2.1, "Kept keys") — the
 * TV that forms the household always has room.
 */
function mayWrite(household: Household, visit: Visit, limits: HouseholdLimits): boolean {
  const standing = keyStanding(household, { deviceId: visit.deviceId, keyThumbprint: visit.keyThumbprint ?? null }, () =>
    homeWithoutAnchorRole(household, visit.deviceId, visit.networkId, visit.addressId, limits, visit.at),
  );
  if (standing === 'stranger' || standing === 'other-key') return false;
  const listed = household.devices.get(visit.deviceId);
  if (listed && !isSignedOutRecord(listed)) return true;
  const joins = joinsHousehold(household, visit);
  // The TV that forms the household is written past a full list (once: it is then the anchor): ids listed while
  // the household formed, bound and so never dropped, must not keep it from forming (rows 4 and 5 forever).
  const establishes = household.establishedAt === null && visit.deviceType === 'tv' && visit.networkId !== null;
  return joins && (listed !== undefined || establishes || roomForNewDevice(household, limits, visit.at));
}

/**
 * The anchor TV streaming from a network that is not (or no longer) home:
 * `join` when it may carry the household there — a `tv` token for the
 * anchor's id, trusted, no join within `seenWriteIntervalMs`, and the TV
 * quiet at home (an ISP change moves the TV); `conflict` when all holds but
 * the TV was just at home, so this is a copy of its id elsewhere; null when
 * the visit has no say.
 */
function anchorMove(household: Household, device: DeviceRecord, visit: Pick<Visit, 'deviceId' | 'deviceType'>, limits: HouseholdLimits, now: number): 'join' | 'conflict' | null {
  if (!isAnchor(household, visit) || !isTrusted(device, limits, now)) return null;
  if (household.lastNetworkJoinAt !== null && household.lastNetworkJoinAt > now - seenWriteIntervalMs(limits)) return null;
  return anchorQuietAtHome(device, limits, now) ? 'join' : 'conflict';
}

/**
 * Whether a visit may be written at all (contract §9): a device the household
 * lists always may; one it does not list only where `enforce` could let it in
 * as a newcomer — the household not set up yet (rows 4–5), one of its
 * networks (row 6), or a support grant for the whole account (row 10). A
 * refused stranger gets no entry and costs no write. The edge already sends
 * no such visit (edge/record.ts, which decides on the snapshot it answered
 * with); this is the account's object holding to it for a visit an older
 * Worker version sends during a gradual deployment. It asks only whether the
 * network is one of the household's, not whether it is home *now* (a shared
 * network's TV address, a network's last sighting): the object's state may be
 * a moment ahead of the snapshot the edge decided on — its alarm forgets the
 * TV's address when its window ends — and an answer the edge gave must not be
 * undone here.
 */
export function joinsHousehold(household: Household | null, visit: Visit): boolean {
  if (!household || household.establishedAt === null) return true;
  const listed = household.devices.get(visit.deviceId);
  if (listed && !isSignedOutRecord(listed)) return true;
  if (visit.networkId !== null && household.homeNetworks.some((network) => network.networkId === visit.networkId)) return true;
  return household.extraMembers.has(visit.deviceId) || activeSupportGrant(household, visit.deviceId, visit.at) !== undefined;
}

/**
 * Applies one visit: remembers the device, establishes the household when a
 * TV is first to stream, marks home networks and devices seen at home, lets
 * the trusted anchor TV carry the household to a new network, takes in the
 * network's sharing count when one was read for this visit, and keeps the
 * anchor's address on a shared network. Returns a new document; the input is
 * not changed.
 */
export function applyVisit(current: Household, visit: Visit, limits: HouseholdLimits, reading: SharingReading | null = null): Household {
  // A visit that does not speak for the id's device, or finds no room, changes nothing: the same object comes back.
  if (!mayWrite(current, visit, limits)) return current;
  const household = structuredClone(current);
  const now = visit.at;
  household.homeNetworks = activeHomeNetworks(household, limits, now);
  dropHomelessSecondHomes(household);

  const device = household.devices.get(visit.deviceId) ?? newDevice(visit.deviceId, visit.deviceType, now);
  // A signed-out id that comes back starts over as a device never seen (contract §2.1).
  if (device.signedOutAt !== null && device.lastSeenAt <= device.signedOutAt) device.firstSeenAt = now;
  takeKey(device, visit.keyThumbprint);
  device.type = visit.deviceType;
  device.lastSeenAt = Math.max(device.lastSeenAt, now);
  household.devices.set(visit.deviceId, device);

  if (household.establishedAt === null) {
    if (visit.deviceType === 'tv' && visit.networkId !== null) {
      household.establishedAt = now;
      household.anchorDeviceId = visit.deviceId;
      const home = newHomeNetwork(visit.networkId, now);
      learnSharing(home, reading, limits, now);
      household.homeNetworks = [home];
      device.lastHomeSeenAt = now;
    }
  } else if (visit.networkId !== null) {
    let home = household.homeNetworks.find((network) => network.networkId === visit.networkId);
    const move = home ? null : anchorMove(household, device, visit, limits, now);
    if (move === 'join') {
      // The anchor's own home follows it (an ISP change at either home moves only that home).
      home = joinHomeNetwork(household, visit.networkId, limits, now, homeAnchoredBy(household, visit.deviceId) ?? PRIMARY_HOME);
      household.lastNetworkJoinAt = now;
    } else if (move === 'conflict' && (household.lastAnchorConflictAt === null || household.lastAnchorConflictAt <= now - seenWriteIntervalMs(limits))) {
      household.anchorConflicts += 1;
      household.lastAnchorConflictAt = now;
    }
    if (home) {
      learnSharing(home, reading, limits, now);
      adoptAnchor(household, visit, limits, now);
      if (homeMatch(household, visit, visit.networkId, visit.addressId, limits, now)?.evidence) {
        // Visits may land out of order (each is sent on its own): a later one already written stays.
        home.lastSeenAt = Math.max(home.lastSeenAt, now);
        device.lastHomeSeenAt = Math.max(device.lastHomeSeenAt ?? now, now);
      }
    }
  }
  noteAnchorAddress(household, visit, limits);
  pruneAnchorAddresses(household, now);
  forgetOldestDevices(household, limits, now);
  return touch(household, now);
}

/**
 * Whether this visit adds or confirms a home network whose sharing count is
 * due (never read, or not within `seenWriteIntervalMs`): then the account's
 * Durable Object reads the count before applying the visit.
 */
export function sharingCheckDue(household: Household, visit: Visit, limits: HouseholdLimits): boolean {
  if (visit.networkId === null) return false;
  const network = applyVisit(household, visit, limits).homeNetworks.find((home) => home.networkId === visit.networkId);
  return network !== undefined && network.lastSeenAt === visit.at && (network.checkedAt === null || network.checkedAt <= visit.at - seenWriteIntervalMs(limits));
}
