/**
 * The challenges of one account, in its Durable Object's storage: codes
 * opened, guessed and used. Never the code itself, only its salted digest.
 * The household store (household-store.ts) owns the book and stores a used
 * code in the same batch as the change it pays for.
 *
 * Storage: one record per challenge under `challenge:<id>` (storage-schema.md).
 */
import { codeRateLimit } from '../challenges/code-allowance';
import { codeDigest, codeMatches, newCode, newSalt } from '../challenges/verification-code';
import { err, ok, type Result } from '../result';
import { MS_PER_HOUR } from '../time';
import type { ChallengePurpose } from '../vocabulary';

const CHALLENGE_PREFIX = 'challenge:';

/** A verification challenge as stored: never the code itself, only its salted digest. */
export interface ChallengeRecord {
  challengeId: string;
  deviceId: string;
  /** What the code is for; records stored before purposes existed have none and are `access` codes. */
  purpose?: ChallengePurpose;
  salt: string;
  digest: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  usedAt: number | null;
  /** The metrics region the code was sent in: its verification counts there too (v1.3). Absent on older challenges. */
  region?: string;
  /** For a `sign-out` code: the device it signs out (v1.4). The code serves that device's sign-out only. */
  targetDeviceId?: string;
  /** For an `away-access` code: the days it gives at most (v1.4). */
  days?: number;
  /** For a `second-home` code: true when asked to remove the second home the TV keeps (its message says so); absent: to set one. */
  removing?: boolean;
}

export type OpenedChallenge = Result<{ challengeId: string; code: string; expiresAt: number }, { reason: 'CHALLENGE_RATE_LIMITED'; limit: 'device' | 'account'; retryAfterSeconds: number }>;

/** A guess at a challenge's code, from the device that opened it, for the purpose it was opened for. */
export interface CodeGuess {
  challengeId: string;
  deviceId: string;
  guess: string;
  maxAttempts: number;
  /** For a `sign-out` code: the device being signed out, which must be the one the code was asked for. */
  targetDeviceId?: string;
  /** For a `second-home` code: whether it is used to remove (a code asked to set serves no removal, and the other way round). */
  removing?: boolean;
}

/** Why a guess was not taken: unknown (or another device's, or another purpose's), used or expired, locked, or wrong. */
export type CodeRefusal = { reason: 'CHALLENGE_NOT_FOUND' } | { reason: 'CHALLENGE_EXPIRED'; used: boolean } | { reason: 'CHALLENGE_LOCKED' } | { reason: 'CODE_INVALID'; attemptsRemaining: number };

/** A right guess: the challenge's storage key, for `spend`. */
export type CheckedCode = Result<string, CodeRefusal>;

