/**
 * HouseholdStore: one Durable Object per account, the single writer of that
 * household. Every change is serialised here, kept in the object's SQLite
 * storage, and written through to the KV read model. Counters that must be
 * exact (code attempts, travel grants, location changes) live here too.
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
  grantTemporaryAccess,
  primaryLocationChangesUsed,
  setPrimaryLocation,
  signOutDevice,
  travelGrantsUsed,
  type ExtraMemberChange,
  type Household,
  type HouseholdLimits,
  type SupportGrant,
  type Visit,
} from '../household/household';
import type { DeviceType } from '../identity/device-token';
import type { NetworkId } from '../network/network-id';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';

const HOUSEHOLD = 'household';
const CHALLENGE_PREFIX = 'challenge:';
const HOUR_MS = 3_600_000;
/** Codes a device may ask for in any hour. */
export const CHALLENGES_PER_DEVICE_PER_HOUR = 3;

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
}

export type OpenChallengeResult =
  | { ok: true; challengeId: string; code: string; expiresAt: number }
  | { ok: false; reason: 'CHALLENGE_RATE_LIMITED'; retryAfterSeconds: number };

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

export type VerifyChallengeResult =
  | { ok: true; expiresAt: number; household: Household }
  | { ok: false; reason: 'CHALLENGE_NOT_FOUND' }
  | { ok: false; reason: 'CHALLENGE_EXPIRED'; used: boolean }
  | { ok: false; reason: 'CHALLENGE_LOCKED' }
  | { ok: false; reason: 'CODE_INVALID'; attemptsRemaining: number }
  | { ok: false; reason: 'TRAVEL_LIMIT_REACHED' };

export type PrimaryLocationResult =
  | { ok: true; household: Household }
  | { ok: false; reason: 'PRIMARY_LOCATION_CHANGE_LIMIT'; retryAfterSeconds: number };

