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
import { codeDigest, codeMatches, newCode, newSalt } from '../challenges/verification-code';
import {
  addExtraMember,
  addSupportGrant,
  applyVisit,
  endSupportGrant,
  removeExtraMember,
  emptyHousehold,
  fromHouseholdDocument,
  grantTemporaryAccess,
  nextAnchorAddressExpiry,
  pruneAnchorAddresses,
  sharingCheckDue,
  toHouseholdDocument,
  touch,
  primaryLocationChangesUsed,
  setPrimaryLocation,
  signOutDevice,
  travelGrantsUsed,
  type ExtraMemberChange,
  type Household,
  type HouseholdDocument,
  type HouseholdLimits,
  type LegacyHouseholdDocument,
  type SharingReading,
  type SupportGrant,
  type Visit,
} from '../household/household';

import type { AddressId, HolderId, NetworkId } from '../network/network-id';
import { networkSharing, type NetworkSharing } from './network-sharing';
import { Outbox } from './outbox';
import { controlStore, type AuditInput, type ControlStore } from './control-store';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { wakeBy } from './alarm';
import { type DeviceType } from '../vocabulary';
import { MS_PER_HOUR } from '../time';
import type { Result } from '../result';

const HOUSEHOLD = 'household';
const CHALLENGE_PREFIX = 'challenge:';
/** Codes a device may ask for in any hour. */

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

export const CHALLENGES_PER_DEVICE_PER_HOUR = 3;
/** Codes an account may be sent in any hour, whatever the devices asking (invented device ids included). */
export const CHALLENGES_PER_ACCOUNT_PER_HOUR = 10;

/** A verification challenge as stored: never the code itself, only its salted digest. */
export interface ChallengeRecord {
  challengeId: string;
  deviceId: string;
  salt: string;
  digest: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  usedAt: number | null;
  /** The metrics region the code was sent in: its verification counts there too (v1.3). Absent on older challenges. */
  region?: string;
}

export type OpenChallengeResult = Result<{ challengeId: string; code: string; expiresAt: number }, { reason: 'CHALLENGE_RATE_LIMITED'; limit: 'device' | 'account'; retryAfterSeconds: number }>;

export interface VerifyChallengeInput {
  challengeId: string;
  deviceId: string;
  deviceType: DeviceType;
  guess: string;
  maxAttempts: number;
  temporaryAccessMs: number;
  /** In `enforce`, a verified code grants access only while travel grants are left. */
  enforceTravelLimit: boolean;
  limits: HouseholdLimits;
}

export type VerifyChallengeResult = Result<
  { expiresAt: number; household: Household },
  | { reason: 'CHALLENGE_NOT_FOUND' }
  | { reason: 'CHALLENGE_EXPIRED'; used: boolean }
  | { reason: 'CHALLENGE_LOCKED' }
  | { reason: 'CODE_INVALID'; attemptsRemaining: number }
  | { reason: 'TRAVEL_LIMIT_REACHED' }
> & { region?: string };

export type PrimaryLocationResult = Result<{ household: Household }, { reason: 'PRIMARY_LOCATION_CHANGE_LIMIT'; retryAfterSeconds: number }>;

export type SignOutResult = Result<{ household: Household }, { reason: 'DEVICE_NOT_FOUND' }>;

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
  NETWORKS: DurableObjectNamespace<NetworkSharing>;
}

/** Where a visit or a primary-location change happens, as the edge hands it over: ids only. */
export interface VisitPlace {
  /** The id the network's sharing count holds for this household there; null without a usable address. */
  holderId: HolderId | null;
}

