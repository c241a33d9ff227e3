/**
 * HouseholdStore: one Durable Object per account, the single writer of that
 * household. Every change is serialised here, kept in the object's SQLite
 * storage, and written through to the KV read model. Counters that must be
 * exact (code attempts, travel grants, location changes) live here too.
 *
 * Nothing is lost between the change and its consequences: the change, the
 * mark that KV owes the new snapshot, and the change's audit entry are one
 * atomic storage batch; KV and the audit log are then written at once and,
 * when that fails, by the alarm until they land.
 */
import { DurableObject } from 'cloudflare:workers';
import { isOtherKey, isSignedOut, keySighting } from '../household/devices';
import { nextAnchorAddressExpiry, pruneAnchorAddresses } from '../household/home-networks';
import {
  emptyHousehold,
  fromHouseholdDocument,
  toHouseholdDocument,
  touch,
  type Household,
  type HouseholdDocument,
  type HouseholdLimits,
  type LegacyHouseholdDocument,
  type SharingReading,
  type SupportGrant,
  type Visit,
} from '../household/household';
import {
  addExtraMember,
  addSupportGrant,
  endSupportGrant,
  removeExtraMember,
  recordDeviceKey,
  primaryLocationChangesUsed,
  setPrimaryLocation,
  signOutDevice,
  type ExtraMemberChange,
} from '../household/transitions';
import { applyVisit, joinsHousehold, sharingCheckDue } from '../household/visits';
import { verifiedAccess } from '../household/travel-access';

import { carryEraseFloor, eraseFloor, eraseFloorDocument, floorHousehold, isEraseFloorDocument, type EraseFloor } from '../household/erase-floor';
import { formerNetworksWithin, noteFormerNetworks, type FormerNetwork } from '../household/former-networks';
import { CLOCK_SKEW_SECONDS } from '../identity/jwt-verifier';
import { PROOF_JTI_TTL_MS } from '../identity/device-proof';
import type { AddressId, HolderId, NetworkId } from '../network/network-id';
import { networkSharing, type NetworkSharing } from './network-sharing';
import { Outbox } from './outbox';
import { ChallengeBook, type CodeGuess, type CodeRefusal, type OpenedChallenge } from './challenge-book';
import { controlStore, type AuditInput, type ControlStore } from './control-store';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { HOUSEHOLD_MIGRATIONS, SqlSchema } from './sql-schema';
import { wakeBy } from './alarm';
import { accountErased, extraMemberAdded, extraMemberRemoved, grantCreated, grantEnded, redactedEntry, type AuditActor } from './audit-entries';
import { type DeviceType } from '../vocabulary';
import { MS_PER_SECOND } from '../time';
import { err, ok, type Err, type Ok, type Result } from '../result';

const HOUSEHOLD = 'household';
/** After an erase, the floor against the account's older tokens (household/erase-floor.ts); nothing else is kept. */
const ERASE_FLOOR = 'erase:floor';
/** Networks the household held and left while its row in their sharing count may remain (household/former-networks.ts). */
const FORMER_NETWORKS = 'networks:former';
/** The DPoP proof `jti`s accepted for this account within PROOF_JTI_TTL_MS: `[jti, acceptedAt]` pairs, oldest first. */
const PROOF_JTIS = 'proofs:jti';
/**
 * At most this many `jti`s are kept: a household starts a few sessions a
 * minute, so this is reached only by a flood. Past it a proof is refused
 * (never a `jti` forgotten early, which would let a replay through).
 */
export const MAX_PROOF_JTIS = 1000;

/** One audit entry on its way to the ControlStore. */
export interface AuditDelivery {
  /** Unique per entry: the ControlStore ignores a second delivery of the same origin. */
  origin: string;
  /** When the change was made (not when it was delivered). */
  at: string;
  entry: AuditInput;
  /**
   * Set on an account's erase entry: every earlier entry naming the account
   * is redacted to `pseudonym` when this one is appended.
   */
  redact?: { accountId: string; pseudonym: string };
}

/** What a code is asked for: a traveller's access, or a TV's move (checked against the household's change limit first). */
export type ChallengeRequest = { purpose: 'access' } | { purpose: 'primary-location'; maxChanges: number; limits: HouseholdLimits };

