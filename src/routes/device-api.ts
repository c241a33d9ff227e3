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
import type {
  challengeCreated,
  challengeParam,
  challengeRequest,
  deviceIdParam,
  deviceList,
  householdNetworks,
  primaryLocationRequest,
  signOutRequest,
  verifyBody,
  verifySuccess,
} from '../api/schemas';
import { deliverCode } from '../challenges/notify';
import { decideForDevice, householdHashFor, policyContext } from '../edge/decide-request';
import { metricsRegion, requestRegion } from '../edge/region';
import type { FunnelEvent } from '../metrics/tally';
import type { Mode } from '../vocabulary';
import { deviceViews, householdView } from '../api/views';
import type { DeviceIdentity } from '../identity/device-token';

import type { AppContext } from '../http/context';
import { err, ok } from '../result';
import { refusalProblem } from './refusal';
import { CHALLENGE_ID, confirmedHousehold, confirmedTv, eventContext, type Checked, type CodeRequest } from './device-context';
import { problemFor } from '../http/problem';
import { clientAddress } from '../network/network-id';
import { type VerifyChallengeResult } from '../state/household-store';
import { lacksMethod } from '../state/release-before';
import type { SignOutAuthority } from '../household/events';
import { signOutAuthority } from '../household/authority';
import { codeMessageText } from '../messages/code-messages';
import { awayAccessCodeRequest, secondHomeCodeRequest } from './household-homes';
import { CHALLENGES_PER_ACCOUNT_PER_HOUR, CHALLENGES_PER_DEVICE_PER_HOUR } from '../challenges/code-allowance';
import { logged } from '../version';

/**
 * An `access` code: only for a device the gate would challenge here (an
 * allowed device needs none; a device past its travel grants gets none).
 */
