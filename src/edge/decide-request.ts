/**
 * The hot path: from a playback request to a decision.
 *
 *   identity  verify the playback session (cached until it expires) or, with
 *             none, the device token (cached until `exp`)
 *   network   client address → prefix → keyed network id (and, only on a
 *             shared home network, the whole address's keyed id)
 *   state     household snapshot (isolate cache, else one KV read)
 *   policy    decide() — pure
 *
 * Nothing here awaits a write. A "no" is confirmed with the account's Durable
 * Object before it is served; news about the visit ("seen at home", a new
 * household) goes to the Durable Object through `waitUntil`, and only when
 * the snapshot does not already know it.
 */
import { onSharedHomeNetwork } from '../household/home-networks';
import type { Visit } from '../household/household';
import { visitIsNews } from '../household/visits';
import type { DeviceIdentity } from '../identity/device-token';
import type { TokenFailureReason } from '../identity/jwt-verifier';
import { sessionCredential, type SessionFailureReason } from '../session/playback-session';
import { clientAddress, type AddressId, type NetworkId } from '../network/network-id';
import type { HouseholdRead } from '../state/household-read-model';
import { decide, type Decision } from '../policy/decide';
import { effectiveMode, FALLBACK_REGION, rolloutBucket, ruleFor, type AppliedRule } from '../policy/rollout';
import type { ReplayBuckets } from '../metrics/tally';
import { currentRollout } from '../state/rollout-read-model';
import type { Gate } from '../gate';
import { metricsRegion, requestRegion } from './region';
import { type Mode } from '../vocabulary';
import type { HouseholdHash } from '../metrics/household-sketch';
import type { Result } from '../result';

export type RequestDecision = Result<
  {
    device: DeviceIdentity;
    networkId: NetworkId | null;
    decision: Decision;
    replay: ReplayBuckets | null;
    /** The account's keyed household hash, for the household sketches (sessions only: with `replayBuckets`). */
    household: HouseholdHash | null;
  },
  { reason: TokenFailureReason | 'DEVICE_PROOF_REQUIRED' }
>;

export interface DecideOptions {
  /** Record the visit in the household (playback and the decision endpoint do). */
  record: boolean;
  /** Decide on the Durable Object's state from the start (before acting on the answer). */
  authoritative?: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Also work out the account's buckets under the region's own key and `*` (sessions, so previews can replay them). */
  replayBuckets?: boolean;
  /** A session start (`GET /gate/v1/decision`): "last seen" is kept to within an hour, not a day (household.ts). */
  session?: boolean;
  /** The request's network id, when the caller has worked it out already (a playback session's check). */
  networkId?: NetworkId | null;
}

/** Which rule applies to an account in the request's region, and the mode it puts the account under. */
export interface PolicyContext {
  region: string | null;
  appliedRule: AppliedRule;
  bucket: number;
  mode: Mode;
  policyVersion: number;
  /** The buckets a preview replays this account with, when asked for. */
  replay: ReplayBuckets | null;
}

/** The account's keyed household hash (household-sketch.ts), cached (it never changes while the key stays). */
export async function householdHashFor(gate: Gate, accountId: string, now: number): Promise<HouseholdHash> {
  let hash = gate.householdHashes.get(accountId, now);
  if (hash === undefined) {
    hash = await gate.householdHasher.hash(accountId);
    gate.householdHashes.set(accountId, hash, Number.POSITIVE_INFINITY);
  }
  return hash;
}

/** The account's bucket under a rule key, cached (it never changes). */
async function bucketFor(gate: Gate, ruleKey: string, accountId: string, now: number): Promise<number> {
  const cacheKey = `${ruleKey}:${accountId}`;
  let bucket = gate.buckets.get(cacheKey, now);
  if (bucket === undefined) {
    bucket = await rolloutBucket(ruleKey, accountId);
    gate.buckets.set(cacheKey, bucket, Number.POSITIVE_INFINITY);
  }
  return bucket;
}

