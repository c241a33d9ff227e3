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
import { isOtherKey, isSignedOut } from '../household/devices';
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
import { eventsOfChange, type HouseholdEventFinding } from '../household/events';
import { addExtraMember, addSupportGrant, endSupportGrant, removeExtraMember, type ExtraMemberChange } from '../household/transitions';
import { applyVisit, sharingCheckDue } from '../household/visits';

import { carryEraseFloor, eraseFloor, eraseFloorDocument, floorHousehold, isEraseFloorDocument, type EraseFloor } from '../household/erase-floor';
import { formerNetworksWithin, noteFormerNetworks, type FormerNetwork } from '../household/former-networks';
import { CLOCK_SKEW_SECONDS } from '../identity/jwt-verifier';
import type { HolderId, NetworkId } from '../network/network-id';
import { parseConfig } from '../config/config';
import type { NotifyTarget } from '../challenges/notify';
import { networkSharing, type NetworkSharing } from './network-sharing';
import { Outbox } from './outbox';
import { ChallengeBook } from './challenge-book';
import { controlStore, type ControlStore } from './control-store';
import { HouseholdEvents, type EventContext, type HouseholdEventRecord } from './household-events';
import { ProofLedger } from './proof-ledger';
import { HouseholdFeedback, type FeedbackEntry, type FeedbackRefusal } from './household-feedback';
import { PROOF_JTI_TTL_MS } from '../identity/device-proof';
import { HouseholdCodes } from './household-codes';
import type {
  AuditDelivery,
  AwayAccessInput,
  AwayAccessResult,
  SecondHomeInput,
  SecondHomeResult,
  ChallengeRequest,
  ExtraMemberRemoval,
  OpenChallengeResult,
  PrimaryLocationInput,
  PrimaryLocationResult,
  ProofAcceptance,
  ProofPresentation,
  SignOutInput,
  SignOutResult,
  SupportGrantChange,
  VerifyChallengeInput,
  VerifyChallengeResult,
  VisitPlace,
} from './household-store-api';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { HOUSEHOLD_MIGRATIONS, SqlSchema } from './sql-schema';
import { wakeBy } from './alarm';
import { accountErased, awayAccessEnded, extraMemberAdded, extraMemberRemoved, grantCreated, grantEnded, redactedEntry, type AuditActor } from './audit-entries';
import { endAwayAccess } from '../household/away-access';
import { MS_PER_SECOND } from '../time';
import { err, ok, type Ok, type Result } from '../result';
import { logged, noteVersion } from '../version';

const HOUSEHOLD = 'household';
/** After an erase, the floor against the account's older tokens (household/erase-floor.ts); nothing else is kept. */
const ERASE_FLOOR = 'erase:floor';
/** Networks the household held and left while its row in their sharing count may remain (household/former-networks.ts). */
const FORMER_NETWORKS = 'networks:former';
export type * from './household-store-api';

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
  NETWORKS: DurableObjectNamespace<NetworkSharing>;
}

/** The legacy list of accepted `jti`s (v1.3, one per account): dropped once, the proof ledger replaces it. */
const LEGACY_PROOF_JTIS = 'proofs:jti';

