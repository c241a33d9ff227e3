/**
 * The household: what Hearth knows about one account — its home networks,
 * its devices, and the ways back in (temporary access, extra members,
 * support grants). Plain data plus pure transitions; the account's Durable
 * Object applies them, the KV read model carries the result to the edge.
 *
 * All times are epoch milliseconds. Network and address ids are keyed
 * hashes, never addresses. `storage-schema.md` documents where this document
 * lives.
 *
 * Trust boundary: device ids come from tokens and paths and are plain
 * strings — `__proto__`, `constructor` and `toString` included. Everything
 * keyed by a device id is a `Map`, never a plain object, so no id can reach
 * `Object.prototype` or find an inherited member. Stored and published
 * copies are `HouseholdDocument`s, which hold those maps as arrays.
 */

import type { AddressId, NetworkId } from '../network/network-id';
import { type DeviceType, type HomeEvidence } from '../vocabulary';
import { MS_PER_DAY, unixSeconds } from '../time';
import type { Result } from '../result';

export const HOUSEHOLD_SCHEMA_VERSION = 2;
/** At most this many devices are remembered per account; the least recently seen leave first. */
export const MAX_DEVICES_PER_HOUSEHOLD = 200;
/**
 * At most this many sign-out marks are kept per account. Past it, the oldest
 * marks fold into the account-wide `signedOutBefore`: tokens issued at or
 * before that second are refused for every device, which is never less safe
 * than the marks it replaces (a new sign-in gets a later `iat`).
 */
export const MAX_SIGN_OUT_MARKS = 200;
/** At most this many anchor addresses are kept per shared home network (the most recent). */
export const MAX_ANCHOR_ADDRESSES = 8;

export interface HomeNetwork {
  networkId: NetworkId;
  addedAt: number;
  /** Last time the household was seen here (the anchor, or on a network that is not shared any device). */
  lastSeenAt: number;
  /** More than `sharedNetworkHouseholds` households held this network as home, at the last check. */
  shared: boolean;
  /** How many households held it as home within the trust window at the last check; null until checked. */
  households: number | null;
  /** When the network's sharing count was last read (at most once per `seenWriteIntervalMs`); null: never. */
  checkedAt: number | null;
  /**
   * On a shared network only: the address ids the anchor TV used here within
   * the co-presence window, newest first. Empty on a network that is not shared.
   */
  anchorAddresses: AnchorAddress[];
  /** The id the network's sharing count holds for this household (released when the account is erased). */
  holderId?: string;
}

/** One address the anchor TV used on a shared home network, and when it last did. */
export interface AnchorAddress {
  addressId: AddressId;
  lastSeenAt: number;
  /** `lastSeenAt` + the co-presence window + its write lag (a quarter window): the address counts as home until then, and is forgotten then. */
  until: number;
}

/** Where a request stands against the household's home networks (row 6). */
export interface HomeMatch {
  network: HomeNetwork;
  /** Null: a shared home network, and not beside the anchor TV. */
  evidence: HomeEvidence | null;
  /** For `copresence`: when the anchor TV last used this address. */
  anchorSeenAt?: number;
}

/** A network's sharing count as its registry answered it, for one household visit. */
export interface SharingReading {
  networkId: NetworkId;
  /** Households that held the network as home within the trust window, this one included. */
  households: number;
  /** The id the registry holds for this household there (kept so an erase can release it). */
  holderId: string;
}

export interface DeviceRecord {
  deviceId: string;
  type: DeviceType;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Last time this device streamed from a home network: the start of its trust window. */
  lastHomeSeenAt: number | null;
  /** Tokens issued (iat) at or before this second answer DEVICE_REVOKED. */
  signedOutAt: number | null;
  /** Temporary (travel) access granted by a verified code lasts until then. */
  temporaryAccessUntil: number | null;
  /** When each travel grant was given; those inside TRAVEL_WINDOW count against the limit. */
  travelGrantsAt: number[];
  /**
   * RFC 7638 thumbprint of the key this device id was first seen with, bound
   * (contract §2.1); null until then, and again after a sign-out. While set, a
   * token for this id with another key, or unbound, is refused.
   */
  keyThumbprint: string | null;
}

