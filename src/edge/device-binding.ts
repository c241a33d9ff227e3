/**
 * Device binding at the edge (contract §2.1): where a proof is required —
 * `GET /gate/v1/decision` and every device-API call — a bound token must come
 * as `Authorization: DPoP` with a valid proof of its key, and under
 * `DEVICE_BINDING=required` an unbound token is refused.
 *
 * Cost: the proof's signature check, then one call to the account's Durable
 * Object, which refuses a signed-out device's proof before counting it,
 * checks the device's key, and accepts the proof's `jti` once per device
 * (state/proof-ledger.ts). The key itself is recorded where the device is
 * written (its visit), never by a proof alone. Players ask for a decision once per session,
 * so this is paid once per session, never per segment; unbound tokens under
 * `optional` pay nothing.
 */
import type { Gate } from '../gate';
import { DEVICE_COOKIE, type DeviceIdentity } from '../identity/device-token';
import { verifyDeviceProof, type ProofFailure } from '../identity/device-proof';
import { requestCredential } from '../identity/jwt-verifier';
import { err, ok, type Result } from '../result';
import type { EventContext } from '../state/household-events';

/**
 * Why a device's binding was refused: a proof failure (the log's code; the
 * caller reads DEVICE_PROOF_REQUIRED), `revoked` (the device was signed out
 * or its account erased: DEVICE_REVOKED, before the proof is counted),
 * `rate-limited` (this device's own proofs past their allowance: 429), or
 * `state-unavailable` (the account's Durable Object could not be asked:
 * 503, never an allow).
 */
export type BindingRefusal = { reason: ProofFailure | 'revoked' | 'state-unavailable' } | { reason: 'rate-limited'; retryAfterSeconds: number };

export type DeviceBindingCheck = Result<void, BindingRefusal>;

/** Whether the request proves it comes from the device its token names (or needs not, for an unbound token under `optional`). */
export async function checkDeviceBinding(gate: Gate, request: Request, device: DeviceIdentity, now: number, context?: EventContext): Promise<DeviceBindingCheck> {
  const credential = requestCredential(request.headers, DEVICE_COOKIE);
  if (device.keyThumbprint === null) {
    // RFC 9449 §7.1: the DPoP scheme names a bound token; an unbound one sent under it (whatever proof beside it) is refused.
    return gate.config.deviceBinding === 'required' || credential?.scheme === 'DPoP' ? err({ reason: 'unbound' }) : ok();
  }
  const proof = await verifyDeviceProof(
    {
      method: request.method,
      url: request.url,
      token: credential?.token ?? '',
      scheme: credential?.scheme ?? null,
      proof: request.headers.get('DPoP'),
      keyThumbprint: device.keyThumbprint,
    },
    now,
  );
  if (!proof.ok) return err({ reason: proof.error });
  try {
    const accepted = await gate.households.store(device.accountId).acceptProof(device.accountId, {
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      keyThumbprint: device.keyThumbprint,
      jti: proof.value,
      issuedAtSeconds: device.issuedAtSeconds,
      ...(context ? { context } : {}),
    });
    return accepted.ok ? ok() : accepted;
  } catch {
    return err({ reason: 'state-unavailable' });
  }
}
