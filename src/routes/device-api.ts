/**
 * The device API (docs/api.md): the fair ways back in for a device outside
 * the household — a code sent to the account owner, temporary access, moving
 * the primary location with the owner's code — and the account's device list
 * and sign-out.
 *
 * Every handler acts on the account's Durable Object (the source of truth),
 * never on a possibly stale snapshot, and keeps what the object returns, so
 * the device's very next request is decided on the new state.
 */
import type { HandlerInput } from '../api/operation';
import type { z } from 'zod';
import type { challengeCreated, challengeParam, challengeRequest, deviceIdParam, deviceList, householdNetworks, primaryLocationRequest, verifyBody, verifySuccess } from '../api/schemas';
import { deliverCode } from '../challenges/notify';
import { decideForDevice, householdHashFor, policyContext } from '../edge/decide-request';
import { metricsRegion, requestRegion } from '../edge/region';
import type { FunnelEvent } from '../metrics/tally';
import type { Mode } from '../vocabulary';
import { STATE_RETRY_AFTER_SECONDS, tokenProblem } from '../edge/decision-response';
import { deviceViews, householdView } from '../api/views';
import { isOtherKey, isSignedOut } from '../household/devices';
import type { Household } from '../household/household';
import type { DeviceIdentity } from '../identity/device-token';

import type { AppContext } from '../http/context';
import type { Result } from '../result';
import type { DecisionReason, Outcome } from '../policy/decide';
import { problemFor } from '../http/problem';
import { clientAddress } from '../network/network-id';
import { type ChallengeRequest, type VerifyChallengeResult } from '../state/household-store';
import { CHALLENGES_PER_ACCOUNT_PER_HOUR, CHALLENGES_PER_DEVICE_PER_HOUR } from '../challenges/code-allowance';

const CHALLENGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Why a device-API call stops before it acts, tagged by its reason.
 * `refusalProblem` tells each as problem details, in one place.
 */
type Refusal =
  | { reason: 'STATE_UNAVAILABLE' }
  | { reason: 'DEVICE_REVOKED' | 'DEVICE_PROOF_REQUIRED' }
  | { reason: 'DEVICE_TYPE_NOT_ALLOWED' }
  | { reason: 'NOT_REQUIRED'; decisionReason: DecisionReason }
  | { reason: 'TRAVEL_LIMIT_REACHED'; decision: Outcome; policyVersion: number };

type Checked<Value extends object> = Result<Value, { refusal: Refusal }>;

function refusalProblem(c: AppContext, device: DeviceIdentity, refusal: Refusal): Response {
  switch (refusal.reason) {
    case 'STATE_UNAVAILABLE':
      return problemFor(c, 'STATE_UNAVAILABLE', { headers: { 'Retry-After': String(STATE_RETRY_AFTER_SECONDS) } });
    case 'DEVICE_REVOKED':
    case 'DEVICE_PROOF_REQUIRED':
      return tokenProblem(refusal.reason, c.get('requestId'), c.get('locale'));
    case 'DEVICE_TYPE_NOT_ALLOWED':
      return problemFor(c, 'DEVICE_TYPE_NOT_ALLOWED', { extra: { deviceType: device.deviceType } });
    case 'NOT_REQUIRED':
      return problemFor(c, 'NOT_REQUIRED', { detail: `This device is allowed (${refusal.decisionReason}); no code is needed.`, extra: { decisionReason: refusal.decisionReason } });
    case 'TRAVEL_LIMIT_REACHED':
      return problemFor(c, 'TRAVEL_LIMIT_REACHED', { deviceType: device.deviceType, extra: { decision: refusal.decision, policyVersion: refusal.policyVersion } });
  }
}