export class ChallengeBook {
  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * Opens a challenge for a device: a fresh code, counted against the
   * device's and the account's hourly allowance whatever its purpose
   * (`codeRateLimit`). The
   * caller delivers the code and withdraws the challenge if delivery fails,
   * so a failed delivery costs the person nothing.
   */
  async open(
    deviceId: string,
    purpose: ChallengePurpose,
    codeTtlMs: number,
    region: string | undefined,
    now: number,
    scope: { targetDeviceId?: string; days?: number; removing?: boolean } = {},
  ): Promise<OpenedChallenge> {
    const limited = codeRateLimit([...(await this.#recent(now)).values()], deviceId, now);
    if (limited) return err({ reason: 'CHALLENGE_RATE_LIMITED', ...limited });
    const code = newCode();
    const salt = newSalt();
    const challenge: ChallengeRecord = {
      challengeId: crypto.randomUUID(),
      deviceId,
      purpose,
      salt,
      digest: await codeDigest(code, salt),
      createdAt: now,
      expiresAt: now + codeTtlMs,
      attempts: 0,
      usedAt: null,
      ...(region !== undefined ? { region } : {}),
      ...(scope.targetDeviceId !== undefined ? { targetDeviceId: scope.targetDeviceId } : {}),
      ...(scope.days !== undefined ? { days: scope.days } : {}),
      ...(scope.removing === true ? { removing: true } : {}),
    };
    await this.storage.put(CHALLENGE_PREFIX + challenge.challengeId, challenge);
    return ok({ challengeId: challenge.challengeId, code, expiresAt: challenge.expiresAt });
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  async withdraw(challengeId: string): Promise<void> {
    await this.storage.delete(CHALLENGE_PREFIX + challengeId);
  }

  /**
   * Checks a guess at a code of `purpose`, for both purposes alike. The
   * attempt is counted and stored before the code is compared, so concurrent
   * guesses can never get more than `maxAttempts` tries between them. A
   * challenge of another device or another purpose is not found, and costs
   * its owner no attempt. A right code is not used yet: the caller marks it
   * used (`spend`) in the same batch as the change it pays for.
   */
  async check(purpose: ChallengePurpose, input: CodeGuess, now: number): Promise<CheckedCode> {
    const key = CHALLENGE_PREFIX + input.challengeId;
    const challenge = await this.storage.get<ChallengeRecord>(key);
    if (!challenge || challenge.deviceId !== input.deviceId || (challenge.purpose ?? 'access') !== purpose) return err({ reason: 'CHALLENGE_NOT_FOUND' });
    // A sign-out code serves the sign-out of the device it was asked for, no other.
    if ((challenge.targetDeviceId ?? null) !== (input.targetDeviceId ?? null)) return err({ reason: 'CHALLENGE_NOT_FOUND' });
    // A second-home code serves the change the owner was told of: setting one, or removing the one the TV keeps.
    if ((challenge.removing ?? false) !== (input.removing ?? false)) return err({ reason: 'CHALLENGE_NOT_FOUND' });
    if (challenge.usedAt !== null) return err({ reason: 'CHALLENGE_EXPIRED', used: true });
    if (challenge.expiresAt <= now) return err({ reason: 'CHALLENGE_EXPIRED', used: false });
    if (challenge.attempts >= input.maxAttempts) return err({ reason: 'CHALLENGE_LOCKED' });
    challenge.attempts += 1;
    this.storage.put(key, challenge);

    if (!(await codeMatches(input.guess, challenge.salt, challenge.digest))) {
      return err({ reason: 'CODE_INVALID', attemptsRemaining: input.maxAttempts - challenge.attempts });
    }
    return ok(key);
  }

  /**
   * The checked challenge marked used, as the record to store with the change
   * it pays for; a used code when a concurrent request used it first. Read
   * afresh right before the change is saved, with no await between this and
   * the save's put, so a code is used exactly once.
   */
  async spend(key: string, now: number): Promise<Result<Record<string, ChallengeRecord>, { reason: 'CHALLENGE_EXPIRED'; used: true }>> {
    const fresh = await this.storage.get<ChallengeRecord>(key);
    if (!fresh || fresh.usedAt !== null) return err({ reason: 'CHALLENGE_EXPIRED', used: true });
    return ok({ [key]: { ...fresh, usedAt: now } });
  }

  /** The days an `away-access` challenge's code gives at most (undefined for other purposes). */
  async daysOf(key: string): Promise<number | undefined> {
    return (await this.storage.get<ChallengeRecord>(key))?.days;
  }

  /** The metrics region a challenge's code was sent in (absent on challenges from before v1.3, and on unknown ones). */
  async regionOf(challengeId: string): Promise<string | undefined> {
    return (await this.storage.get<ChallengeRecord>(CHALLENGE_PREFIX + challengeId))?.region;
  }

  /** Whether any challenge is still stored (an erased account is cleared only once none is). */
  async isEmpty(): Promise<boolean> {
    return (await this.storage.list({ limit: 1, prefix: CHALLENGE_PREFIX })).size === 0;
  }

  /** Open and recent challenges; those past their hour and expiry are cleared on the way. */
  async #recent(now: number): Promise<Map<string, ChallengeRecord>> {
    const all = await this.storage.list<ChallengeRecord>({ prefix: CHALLENGE_PREFIX });
    const stale = [...all].filter(([, c]) => c.createdAt <= now - MS_PER_HOUR && c.expiresAt <= now).map(([key]) => key);
    if (stale.length > 0) {
      await this.storage.delete(stale);
      for (const key of stale) all.delete(key);
    }
    return all;
  }
}
