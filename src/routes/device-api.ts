/**
 * The device API (docs/api.md): the fair ways back in for a device outside
 * the household — a code sent to the account owner, temporary access, moving
 * the primary location — and the account's device list and sign-out.
 *
 * Every handler acts on the account's Durable Object (the source of truth),
 * never on a possibly stale snapshot, and keeps what the object returns, so
 * the device's very next request is decided on the new state.
 */
import type { HandlerInput } from '../api/operation';
import type { challengeParam, deviceIdParam, verifyBody } from '../api/schemas';
import { deliverCode } from '../challenges/notify';
import { decideForDevice, householdHashFor, policyContext } from '../edge/decide-request';
import { metricsRegion, requestRegion } from '../edge/region';
import type { FunnelEvent } from '../metrics/tally';
import type { Mode } from '../vocabulary';
import { STATE_RETRY_AFTER_SECONDS, tokenProblem } from '../edge/decision-response';
import { deviceViews, householdView } from '../api/views';
import { isSignedOut, type Household } from '../household/household';
import type { DeviceIdentity } from '../identity/device-token';

import type { AppContext } from '../http/context';
import { problemFor } from '../http/problem';
import { clientAddress } from '../network/network-id';
import { CHALLENGES_PER_ACCOUNT_PER_HOUR, CHALLENGES_PER_DEVICE_PER_HOUR, type VerifyChallengeResult } from '../state/household-store';

const CHALLENGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The signed-in device's household, straight from the Durable Object; a device signed out since its token was issued is refused. */
async function confirmedHousehold(c: AppContext, device: DeviceIdentity, now: number): Promise<Household | null | Response> {
  const household = await c.get('gate').households.confirm(device.accountId, now);
  if (household === 'unavailable') return problemFor(c, 'STATE_UNAVAILABLE', { headers: { 'Retry-After': String(STATE_RETRY_AFTER_SECONDS) } });
  if (isSignedOut(household, device.deviceId, device.issuedAtSeconds)) return tokenProblem('DEVICE_REVOKED', c.get('requestId'), c.get('locale'));
  return household;
}

/** `POST /gate/v1/challenges`: send a code to the account owner. */
export async function openChallenge(c: AppContext, { device }: HandlerInput<'device'>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const { decision } = await decideForDevice(gate, c.req.raw, device, now, { record: false, authoritative: true, waitUntil: (p) => c.executionCtx.waitUntil(p) });
  if (decision.reason === 'DEVICE_REVOKED') return tokenProblem('DEVICE_REVOKED', c.get('requestId'), c.get('locale'));
  if (decision.reason === 'STATE_UNAVAILABLE') return problemFor(c, 'STATE_UNAVAILABLE', { status: 503, headers: { 'Retry-After': String(STATE_RETRY_AFTER_SECONDS) } });
  if (decision.decision === 'allow') {
    return problemFor(c, 'NOT_REQUIRED', { detail: `This device is allowed (${decision.reason}); no code is needed.`, extra: { decisionReason: decision.reason } });
  }
  if (decision.reason === 'TRAVEL_LIMIT_REACHED') return problemFor(c, 'TRAVEL_LIMIT_REACHED', { extra: { decision: decision.decision, policyVersion: decision.policyVersion } });

  const store = gate.households.store(device.accountId);
  const opened = await store.openChallenge(device.deviceId, gate.config.codeTtlMs, metricsRegion(decision.region));
  if (!opened.ok) {
    const detail =
      opened.limit === 'account'
        ? `This account was sent ${CHALLENGES_PER_ACCOUNT_PER_HOUR} codes in the last hour; the next can be sent in ${opened.retryAfterSeconds} s.`
        : `This device asked for ${CHALLENGES_PER_DEVICE_PER_HOUR} codes in the last hour; the next can be sent in ${opened.retryAfterSeconds} s.`;
    return problemFor(c, 'CHALLENGE_RATE_LIMITED', { detail, headers: { 'Retry-After': String(opened.retryAfterSeconds) }, extra: { limit: opened.limit, retryAfterSeconds: opened.retryAfterSeconds } });
  }
  const expiresAt = new Date(opened.expiresAt).toISOString();
  const delivered = await deliverCode(
    gate.config.notify,
    {
      type: 'verification_code',
      accountId: device.accountId,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      code: opened.code,
      expiresAt,
      region: decision.region,
      locale: c.get('locale'),
    },
    now,
  );
  if (!delivered) {
    await store.withdrawChallenge(opened.challengeId);
    return problemFor(c, 'NOTIFY_FAILED');
  }
  await countFunnel(c, metricsRegion(decision.region), 'sent', decision.mode, device.accountId, now);
  return c.json({ challengeId: opened.challengeId, expiresAt }, 201, { 'Cache-Control': 'no-store' });
}

/**
 * Where a verification attempt lands in the funnel: a wrong code is `wrong`,
 * and the wrong code that uses up the attempts also `locked` (once per
 * challenge; guesses at a locked challenge are not counted again); an expired
 * code is `expired` (a used code tried again is not).
 */
function funnelEvents(result: VerifyChallengeResult): FunnelEvent[] {
  if (result.ok) return ['verified'];
  if (result.reason === 'CODE_INVALID') return result.attemptsRemaining === 0 ? ['wrong', 'locked'] : ['wrong'];
  if (result.reason === 'CHALLENGE_EXPIRED' && !result.used) return ['expired'];
  return [];
}