export type OpenChallengeResult = OpenedChallenge | Err<PrimaryLocationLimited>;

export interface VerifyChallengeInput extends CodeGuess {
  deviceType: DeviceType;
  temporaryAccessMs: number;
  /** In `enforce`, a verified code grants access only while travel grants are left. */
  enforceTravelLimit: boolean;
  limits: HouseholdLimits;
}

export type VerifyChallengeResult = Result<{ expiresAt: number; household: Household }, CodeRefusal | { reason: 'TRAVEL_LIMIT_REACHED' }> & { region?: string };

type PrimaryLocationLimited = { reason: 'PRIMARY_LOCATION_CHANGE_LIMIT'; retryAfterSeconds: number };

/** A TV's move: its network, and the owner's code of a `primary-location` challenge it opened. */
export interface PrimaryLocationInput extends CodeGuess {
  place: VisitPlace & { networkId: NetworkId; addressId: AddressId | null };
  maxChanges: number;
  limits: HouseholdLimits;
}

export type PrimaryLocationResult = Result<{ household: Household }, { reason: 'VERIFICATION_REQUIRED' } | Exclude<CodeRefusal, { reason: 'CHALLENGE_NOT_FOUND' }> | PrimaryLocationLimited>;

export type SignOutResult = Result<{ household: Household }, { reason: 'DEVICE_NOT_FOUND' }>;

/** A support grant given or ended: the grant, and the household as it now stands. */
export type SupportGrantChange = { grant: SupportGrant; household: Household };

export type ExtraMemberRemoval = Result<{ household: Household }, { reason: 'EXTRA_MEMBER_NOT_FOUND' }>;

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
  NETWORKS: DurableObjectNamespace<NetworkSharing>;
}

/** Where a visit or a primary-location change happens, as the edge hands it over: ids only. */
export interface VisitPlace {
  /** The id the network's sharing count holds for this household there; null without a usable address. */
  holderId: HolderId | null;
  /**
   * The `iat` of the token that made the visit. A visit by a token the
   * household refuses (signed out, or issued before an erase) is not
   * recorded: an edge deciding on a stale snapshot may have let it through.
   */
  issuedAtSeconds?: number;
  /**
   * The key the visit's token is bound to (null: unbound). A visit by a token
   * for a device id bound to another key is not recorded either.
   */
  keyThumbprint?: string | null;
}

/** A proof of possession that passed its own checks (identity/device-proof.ts), for the account's store to accept once. */
export interface ProofPresentation {
  deviceId: string;
  deviceType: DeviceType;
  keyThumbprint: string;
  jti: string;
  /** The token's `iat`: a signed-out token records no key. */
  issuedAtSeconds: number;
}

/** `replayed`: the `jti` was accepted before (or too many are held); `other-key`: the device id is bound to another key. `household` is set when the key was just recorded. */
export type ProofAcceptance = Result<{ household: Household | null }, { reason: 'replayed' | 'other-key' }>;

/** What an admin write records about who made it. */
export type { AuditActor } from './audit-entries';