/** What an admin write records about who made it. */
export interface AuditActor {
  actor: string;
  note?: string | null;
}

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #household: Household | null | undefined;
  readonly #publisher: KvPublisher;
  readonly #outbox: Outbox<AuditDelivery>;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV, async () => {
      const household = await this.household();
      return household && toHouseholdDocument(household);
    });
    this.#outbox = new Outbox<AuditDelivery>(ctx.storage, { prefix: 'outbox:', failureEvent: 'audit_delivery_failed', deliverOne: (delivery) => deliverAudit(env, delivery) });
  }

  /** The household as stored here (the source of truth), or null when nothing is known. */
  async household(): Promise<Household | null> {
    if (this.#household === undefined) {
      const stored = await this.ctx.storage.get<HouseholdDocument | LegacyHouseholdDocument>(HOUSEHOLD);
      this.#household = stored ? fromHouseholdDocument(stored) : null;
    }
    return this.#household;
  }

  /**
   * Remembers one playback request; returns the household after it. When the
   * visit adds or confirms a home network whose sharing count is due, the
   * network's count is read first and kept with the network.
   */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits, place: VisitPlace = { holderId: null }): Promise<Household> {
    const before = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    const reading = sharingCheckDue(before, visit, limits) ? await this.#readSharing(visit.networkId, place.holderId, limits) : null;
    // Read again after the call out: another visit may have been saved meanwhile.
    const current = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    return this.save(applyVisit(current, visit, limits, reading));
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
   * device's and the account's hourly allowance. The caller delivers the code
   * and withdraws the challenge if delivery fails, so a failed delivery costs
   * the person nothing.
   */
  async openChallenge(deviceId: string, codeTtlMs: number, region?: string): Promise<OpenChallengeResult> {
    const now = Date.now();
    const recent = [...(await this.challenges()).values()].filter((challenge) => challenge.createdAt > now - MS_PER_HOUR);
    const limited = (limit: 'device' | 'account', times: number[], allowed: number): OpenChallengeResult | null => {
      if (times.length < allowed) return null;
      const frees = times.toSorted((a, b) => a - b)[times.length - allowed]! + MS_PER_HOUR;
      return { ok: false, reason: 'CHALLENGE_RATE_LIMITED', limit, retryAfterSeconds: Math.max(1, Math.ceil((frees - now) / 1000)) };
    };
    const refused =
      limited('device', recent.filter((challenge) => challenge.deviceId === deviceId).map((challenge) => challenge.createdAt), CHALLENGES_PER_DEVICE_PER_HOUR) ??
      limited('account', recent.map((challenge) => challenge.createdAt), CHALLENGES_PER_ACCOUNT_PER_HOUR);
    if (refused) return refused;
    const code = newCode();
    const salt = newSalt();
    const challenge: ChallengeRecord = {
      challengeId: crypto.randomUUID(),
      deviceId,
      salt,
      digest: await codeDigest(code, salt),
      createdAt: now,
      expiresAt: now + codeTtlMs,
      attempts: 0,
      usedAt: null,
      ...(region !== undefined ? { region } : {}),
    };
    await this.ctx.storage.put(CHALLENGE_PREFIX + challenge.challengeId, challenge);
    return { ok: true, challengeId: challenge.challengeId, code, expiresAt: challenge.expiresAt };
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  async withdrawChallenge(challengeId: string): Promise<void> {
    await this.ctx.storage.delete(CHALLENGE_PREFIX + challengeId);
  }

  /**
   * Checks a guess. The attempt is counted and stored before the code is
   * compared, so concurrent guesses can never get more than `maxAttempts`
   * tries between them; a code is used at most once.
   */
  async verifyChallenge(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const result = await this.#verifyChallenge(accountId, input);
    // The funnel counts in the region the code was sent in (the record remembers it).
    const challenge = result.ok || result.reason !== 'CHALLENGE_NOT_FOUND' ? await this.ctx.storage.get<ChallengeRecord>(CHALLENGE_PREFIX + input.challengeId) : undefined;
    return challenge?.region !== undefined ? { ...result, region: challenge.region } : result;
  }

  async #verifyChallenge(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const key = CHALLENGE_PREFIX + input.challengeId;
    const challenge = await this.ctx.storage.get<ChallengeRecord>(key);
    const now = Date.now();
    if (!challenge || challenge.deviceId !== input.deviceId) return { ok: false, reason: 'CHALLENGE_NOT_FOUND' };
    if (challenge.usedAt !== null) return { ok: false, reason: 'CHALLENGE_EXPIRED', used: true };
    if (challenge.expiresAt <= now) return { ok: false, reason: 'CHALLENGE_EXPIRED', used: false };
    if (challenge.attempts >= input.maxAttempts) return { ok: false, reason: 'CHALLENGE_LOCKED' };
    challenge.attempts += 1;
    this.ctx.storage.put(key, challenge);

    if (!(await codeMatches(input.guess, challenge.salt, challenge.digest))) {
      return { ok: false, reason: 'CODE_INVALID', attemptsRemaining: input.maxAttempts - challenge.attempts };
    }
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    if (input.enforceTravelLimit && travelGrantsUsed(current.devices.get(input.deviceId), input.limits, now) >= input.limits.travelGrantsPerWindow) {
      return { ok: false, reason: 'TRAVEL_LIMIT_REACHED' };
    }
    const fresh = await this.ctx.storage.get<ChallengeRecord>(key);
    if (!fresh || fresh.usedAt !== null) return { ok: false, reason: 'CHALLENGE_EXPIRED', used: true };
    fresh.usedAt = now;
    const household = await this.save(grantTemporaryAccess(current, input.deviceId, input.deviceType, input.temporaryAccessMs, input.limits, now), [], { [key]: fresh });
    return { ok: true, expiresAt: household.devices.get(input.deviceId)!.temporaryAccessUntil!, household };
  }

  /**
   * Makes the TV's network the primary location, at most `maxChanges` times
   * per travel window; the network's sharing count is read for the change.
   */
  async setPrimaryLocation(
    accountId: string,
    deviceId: string,
    place: VisitPlace & { networkId: NetworkId; addressId: AddressId | null },
    maxChanges: number,
    limits: HouseholdLimits,
  ): Promise<PrimaryLocationResult> {
    const limited = (household: Household, now: number): PrimaryLocationResult | null => {
      if (primaryLocationChangesUsed(household, limits, now) < maxChanges) return null;
      const oldest = household.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).toSorted((a, b) => a - b)[0] ?? now;
      return { ok: false, reason: 'PRIMARY_LOCATION_CHANGE_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((oldest + limits.travelWindowMs - now) / 1000)) };
    };
    const refused = limited((await this.household()) ?? emptyHousehold(accountId, Date.now()), Date.now());
    if (refused) return refused;
    const reading = await this.#readSharing(place.networkId, place.holderId, limits);
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    return limited(current, now) ?? { ok: true, household: await this.save(setPrimaryLocation(current, deviceId, place, reading, limits, now)) };
  }

  /** Signs a device of this household out. */
  async signOut(deviceId: string, limits: HouseholdLimits): Promise<SignOutResult> {
    const current = await this.household();
    if (!current?.devices.has(deviceId)) return { ok: false, reason: 'DEVICE_NOT_FOUND' };
    return { ok: true, household: await this.save(signOutDevice(current, deviceId, limits, Date.now())) };
  }

  /** Adds a support grant, audited with the change. */
  async addSupportGrant(accountId: string, grant: Omit<SupportGrant, 'grantId' | 'createdAt' | 'actor'>, by: AuditActor): Promise<{ grant: SupportGrant; household: Household }> {
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    const full: SupportGrant = { ...grant, actor: by.actor, grantId: crypto.randomUUID(), createdAt: now };
    const days = Math.round((full.expiresAt - now) / 86_400_000);
    const audit = {
      actor: by.actor,
      action: 'grant.create',
      target: `accounts/${accountId}/grants/${full.grantId}`,
      before: null,
      after: { deviceId: full.deviceId, days, expiresAt: new Date(full.expiresAt).toISOString() },
      note: full.reason,
    };
    return { grant: full, household: await this.save(addSupportGrant(current, full, now), [{ entry: audit }]) };
  }

  /** Ends a support grant, audited with the change; null when the account holds no such grant. */
  async endSupportGrant(grantId: string, by: AuditActor): Promise<{ grant: SupportGrant; household: Household } | null> {
    const current = await this.household();
    const grant = current?.supportGrants.find((g) => g.grantId === grantId);
    const next = current && endSupportGrant(current, grantId, Date.now());
    if (!current || !grant || !next) return null;
    const audit = {
      actor: by.actor,
      action: 'grant.end',
      target: `accounts/${current.accountId}/grants/${grantId}`,
      before: { deviceId: grant.deviceId, expiresAt: new Date(grant.expiresAt).toISOString(), reason: grant.reason },
      after: null,
      note: by.note ?? null,
    };
    return { grant, household: await this.save(next, [{ entry: audit }]) };
  }

  /** Gives a device an extra-member slot, audited with the change. Adding a member again changes nothing. */
  async addExtraMember(accountId: string, deviceId: string, label: string | null, slots: number, by: AuditActor): Promise<ExtraMemberChange> {
    const now = Date.now();
    const change = addExtraMember((await this.household()) ?? emptyHousehold(accountId, now), deviceId, label, slots, now);
    if (change.ok && change.added) {
      const member = change.household.extraMembers.get(deviceId)!;
      const after = { deviceId, label: member.label, addedAt: new Date(member.addedAt).toISOString() };
      await this.save(change.household, [{ entry: { actor: by.actor, action: 'extra-member.add', target: `accounts/${accountId}/extra-members/${deviceId}`, before: null, after, note: by.note ?? null } }]);
    }
    return change;
  }

  /** Frees an extra-member slot, audited with the change; null when the device held none. */
  async removeExtraMember(deviceId: string, by: AuditActor): Promise<Household | null> {
    const current = await this.household();
    const next = current && removeExtraMember(current, deviceId, Date.now());
    if (!current || !next) return null;
    const audit = { actor: by.actor, action: 'extra-member.remove', target: `accounts/${current.accountId}/extra-members/${deviceId}`, before: { deviceId }, after: null, note: by.note ?? null };
    return this.save(next, [{ entry: audit }]);
  }

  /**
   * Erases everything held about the account: the household, challenges and
   * counters here, the KV snapshot, and what identifies the person in the
   * audit trail (the erase entry redacts the account's earlier entries to a
   * pseudonym; entries still waiting here are redacted before they leave).
   * The KV delete and the audit entry are owed in the same batch as the
   * erase, so a failure of either is retried, never lost. Once both have
   * landed, this object's storage is empty.
   */
  async erase(accountId: string, by: AuditActor): Promise<{ existed: boolean; counts: Record<string, number> | null }> {
    const before = await this.household();
    const now = Date.now();
    const pseudonym = `erased-${crypto.randomUUID().slice(0, 8)}`;
    const counts = before ? { devices: before.devices.size, homeNetworks: before.homeNetworks.length, grants: before.supportGrants.length, extraMembers: before.extraMembers.size } : null;
    const waiting = await this.#outbox.pending();
    const keys = [...(await this.ctx.storage.list()).keys()].filter((key) => !waiting.has(key));
    const redacted: Record<string, AuditDelivery> = {};
    for (const [key, delivery] of waiting) redacted[key] = redactDelivery(delivery, accountId, pseudonym);
    const erasure = this.#outbox.entries(
      [{ entry: { actor: by.actor, action: 'account.erase', target: `accounts/${pseudonym}`, before: counts, after: null, note: by.note ?? null }, redact: { accountId, pseudonym } }],
      now,
    );
    // One batch (no await in between): everything goes, the KV delete and the audit entry are owed.
    for (let i = 0; i < keys.length; i += 128) void this.ctx.storage.delete(keys.slice(i, i + 128));
    await this.ctx.storage.put({ ...redacted, ...erasure, ...this.#publisher.pendingEntry(householdKey(accountId)) });
    this.#household = null;
    await this.afterChange(now);
    // After the erase has landed, so a slow network object never holds it up.
    await this.#releaseNetworks(before);
    return { existed: before !== null, counts };
  }

  /**
   * Takes the household out of its home networks' sharing counts (erase).
   * Best effort: a count not reached forgets the household by itself once
   * the trust window has passed, and never held its account id.
   */
  async #releaseNetworks(household: Household | null): Promise<void> {
    const held = household?.homeNetworks.filter((network) => network.holderId !== undefined) ?? [];
    const results = await Promise.allSettled(held.map((network) => networkSharing(this.env, network.networkId).release(network.holderId!)));
    if (results.some((result) => result.status === 'rejected')) console.error(JSON.stringify({ event: 'network_sharing_release_failed' }));
  }

  /** Open and recent challenges; those past their hour and expiry are cleared on the way. */
  private async challenges(): Promise<Map<string, ChallengeRecord>> {
    const now = Date.now();
    const all = await this.ctx.storage.list<ChallengeRecord>({ prefix: CHALLENGE_PREFIX });
    const stale = [...all].filter(([, c]) => c.createdAt <= now - MS_PER_HOUR && c.expiresAt <= now).map(([key]) => key);
    if (stale.length > 0) {
      await this.ctx.storage.delete(stale);
      for (const key of stale) all.delete(key);
    }
    return all;
  }

  /**
   * Stores the household, the mark that KV owes it, its audit entries and any
   * `extra` records as one atomic batch; then publishes and delivers.
   */
  protected async save(household: Household, audit: Array<Omit<AuditDelivery, 'origin' | 'at'>> = [], extra: Record<string, unknown> = {}): Promise<Household> {
    const now = Date.now();
    await this.ctx.storage.put({
      ...extra,
      [HOUSEHOLD]: toHouseholdDocument(household),
      ...this.#publisher.pendingEntry(householdKey(household.accountId)),
      ...this.#outbox.entries(audit, now),
    });
    this.#household = household;
    await this.afterChange(now);
    return household;
  }

  /**
   * Writes what is owed to KV and the audit log; whatever fails is left to the
   * alarm. The alarm also wakes when the oldest anchor address kept leaves
   * the co-presence window, to forget it then.
   */
  private async afterChange(now: number): Promise<void> {
    await this.#publisher.publish(now);
    const delivered = await this.#outbox.deliver(now);
    await this.clearIfErased();
    // Everything landed: the safety-net alarm would only wake the object for nothing.
    if (delivered && !(await this.#publisher.isPending())) await this.ctx.storage.deleteAlarm();
    const expiry = nextAnchorAddressExpiry(await this.household());
    if (expiry !== null) await wakeBy(this.ctx.storage, expiry);
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

  /** After an erase, once KV and the audit log have what they are owed, nothing is left here. */
  private async clearIfErased(): Promise<void> {
    if ((await this.household()) !== null) return;
    if ((await this.#publisher.isPending()) || (await this.#outbox.pending()).size > 0) return;
    if ((await this.ctx.storage.list({ limit: 1, prefix: CHALLENGE_PREFIX })).size > 0) return;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** Appends one outbox entry to the ControlStore's audit log (idempotent by origin). */
async function deliverAudit(env: HouseholdStoreEnv, delivery: AuditDelivery): Promise<void> {
  await controlStore(env).appendAudit(delivery.entry, { origin: delivery.origin, at: delivery.at, ...(delivery.redact ? { redact: delivery.redact } : {}) });
}

/** An entry waiting in the outbox, as it may leave after its account was erased. */
function redactDelivery(delivery: AuditDelivery, accountId: string, pseudonym: string): AuditDelivery {
  const names = delivery.entry.target === `accounts/${accountId}` || delivery.entry.target.startsWith(`accounts/${accountId}/`);
  if (!names) return delivery;
  return { ...delivery, entry: { ...delivery.entry, target: `accounts/${pseudonym}`, before: null, after: null, note: null } };
}