async function accessCodeRequest(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<CodeRequest>> {
  const { decision } = await decideForDevice(c.get('gate'), c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return err({ reason: decision.reason });
  if (decision.decision === 'allow') return err({ reason: 'NOT_REQUIRED', decisionReason: decision.reason });
  // A code would give what only the id's own device may take: a new key takes its id's place at home (contract §2.1).
  if (decision.stranger) return err({ reason: 'BIND_AT_HOME' });
  if (decision.reason === 'TRAVEL_LIMIT_REACHED')
    return err({ reason: 'TRAVEL_LIMIT_REACHED', decided: { decision: decision.decision, policyVersion: decision.policyVersion, deviceType: device.deviceType } });
  return ok({ region: decision.region, mode: decision.mode, policyVersion: decision.policyVersion, request: { purpose: 'access' } });
}

/**
 * A `primary-location` code: for a TV, whatever the decision where it is (a
 * TV at home moving its household elsewhere is allowed, and still needs the
 * code); the store refuses it before it is sent when no change is left.
 */
async function primaryLocationCodeRequest(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<CodeRequest>> {
  const gate = c.get('gate');
  const { decision } = await decideForDevice(gate, c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return err({ reason: decision.reason });
  if (device.deviceType !== 'tv') return err({ reason: 'DEVICE_TYPE_NOT_ALLOWED', deviceType: device.deviceType });
  // As for an access code: the move would hand a bound copy the id's key and anchor role away from home, with a
  // code the owner was told the id's own TV asked for (contract §2.1). Never sent.
  if (decision.stranger) return err({ reason: 'BIND_AT_HOME' });
  // The region as a decision names it: the request's country, else the key of the rule that applied.
  const asked: CodeRequest = {
    region: decision.region,
    mode: decision.mode,
    policyVersion: decision.policyVersion,
    request: { purpose: 'primary-location', maxChanges: gate.config.primaryLocationChangesPerWindow, limits: gate.limits },
  };
  return ok(asked);
}

/**
 * A `sign-out` code: for any device of the account to sign out another from
 * away (at home, or for itself, no code is needed — but one may still be
 * asked); the store refuses it before it is sent when the household holds
 * no such device.
 */
async function signOutCodeRequest(c: AppContext, device: DeviceIdentity, targetDeviceId: string, now: number): Promise<Checked<CodeRequest>> {
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return confirmed;
  const policy = await policyContext(c.get('gate'), c.req.raw, device.accountId, now);
  return ok({ region: policy.region ?? policy.appliedRule.key, mode: policy.mode, policyVersion: policy.policyVersion, request: { purpose: 'sign-out', targetDeviceId } });
}

/** What to ask a code for, by the body's purpose. */
function codeRequest(c: AppContext, device: DeviceIdentity, body: z.output<typeof challengeRequest>, now: number): Promise<Checked<CodeRequest>> {
  if (body.purpose === 'primary-location') return primaryLocationCodeRequest(c, device, now);
  if (body.purpose === 'sign-out') return signOutCodeRequest(c, device, body.deviceId!, now);
  if (body.purpose === 'second-home') return secondHomeCodeRequest(c, device, now);
  if (body.purpose === 'away-access') return awayAccessCodeRequest(c, device, body.days, now);
  return accessCodeRequest(c, device, now);
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
  const checked = await codeRequest(c, device, body, now);
  if (!checked.ok) return refusalProblem(c, checked.error);
  const asked = checked.value;

  const store = gate.households.store(device.accountId);
  const opened = await store.openChallenge(device.deviceId, gate.config.codeTtlMs, asked.request, metricsRegion(asked.region));
  if (!opened.ok) {
    const refused = opened.error;
    if (refused.reason !== 'CHALLENGE_RATE_LIMITED') return refusalProblem(c, refused);
    return refusalProblem(c, { ...refused, perHour: refused.limit === 'account' ? CHALLENGES_PER_ACCOUNT_PER_HOUR : CHALLENGES_PER_DEVICE_PER_HOUR });
  }
  const challenge = opened.value;
  const expiresAt = new Date(challenge.expiresAt).toISOString();
  const delivered = await deliverCode(
    gate.config.notify,
    {
      type: 'verification_code',
      purpose: asked.request.purpose,
      accountId: device.accountId,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      code: challenge.code,
      expiresAt,
      region: asked.region,
      locale: c.get('locale'),
      ...(asked.request.purpose === 'sign-out' ? { targetDeviceId: asked.request.targetDeviceId } : {}),
      ...(asked.request.purpose === 'away-access' ? { days: asked.request.days } : {}),
      message: codeMessageText(asked.request.purpose, c.get('locale'), {
        code: challenge.code,
        deviceId: device.deviceId,
        ...(asked.request.purpose === 'sign-out' ? { targetDeviceId: asked.request.targetDeviceId } : {}),
        ...(asked.request.purpose === 'away-access' ? { days: asked.request.days, perYear: asked.request.perYear } : {}),
        ...(asked.request.purpose === 'second-home' ? { removing: asked.request.removing } : {}),
      }),
    },
    now,
  );
  if (!delivered) {
    await store.withdrawChallenge(challenge.challengeId);
    return problemFor(c, 'NOTIFY_FAILED');
  }
  if (asked.request.purpose === 'access') await countFunnel(c, metricsRegion(asked.region), 'sent', asked, device.accountId, now);
  return c.json({ challengeId: challenge.challengeId, expiresAt } satisfies z.input<typeof challengeCreated>, 201, { 'Cache-Control': 'no-store' });
}

/**
 * Where a verification attempt lands in the funnel: a wrong code is `wrong`,
 * and the wrong code that uses up the attempts also `locked` (once per
 * challenge; guesses at a locked challenge are not counted again); an expired
 * code is `expired` (a used code tried again is not).
 */
function funnelEvents(result: VerifyChallengeResult): FunnelEvent[] {
  if (result.ok) return ['verified'];
  const refused = result.error;
  if (refused.reason === 'CODE_INVALID') return refused.attemptsRemaining === 0 ? ['wrong', 'locked'] : ['wrong'];
  if (refused.reason === 'CHALLENGE_EXPIRED' && !refused.used) return ['expired'];
  return [];
}

/** Counts one step of the verification funnel in `region` (a metrics region), with the account's household (flushed like decisions). */
async function countFunnel(c: AppContext, region: string, event: FunnelEvent, policy: { mode: Mode; policyVersion: number }, accountId: string, now: number): Promise<void> {
  const gate = c.get('gate');
  const household = event === 'sent' || event === 'verified' ? await householdHashFor(gate, accountId, now) : null;
  gate.decisions.countFunnel(region, now, event, policy.mode, household, policy.policyVersion);
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
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  // Any id that is not one of ours is simply not found (there is nothing to correct in it).
  const challengeId = params.id;
  if (!CHALLENGE_ID.test(challengeId)) return problemFor(c, 'CHALLENGE_NOT_FOUND');

  const policy = await policyContext(gate, c.req.raw, device.accountId, now);
  const result = await gate.households.change(device.accountId, async (store) =>
    store.verifyChallenge(device.accountId, {
      challengeId,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      guess: body.code,
      maxAttempts: gate.config.codeMaxAttempts,
      temporaryAccessMs: gate.config.temporaryAccessMs,
      enforceTravelLimit: policy.mode === 'enforce',
      limits: gate.limits,
      keyThumbprint: device.keyThumbprint,
    }),
  );
  // Counted where the code was sent (a challenge from before v1.3 remembers no region: the request's).
  const funnelRegion = result.region ?? metricsRegion(policy.region);
  for (const event of funnelEvents(result)) await countFunnel(c, funnelRegion, event, policy, device.accountId, now);
  if (!result.ok) return refusalProblem(c, result.error);
  return c.json({ decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt: new Date(result.value.expiresAt).toISOString() } satisfies z.input<typeof verifySuccess>, 200, {
    'Cache-Control': 'no-store',
  });
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
  const confirmed = await confirmedTv(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  const { challengeId, code } = body;
  if (challengeId === undefined || code === undefined) {
    return refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `Moving the household needs the account owner's code. ${HOW_TO_GET_A_CODE}` });
  }
  const notThisCode = () => refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `That challenge is not a primary-location challenge opened by this TV. ${HOW_TO_GET_A_CODE}` });
  if (!CHALLENGE_ID.test(challengeId)) return notThisCode();
  const address = clientAddress(c.req.raw.headers);
  const networkId = await gate.networks.networkId(address);
  if (!networkId) return problemFor(c, 'NETWORK_UNKNOWN');
  const [addressId, holderId] = await Promise.all([gate.networks.addressId(address), gate.networks.holderId(networkId, device.accountId)]);
  const result = await gate.households.change(device.accountId, async (store) =>
    store.setPrimaryLocation(device.accountId, {
      challengeId,
      deviceId: device.deviceId,
      guess: code,
      maxAttempts: gate.config.codeMaxAttempts,
      place: { networkId, addressId, holderId, keyThumbprint: device.keyThumbprint, context: eventContext(c) },
      maxChanges: gate.config.primaryLocationChangesPerWindow,
      limits: gate.limits,
    }),
  );
  if (!result.ok) return result.error.reason === 'VERIFICATION_REQUIRED' ? notThisCode() : refusalProblem(c, result.error);
  console.log(logged({ event: 'primary_location_changed', requestId: c.get('requestId'), region: requestRegion(c.req.raw, gate.config.environment), deviceType: device.deviceType }));
  return c.json({ household: householdView(result.value.household) } satisfies z.input<typeof householdNetworks>, 200, { 'Cache-Control': 'no-store' });
}

/** `GET /gate/v1/household/devices`: the account's devices, their access and until when. */
export async function listDevices(c: AppContext, { device }: HandlerInput<'device'>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  const devices = confirmed.value ? deviceViews(confirmed.value, gate.limits, now) : [];
  return c.json({ devices } satisfies z.input<typeof deviceList>, 200, { 'Cache-Control': 'no-store' });
}

const HOW_TO_GET_A_SIGN_OUT_CODE = (deviceId: string) =>
  `Signing out another device from away needs the account owner's code. Open a challenge with POST /gate/v1/challenges {"purpose":"sign-out","deviceId":${JSON.stringify(deviceId)}}, then send its challengeId and the code the account owner received. At home, or for this device itself, no code is needed.`;

/**
 * Who may sign `targetDeviceId` out for this device (household/authority.ts):
 * the facts are the decision's, made on the source of truth — whether row 6
 * matched for the requester, and whether its key speaks for its id.
 */
async function signOutAuthorityFor(c: AppContext, device: DeviceIdentity, targetDeviceId: string, body: z.output<typeof signOutRequest>, now: number): Promise<Checked<SignOutAuthority>> {
  const { decision } = await decideForDevice(c.get('gate'), c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return err({ reason: decision.reason });
  const authority = signOutAuthority({
    requesterId: device.deviceId,
    targetDeviceId,
    standing: decision.stranger ? 'stranger' : 'own-key',
    // Row 6 matched for the requester (its evidence is set in every mode): at home.
    atHome: decision.evidence !== undefined,
    codeGiven: body.challengeId !== undefined && body.code !== undefined && CHALLENGE_ID.test(body.challengeId),
  });
  return authority.ok ? authority : err({ reason: 'VERIFICATION_REQUIRED', detail: HOW_TO_GET_A_SIGN_OUT_CODE(targetDeviceId) });
}

/** `DELETE /gate/v1/household/devices/{deviceId}`: sign a device out, on the authority `signOutAuthority` finds. */
export async function signOutDevice(c: AppContext, { device, params, body }: HandlerInput<'device', { params: typeof deviceIdParam; body: typeof signOutRequest }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  const authority = await signOutAuthorityFor(c, device, params.deviceId, body, now);
  if (!authority.ok) return refusalProblem(c, authority.error);
  const code = authority.value === 'code' ? { challengeId: body.challengeId!, guess: body.code!, maxAttempts: gate.config.codeMaxAttempts } : undefined;
  const result = await gate.households.change(device.accountId, async (store) => {
    try {
      return await store.signOutDevice(device.accountId, {
        requesterId: device.deviceId,
        deviceId: params.deviceId,
        ...(authority.value === 'self' ? { deviceType: device.deviceType } : {}),
        authority: authority.value,
        ...(code ? { code } : {}),
        limits: gate.limits,
        context: eventContext(c),
      });
    } catch (error) {
      // An object of the release before (v1.3) during a deployment: its `signOut(deviceId, limits)` does what self or
      // home allows here; a code it could not have sent waits for the deployment's end (503, retried).
      if (authority.value === 'code' || !lacksMethod(error, 'signOutDevice')) throw error;
      return store.signOut(params.deviceId, gate.limits);
    }
  });
  if (!result.ok) {
    const refused = result.error;
    return refusalProblem(c, refused.reason === 'VERIFICATION_REQUIRED' ? { reason: 'VERIFICATION_REQUIRED', detail: HOW_TO_GET_A_SIGN_OUT_CODE(params.deviceId) } : refused);
  }
  console.log(logged({ event: 'device_signed_out', requestId: c.get('requestId'), by: authority.value }));
  return c.body(null, 204);
}
