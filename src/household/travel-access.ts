/**
 * What a verified access code gives (docs/api.md, "Ways back in"), as a pure
 * step: temporary access for the device — unless, in `enforce`, it has used
 * its travel grants for the travel window. The account's Durable Object
 * applies it once the code checks out; the personas simulation applies the
 * same step on its own clock.
 */
import { keyStanding, travelGrantsUsed } from './devices';
import type { Household, HouseholdLimits } from './household';
import { grantTemporaryAccess } from './transitions';
import type { DeviceType } from '../vocabulary';
import { err, ok, type Result } from '../result';

export interface AccessGrantRequest {
  deviceId: string;
  deviceType: DeviceType;
  temporaryAccessMs: number;
  /** In `enforce`, a verified code grants access only while travel grants are left. */
  enforceTravelLimit: boolean;
  /** The key the verifying token is bound to (null: unbound): the access belongs to it (contract §2.1). */
  keyThumbprint?: string | null;
}

export type AccessGrant = Result<Household, { reason: 'TRAVEL_LIMIT_REACHED' | 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' }>;

/**
 * A code verified away from home cannot give a key to an id with unbound
 * history (contract §2.1, "The first key"): a device bound since it was last
 * home is sent home first (`BIND_AT_HOME`), or the old id is signed out with
 * the owner's code — never is the id's standing handed to a new key.
 */
export function verifiedAccess(current: Household, request: AccessGrantRequest, limits: HouseholdLimits, now: number): AccessGrant {
  const key = request.keyThumbprint ?? null;
  const standing = keyStanding(current, { deviceId: request.deviceId, keyThumbprint: key }, () => false);
  if (standing === 'stranger') return err({ reason: 'BIND_AT_HOME' });
  if (standing === 'other-key') return err({ reason: 'DEVICE_PROOF_REQUIRED' });
  if (request.enforceTravelLimit && travelGrantsUsed(current.devices.get(request.deviceId), limits, now) >= limits.travelGrantsPerWindow) {
    return err({ reason: 'TRAVEL_LIMIT_REACHED' });
  }
  return ok(grantTemporaryAccess(current, request.deviceId, request.deviceType, request.temporaryAccessMs, limits, now, key));
}
