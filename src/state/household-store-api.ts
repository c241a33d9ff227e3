/**
 * What the account's Durable Object (household-store.ts) is asked and
 * answers: the shapes of its RPC calls, apart from the object that serves
 * them. Every change that touches another device or the household names
 * its authority here (`SignOutInput.authority`), so the object records who
 * was allowed, and why, with the change and in the owner's event.
 */
import type { SignOutAuthority } from '../household/events';
import type { Household, HouseholdLimits, SupportGrant } from '../household/household';
import type { AddressId, HolderId, NetworkId } from '../network/network-id';
import { type Err, type Result } from '../result';
import type { DeviceType } from '../vocabulary';
import type { CodeGuess, CodeRefusal, OpenedChallenge } from './challenge-book';
import type { AuditInput } from './control-store';
import type { EventContext } from './household-events';
import type { ProofLedgerRefusal } from './proof-ledger';

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

/** What a code is asked for: a traveller's access, a TV's move (checked against the household's change limit first), or another device's sign-out. */
export type ChallengeRequest =
  | { purpose: 'access' }
  | { purpose: 'primary-location'; maxChanges: number; limits: HouseholdLimits }
  | { purpose: 'sign-out'; targetDeviceId: string }
  | { purpose: 'second-home'; secondHomes: number; removing: boolean }
  | { purpose: 'away-access'; days: number; perYear: number };

export type OpenChallengeResult =
  OpenedChallenge | Err<PrimaryLocationLimited> | Err<SecondHomeLimited> | Err<{ reason: 'DEVICE_NOT_FOUND' }> | Err<{ reason: 'AWAY_ACCESS_LIMIT'; retryAfterSeconds: number }>;

export type SecondHomeLimited = { reason: 'SECOND_HOME_LIMIT'; retryAfterSeconds: number };

/** A second home set or removed from a TV, with the owner's code of a `second-home` challenge it opened (contract §6). */
export interface SecondHomeInput extends CodeGuess {
  place: VisitPlace & { networkId: NetworkId; addressId: AddressId | null };
  secondHomes: number;
  limits: HouseholdLimits;
}

export type SecondHomeResult = Result<
  { household: Household },
  | { reason: 'VERIFICATION_REQUIRED' | 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' | 'ALREADY_HOME' | 'SECOND_HOME_NOT_FOUND' }
  | SecondHomeLimited
  | Exclude<CodeRefusal, { reason: 'CHALLENGE_NOT_FOUND' }>
>;

/** Away access with the owner's code of an `away-access` challenge the device opened (contract §6). */
export interface AwayAccessInput extends CodeGuess {
  deviceType: DeviceType;
  /** The days asked now: at most the code's; absent, the code's. */
  days?: number;
  perYear: number;
  keyThumbprint: string | null;
}

export type AwayAccessResult = Result<
  { expiresAt: number; household: Household },
  | { reason: 'VERIFICATION_REQUIRED' | 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' }
  | { reason: 'AWAY_ACCESS_LIMIT'; retryAfterSeconds: number }
  | { reason: 'DAYS_OVER_CODE'; days: number }
  | Exclude<CodeRefusal, { reason: 'CHALLENGE_NOT_FOUND' }>
>;

export interface VerifyChallengeInput extends CodeGuess {
  deviceType: DeviceType;
  temporaryAccessMs: number;
  /** In `enforce`, a verified code grants access only while travel grants are left. */
  enforceTravelLimit: boolean;
  limits: HouseholdLimits;
  /** The key the verifying token is bound to (null: unbound): the access granted belongs to it. */
  keyThumbprint?: string | null;
}

export type VerifyChallengeResult = Result<{ expiresAt: number; household: Household }, CodeRefusal | { reason: 'TRAVEL_LIMIT_REACHED' | 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' }> & {
  region?: string;
};

export type PrimaryLocationLimited = { reason: 'PRIMARY_LOCATION_CHANGE_LIMIT'; retryAfterSeconds: number };

/** A TV's move: its network, and the owner's code of a `primary-location` challenge it opened. */
export interface PrimaryLocationInput extends CodeGuess {
  place: VisitPlace & { networkId: NetworkId; addressId: AddressId | null };
  maxChanges: number;
  limits: HouseholdLimits;
}

export type PrimaryLocationResult = Result<
  { household: Household },
  { reason: 'VERIFICATION_REQUIRED' | 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' } | Exclude<CodeRefusal, { reason: 'CHALLENGE_NOT_FOUND' }> | PrimaryLocationLimited
>;

/**
 * A sign-out (contract §6): which device asks, which device leaves, and on
 * what authority — the device itself, a device at home (the edge found row 6
 * matching for it), or the owner's code of a `sign-out` challenge the asking
 * device opened for this very device (checked here, and used with the change).
 */
export interface SignOutInput {
  requesterId: string;
  deviceId: string;
  /** The signed-out device's type when the requester is that device (its token says it). */
  deviceType?: DeviceType;
  authority: SignOutAuthority;
  /** With authority `code`: the challenge and the code the owner received. */
  code?: Pick<CodeGuess, 'challengeId' | 'guess' | 'maxAttempts'>;
  limits: HouseholdLimits;
  context: EventContext;
}

export type SignOutResult = Result<{ household: Household }, { reason: 'DEVICE_NOT_FOUND' | 'VERIFICATION_REQUIRED' } | Exclude<CodeRefusal, { reason: 'CHALLENGE_NOT_FOUND' }>>;

/** A support grant given or ended: the grant, and the household as it now stands. */
export type SupportGrantChange = { grant: SupportGrant; household: Household };

export type ExtraMemberRemoval = Result<{ household: Household }, { reason: 'EXTRA_MEMBER_NOT_FOUND' }>;

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
  /** Where the visit was made, and the requester's language: for the owner's events it may cause. */
  context?: EventContext;
}

/** A proof of possession that passed its own checks (identity/device-proof.ts), for the account's store to accept once. */
export interface ProofPresentation {
  deviceId: string;
  deviceType: DeviceType;
  keyThumbprint: string;
  jti: string;
  /** The token's `iat`: a signed-out device's proofs are refused before they are counted. */
  issuedAtSeconds: number;
  /** For the owner's `device_key_refused` event. */
  context?: EventContext;
}

/**
 * `revoked`: the device was signed out (or the account erased) after the
 * token was issued — refused before the proof is counted or kept;
 * `other-key`: the device id is bound to another key; `replayed` /
 * `rate-limited`: the device's own proof ledger refused it.
 */
/**
 * An accepted proof answers `{ household: null }` — the shape v1.3 answered
 * when no key was recorded — so a Worker of the release before, during a
 * gradual deployment, reads this object's answer as it read its own.
 */
export type ProofAcceptance = Result<{ household: null }, { reason: 'revoked' | 'other-key' } | ProofLedgerRefusal>;
