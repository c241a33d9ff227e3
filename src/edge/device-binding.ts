/**
 * Device binding at the edge (contract §2.1): where a proof is required —
 * `GET /gate/v1/decision` and every device-API call — a bound token must come
 * as `Authorization: DPoP` with a valid proof of its key, and under
 * `DEVICE_BINDING=required` an unbound token is refused.
 *
 * Cost: the proof's signature check, then one call to the account's Durable
 * Object, which accepts the proof's `jti` once and records (or checks) the
 * device's key in the same step. Players ask for a decision once per session,
 * so this is paid once per session, never per segment; unbound tokens under
 * `optional` pay nothing.
 */
import type { Gate } from '../gate';
import { DEVICE_COOKIE, type DeviceIdentity } from '../identity/device-token';
import { verifyDeviceProof, type ProofFailure } from '../identity/device-proof';
import { requestCredential } from '../identity/jwt-verifier';
import { err, ok, type Result } from '../result';

/** `state-unavailable`: the account's Durable Object could not be asked (answered 503, never an allow). */
export type DeviceBindingCheck = Result<void, ProofFailure | 'state-unavailable'>;

/** Whether the request proves it comes from the device its token names (or needs not, for an unbound token under `optional`). */
export async function checkDeviceBinding(gate: Gate, request: Request, device: DeviceIdentity, now: number): Promise<DeviceBindingCheck> {
  const credential = requestCredential(request.headers, DEVICE_COOKIE);
  if (device.keyThumbprint === null) {
    // RFC 9449 §7.1: the DPoP scheme names a bound token; an unbound one sent under it (whatever proof beside it) is refused.
    return gate.config.deviceBinding === 'required' || credential?.scheme === 'DPoP' ? err('unbound') : ok();
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
  if (!proof.ok) return proof;
  let accepted;
  try {
    // When the key was just recorded, this isolate decides on the household that knows it.
    accepted = await gate.households.change(device.accountId, async (store) =>
      store.acceptProof(device.accountId, {
        deviceId: device.deviceId,
        deviceType: device.deviceType,
        keyThumbprint: device.keyThumbprint!,
        jti: proof.value,
        issuedAtSeconds: device.issuedAtSeconds,
      }),
    );
  } catch {
    return err('state-unavailable');
  }
  return accepted.ok ? ok() : err(accepted.error.reason);
}