/** How long after its `iat` a device token is still accepted: its maximum age and the clock skew tolerated (whole seconds, rounded up). */
function tokenLifetimeMs(limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>): number {
  return limits.tokenMaxAgeMs + (CLOCK_SKEW_SECONDS + 1) * MS_PER_SECOND;
}

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #household: Household | null | undefined;
  #floor: EraseFloor | null | undefined;
  #formerNetworks: readonly FormerNetwork[] | undefined;
  #legacyJtisDropped = false;
  #notifyTarget: NotifyTarget | null | undefined;
  readonly #publisher: KvPublisher;
  readonly #events: HouseholdEvents;
  readonly #proofs: ProofLedger;
  readonly #feedback: HouseholdFeedback;
  readonly #codes: HouseholdCodes;
  readonly #outbox: Outbox<AuditDelivery>;
  readonly #challenges: ChallengeBook;
  readonly #schema: SqlSchema;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    noteVersion(env);
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
    this.#events = new HouseholdEvents(ctx.storage, () => this.#codeWebhook());
    this.#proofs = new ProofLedger(ctx.storage.sql, () => this.#schema.ensure());
    this.#feedback = new HouseholdFeedback(ctx.storage.sql, () => this.#schema.ensure());
    this.#codes = new HouseholdCodes(this.#challenges, {
      household: () => this.household(),
      save: (household, audit, extra) => this.save(household, audit, extra),
      readSharing: (networkId, holderId, limits) => this.#readSharing(networkId, holderId, limits),
      stageEvents: (accountId, findings, context, now) => this.#events.stage(accountId, findings, context, now),
      ensureSchema: () => this.#schema.ensure(),
    });
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
    const stored = await this.household();
    const current = stored ?? emptyHousehold(accountId, visit.at);
    const next = applyVisit(current, { ...visit, keyThumbprint: place.keyThumbprint ?? null }, limits, reading);
    // A visit that may not write (a stranger to the id, or no room in a full list) leaves nothing behind.
    if (next === current) return current;
    const events = place.context ? await this.#events.stage(accountId, eventsOfChange(stored, next), place.context, visit.at) : {};
    return this.save(next, [], events, limits.trustWindowMs);
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
   * Accepts a DPoP proof once for its device (contract §2.1): a signed-out
   * device's or an erased account's proof is refused before it is counted or
   * kept; a proof for an id bound to another key is refused (and the owner
   * told, `device_key_refused`); then the device's own ledger takes the
   * `jti` once, within its allowance. Keys are recorded where the device is
   * written (a visit, a verified code, a move), never here: a proof alone
   * lists nothing.
   *
   * Why here and not in KV or an isolate's memory: a replayed proof may land
   * on any isolate anywhere, and only a Durable Object answers "seen
   * before?" once for all of them (KV has no compare-and-set and lags a
   * minute). The account's own object is the one the proof's account
   * already leads to: no new namespace, one call per session start.
   */
  async acceptProof(accountId: string, presented: ProofPresentation, now = Date.now()): Promise<ProofAcceptance> {
    const current = await this.snapshot(accountId);
    if (isSignedOut(current, presented.deviceId, presented.issuedAtSeconds)) return err({ reason: 'revoked' });
    if (isOtherKey(current, presented.deviceId, presented.keyThumbprint)) {
      if (presented.context) await this.noteKeyRefused(accountId, presented.deviceId, presented.context, now);
      return err({ reason: 'other-key' });
    }
    this.#dropLegacyJtis();
    const accepted = this.#proofs.accept(presented.keyThumbprint, presented.deviceId, presented.jti, now);
    if (!accepted.ok) return accepted;
    await this.#wakeForProofs();
    return ok({ household: null });
  }

  /**
   * A token for a bound device id came with another key or none (contract
   * §6): the owner hears of it, at most once per device and day. Nothing
   * else is written; a device not listed is not told of.
   */
  async noteKeyRefused(accountId: string, deviceId: string, context: EventContext, now = Date.now()): Promise<void> {
    const device = (await this.household())?.devices.get(deviceId);
    if (!device || device.keyThumbprint === null) return;
    await this.#saveEvents(accountId, [{ event: 'device_key_refused', deviceId, deviceType: device.type }], context, now);
  }

  /** Keeps a refused device's answer to contract §8's question for `keptMs` (household-feedback.ts); the alarm lets it go then. */
  async addFeedback(entry: Omit<FeedbackEntry, 'feedbackId'>, keptMs: number): Promise<Result<FeedbackEntry, FeedbackRefusal>> {
    const added = this.#feedback.add(entry, keptMs);
    const expiry = this.#feedback.nextExpiry();
    if (expiry !== null) await wakeBy(this.ctx.storage, expiry);
    return added;
  }

  /** The answers kept (the last TRUST_WINDOW's), newest first (support's account summary). */
  async recentFeedback(now = Date.now()): Promise<FeedbackEntry[]> {
    return this.#feedback.recent(now);
  }

  /** The account's recent household events, newest first (support's account summary). */
  async recentEvents(now = Date.now()): Promise<HouseholdEventRecord[]> {
    return this.#events.recent(now);
  }

  /** Stores events that change nothing else, then sends them. */
  async #saveEvents(accountId: string, findings: HouseholdEventFinding[], context: EventContext, now: number): Promise<void> {
    const entries = await this.#events.stage(accountId, findings, context, now);
    if (Object.keys(entries).length === 0) return;
    this.#schema.ensure();
    await this.ctx.storage.put(entries);
    await this.afterChange(now);
  }

  #dropLegacyJtis(): void {
    if (this.#legacyJtisDropped) return;
    this.#legacyJtisDropped = true;
    void this.ctx.storage.delete(LEGACY_PROOF_JTIS);
  }

  #schemaEmpty(): boolean {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'proof_jtis'").one().n === 0;
  }

  /** The code webhook the owner's events go to (NOTIFY_URL), or null: development logs them. */
  #codeWebhook(): NotifyTarget | null {
    if (this.#notifyTarget === undefined) {
      // The object's bindings are the Worker's: the same configuration, parsed the same way.
      const parsed = parseConfig(this.env as unknown as Parameters<typeof parseConfig>[0]);
      this.#notifyTarget = parsed.ok ? parsed.value.notify : null;
    }
    return this.#notifyTarget;
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
      console.error(logged({ event: 'network_sharing_unavailable', error: error instanceof Error ? error.name : 'unknown' }));
      return null;
    }
  }

  /** Opens a challenge for a device (household-codes.ts). */
  openChallenge(deviceId: string, codeTtlMs: number, request: ChallengeRequest = { purpose: 'access' }, region?: string): Promise<OpenChallengeResult> {
    return this.#codes.open(deviceId, codeTtlMs, request, region);
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  withdrawChallenge(challengeId: string): Promise<void> {
    return this.#codes.withdraw(challengeId);
  }

  /** Checks an `access` code; a right one grants the device temporary access (household-codes.ts). */
  verifyChallenge(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    return this.#codes.verify(accountId, input);
  }

  /** Makes the TV's network the primary location with the owner's code (household-codes.ts). */
  setPrimaryLocation(accountId: string, input: PrimaryLocationInput): Promise<PrimaryLocationResult> {
    return this.#codes.setPrimaryLocation(accountId, input);
  }

  /** Makes the TV's network a second home with the owner's code (household-codes.ts). */
  setSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    return this.#codes.setSecondHome(accountId, input);
  }

  /** Removes a second home with the owner's code (household-codes.ts). */
  removeSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    return this.#codes.removeSecondHome(accountId, input);
  }

  /** Away access for a device with the owner's code (household-codes.ts). */
  giveAwayAccess(accountId: string, input: AwayAccessInput): Promise<AwayAccessResult> {
    return this.#codes.giveAwayAccess(accountId, input);
  }

  /** Signs a device out on the authority the edge found (household-codes.ts). */
  signOutDevice(accountId: string, input: SignOutInput): Promise<SignOutResult> {
    return this.#codes.signOut(accountId, input);
  }

  /** v1.3's sign-out, kept for a Worker of the release before during a deployment (CONTRIBUTING.md, "One step of compatibility"). */
  signOut(deviceId: string, limits: HouseholdLimits): Promise<SignOutResult> {
    return this.#codes.signOutAsBefore(deviceId, limits);
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

  /** Support ends a device's away access early, audited with the change; AWAY_ACCESS_NOT_FOUND when it holds none. */
  async endAwayAccess(deviceId: string, by: AuditActor): Promise<Result<{ household: Household }, { reason: 'AWAY_ACCESS_NOT_FOUND' }>> {
    const now = Date.now();
    const current = await this.household();
    const until = current?.devices.get(deviceId)?.awayAccessUntil ?? null;
    const next = current && endAwayAccess(current, deviceId, now);
    if (!current || !next || until === null) return err({ reason: 'AWAY_ACCESS_NOT_FOUND' });
    return ok({ household: await this.save(next, [{ entry: awayAccessEnded(current.accountId, deviceId, until, by) }]) });
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
    if (!this.#schemaEmpty()) this.#proofs.clear();
    this.#feedback.clear();
    this.#events.forget();
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
    if (results.some((result) => result.status === 'rejected')) console.error(logged({ event: 'network_sharing_release_failed' }));
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
  private async afterChange(now: number, fromAlarm = false): Promise<void> {
    await this.#publisher.publish(now);
    const delivered = await this.#outbox.deliver(now);
    // The owner's events never delay the request that made them (contract §6): sent behind its answer, with the
    // alarm already set to send them if this object goes away first; the alarm itself waits for them.
    const told = fromAlarm ? await this.#events.deliver(now) : !(await this.#events.sendBehind(now));
    await this.clearIfErased(now);
    // Everything landed: the safety-net alarm would only wake the object for nothing.
    if (delivered && told && !(await this.#publisher.isPending())) await this.ctx.storage.deleteAlarm();
    const expiry = nextAnchorAddressExpiry(await this.household());
    if (expiry !== null) await wakeBy(this.ctx.storage, expiry);
    const floor = await this.#eraseFloor();
    if (floor) await wakeBy(this.ctx.storage, floor.until);
    await this.#wakeForProofs();
  }

  /** The alarm wakes when the oldest proof kept leaves its window, so a burst followed by silence leaves no rows behind. */
  async #wakeForProofs(): Promise<void> {
    const oldest = this.#schemaEmpty() ? null : this.#proofs.oldestAt();
    if (oldest !== null) await wakeBy(this.ctx.storage, oldest + PROOF_JTI_TTL_MS + 1);
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
    if (!this.#schemaEmpty()) this.#proofs.prune(now);
    this.#feedback.prune(now);
    const feedbackExpiry = this.#feedback.nextExpiry();
    if (feedbackExpiry !== null) await wakeBy(this.ctx.storage, feedbackExpiry);
    await this.afterChange(now, true);
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
    this.#events.forget();
  }
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