export interface ExtraMember {
  deviceId: string;
  label: string | null;
  addedAt: number;
}

export interface SupportGrant {
  grantId: string;
  /** Null: the grant covers every device of the account. */
  deviceId: string | null;
  reason: string;
  actor: string;
  createdAt: number;
  expiresAt: number;
}

export interface Household {
  schema: typeof HOUSEHOLD_SCHEMA_VERSION;
  accountId: string;
  /** Increments with every change; lets the edge keep the newest of two snapshots. */
  revision: number;
  /** Null until a TV establishes the primary location. Once set, only erase clears it. */
  establishedAt: number | null;
  /** The TV that established or last set the primary location. */
  anchorDeviceId: string | null;
  homeNetworks: HomeNetwork[];
  lastNetworkJoinAt: number | null;
  devices: Map<string, DeviceRecord>;
  extraMembers: Map<string, ExtraMember>;
  supportGrants: SupportGrant[];
  primaryLocationChangesAt: number[];
  /** Epoch ms: tokens of any device issued at or before this second are refused (folded sign-out marks). */
  signedOutBefore: number | null;
  /**
   * Networks the anchor's id tried to carry the household to while the real
   * TV was still at home (contract §4): a copy of its id streaming elsewhere.
   * Counted at most once per `seenWriteIntervalMs`, like the joins it stands for.
   */
  anchorConflicts: number;
  /** When the last such refused join was counted; null: never. */
  lastAnchorConflictAt: number | null;
  updatedAt: number;
}

/**
 * A household as stored in the Durable Object and published to KV: plain
 * JSON, with devices and extra members as arrays (each entry carries its own
 * id), so no id is ever used as an object key.
 */
export interface HouseholdDocument extends Omit<Household, 'devices' | 'extraMembers' | 'homeNetworks' | 'anchorConflicts' | 'lastAnchorConflictAt'> {
  devices: DeviceRecord[];
  extraMembers: ExtraMember[];
  homeNetworks: StoredHomeNetwork[];
  /** Absent in documents stored before contract v1.3: none counted. */
  anchorConflicts?: number;
  lastAnchorConflictAt?: number | null;
}

/** The settings that shape household transitions and decisions. */
export interface HouseholdLimits {
  trustWindowMs: number;
  travelWindowMs: number;
  travelGrantsPerWindow: number;
  homeNetworksMax: number;
  /**
   * The oldest a device token may be (now − iat), with the clock skew the
   * token check tolerates (DEVICE_TOKEN_MAX_AGE + 61 s). A sign-out mark is
   * kept this long: afterwards every token issued before it is refused anyway.
   */
  tokenMaxAgeMs: number;
  /** A network held as home by more than this many households within the trust window is shared. */
  sharedNetworkHouseholds: number;
  /** How long the anchor TV's address counts as home for the household's other devices on a shared network. */
  copresenceWindowMs: number;
}

/** One playback request, as the household needs to remember it. */
export interface Visit {
  deviceId: string;
  deviceType: DeviceType;
  networkId: NetworkId | null;
  /** The whole address's keyed id; the edge computes it only where it can matter (a shared home network, a write). */
  addressId: AddressId | null;
  at: number;
}

export function emptyHousehold(accountId: string, now: number): Household {
  return {
    schema: HOUSEHOLD_SCHEMA_VERSION,
    accountId,
    revision: 0,
    establishedAt: null,
    anchorDeviceId: null,
    homeNetworks: [],
    lastNetworkJoinAt: null,
    devices: new Map(),
    extraMembers: new Map(),
    supportGrants: [],
    primaryLocationChangesAt: [],
    signedOutBefore: null,
    anchorConflicts: 0,
    lastAnchorConflictAt: null,
    updatedAt: now,
  };
}