/** How long after its `iat` a device token is still accepted: its maximum age and the clock skew tolerated (whole seconds, rounded up). */
function tokenLifetimeMs(limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>): number {
  return limits.tokenMaxAgeMs + (CLOCK_SKEW_SECONDS + 1) * MS_PER_SECOND;
}

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #household: Household | null | undefined;
  #floor: EraseFloor | null | undefined;
  #formerNetworks: readonly FormerNetwork[] | undefined;
  #proofJtis: Map<string, number> | undefined;
  readonly #publisher: KvPublisher;
  readonly #outbox: Outbox<AuditDelivery>;
  readonly #challenges: ChallengeBook;
  readonly #schema: SqlSchema;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    // An account nothing is known of is left without storage until its first write, which lays the schema out (storage-schema.md).
    this.#schema = new SqlSchema(ctx.storage, HOUSEHOLD_MIGRATIONS);
    ctx.blockConcurrencyWhile(async () => {
      this.#schema.open({ whenEmpty: 'wait' });
    });
    // KV holds the household, or after an erase the floor alone — which KV drops by itself when it lapses.
    this.#publisher = new KvPublisher(
      ctx.storage,
      env.HEARTH_KV,
      async () => {
        const household = await this.household();
        if (household) return toHouseholdDocument(household);
        const floor = await this.#eraseFloor();
        return floor && eraseFloorDocument(floor);
      },
      (document) => (isEraseFloorDocument(document) ? document.eraseFloor.until : null),
    );
    this.#challenges = new ChallengeBook(ctx.storage);
    this.#outbox = new Outbox<AuditDelivery>(ctx.storage, { prefix: 'outbox:', failureEvent: 'audit_delivery_failed', deliverOne: (delivery) => deliverAudit(env, delivery) });
  }

  /** The household as stored here (the source of truth), or null when nothing is known (or the account was erased). */
  async household(): Promise<Household | null> {
    if (this.#household === undefined) {
      const stored = await this.ctx.storage.get<HouseholdDocument | LegacyHouseholdDocument>(HOUSEHOLD);
      this.#household = stored ? fromHouseholdDocument(stored) : null;
    }
    return this.#household;
  }

  /**
   * What the edge decides on: the household, or after an erase its floor (a
   * household with nothing in it but `signedOutBefore`), or null.
   */
  async snapshot(accountId: string): Promise<Household | null> {
    const household = await this.household();
    if (household) return household;
    const floor = await this.#eraseFloor();
    return floor && floorHousehold(accountId, floor);
  }

  async #eraseFloor(): Promise<EraseFloor | null> {
    if (this.#floor === undefined) this.#floor = (await this.ctx.storage.get<EraseFloor>(ERASE_FLOOR)) ?? null;
    return this.#floor;
  }

  async #formerNetworkList(): Promise<readonly FormerNetwork[]> {
    this.#formerNetworks ??= (await this.ctx.storage.get<FormerNetwork[]>(FORMER_NETWORKS)) ?? [];
    return this.#formerNetworks;
  }

  /**
   * Remembers one playback request; returns the household after it. When the
   * visit adds or confirms a home network whose sharing count is due, the
   * network's count is read first and kept with the network. A visit by a
   * token the household refuses changes nothing (see `VisitPlace`).
   */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits, place: VisitPlace = { holderId: null }): Promise<Household> {
    const refusing = await this.#refusing(accountId, visit.deviceId, place.issuedAtSeconds, place.keyThumbprint);
    if (refusing) return refusing;
    const before = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    const reading = sharingCheckDue(before, visit, limits) ? await this.#readSharing(visit.networkId, place.holderId, limits) : null;
    // Read again after the call out: another visit, a sign-out or an erase may have been saved meanwhile.
    const refusingNow = await this.#refusing(accountId, visit.deviceId, place.issuedAtSeconds, place.keyThumbprint);
    if (refusingNow) return refusingNow;
    const current = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    // Contract §9: a refused stranger is counted at the edge, never stored here (household/visits.ts).
    if (!joinsHousehold(current, visit)) return current;
    return this.save(applyVisit(current, visit, limits, reading), [], {}, limits.trustWindowMs);
  }

  /**
   * The household (or erase floor) when it refuses a token issued at
   * `issuedAtSeconds` and bound to `keyThumbprint` for this device (signed
   * out, or the device is bound to another key); null when it does not, or
   * neither was given.
   */
  async #refusing(accountId: string, deviceId: string, issuedAtSeconds: number | undefined, keyThumbprint?: string | null): Promise<Household | null> {
    if (issuedAtSeconds === undefined && keyThumbprint === undefined) return null;
    const current = await this.snapshot(accountId);
    if (!current) return null;
    const signedOut = issuedAtSeconds !== undefined && isSignedOut(current, deviceId, issuedAtSeconds);
    const otherKey = keyThumbprint !== undefined && isOtherKey(current, deviceId, keyThumbprint);
    return signedOut || otherKey ? current : null;
  }

  /**
   * Accepts a DPoP proof's `jti` once per account within PROOF_JTI_TTL_MS,
   * and records the device's key the first time it proves one (contract
   * §2.1). This object is the account's single writer, so two first proofs
   * with different keys cannot both win: the first records its key, the
   * second finds another key and is refused; a recorded key is never
   * overwritten (only a sign-out forgets it). A token the household refuses
   * (signed out, or issued before an erase) records nothing; the decision
   * refuses it.
   *
   * Why here and not in KV or an isolate's memory: a replayed proof may land
   * on any isolate anywhere, and only a Durable Object answers "seen
   * before?" once for all of them (KV has no compare-and-set and lags a
   * minute). The account's own object is the one the proof's account
   * already leads to: no new namespace, one call per session start.
   */
  async acceptProof(accountId: string, presented: ProofPresentation, now = Date.now()): Promise<ProofAcceptance> {
    const jtis = await this.#proofJtiMap(now);
    if (jtis.has(presented.jti) || jtis.size >= MAX_PROOF_JTIS) return err({ reason: 'replayed' });
    const current = await this.snapshot(accountId);
    const sighting = keySighting(current, presented.deviceId, presented.keyThumbprint);
    if (sighting === 'other') return err({ reason: 'other-key' });
    // No await between the check above and this: the jti is taken before any other request is let in.
    jtis.set(presented.jti, now);
    this.#schema.ensure();
    void this.ctx.storage.put(PROOF_JTIS, [...jtis]);
    if (sighting === 'known' || (current && isSignedOut(current, presented.deviceId, presented.issuedAtSeconds))) return ok({ household: null });
    const household = (await this.household()) ?? emptyHousehold(accountId, now);
    return ok({ household: await this.save(recordDeviceKey(household, presented.deviceId, presented.deviceType, presented.keyThumbprint, now)) });
  }

  /** The accepted `jti`s still inside PROOF_JTI_TTL_MS (older ones dropped on the way). */
  async #proofJtiMap(now: number): Promise<Map<string, number>> {
    this.#proofJtis ??= new Map((await this.ctx.storage.get<Array<[string, number]>>(PROOF_JTIS)) ?? []);
    for (const [jti, at] of this.#proofJtis) {
      if (at > now - PROOF_JTI_TTL_MS) break;
      this.#proofJtis.delete(jti);
    }
    return this.#proofJtis;
  }

  /**
   * Reports this household on a network and reads back how many hold it.
   * A failure is logged and answered null: the visit is still recorded, the
   * network keeps its last answer, and the count is read at its next confirmation.
   */
  async #readSharing(networkId: NetworkId | null, holderId: HolderId | null, limits: HouseholdLimits): Promise<SharingReading | null> {
    if (networkId === null || holderId === null) return null;
    try {
      return { networkId, holderId, households: await networkSharing(this.env, networkId).hold(holderId, limits.trustWindowMs) };
    } catch (error) {
      console.error(JSON.stringify({ event: 'network_sharing_unavailable', error: error instanceof Error ? error.name : 'unknown' }));
      return null;
    }
  }

  /**
   * Opens a challenge for a device: a fresh code, counted against the
   * device's and the account's hourly allowance whatever its purpose. A
   * `primary-location` code is refused before it exists when the household
   * has no location change left, so the owner is never sent a code that
   * cannot work. The caller delivers the code and withdraws the challenge if
   * delivery fails, so a failed delivery costs the person nothing.
   */
  async openChallenge(deviceId: string, codeTtlMs: number, request: ChallengeRequest = { purpose: 'access' }, region?: string): Promise<OpenChallengeResult> {
    const now = Date.now();
    if (request.purpose === 'primary-location') {
      const refused = changeLimitRefusal(await this.household(), request.maxChanges, request.limits, now);
      if (refused) return refused;
    }
    this.#schema.ensure();
    return this.#challenges.open(deviceId, request.purpose, codeTtlMs, region, now);
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  async withdrawChallenge(challengeId: string): Promise<void> {
    await this.#challenges.withdraw(challengeId);
  }

  /**
   * Checks an `access` code; a right one grants the device temporary access
   * and is used up with it. The answer names the region the code was sent in
   * (the record remembers it), where the funnel counts the attempt.
   */
  async verifyChallenge(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const result = await this.#verifyAccess(accountId, input);
    const region = result.ok || result.error.reason !== 'CHALLENGE_NOT_FOUND' ? await this.#challenges.regionOf(input.challengeId) : undefined;
    return region !== undefined ? { ...result, region } : result;
  }

  async #verifyAccess(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const now = Date.now();
    const checked = await this.#challenges.check('access', input, now);
    if (!checked.ok) return checked;
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    const granted = verifiedAccess(current, input, input.limits, now);
    if (!granted.ok) return granted;
    const spent = await this.#challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const household = await this.save(granted.value, [], spent.value);
    return ok({ expiresAt: household.devices.get(input.deviceId)!.temporaryAccessUntil!, household });
  }

  /**
   * Makes the TV's network the primary location with the owner's code of a
   * `primary-location` challenge the TV opened, at most `maxChanges` times
   * per travel window. The code is checked as verify checks one; the
   * network's sharing count is read for the change; then the change and the
   * code marked used are stored in one batch.
   */
  async setPrimaryLocation(accountId: string, input: PrimaryLocationInput): Promise<PrimaryLocationResult> {
    const checked = await this.#challenges.check('primary-location', input, Date.now());
    if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
    const refused = changeLimitRefusal(await this.household(), input.maxChanges, input.limits, Date.now());
    if (refused) return refused;
    const reading = await this.#readSharing(input.place.networkId, input.place.holderId, input.limits);
    // Read again after the call out: another request may have moved the household or used the code meanwhile.
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    const limited = changeLimitRefusal(current, input.maxChanges, input.limits, now);
    if (limited) return limited;
    const spent = await this.#challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    return ok({ household: await this.save(setPrimaryLocation(current, input.deviceId, input.place, reading, input.limits, now), [], spent.value) });
  }

  /** Signs a device of this household out. */
  async signOut(deviceId: string, limits: HouseholdLimits): Promise<SignOutResult> {
    const current = await this.household();
    if (!current?.devices.has(deviceId)) return err({ reason: 'DEVICE_NOT_FOUND' });
    return ok({ household: await this.save(signOutDevice(current, deviceId, limits, Date.now())) });
  }

  /** Adds a support grant, audited with the change. */
  async addSupportGrant(accountId: string, grant: Omit<SupportGrant, 'grantId' | 'createdAt' | 'actor'>, by: AuditActor): Promise<Ok<SupportGrantChange>> {
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    const full: SupportGrant = { ...grant, actor: by.actor, grantId: crypto.randomUUID(), createdAt: now };
    const audit = grantCreated(accountId, full, by, now);
    return ok({ grant: full, household: await this.save(addSupportGrant(current, full, now), [{ entry: audit }]) });
  }

  /** Ends a support grant, audited with the change; GRANT_NOT_FOUND when the account holds no such grant. */
  async endSupportGrant(grantId: string, by: AuditActor): Promise<Result<SupportGrantChange, { reason: 'GRANT_NOT_FOUND' }>> {
    const current = await this.household();
    const grant = current?.supportGrants.find((g) => g.grantId === grantId);
    const next = current && endSupportGrant(current, grantId, Date.now());
    if (!current || !grant || !next) return err({ reason: 'GRANT_NOT_FOUND' });
    const audit = grantEnded(current.accountId, grant, by);
    return ok({ grant, household: await this.save(next, [{ entry: audit }]) });
  }

  /** Gives a device an extra-member slot, audited with the change. Adding a member again changes nothing. */
  async addExtraMember(accountId: string, deviceId: string, label: string | null, slots: number, by: AuditActor): Promise<ExtraMemberChange> {
    const now = Date.now();
    const change = addExtraMember((await this.household()) ?? emptyHousehold(accountId, now), deviceId, label, slots, now);
    if (change.ok && change.value.added) {
      await this.save(change.value.household, [{ entry: extraMemberAdded(accountId, change.value.household.extraMembers.get(deviceId)!, by) }]);
    }
    return change;
  }

  /** Frees an extra-member slot, audited with the change; EXTRA_MEMBER_NOT_FOUND when the device held none. */
  async removeExtraMember(deviceId: string, by: AuditActor): Promise<ExtraMemberRemoval> {
    const current = await this.household();
    const next = current && removeExtraMember(current, deviceId, Date.now());
    if (!current || !next) return err({ reason: 'EXTRA_MEMBER_NOT_FOUND' });
    const audit = extraMemberRemoved(current.accountId, deviceId, by);
    return ok({ household: await this.save(next, [{ entry: audit }]) });
  }

  /**
   * Erases everything held about the account: the household, challenges and
   * counters here, the KV snapshot, and what identifies the person in the
   * audit trail (the erase entry redacts the account's earlier entries to a
   * pseudonym; entries still waiting here are redacted before they leave).
   * The KV write and the audit entry are owed in the same batch as the
   * erase, so a failure of either is retried, never lost.
   *
   * One thing stays: the erase floor, here and in KV in place of the
   * household, refusing every token issued at or before the erase's second
   * until the last of them is past its maximum age; then the alarm forgets it
   * and this object's storage is empty (KV drops its copy by itself). The
   * household is released from the sharing count of every network it held
   * within the trust window, those it has left included.
   */
  async erase(accountId: string, by: AuditActor, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>): Promise<{ existed: boolean; counts: Record<string, number> | null }> {
    const before = await this.household();
    const former = await this.#formerNetworkList();
    const earlierFloor = await this.#eraseFloor();
    const now = Date.now();
    const floor = eraseFloor(now, tokenLifetimeMs(limits), Math.max(before?.revision ?? 0, earlierFloor?.revision ?? 0));
    const pseudonym = `erased-${crypto.randomUUID().slice(0, 8)}`;
    const counts = before ? { devices: before.devices.size, homeNetworks: before.homeNetworks.length, grants: before.supportGrants.length, extraMembers: before.extraMembers.size } : null;
    const waiting = await this.#outbox.pending();
    const keys = [...(await this.ctx.storage.list()).keys()].filter((key) => !waiting.has(key) && key !== ERASE_FLOOR);
    const redacted: Record<string, AuditDelivery> = {};
    for (const [key, delivery] of waiting) redacted[key] = redactDelivery(delivery, accountId, pseudonym);
    const erasure = this.#outbox.entries([{ entry: accountErased(pseudonym, counts, by), redact: { accountId, pseudonym } }], now);
    this.#schema.ensure();
    // One batch (no await in between): everything goes but the floor; the KV write (the floor) and the audit entry are owed.
    for (let i = 0; i < keys.length; i += 128) void this.ctx.storage.delete(keys.slice(i, i + 128));
    await this.ctx.storage.put({ ...redacted, ...erasure, [ERASE_FLOOR]: floor, ...this.#publisher.pendingEntry(householdKey(accountId)) });
    this.#household = null;
    this.#floor = floor;
    this.#formerNetworks = [];
    this.#proofJtis = undefined;
    await this.afterChange(now);
    // After the erase has landed, so a slow network object never holds it up.
    await this.#releaseNetworks(before, formerNetworksWithin(former, limits.trustWindowMs, now));
    return { existed: before !== null, counts };
  }

  /**
   * Takes the household out of the sharing counts of its home networks and of
   * the networks it left within the trust window (erase). Best effort: a count
   * not reached forgets the household by itself once the trust window has
   * passed, and never held its account id.
   */
  async #releaseNetworks(household: Household | null, former: readonly FormerNetwork[]): Promise<void> {
    const holders = new Map<HolderId, NetworkId>();
    for (const network of former) holders.set(network.holderId, network.networkId);
    for (const network of household?.homeNetworks ?? []) if (network.holderId !== undefined) holders.set(network.holderId, network.networkId);
    const results = await Promise.allSettled([...holders].map(([holderId, networkId]) => networkSharing(this.env, networkId).release(holderId)));
    if (results.some((result) => result.status === 'rejected')) console.error(JSON.stringify({ event: 'network_sharing_release_failed' }));
  }

  /**
   * Stores the household, the mark that KV owes it, its audit entries and any
   * `extra` records as one atomic batch; then publishes and delivers.
   *
   * A household made after an erase takes in the erase floor (in place, so
   * the caller's copy is the one stored), and the floor's own record goes in
   * the same batch. Home networks the change drops are noted as former
   * networks; given the trust window, those older than it are let go.
   */
  protected async save(household: Household, audit: Array<Omit<AuditDelivery, 'origin' | 'at'>> = [], extra: Record<string, unknown> = {}, trustWindowMs?: number): Promise<Household> {
    const now = Date.now();
    const floor = await this.#eraseFloor();
    if (floor) carryEraseFloor(household, floor);
    const formerBefore = await this.#formerNetworkList();
    const noted = noteFormerNetworks(formerBefore, await this.household(), household);
    const former = trustWindowMs === undefined ? noted : formerNetworksWithin(noted, trustWindowMs, now);
    this.#schema.ensure();
    if (floor) void this.ctx.storage.delete(ERASE_FLOOR);
    await this.ctx.storage.put({
      ...extra,
      [HOUSEHOLD]: toHouseholdDocument(household),
      ...(former === formerBefore ? {} : { [FORMER_NETWORKS]: former }),
      ...this.#publisher.pendingEntry(householdKey(household.accountId)),
      ...this.#outbox.entries(audit, now),
    });
    this.#household = household;
    this.#floor = null;
    this.#formerNetworks = former;
    await this.afterChange(now);
    return household;
  }

  /**
   * Writes what is owed to KV and the audit log; whatever fails is left to the
   * alarm. The alarm also wakes when the oldest anchor address kept leaves
   * the co-presence window, to forget it then, and when an erase floor lapses.
   */
  private async afterChange(now: number): Promise<void> {
    await this.#publisher.publish(now);
    const delivered = await this.#outbox.deliver(now);
    await this.clearIfErased(now);
    // Everything landed: the safety-net alarm would only wake the object for nothing.
    if (delivered && !(await this.#publisher.isPending())) await this.ctx.storage.deleteAlarm();
    const expiry = nextAnchorAddressExpiry(await this.household());
    if (expiry !== null) await wakeBy(this.ctx.storage, expiry);
    const floor = await this.#eraseFloor();
    if (floor) await wakeBy(this.ctx.storage, floor.until);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const household = await this.household();
    if (household) {
      const pruned = structuredClone(household);
      if (pruneAnchorAddresses(pruned, now)) {
        await this.save(touch(pruned, now));
        return;
      }
    }
    await this.afterChange(now);
  }

  /**
   * After an erase, once KV and the audit log have what they are owed,
   * nothing is left here but the floor; once the floor has lapsed, nothing at all.
   */
  private async clearIfErased(now: number): Promise<void> {
    if ((await this.household()) !== null) return;
    if ((await this.#publisher.isPending()) || (await this.#outbox.pending()).size > 0) return;
    if (!(await this.#challenges.isEmpty())) return;
    const floor = await this.#eraseFloor();
    if (floor && floor.until > now) return;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#schema.emptied();
    this.#floor = null;
    this.#formerNetworks = [];
    this.#proofJtis = undefined;
  }
}

/** The household's refusal of one more primary-location change, with when the oldest change in the window leaves it; null while changes are left. */
function changeLimitRefusal(household: Household | null, maxChanges: number, limits: HouseholdLimits, now: number): Err<PrimaryLocationLimited> | null {
  if ((household ? primaryLocationChangesUsed(household, limits, now) : 0) < maxChanges) return null;
  const oldest = household?.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).toSorted((a, b) => a - b)[0] ?? now;
  return err({ reason: 'PRIMARY_LOCATION_CHANGE_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((oldest + limits.travelWindowMs - now) / 1000)) });
}

/** Appends one outbox entry to the ControlStore's audit log (idempotent by origin). */
async function deliverAudit(env: HouseholdStoreEnv, delivery: AuditDelivery): Promise<void> {
  await controlStore(env).appendAudit(delivery.entry, { origin: delivery.origin, at: delivery.at, ...(delivery.redact ? { redact: delivery.redact } : {}) });
}

/** An entry waiting in the outbox, as it may leave after its account was erased. */
function redactDelivery(delivery: AuditDelivery, accountId: string, pseudonym: string): AuditDelivery {
  const entry = redactedEntry(delivery.entry, accountId, pseudonym);
  return entry === delivery.entry ? delivery : { ...delivery, entry };
}