/** The signed-in device's household, straight from the Durable Object; a device signed out since its token was issued is refused. */
async function confirmedHousehold(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<{ household: Household | null }>> {
  const household = await c.get('gate').households.confirm(device.accountId, now);
  if (household === 'unavailable') return { ok: false, refusal: { reason: 'STATE_UNAVAILABLE' } };
  if (isSignedOut(household, device.deviceId, device.issuedAtSeconds)) return { ok: false, refusal: { reason: 'DEVICE_REVOKED' } };
  // Contract §2.1: a device id seen bound answers only to its key (a bound token's proof was checked at sign-in).
  if (isOtherKey(household, device.deviceId, device.keyThumbprint)) return { ok: false, refusal: { reason: 'DEVICE_PROOF_REQUIRED' } };
  return { ok: true, household };
}

/** Where a code is asked for, and what the household store checks before it opens one. */
interface CodeRequest {
  region: string;
  mode: Mode;
  request: ChallengeRequest;
}

/**
 * An `access` code: only for a device the gate would challenge here (an
 * allowed device needs none; a device past its travel grants gets none).
 */
async function accessCodeRequest(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<{ asked: CodeRequest }>> {
  const { decision } = await decideForDevice(c.get('gate'), c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return { ok: false, refusal: { reason: decision.reason } };
  if (decision.decision === 'allow') return { ok: false, refusal: { reason: 'NOT_REQUIRED', decisionReason: decision.reason } };
  if (decision.reason === 'TRAVEL_LIMIT_REACHED') return { ok: false, refusal: { reason: 'TRAVEL_LIMIT_REACHED', decision: decision.decision, policyVersion: decision.policyVersion } };
  return { ok: true, asked: { region: decision.region, mode: decision.mode, request: { purpose: 'access' } } };
}

/**
 * A `primary-location` code: for a TV, whatever the decision where it is (a
 * TV at home moving its household elsewhere is allowed, and still needs the
 * code); the store refuses it before it is sent when no change is left.
 */
async function primaryLocationCodeRequest(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<{ asked: CodeRequest }>> {
  const gate = c.get('gate');
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return confirmed;
  if (device.deviceType !== 'tv') return { ok: false, refusal: { reason: 'DEVICE_TYPE_NOT_ALLOWED' } };
  const policy = await policyContext(gate, c.req.raw, device.accountId, now);
  // The region as a decision names it: the request's country, else the key of the rule that applied.
  const asked: CodeRequest = { region: policy.region ?? policy.appliedRule.key, mode: policy.mode, request: { purpose: 'primary-location', maxChanges: gate.config.primaryLocationChangesPerWindow, limits: gate.limits } };
  return { ok: true, asked };
}

/**
 * `POST /gate/v1/challenges`: send a code to the account owner, for the
 * purpose asked (`access` with no body). Only `access` codes are counted in
 * the verification funnel: it measures how travellers get back in, and the
 * guards that read it must not see household moves.
 */
export async function openChallenge(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof challengeRequest }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const checked = body.purpose === 'primary-location' ? await primaryLocationCodeRequest(c, device, now) : await accessCodeRequest(c, device, now);
  if (!checked.ok) return refusalProblem(c, device, checked.refusal);
  const { asked } = checked;

  const store = gate.households.store(device.accountId);
  const opened = await store.openChallenge(device.deviceId, gate.config.codeTtlMs, asked.request, metricsRegion(asked.region));
  if (!opened.ok) {
    if (opened.reason === 'PRIMARY_LOCATION_CHANGE_LIMIT') return changeLimitProblem(c, opened.retryAfterSeconds);
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
      purpose: asked.request.purpose,
      accountId: device.accountId,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      code: opened.code,
      expiresAt,
      region: asked.region,
      locale: c.get('locale'),
    },
    now,
  );
  if (!delivered) {
    await store.withdrawChallenge(opened.challengeId);
    return problemFor(c, 'NOTIFY_FAILED');
  }
  if (asked.request.purpose === 'access') await countFunnel(c, metricsRegion(asked.region), 'sent', asked.mode, device.accountId, now);
  return c.json({ challengeId: opened.challengeId, expiresAt } satisfies z.input<typeof challengeCreated>, 201, { 'Cache-Control': 'no-store' });
}

function changeLimitProblem(c: AppContext, retryAfterSeconds: number): Response {
  return problemFor(c, 'PRIMARY_LOCATION_CHANGE_LIMIT', { headers: { 'Retry-After': String(retryAfterSeconds) }, extra: { retryAfterSeconds } });
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

/**
 * `POST /gate/v1/challenges/{id}/verify`: check an `access` code; success
 * grants temporary access. A `primary-location` challenge is not found here:
 * its code never grants access, and a guess at it costs no attempt.
 */
export async function verifyChallenge(c: AppContext, { device, params, body }: HandlerInput<'device', { params: typeof challengeParam; body: typeof verifyBody }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, device, confirmed.refusal);
  // Any id that is not one of ours is simply not found (there is nothing to correct in it).
  const challengeId = params.id;
  if (!CHALLENGE_ID.test(challengeId)) return problemFor(c, 'CHALLENGE_NOT_FOUND');

  const policy = await policyContext(gate, c.req.raw, device.accountId, now);
  const result = await gate.households.change(device.accountId, async (store) => store.verifyChallenge(device.accountId, {
    challengeId,
    deviceId: device.deviceId,
    deviceType: device.deviceType,
    guess: body.code,
    maxAttempts: gate.config.codeMaxAttempts,
    temporaryAccessMs: gate.config.temporaryAccessMs,
    enforceTravelLimit: policy.mode === 'enforce',
    limits: gate.limits,
  }));
  // Counted where the code was sent (a challenge from before v1.3 remembers no region: the request's).
  const funnelRegion = result.region ?? metricsRegion(policy.region);
  for (const event of funnelEvents(result)) await countFunnel(c, funnelRegion, event, policy.mode, device.accountId, now);
  if (result.ok) {
    return c.json({ decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt: new Date(result.expiresAt).toISOString() } satisfies z.input<typeof verifySuccess>, 200, { 'Cache-Control': 'no-store' });
  }
  switch (result.reason) {
    case 'CODE_INVALID':
      return problemFor(c, 'CODE_INVALID', { extra: { attemptsRemaining: result.attemptsRemaining } });
    case 'CHALLENGE_EXPIRED':
      return problemFor(c, result.used ? 'CODE_ALREADY_USED' : 'CHALLENGE_EXPIRED');
    default:
      return problemFor(c, result.reason);
  }
}

const HOW_TO_GET_A_CODE = 'Open a challenge from this TV with POST /gate/v1/challenges {"purpose":"primary-location"}, then send its challengeId and the code the account owner received.';

/**
 * `POST /gate/v1/household/primary-location`: this TV's network becomes the
 * household's, with the owner's code of a `primary-location` challenge the TV
 * opened. The code is checked, the household moved and the code used in one
 * step of the account's Durable Object.
 */
export async function movePrimaryLocation(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof primaryLocationRequest }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, device, confirmed.refusal);
  if (device.deviceType !== 'tv') return refusalProblem(c, device, { reason: 'DEVICE_TYPE_NOT_ALLOWED' });
  const { challengeId, code } = body;
  if (challengeId === undefined || code === undefined) {
    return problemFor(c, 'VERIFICATION_REQUIRED', { detail: `Moving the household needs the account owner's code. ${HOW_TO_GET_A_CODE}` });
  }
  const notThisCode = () => problemFor(c, 'VERIFICATION_REQUIRED', { detail: `That challenge is not a primary-location challenge opened by this TV. ${HOW_TO_GET_A_CODE}` });
  if (!CHALLENGE_ID.test(challengeId)) return notThisCode();
  const address = clientAddress(c.req.raw.headers);
  const networkId = await gate.networks.networkId(address);
  if (!networkId) return problemFor(c, 'NETWORK_UNKNOWN');
  const [addressId, holderId] = await Promise.all([gate.networks.addressId(address), gate.networks.holderId(networkId, device.accountId)]);
  const result = await gate.households.change(device.accountId, async (store) => store.setPrimaryLocation(device.accountId, {
    challengeId,
    deviceId: device.deviceId,
    guess: code,
    maxAttempts: gate.config.codeMaxAttempts,
    place: { networkId, addressId, holderId },
    maxChanges: gate.config.primaryLocationChangesPerWindow,
    limits: gate.limits,
  }));
  if (!result.ok) {
    switch (result.reason) {
      case 'VERIFICATION_REQUIRED':
        return notThisCode();
      case 'PRIMARY_LOCATION_CHANGE_LIMIT':
        return changeLimitProblem(c, result.retryAfterSeconds);
      case 'CODE_INVALID':
        return problemFor(c, 'CODE_INVALID', { extra: { attemptsRemaining: result.attemptsRemaining } });
      case 'CHALLENGE_EXPIRED':
        return problemFor(c, result.used ? 'CODE_ALREADY_USED' : 'CHALLENGE_EXPIRED');
      case 'CHALLENGE_LOCKED':
        return problemFor(c, 'CHALLENGE_LOCKED');
    }
  }
  console.log(JSON.stringify({ event: 'primary_location_changed', requestId: c.get('requestId'), region: requestRegion(c.req.raw, gate.config.environment), deviceType: device.deviceType }));
  return c.json({ household: householdView(result.household) } satisfies z.input<typeof householdNetworks>, 200, { 'Cache-Control': 'no-store' });
}

/** `GET /gate/v1/household/devices`: the account's devices, their access and until when. */
export async function listDevices(c: AppContext, { device }: HandlerInput<'device'>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, device, confirmed.refusal);
  const devices = confirmed.household ? deviceViews(confirmed.household, gate.limits, now) : [];
  return c.json({ devices } satisfies z.input<typeof deviceList>, 200, { 'Cache-Control': 'no-store' });
}

/** `DELETE /gate/v1/household/devices/{deviceId}`: sign a device out. */
export async function signOutDevice(c: AppContext, { device, params }: HandlerInput<'device', { params: typeof deviceIdParam }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, device, confirmed.refusal);
  const result = await gate.households.change(device.accountId, async (store) => store.signOut(params.deviceId, gate.limits));
  if (!result.ok) return problemFor(c, 'DEVICE_NOT_FOUND');
  return c.body(null, 204);
}