/** The household as stored and published: its maps as arrays. */
export function toHouseholdDocument(household: Household): HouseholdDocument {
  return { ...household, devices: [...household.devices.values()], extraMembers: [...household.extraMembers.values()] };
}

/**
 * Reads a stored or published household: this schema's arrays, or schema 1's
 * objects keyed by device id (read with `Object.values`, which sees an own
 * `__proto__` key as data). Entries are keyed by the id they carry.
 */
export function fromHouseholdDocument(document: HouseholdDocument | LegacyHouseholdDocument): Household {
  const devices = Array.isArray(document.devices) ? document.devices : Object.values(document.devices);
  const members = Array.isArray(document.extraMembers) ? document.extraMembers : Object.values(document.extraMembers);
  return {
    ...document,
    schema: HOUSEHOLD_SCHEMA_VERSION,
    // Devices stored before contract v1.3 were never seen bound.
    devices: new Map(devices.map((device) => [device.deviceId, { ...device, keyThumbprint: device.keyThumbprint ?? null }])),
    extraMembers: new Map(members.map((member) => [member.deviceId, member])),
    signedOutBefore: document.signedOutBefore ?? null,
    anchorConflicts: document.anchorConflicts ?? 0,
    lastAnchorConflictAt: document.lastAnchorConflictAt ?? null,
    homeNetworks: document.homeNetworks.map((network): HomeNetwork => (network.anchorAddresses ? (network as HomeNetwork) : { ...UNCHECKED, ...network, anchorAddresses: [] })),
  };
}

/** A home network written before shared networks existed: unchecked, so not shared until its next confirmation. */
const UNCHECKED = { shared: false, households: null, checkedAt: null } as const;

/** A home network as stored before contract v1.2 (no sharing fields). */
export type StoredHomeNetwork = Pick<HomeNetwork, 'networkId' | 'addedAt' | 'lastSeenAt'> & Partial<HomeNetwork>;

/** Schema 1: the same document with devices and extra members as objects keyed by id. */
export interface LegacyHouseholdDocument extends Omit<HouseholdDocument, 'schema' | 'devices' | 'extraMembers' | 'signedOutBefore'> {
  schema: 1;
  devices: Record<string, DeviceRecord>;
  extraMembers: Record<string, ExtraMember>;
  signedOutBefore?: number | null;
}

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

/** Home networks still inside the trust window at `now`. */
export function activeHomeNetworks(household: Household, limits: HouseholdLimits, now: number): HomeNetwork[] {
  return household.homeNetworks.filter((network) => lastsUntil(network.lastSeenAt, limits) > now);
}

/** The home network `networkId`, if the household holds it and it is still inside the trust window. */
function activeHomeNetwork(household: Household, networkId: NetworkId, limits: HouseholdLimits, now: number): HomeNetwork | undefined {
  return household.homeNetworks.find((network) => network.networkId === networkId && lastsUntil(network.lastSeenAt, limits) > now);
}

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

/** Records the key a device was first seen with, bound (a device not seen yet is remembered with it). Never replaces a recorded key. */
export function recordDeviceKey(current: Household, deviceId: string, deviceType: DeviceType, keyThumbprint: string, now: number): Household {
  const household = structuredClone(current);
  const device = household.devices.get(deviceId) ?? newDevice(deviceId, deviceType, now);
  if (device.keyThumbprint !== null) return household;
  device.keyThumbprint = keyThumbprint;
  household.devices.set(deviceId, device);
  return touch(household, now);
}

export function travelGrantsUsed(device: DeviceRecord | undefined, limits: HouseholdLimits, now: number): number {
  return device ? device.travelGrantsAt.filter((at) => at > now - limits.travelWindowMs).length : 0;
}

export function activeSupportGrant(household: Household, deviceId: string, now: number): SupportGrant | undefined {
  return household.supportGrants.find(
    (grant) => grant.expiresAt > now && (grant.deviceId === null || grant.deviceId === deviceId),
  );
}

