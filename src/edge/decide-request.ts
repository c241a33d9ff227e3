/**
 * The hot path: from a playback request to a decision.
 *
 *   identity  verify the device token (cached until `exp`)
 *   network   client address → prefix → keyed network id
 *   state     household snapshot (isolate cache, else one KV read)
 *   policy    decide() — pure
 *
 * Nothing here awaits a write. A "no" is confirmed with the account's Durable
 * Object before it is served; news about the visit ("seen at home", a new
 * household) goes to the Durable Object through `waitUntil`, and only when
 * the snapshot does not already know it.
 */
import { visitIsNews, type Visit } from '../household/household';
import type { DeviceIdentity } from '../identity/device-token';
import type { TokenFailureReason } from '../identity/jwt-verifier';
import { clientAddress, type NetworkId } from '../network/network-id';
import { decide, type Decision } from '../policy/decide';
import { rolloutBucket, ruleFor } from '../policy/rollout';
import { currentRollout } from '../state/rollout-read-model';
import type { Gate } from '../gate';
import { requestRegion } from './region';

export type RequestDecision =
  | { ok: false; reason: TokenFailureReason }
  | { ok: true; device: DeviceIdentity; networkId: NetworkId | null; decision: Decision };

export interface DecideOptions {
  /** Record the visit in the household (playback and the decision endpoint do; explain does not). */
  record: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
}

export async function decideRequest(gate: Gate, request: Request, now: number, options: DecideOptions): Promise<RequestDecision> {
  const identity = await gate.deviceTokens.identify(request.headers, now);
  if (!identity.ok) return identity;
  const { device } = identity;

  const [networkId, rollout] = await Promise.all([
    gate.networks.networkId(clientAddress(request.headers)),
    currentRollout(gate.env, now),
  ]);
  const region = requestRegion(request, gate.config.environment);
  const appliedRule = ruleFor(rollout, region);
  const [bucket, snapshot] = await Promise.all([
    rolloutBucket(appliedRule.key, device.accountId),
    gate.households.read(device.accountId, now),
  ]);

  const input = { device, networkId, region, appliedRule, bucket, household: snapshot, policyVersion: rollout.version };
  let decision = decide(input, gate.limits, now);
  let household = snapshot;
  if (decision.decision !== 'allow' && decision.reason !== 'DEVICE_REVOKED') {
    household = await gate.households.confirm(device.accountId, now);
    decision = decide({ ...input, household }, gate.limits, now);
  }

  if (options.record && decision.mode !== 'off' && household !== 'unavailable' && decision.reason !== 'DEVICE_REVOKED') {
    const visit: Visit = { deviceId: device.deviceId, deviceType: device.deviceType, networkId, at: now };
    if (visitIsNews(household, visit, gate.limits)) {
      options.waitUntil(
        gate.households.recordVisit(device.accountId, visit, gate.limits).catch((error: unknown) => {
          console.error(JSON.stringify({ event: 'visit_not_recorded', error: String(error) }));
        }),
      );
    }
  }
  return { ok: true, device, networkId, decision };
}
