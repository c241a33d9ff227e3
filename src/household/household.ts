/**
 * The household document: what Hearth knows about one account — its home
 * networks, its devices, and the ways back in (temporary access, extra
 * members, support grants) — and its codec. Plain data; the pure rules over
 * it live beside it (seen.ts, home-networks.ts, devices.ts, visits.ts,
 * transitions.ts); the account's Durable Object applies them, the KV read
 * model carries the result to the edge.
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
import type { DeviceType, HomeEvidence } from '../vocabulary';

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
  /** The home it belongs to: a second home's id; absent: the primary home (v1.4). */
  homeId?: string;
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
  /** Away access the owner gave this device with their code (contract §6, row 10) lasts until then; null: none (v1.4). */
  awayAccessUntil: number | null;
  /** When each travel grant was given; those inside TRAVEL_WINDOW count against the limit. */
  travelGrantsAt: number[];
  /**
   * RFC 7638 thumbprint of the key this device id was first seen with, bound
   * (contract §2.1); null until then, and again after a sign-out. While set, a
   * token for this id with another key, or unbound, is refused.
   */
  keyThumbprint: string | null;
  /**
   * Whether the device held anything when it was signed out (a key, trust, access, a slot, a grant, the
   * anchor role); absent on marks written before v1.4 (read as true). Past MAX_SIGN_OUT_MARKS, marks of
   * devices that held nothing are let go before any is folded into the account-wide floor, so signing
   * out ids of one's own making never revokes the household's real devices.
   */
  signedOutHolding?: boolean;
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
  /** The household's second homes (contract §6, `SECOND_HOMES`): each with the TV that keeps it (its anchor). Their networks carry the home's id. */
  secondHomes: SecondHome[];
  /** When a second home was set or removed: another change waits 90 days (`SECOND_HOME_LIMIT`). */
  secondHomeChangesAt: number[];
  /** When the owner gave a device away access (contract §6): at most AWAY_ACCESS_PER_YEAR within 365 days. */
  awayAccessGivenAt: number[];
  updatedAt: number;
}

/** A second home: a TV's network the owner made home with their code; §4 applies to it and its anchor as to the primary home. */
export interface SecondHome {
  homeId: string;
  /** The TV that keeps this home (null after it was signed out, until a TV is seen at home there). */
  anchorDeviceId: string | null;
  setAt: number;
  updatedAt: number;
}

/** The home a network belongs to: the primary one (absent on networks stored before v1.4), or a second home's id. */
export const PRIMARY_HOME = 'primary';

/**
 * A household as stored in the Durable Object and published to KV: plain
 * JSON, with devices and extra members as arrays (each entry carries its own
 * id), so no id is ever used as an object key.
 */
export interface HouseholdDocument extends Omit<
  Household,
  'devices' | 'extraMembers' | 'homeNetworks' | 'anchorConflicts' | 'lastAnchorConflictAt' | 'secondHomes' | 'secondHomeChangesAt' | 'awayAccessGivenAt'
> {
  devices: StoredDeviceRecord[];
  extraMembers: ExtraMember[];
  homeNetworks: StoredHomeNetwork[];
  /** Absent in documents stored before contract v1.3: none counted. */
  anchorConflicts?: number;
  lastAnchorConflictAt?: number | null;
  /** Absent in documents stored before contract v1.4: none. */
  secondHomes?: SecondHome[];
  secondHomeChangesAt?: number[];
  awayAccessGivenAt?: number[];
}

/** A device as stored: before v1.4 without away access. */
export type StoredDeviceRecord = Omit<DeviceRecord, 'awayAccessUntil'> & Partial<Pick<DeviceRecord, 'awayAccessUntil'>>;

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
  /**
   * The key the request proved (contract §2.1), null or absent for an unbound
   * one: an entry written for it takes this key when it holds none, and a
   * request that may not take it (`keyStanding`) writes nothing.
   */
  keyThumbprint?: string | null;
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
    secondHomes: [],
    secondHomeChangesAt: [],
    awayAccessGivenAt: [],
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
    devices: new Map(devices.map((device) => [device.deviceId, { ...device, keyThumbprint: device.keyThumbprint ?? null, awayAccessUntil: device.awayAccessUntil ?? null }])),
    extraMembers: new Map(members.map((member) => [member.deviceId, member])),
    signedOutBefore: document.signedOutBefore ?? null,
    anchorConflicts: document.anchorConflicts ?? 0,
    lastAnchorConflictAt: document.lastAnchorConflictAt ?? null,
    secondHomes: 'secondHomes' in document ? (document.secondHomes ?? []) : [],
    secondHomeChangesAt: 'secondHomeChangesAt' in document ? (document.secondHomeChangesAt ?? []) : [],
    awayAccessGivenAt: 'awayAccessGivenAt' in document ? (document.awayAccessGivenAt ?? []) : [],
    homeNetworks: document.homeNetworks.map((network): HomeNetwork => (network.anchorAddresses ? (network as HomeNetwork) : { ...UNCHECKED, ...network, anchorAddresses: [] })),
  };
}

/** A home network written before shared networks existed: unchecked, so not shared until its next confirmation. */
export const UNCHECKED = { shared: false, households: null, checkedAt: null } as const;

/** A home network as stored before contract v1.2 (no sharing fields). */
export type StoredHomeNetwork = Pick<HomeNetwork, 'networkId' | 'addedAt' | 'lastSeenAt'> & Partial<HomeNetwork>;

/** Schema 1: the same document with devices and extra members as objects keyed by id. */
export interface LegacyHouseholdDocument extends Omit<HouseholdDocument, 'schema' | 'devices' | 'extraMembers' | 'signedOutBefore'> {
  schema: 1;
  devices: Record<string, DeviceRecord>;
  extraMembers: Record<string, ExtraMember>;
  signedOutBefore?: number | null;
}

/** Marks a document changed at `now`. */
export function touch(household: Household, now: number): Household {
  household.revision += 1;
  household.updatedAt = Math.max(household.updatedAt, now);
  return household;
}

/** A device record for a device the household has not seen yet. */
export function newDevice(deviceId: string, type: DeviceType, now: number): DeviceRecord {
  return { deviceId, type, firstSeenAt: now, lastSeenAt: now, lastHomeSeenAt: null, signedOutAt: null, temporaryAccessUntil: null, awayAccessUntil: null, travelGrantsAt: [], keyThumbprint: null };
}