export async function policyContext(gate: Gate, request: Request, accountId: string, now: number, replay = false): Promise<PolicyContext> {
  const rollout = await currentRollout(gate.env, now);
  const region = requestRegion(request, gate.config.environment);
  const appliedRule = ruleFor(rollout, region);
  const bucket = await bucketFor(gate, appliedRule.key, accountId, now);
  const buckets = replay
    ? {
        region: appliedRule.key === region ? bucket : await bucketFor(gate, metricsRegion(region), accountId, now),
        fallback: appliedRule.key === FALLBACK_REGION ? bucket : await bucketFor(gate, FALLBACK_REGION, accountId, now),
      }
    : null;
  return { region, appliedRule, bucket, mode: effectiveMode(appliedRule.rule, bucket), policyVersion: rollout.version, replay: buckets };
}

/**
 * Whether a "no" decided on a snapshot is checked with the account's Durable
 * Object before it is served: a snapshot from KV may lag a code verified or a
 * grant given elsewhere. Not when the snapshot came from the object moments
 * ago (CONFIRMATION_REUSE_MS), nor when there is no snapshot at all (row 2
 * has answered), nor for a sign-out (it never lapses).
 */
function refusalToConfirm(gate: Gate, accountId: string, snapshot: HouseholdRead, decision: Decision, options: DecideOptions, now: number): boolean {
  if (options.authoritative || snapshot === 'unavailable') return false;
  // A refusal for another key (DEVICE_PROOF_REQUIRED) is confirmed like any "no": a sign-out elsewhere may have forgotten the key.
  if (decision.decision === 'allow' || decision.reason === 'DEVICE_REVOKED') return false;
  return !gate.households.recentlyConfirmed(accountId, now);
}

/** Verifies the request's device token, then decides for its device. */
export async function decideRequest(gate: Gate, request: Request, now: number, options: DecideOptions): Promise<RequestDecision> {
  const identity = await gate.deviceTokens.identify(request.headers, now);
  if (!identity.ok) return identity;
  // Contract §2.1: a bound token alone (and under DEVICE_BINDING=required any token) never plays — its proof is for the decision endpoint.
  if (identity.device.keyThumbprint !== null || gate.config.deviceBinding === 'required') return { ok: false, reason: 'DEVICE_PROOF_REQUIRED' };
  return decideForDevice(gate, request, identity.device, now, options);
}

/** Why a playback path refuses a request before any decision: its token, or its playback session. */
export type PlaybackCredentialFailure = TokenFailureReason | SessionFailureReason | 'SESSION_REQUIRED' | 'DEVICE_PROOF_REQUIRED';

export type PlaybackDecision = RequestDecision | { ok: false; reason: SessionFailureReason | 'SESSION_REQUIRED' };

/**
 * Decides a playback request (contract §2.1, "Using a session"). A request
 * that carries a playback session (`Hearth-Session`, else the
 * `hearth_session` cookie) is decided on the session alone — any token
 * beside it is not even read: the session was issued after that token (and
 * its proof) was checked, and it is the cheaper and narrower credential. A
 * session from another network than its own is `SESSION_INVALID` before
 * anything is decided or recorded, so a copied session records no visit.
 * Without a session, the device token decides, unless it is bound or
 * DEVICE_BINDING is `required`: then a token alone is `SESSION_REQUIRED`.
 */
export async function decidePlayback(gate: Gate, request: Request, now: number, options: DecideOptions): Promise<PlaybackDecision> {
  const credential = sessionCredential(request.headers);
  if (credential === null) {
    const identity = await gate.deviceTokens.identify(request.headers, now);
    if (!identity.ok) return identity;
    if (identity.device.keyThumbprint !== null || gate.config.deviceBinding === 'required') return { ok: false, reason: 'SESSION_REQUIRED' };
    return decideForDevice(gate, request, identity.device, now, options);
  }
  const [verified, networkId] = await Promise.all([gate.sessions.verify(credential, now), gate.networks.networkId(clientAddress(request.headers))]);
  if (!verified.ok) return verified;
  const { session } = verified;
  if (session.networkId !== networkId) return { ok: false, reason: 'SESSION_INVALID' };
  // The session's issue time stands for the token's: a sign-out or an erase after it revokes it (decision row 1).
  const device: DeviceIdentity = {
    accountId: session.accountId,
    deviceId: session.deviceId,
    deviceType: session.deviceType,
    issuedAtSeconds: session.issuedAtSeconds,
    keyThumbprint: session.keyThumbprint,
  };
  return decideForDevice(gate, request, device, now, { ...options, networkId });
}

