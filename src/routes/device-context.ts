/**
 * What every device-API handler starts from: the signed-in device's
 * household confirmed with its Durable Object (a device signed out since
 * its token, or speaking with another key, is refused), the shape of a code
 * request, and the context of the owner's events. Shared by device-api.ts
 * and household-homes.ts.
 */
import { isOtherKey, isSignedOut } from '../household/devices';
import type { Household } from '../household/household';
import type { DeviceIdentity } from '../identity/device-token';
import type { AppContext } from '../http/context';
import { metricsRegion, requestRegion } from '../edge/region';
import { err, type Result } from '../result';
import type { EventContext } from '../state/household-events';
import type { ChallengeRequest } from '../state/household-store';
import type { Mode } from '../vocabulary';
import type { Refusal } from './refusal';

export const CHALLENGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A device-API step that either goes on with its value or stops with a refusal (told in routes/refusal.ts). */
export type Checked<Value> = Result<Value, Refusal>;

/** The signed-in device's household, straight from the Durable Object; a device signed out since its token was issued is refused. */
export async function confirmedHousehold(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<Household | null>> {
  const confirmed = await c.get('gate').households.confirm(device.accountId, now);
  if (!confirmed.ok) return confirmed;
  const household = confirmed.value;
  if (isSignedOut(household, device.deviceId, device.issuedAtSeconds)) return err({ reason: 'DEVICE_REVOKED' });
  // Contract §2.1: a device id seen bound answers only to its key (a bound token's proof was checked at sign-in).
  if (isOtherKey(household, device.deviceId, device.keyThumbprint)) return err({ reason: 'DEVICE_PROOF_REQUIRED' });
  return confirmed;
}

/** Where a code is asked for, and what the household store checks before it opens one. */
export interface CodeRequest {
  region: string;
  mode: Mode;
  /** The rollout version `mode` comes from. */
  policyVersion: number;
  request: ChallengeRequest;
}

/** Where a change is asked and in what language: for the owner's event it makes. */
export function eventContext(c: AppContext): EventContext {
  return { region: metricsRegion(requestRegion(c.req.raw, c.get('gate').config.environment)), locale: c.get('locale') };
}

/** The signed-in TV's household, confirmed as `confirmedHousehold` does; any other device is `DEVICE_TYPE_NOT_ALLOWED` (only a TV moves or adds a home). */
export async function confirmedTv(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<Household | null>> {
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return confirmed;
  return device.deviceType === 'tv' ? confirmed : err({ reason: 'DEVICE_TYPE_NOT_ALLOWED', deviceType: device.deviceType });
}
