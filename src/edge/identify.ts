/**
 * Step 1 of a request, identify: which device is asking (DESIGN's
 * identify → network → state → decide → respond/record).
 *
 * A playback path takes a playback session (`Hearth-Session`, else the
 * `hearth_session` cookie; contract §2.1, "Using a session") or, with none,
 * the device token. A session is checked against the request's network
 * here, so the network id it needed travels on with the identity and is not
 * worked out twice. `GET /gate/v1/decision` and the device API identify
 * through their operation's sign-in (app.ts), which also checks the DPoP
 * proof of a bound token (device-binding.ts).
 */
import type { Gate } from '../gate';
import type { DeviceIdentity } from '../identity/device-token';
import type { TokenFailureReason } from '../identity/jwt-verifier';
import { clientAddress, type NetworkId } from '../network/network-id';
import { err, ok, type Result } from '../result';
import { sessionCredential, type SessionFailureReason } from '../session/playback-session';

/** A device, identified; with the request's network id when identifying already worked it out. */
export interface Identified {
  device: DeviceIdentity;
  networkId?: NetworkId | null;
}

/** Why a request is refused before any decision: its token, its playback session, or its missing proof. */
export type CredentialFailure = TokenFailureReason | SessionFailureReason | 'SESSION_REQUIRED' | 'DEVICE_PROOF_REQUIRED';

export type Identification = Result<Identified, { reason: CredentialFailure }>;

/**
 * A playback request's device. With a session, the session alone speaks —
 * any token beside it is not even read: the session was issued after that
 * token (and its proof) was checked, and it is the cheaper and narrower
 * credential. A session from another network than its own is
 * `SESSION_INVALID` before anything is decided or recorded, so a copied
 * session records no visit. Without a session the device token speaks,
 * unless it is bound or DEVICE_BINDING is `required`: then a token alone is
 * `SESSION_REQUIRED` (its proof is for the decision endpoint).
 */
export async function identifyPlayback(gate: Gate, request: Request, now: number): Promise<Identification> {
  const credential = sessionCredential(request.headers);
  if (credential === null) return identifyByToken(gate, request, now, 'SESSION_REQUIRED');
  const [verified, networkId] = await Promise.all([gate.sessions.verify(credential, now), gate.networks.networkId(clientAddress(request.headers))]);
  if (!verified.ok) return verified;
  const session = verified.value;
  if (session.networkId !== networkId) return err({ reason: 'SESSION_INVALID' });
  // The session's issue time stands for the token's: a sign-out or an erase after it revokes it (decision row 1).
  const device: DeviceIdentity = {
    accountId: session.accountId,
    deviceId: session.deviceId,
    deviceType: session.deviceType,
    issuedAtSeconds: session.issuedAtSeconds,
    keyThumbprint: session.keyThumbprint,
  };
  return ok({ device, networkId });
}

/**
 * The device its token names, where no proof can come with it (a playback
 * path, the help page): a bound token — and under DEVICE_BINDING=required any
 * token — is refused with `whenBound`, since only a proof of its key lets it
 * speak (contract §2.1).
 */
export async function identifyByToken(gate: Gate, request: Request, now: number, whenBound: 'SESSION_REQUIRED' | 'DEVICE_PROOF_REQUIRED'): Promise<Identification> {
  const identity = await gate.deviceTokens.identify(request.headers, now);
  if (!identity.ok) return identity;
  if (identity.value.keyThumbprint !== null || gate.config.deviceBinding === 'required') return err({ reason: whenBound });
  return ok({ device: identity.value });
}