export type SignOutResult = { ok: true; household: Household } | { ok: false; reason: 'DEVICE_NOT_FOUND' };

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
}

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #household: Household | null | undefined;
  readonly #publisher: KvPublisher;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV);
  }

  /** The household as stored here (the source of truth), or null when nothing is known. */
  async household(): Promise<Household | null> {
    if (this.#household === undefined) {
      this.#household = (await this.ctx.storage.get<Household>(HOUSEHOLD)) ?? null;
    }
    return this.#household;
  }

  /** Remembers one playback request; returns the household after it. */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits): Promise<Household> {
    const current = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    return this.save(applyVisit(current, visit, limits));
  }

  /**
   * Opens a challenge for a device: a fresh code, counted against the
   * device's hourly allowance. The caller delivers the code and withdraws the
   * challenge if delivery fails, so a failed delivery costs the person nothing.
   */
  async openChallenge(deviceId: string, codeTtlMs: number): Promise<OpenChallengeResult> {
    const now = Date.now();
    const challenges = await this.challenges();
    const recent = [...challenges.values()]
      .filter((challenge) => challenge.deviceId === deviceId && challenge.createdAt > now - HOUR_MS)
      .map((challenge) => challenge.createdAt)
      .toSorted((a, b) => a - b);
    if (recent.length >= CHALLENGES_PER_DEVICE_PER_HOUR) {
      const frees = recent[recent.length - CHALLENGES_PER_DEVICE_PER_HOUR]! + HOUR_MS;
      return { ok: false, reason: 'CHALLENGE_RATE_LIMITED', retryAfterSeconds: Math.max(1, Math.ceil((frees - now) / 1000)) };
    }
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
    if (input.enforceTravelLimit && travelGrantsUsed(current.devices[input.deviceId], input.limits, now) >= input.limits.travelGrantsPerWindow) {
      return { ok: false, reason: 'TRAVEL_LIMIT_REACHED' };
    }
    const fresh = await this.ctx.storage.get<ChallengeRecord>(key);
    if (!fresh || fresh.usedAt !== null) return { ok: false, reason: 'CHALLENGE_EXPIRED', used: true };
    fresh.usedAt = now;
    this.ctx.storage.put(key, fresh);
    const household = await this.save(grantTemporaryAccess(current, input.deviceId, input.deviceType, input.temporaryAccessMs, input.limits, now));
    return { ok: true, expiresAt: household.devices[input.deviceId]!.temporaryAccessUntil!, household };
  }

  /** Makes `networkId` the primary location, at most `maxChanges` times per travel window. */
  async setPrimaryLocation(accountId: string, deviceId: string, networkId: NetworkId, maxChanges: number, limits: HouseholdLimits): Promise<PrimaryLocationResult> {
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    if (primaryLocationChangesUsed(current, limits, now) >= maxChanges) {
      const oldest = current.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).toSorted((a, b) => a - b)[0] ?? now;
      return { ok: false, reason: 'PRIMARY_LOCATION_CHANGE_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((oldest + limits.travelWindowMs - now) / 1000)) };
    }
    return { ok: true, household: await this.save(setPrimaryLocation(current, deviceId, networkId, limits, now)) };
  }

  /** Signs a device of this household out. */
  async signOut(deviceId: string): Promise<SignOutResult> {
    const current = await this.household();
    if (!current?.devices[deviceId]) return { ok: false, reason: 'DEVICE_NOT_FOUND' };
    return { ok: true, household: await this.save(signOutDevice(current, deviceId, Date.now())) };
  }

  /** Adds a support grant (the caller audits it). */
  async addSupportGrant(accountId: string, grant: Omit<SupportGrant, 'grantId' | 'createdAt'>): Promise<{ grant: SupportGrant; household: Household }> {
    const now = Date.now();
    const current = (await this.household()) ?? emptyHousehold(accountId, now);
    const full: SupportGrant = { ...grant, grantId: crypto.randomUUID(), createdAt: now };
    return { grant: full, household: await this.save(addSupportGrant(current, full, now)) };
  }

  /** Ends a support grant; null when the account holds no such grant. */
  async endSupportGrant(grantId: string): Promise<{ grant: SupportGrant; household: Household } | null> {
    const current = await this.household();
    const grant = current?.supportGrants.find((g) => g.grantId === grantId);
    const next = current && endSupportGrant(current, grantId, Date.now());
    return grant && next ? { grant, household: await this.save(next) } : null;
  }

  async addExtraMember(accountId: string, deviceId: string, label: string | null, slots: number): Promise<ExtraMemberChange> {
    const now = Date.now();
    const change = addExtraMember((await this.household()) ?? emptyHousehold(accountId, now), deviceId, label, slots, now);
    if (change.ok && change.added) await this.save(change.household);
    return change;
  }

  /** Frees an extra-member slot; null when the device held none. */
  async removeExtraMember(deviceId: string): Promise<Household | null> {
    const current = await this.household();
    const next = current && removeExtraMember(current, deviceId, Date.now());
    return next ? this.save(next) : null;
  }

  /**
   * Erases everything held about the account: this object's storage (the
   * household, challenges, counters) and the KV snapshot. Afterwards the
   * account starts from nothing.
   */
  async erase(accountId: string): Promise<boolean> {
    const existed = (await this.household()) !== null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#household = null;
    await this.env.HEARTH_KV.delete(householdKey(accountId));
    return existed;
  }

  /** Open and recent challenges; those past their hour and expiry are cleared on the way. */
  private async challenges(): Promise<Map<string, ChallengeRecord>> {
    const now = Date.now();
    const all = await this.ctx.storage.list<ChallengeRecord>({ prefix: CHALLENGE_PREFIX });
    const stale = [...all].filter(([, c]) => c.createdAt <= now - HOUR_MS && c.expiresAt <= now).map(([key]) => key);
    if (stale.length > 0) {
      await this.ctx.storage.delete(stale);
      for (const key of stale) all.delete(key);
    }
    return all;
  }

  protected async save(household: Household): Promise<Household> {
    this.#household = household;
    await this.ctx.storage.put(HOUSEHOLD, household);
    await this.#publisher.publish(householdKey(household.accountId), household, Date.now());
    return household;
  }

  override async alarm(): Promise<void> {
    const household = await this.household();
    if (household) await this.#publisher.flush(householdKey(household.accountId), household, Date.now());
  }
}
