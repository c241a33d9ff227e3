/**
 * Steps 2–4 of a request (DESIGN's identify → network → state → decide →
 * respond/record), for a device already identified (identify.ts):
 *
 *   network   client address → prefix → keyed network id (and, only on a
 *             shared home network, the whole address's keyed id)
 *   state     household snapshot (isolate cache, else one KV read); the
 *             Durable Object's own state when a change follows (`change`)
 *   decide    the region's rule and the account's bucket, then decide() — pure
 *
 * Nothing here writes or awaits a write. A "no" decided on a snapshot is
 * confirmed with the account's Durable Object before it is served. What the
 * decision was made on travels on in the result, for the visit the route
 * may record (record.ts): row 6 is answered once, by decide().
 */
import { onSharedHomeNetwork } from '../household/home-networks';
import type { DeviceIdentity } from '../identity/device-token';
import { clientAddress, type AddressId, type NetworkId } from '../network/network-id';
import type { HouseholdRead } from '../state/household-read-model';
import { decide, STATE_UNAVAILABLE, type Decision, type DecisionInput } from '../policy/decide';
import { effectiveMode, FALLBACK_REGION, rolloutBucket, ruleFor, type AppliedRule } from '../policy/rollout';
import type { ReplayBuckets } from '../metrics/tally';
import type { Gate } from '../gate';
import { metricsRegion, requestRegion } from './region';
import { type Mode } from '../vocabulary';
import type { HouseholdHash } from '../metrics/household-sketch';
import type { Identified } from './identify';
import { logged } from '../version';

/**
 * What a decision is for, which sets how it is made:
 * - `segment`: a playback request; decided on the snapshot, its visit recorded.
 * - `session`: `GET /gate/v1/decision`, a session start; as `segment`, plus the
 *   account's replay buckets and household hash for the metrics, and "last
 *   seen" kept to within an hour (seen.ts).
 * - `look`: the help page; decided on the snapshot, nothing recorded.
 * - `change`: the device API before it changes something (asking for a code);
 *   decided on the Durable Object's state from the start, nothing recorded.
 */
export type Purpose = 'segment' | 'session' | 'look' | 'change';

/** A decision, with what it was made on. */
export interface Decided {
  device: DeviceIdentity;
  /** The client address as the network step read it (never stored or logged; the visit's address id is made from it). */
  address: string | null;
  networkId: NetworkId | null;
  /** The address's keyed id, worked out only where row 6 reads it (a shared home network); null elsewhere. */
  addressId: AddressId | null;
  /** The household the decision was made on: the snapshot, or the Durable Object's state when it confirmed a "no". */
  household: HouseholdRead;
  decision: Decision;
  /** The account's buckets under the region's own key and `*` (sessions, so previews can replay them). */
  replay: ReplayBuckets | null;
  /** The account's keyed household hash, for the household sketches (sessions only). */
  householdHash: HouseholdHash | null;
  /** When it was decided. */
  at: number;
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
  const rollout = await gate.rollouts.current(now);
  const region = requestRegion(request, gate.config.environment);
  const appliedRule = ruleFor(rollout, region, now);
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
 * grant given elsewhere. Not when the state came from the object already
 * (`change`, or a snapshot from it moments ago: CONFIRMATION_REUSE_MS), nor
 * when there is no snapshot at all (row 2 has answered), nor for a sign-out
 * (it never lapses).
 */
function refusalToConfirm(gate: Gate, accountId: string, snapshot: HouseholdRead, decision: Decision, purpose: Purpose, now: number): boolean {
  if (purpose === 'change' || !snapshot.ok) return false;
  // A refusal for another key (DEVICE_PROOF_REQUIRED) is confirmed like any "no": a sign-out elsewhere may have forgotten the key.
  if (decision.decision === 'allow' || decision.reason === 'DEVICE_REVOKED') return false;
  return !gate.households.recentlyConfirmed(accountId, now);
}

/** The state a decision reads: the household read, or row 2's STATE_UNAVAILABLE. */
function decisionState(read: HouseholdRead): DecisionInput['household'] {
  return read.ok ? read.value : STATE_UNAVAILABLE;
}

/** Network, state and decision for an identified device, on this request's network and region. */
export async function decideForDevice(gate: Gate, request: Request, { device, networkId: known }: Identified, now: number, purpose: Purpose): Promise<Decided> {
  const address = clientAddress(request.headers);
  const session = purpose === 'session';
  const [networkId, policy, snapshot, householdHash] = await Promise.all([
    known !== undefined ? known : gate.networks.networkId(address),
    policyContext(gate, request, device.accountId, now, session),
    purpose === 'change' ? gate.households.confirm(device.accountId, now) : gate.households.read(device.accountId, now),
    session ? householdHashFor(gate, device.accountId, now) : null,
  ]);
  // The address id is one more HMAC: worked out (once) only where row 6 reads it, a shared home network.
  // Elsewhere it is null and nothing is awaited.
  let addressIdOnce: Promise<AddressId | null> | undefined;
  const addressIdWhereShared = (household: HouseholdRead) =>
    household.ok && onSharedHomeNetwork(household.value, networkId, gate.limits, now) ? (addressIdOnce ??= gate.networks.addressId(address)) : null;
  const pendingAddressId = addressIdWhereShared(snapshot);

  const { region, appliedRule, bucket, policyVersion } = policy;
  const input = { device, networkId, addressId: pendingAddressId && (await pendingAddressId), region, appliedRule, bucket, household: decisionState(snapshot), policyVersion };
  let decided: Decided = { device, address, networkId, addressId: input.addressId, household: snapshot, decision: decide(input, gate.limits, now), replay: policy.replay, householdHash, at: now };
  if (refusalToConfirm(gate, device.accountId, snapshot, decided.decision, purpose, now)) {
    const confirmed = await gate.households.confirm(device.accountId, now);
    if (!confirmed.ok) {
      // Contract §4: a refusal the source of truth could not confirm stands — never an allow, never STATE_UNAVAILABLE.
      console.error(logged({ event: 'refusal_unconfirmed', reason: decided.decision.reason }));
    } else {
      const pending = addressIdWhereShared(confirmed);
      const addressId = pending && (await pending);
      decided = { ...decided, household: confirmed, addressId, decision: decide({ ...input, household: confirmed.value, addressId }, gate.limits, now) };
    }
  }
  return decided;
}