/** The decision for an already signed-in device, on this request's network and region. */
export async function decideForDevice(gate: Gate, request: Request, device: DeviceIdentity, now: number, options: DecideOptions): Promise<Extract<RequestDecision, { ok: true }>> {

  const address = clientAddress(request.headers);
  const [networkId, policy, snapshot, householdHash] = await Promise.all([
    options.networkId !== undefined ? options.networkId : gate.networks.networkId(address),
    policyContext(gate, request, device.accountId, now, options.replayBuckets),
    options.authoritative ? gate.households.confirm(device.accountId, now) : gate.households.read(device.accountId, now),
    options.replayBuckets ? householdHashFor(gate, device.accountId, now) : null,
  ]);
  // The address id is one more HMAC: worked out (once) only where row 6 reads it, a shared home network.
  // Elsewhere this is null and nothing is awaited.
  let addressIdOnce: Promise<AddressId | null> | undefined;
  const addressIdWhereShared = (household: HouseholdRead) =>
    onSharedHomeNetwork(household, networkId, gate.limits, now) ? (addressIdOnce ??= gate.networks.addressId(address)) : null;
  const pendingAddressId = addressIdWhereShared(snapshot);

  const { region, appliedRule, bucket, policyVersion } = policy;
  const input = { device, networkId, addressId: pendingAddressId && (await pendingAddressId), region, appliedRule, bucket, household: snapshot, policyVersion };
  let decision = decide(input, gate.limits, now);
  let household = snapshot;
  if (refusalToConfirm(gate, device.accountId, snapshot, decision, options, now)) {
    const confirmed = await gate.households.confirm(device.accountId, now);
    if (confirmed === 'unavailable') {
      // Contract §4: a refusal the source of truth could not confirm stands — never an allow, never STATE_UNAVAILABLE.
      console.error(JSON.stringify({ event: 'refusal_unconfirmed', reason: decision.reason }));
    } else {
      household = confirmed;
      const confirmedAddressId = addressIdWhereShared(household);
      decision = decide({ ...input, household, addressId: confirmedAddressId && (await confirmedAddressId) }, gate.limits, now);
    }
  }

  if (options.record && decision.mode !== 'off' && household !== 'unavailable' && decision.reason !== 'DEVICE_REVOKED' && decision.reason !== 'DEVICE_PROOF_REQUIRED') {
    const visitAddress = addressIdWhereShared(household);
    const visit: Visit = { deviceId: device.deviceId, deviceType: device.deviceType, networkId, addressId: visitAddress && (await visitAddress), at: now };
    if (visitIsNews(household, visit, gate.limits, { session: options.session === true })) {
      options.waitUntil(
        (async () => {
          // A write is rare (news only): it carries the address id and the network's holder id, for the
          // household's Durable Object to read the network's sharing count and keep the TV's address.
          const [visitAddressId, holderId] = await Promise.all([
            visit.addressId ?? gate.networks.addressId(address),
            networkId === null ? null : gate.networks.holderId(networkId, device.accountId),
          ]);
          await gate.households.recordVisit(device.accountId, { ...visit, addressId: visitAddressId }, gate.limits, { holderId, issuedAtSeconds: device.issuedAtSeconds, keyThumbprint: device.keyThumbprint });
        })().catch((error: unknown) => {
          console.error(JSON.stringify({ event: 'visit_not_recorded', error: String(error) }));
        }),
      );
    }
  }
  return { ok: true, device, networkId, decision, replay: policy.replay, household: householdHash };
}
