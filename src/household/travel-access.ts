/**
 * What a verified access code gives (docs/api.md, "Ways back in"), as a pure
 * step: temporary access for the device — unless, in `enforce`, it has used
 * its travel grants for the travel window. The account's Durable Object
 * applies it once the code checks out; the personas simulation applies the
 * same step on its own clock.
 */
import { travelGrantsUsed } from './devices';
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
}

export type AccessGrant = Result<Household, { reason: 'TRAVEL_LIMIT_REACHED' }>;

export function verifiedAccess(current: Household, request: AccessGrantRequest, limits: HouseholdLimits, now: number): AccessGrant {
  if (request.enforceTravelLimit && travelGrantsUsed(current.devices.get(request.deviceId), limits, now) >= limits.travelGrantsPerWindow) {
    return err({ reason: 'TRAVEL_LIMIT_REACHED' });
  }
  return ok(grantTemporaryAccess(current, request.deviceId, request.deviceType, request.temporaryAccessMs, limits, now));
}