/** Counts one step of the verification funnel in `region` (a metrics region), with the account's household (flushed like decisions). */
async function countFunnel(c: AppContext, region: string, event: FunnelEvent, mode: Mode, accountId: string, now: number): Promise<void> {
  const gate = c.get('gate');
  const household = event === 'sent' || event === 'verified' ? await householdHashFor(gate, accountId, now) : null;
  gate.decisions.countFunnel(region, now, event, mode, household);
  gate.decisions.scheduleFlush(now, (p) => c.executionCtx.waitUntil(p));
}

/** `POST /gate/v1/challenges/{id}/verify`: check a code; success grants temporary access. */
export async function verifyChallenge(c: AppContext, { device, params, body }: HandlerInput<'device', { params: typeof challengeParam; body: typeof verifyBody }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const household = await confirmedHousehold(c, device, now);
  if (household instanceof Response) return household;
  // Any id that is not one of ours is simply not found (there is nothing to correct in it).
  const challengeId = params.id;
  if (!CHALLENGE_ID.test(challengeId)) return problemFor(c, 'CHALLENGE_NOT_FOUND');

  const policy = await policyContext(gate, c.req.raw, device.accountId, now);
  const result = await gate.households.store(device.accountId).verifyChallenge(device.accountId, {
    challengeId,
    deviceId: device.deviceId,
    deviceType: device.deviceType,
    guess: body.code,
    maxAttempts: gate.config.codeMaxAttempts,
    temporaryAccessMs: gate.config.temporaryAccessMs,
    enforceTravelLimit: policy.mode === 'enforce',
    limits: gate.limits,
  });
  // Counted where the code was sent (a challenge from before v1.3 remembers no region: the request's).
  const funnelRegion = result.region ?? metricsRegion(policy.region);
  for (const event of funnelEvents(result)) await countFunnel(c, funnelRegion, event, policy.mode, device.accountId, now);
  if (result.ok) {
    gate.households.remember(device.accountId, result.household, now, true);
    return c.json({ decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt: new Date(result.expiresAt).toISOString() }, 200, { 'Cache-Control': 'no-store' });
  }
  switch (result.reason) {
    case 'CODE_INVALID':
      return problemFor(c, 'CODE_INVALID', { extra: { attemptsRemaining: result.attemptsRemaining } });
    case 'CHALLENGE_EXPIRED':
      return problemFor(c, 'CHALLENGE_EXPIRED', result.used ? { detail: 'This code was already used. Ask for a new one if you need it.' } : {});
    default:
      return problemFor(c, result.reason);
  }
}

/** `POST /gate/v1/household/primary-location`: this TV's network becomes the household's. */
export async function movePrimaryLocation(c: AppContext, { device }: HandlerInput<'device'>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const household = await confirmedHousehold(c, device, now);
  if (household instanceof Response) return household;
  if (device.deviceType !== 'tv') return problemFor(c, 'DEVICE_TYPE_NOT_ALLOWED', { extra: { deviceType: device.deviceType } });
  const address = clientAddress(c.req.raw.headers);
  const networkId = await gate.networks.networkId(address);
  if (!networkId) return problemFor(c, 'NETWORK_UNKNOWN');
  const [addressId, holderId] = await Promise.all([gate.networks.addressId(address), gate.networks.holderId(networkId, device.accountId)]);
  const result = await gate.households
    .store(device.accountId)
    .setPrimaryLocation(device.accountId, device.deviceId, { networkId, addressId, holderId }, gate.config.primaryLocationChangesPerWindow, gate.limits);
  if (!result.ok) {
    return problemFor(c, 'PRIMARY_LOCATION_CHANGE_LIMIT', { headers: { 'Retry-After': String(result.retryAfterSeconds) }, extra: { retryAfterSeconds: result.retryAfterSeconds } });
  }
  gate.households.remember(device.accountId, result.household, now, true);
  console.log(JSON.stringify({ event: 'primary_location_changed', requestId: c.get('requestId'), region: requestRegion(c.req.raw, gate.config.environment), deviceType: device.deviceType }));
  return c.json({ household: householdView(result.household) }, 200, { 'Cache-Control': 'no-store' });
}

/** `GET /gate/v1/household/devices`: the account's devices, their access and until when. */
export async function listDevices(c: AppContext, { device }: HandlerInput<'device'>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const household = await confirmedHousehold(c, device, now);
  if (household instanceof Response) return household;
  const devices = household ? deviceViews(household, gate.limits, now) : [];
  return c.json({ devices }, 200, { 'Cache-Control': 'no-store' });
}

/** `DELETE /gate/v1/household/devices/{deviceId}`: sign a device out. */
export async function signOutDevice(c: AppContext, { device, params }: HandlerInput<'device', { params: typeof deviceIdParam }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const household = await confirmedHousehold(c, device, now);
  if (household instanceof Response) return household;
  const result = await gate.households.store(device.accountId).signOut(params.deviceId, gate.limits);
  if (!result.ok) return problemFor(c, 'DEVICE_NOT_FOUND');
  gate.households.remember(device.accountId, result.household, now, true);
  return c.body(null, 204);
}