/**
 * Whether a request speaks as the household's anchor: the anchor's device id
 * with a token of type `tv` (contract §4). The anchor's privileges — carrying
 * the household to a new network, matching on a shared network, lending its
 * address for co-presence — need both: a copy of the TV's id in a phone's
 * token is just another phone.
 */
export function isAnchor(household: Household, device: { deviceId: string; deviceType: DeviceType }): boolean {
  return device.deviceType === 'tv' && device.deviceId === household.anchorDeviceId;
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
  const network = networkId === null ? undefined : activeHomeNetwork(household, networkId, limits, now);
  if (!network) return null;
  if (!network.shared) return { network, evidence: 'network' };
  if (isAnchor(household, device)) return { network, evidence: 'anchor' };
  const beside = addressId === null ? undefined : network.anchorAddresses.find((address) => address.addressId === addressId && address.until > now);
  return beside ? { network, evidence: 'copresence', anchorSeenAt: beside.lastSeenAt } : { network, evidence: null };
}

/** Whether the request comes from one of the household's home networks that is shared: only then does its address id matter. */
export function onSharedHomeNetwork(household: Household | null | 'unavailable', networkId: NetworkId | null, limits: HouseholdLimits, now: number): boolean {
  if (household === null || household === 'unavailable' || networkId === null) return false;
  return activeHomeNetwork(household, networkId, limits, now)?.shared === true;
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
 * Whether `visit` tells the household something it does not know yet, so the
 * edge sends it to the Durable Object. Everything else is left unwritten:
 * a device streaming all day costs one write per `seenWriteIntervalMs`, and
 * each session it starts at most one more per `sessionSeenWriteIntervalMs`; the
 * anchor TV at home one more per quarter of the co-presence window (its
 * presence is what keeps a copy of its id from moving the household), and on
 * a shared network one per address per quarter of that window.
 */
export function visitIsNews(household: Household | null, visit: Visit, limits: HouseholdLimits, options: { session?: boolean } = {}): boolean {
  if (!household) return true;
  const interval = seenWriteIntervalMs(limits);
  const staleBy = (at: number | null | undefined, ms: number) => at == null || at <= visit.at - ms;
  const stale = (at: number | null | undefined) => staleBy(at, interval);
  // A session start keeps what support and the device list show within an hour; segments within a day.
  const shown = options.session ? sessionSeenWriteIntervalMs(limits) : interval;
  const device = household.devices.get(visit.deviceId);
  if (!device || staleBy(device.lastSeenAt, shown)) return true;
  if (device.signedOutAt !== null && device.lastSeenAt <= device.signedOutAt) return true;
  if (household.establishedAt === null) return visit.deviceType === 'tv' && visit.networkId !== null;
  if (visit.networkId === null) return false;
  const home = homeMatch(household, visit, visit.networkId, visit.addressId, limits, visit.at);
  if (!home) {
    const move = anchorMove(household, device, visit, limits, visit.at);
    return move === 'join' || (move === 'conflict' && stale(household.lastAnchorConflictAt));
  }
  // On a shared network, a device not beside the TV is not home: nothing to write.
  if (home.evidence === null) return false;
  if (staleBy(device.lastHomeSeenAt, shown) || stale(home.network.lastSeenAt)) return true;
  if (!isAnchor(household, visit)) return false;
  if (staleBy(device.lastHomeSeenAt, anchorAddressWriteIntervalMs(limits))) return true;
  if (home.evidence !== 'anchor' || visit.addressId === null) return false;
  const address = home.network.anchorAddresses.find((known) => known.addressId === visit.addressId);
  return address === undefined || address.lastSeenAt <= visit.at - anchorAddressWriteIntervalMs(limits);
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
 * Applies one visit: remembers the device, establishes the household when a
 * TV is first to stream, marks home networks and devices seen at home, lets
 * the trusted anchor TV carry the household to a new network, takes in the
 * network's sharing count when one was read for this visit, and keeps the
 * anchor's address on a shared network. Returns a new document; the input is
 * not changed.
 */
export function applyVisit(current: Household, visit: Visit, limits: HouseholdLimits, reading: SharingReading | null = null): Household {
  const household = structuredClone(current);
  const now = visit.at;
  household.homeNetworks = activeHomeNetworks(household, limits, now);

  const device = household.devices.get(visit.deviceId) ?? newDevice(visit.deviceId, visit.deviceType, now);
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
      home = joinHomeNetwork(household, visit.networkId, limits, now);
      household.lastNetworkJoinAt = now;
    } else if (move === 'conflict' && (household.lastAnchorConflictAt === null || household.lastAnchorConflictAt <= now - seenWriteIntervalMs(limits))) {
      household.anchorConflicts += 1;
      household.lastAnchorConflictAt = now;
    }
    if (home) {
      learnSharing(home, reading, limits, now);
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

/** A network's sharing count, taken in: shared past the limit; a network no longer shared forgets the anchor's addresses. */
function learnSharing(network: HomeNetwork, reading: SharingReading | null, limits: HouseholdLimits, now: number): void {
  if (reading?.networkId !== network.networkId) return;
  network.households = reading.households;
  network.shared = reading.households > limits.sharedNetworkHouseholds;
  network.checkedAt = now;
  network.holderId = reading.holderId;
  if (!network.shared) network.anchorAddresses = [];
}

/** The anchor TV streaming on a shared home network: its address counts as home for the co-presence window. */
function noteAnchorAddress(household: Household, visit: Visit, limits: HouseholdLimits): void {
  if (!isAnchor(household, visit) || visit.addressId === null || visit.networkId === null) return;
  const network = household.homeNetworks.find((home) => home.networkId === visit.networkId);
  if (!network?.shared) return;
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

function newHomeNetwork(networkId: NetworkId, now: number): HomeNetwork {
  return { networkId, addedAt: now, lastSeenAt: now, ...UNCHECKED, anchorAddresses: [] };
}

/** Adds a home network, the least recently seen one leaving when the household is full; returns the network added. */
export function joinHomeNetwork(household: Household, networkId: NetworkId, limits: HouseholdLimits, now: number): HomeNetwork {
  const network = newHomeNetwork(networkId, now);
  household.homeNetworks.push(network);
  household.homeNetworks.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  household.homeNetworks.length = Math.min(household.homeNetworks.length, limits.homeNetworksMax);
  return network;
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

/** Marks a document changed at `now`. */
export function touch(household: Household, now: number): Household {
  household.revision += 1;
  household.updatedAt = Math.max(household.updatedAt, now);
  return household;
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

/** A device record for a device the household has not seen yet. */
export function newDevice(deviceId: string, type: DeviceType, now: number): DeviceRecord {
  return { deviceId, type, firstSeenAt: now, lastSeenAt: now, lastHomeSeenAt: null, signedOutAt: null, temporaryAccessUntil: null, travelGrantsAt: [], keyThumbprint: null };
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
export function setPrimaryLocation(current: Household, deviceId: string, place: { networkId: NetworkId; addressId: AddressId | null }, reading: SharingReading | null, limits: HouseholdLimits, now: number): Household {
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
  if (current.extraMembers.has(deviceId)) return { ok: true, household: current, added: false };
  if (current.extraMembers.size >= slots) return { ok: false, reason: 'SLOTS_EXHAUSTED' };
  const household = structuredClone(current);
  household.extraMembers.set(deviceId, { deviceId, label, addedAt: now });
  return { ok: true, household: touch(household, now), added: true };
}

/** Frees a device's extra-member slot; returns null when it held none. */
export function removeExtraMember(current: Household, deviceId: string, now: number): Household | null {
  if (!current.extraMembers.has(deviceId)) return null;
  const household = structuredClone(current);
  household.extraMembers.delete(deviceId);
  return touch(household, now);
}
