/**
 * The owner's two ways for people with two homes and long stays away
 * (contract §6, §4 row 10), each with the owner's code: a second home set
 * from its TV, and away access for one device. The codes are asked through
 * `POST /gate/v1/challenges` (device-api.ts), whose limits answer here
 * before a code is sent; the changes are made by the account's Durable
 * Object, which checks the code and uses it in the same step.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { awayAccessGranted, awayAccessRequest, householdNetworks, secondHomeRequest } from '../api/schemas';
import { householdView } from '../api/views';
import { problemFor } from '../http/problem';
import { clientAddress } from '../network/network-id';
import { decideForDevice, policyContext } from '../edge/decide-request';
import type { AppContext } from '../http/context';
import { invalidInput } from '../http/json-body';
import type { DeviceIdentity } from '../identity/device-token';
import { err, ok } from '../result';
import { MS_PER_DAY } from '../time';
import { PRIMARY_HOME } from '../household/household';
import { homeAnchoredBy } from '../household/second-homes';
import { CHALLENGE_ID, confirmedHousehold, confirmedTv, eventContext, type Checked, type CodeRequest } from './device-context';
import { refusalProblem } from './refusal';
import { logged } from '../version';

/** The longest away access the configuration allows, in whole days. */
function awayDaysMax(c: AppContext): number {
  return Math.floor(c.get('gate').config.awayAccessMaxMs / MS_PER_DAY);
}

/**
 * How many second homes the household may keep: SECOND_HOMES, and no more than
 * HOME_NETWORKS_MAX leaves each home (the primary one too) a network of its own.
 */
function secondHomesAllowed(c: AppContext): number {
  const { secondHomes, homeNetworksMax } = c.get('gate').config;
  return Math.max(0, Math.min(secondHomes, homeNetworksMax - 1));
}

/** Where a code is asked, as a decision names it (the request's country, else the key of the rule that applied). */
async function codeContext(c: AppContext, device: DeviceIdentity, now: number) {
  const policy = await policyContext(c.get('gate'), c.req.raw, device.accountId, now);
  return { region: policy.region ?? policy.appliedRule.key, mode: policy.mode, policyVersion: policy.policyVersion };
}

/**
 * A `second-home` code: a TV only — to set its network as a second home
 * (not one of the household's homes already: `409 ALREADY_HOME`), or, from
 * the TV that keeps a second home, to remove it; the store refuses it before
 * it is sent past SECOND_HOMES or within 90 days of the last change.
 */
export async function secondHomeCodeRequest(c: AppContext, device: DeviceIdentity, now: number): Promise<Checked<CodeRequest>> {
  const gate = c.get('gate');
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return confirmed;
  if (device.deviceType !== 'tv') return err({ reason: 'DEVICE_TYPE_NOT_ALLOWED', deviceType: device.deviceType });
  const { decision } = await decideForDevice(gate, c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return err({ reason: decision.reason });
  if (decision.stranger) return err({ reason: 'BIND_AT_HOME' });
  // The TV that keeps a second home asks its code to remove it; any other TV at a home has nothing to set.
  const kept = confirmed.value ? homeAnchoredBy(confirmed.value, device.deviceId) : null;
  const removing = kept !== null && kept !== PRIMARY_HOME;
  if (!removing && decision.evidence !== undefined) return err({ reason: 'ALREADY_HOME' });
  return ok({ ...(await codeContext(c, device, now)), request: { purpose: 'second-home', secondHomes: secondHomesAllowed(c), removing } });
}

/**
 * An `away-access` code for `days` (1 to AWAY_ACCESS_MAX, else `400` naming
 * `days`); the store refuses it before it is sent past AWAY_ACCESS_PER_YEAR.
 */
export async function awayAccessCodeRequest(c: AppContext, device: DeviceIdentity, days: number | undefined, now: number): Promise<Checked<CodeRequest>> {
  const gate = c.get('gate');
  const max = awayDaysMax(c);
  if (days === undefined || days > max) return err(invalidInput('days', `must be a whole number of days from 1 to ${max} (AWAY_ACCESS_MAX)`));
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return confirmed;
  const { decision } = await decideForDevice(gate, c.req.raw, { device }, now, 'change');
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return err({ reason: decision.reason });
  // The access would be the id's: a new key takes its id's place at home (contract §2.1).
  if (decision.stranger) return err({ reason: 'BIND_AT_HOME' });
  return ok({ ...(await codeContext(c, device, now)), request: { purpose: 'away-access', days, perYear: gate.config.awayAccessPerYear } });
}

const HOW_TO_GET_AN_AWAY_CODE =
  'Open a challenge from this device with POST /gate/v1/challenges {"purpose":"away-access","days":N}, then send its challengeId and the code the account owner received.';

/**
 * `POST /gate/v1/household/away-access`: this device plays from anywhere for
 * the days its `away-access` code was asked with (or fewer), with that code.
 */
export async function giveAwayAccess(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof awayAccessRequest }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedHousehold(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  const { challengeId, code, days } = body;
  if (days !== undefined && days > awayDaysMax(c)) return refusalProblem(c, invalidInput('days', `must be a whole number of days from 1 to ${awayDaysMax(c)} (AWAY_ACCESS_MAX)`));
  if (challengeId === undefined || code === undefined || !CHALLENGE_ID.test(challengeId)) {
    return refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `Away access needs the account owner's code. ${HOW_TO_GET_AN_AWAY_CODE}` });
  }
  const result = await gate.households.change(device.accountId, async (store) =>
    store.giveAwayAccess(device.accountId, {
      challengeId,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      guess: code,
      maxAttempts: gate.config.codeMaxAttempts,
      ...(days !== undefined ? { days } : {}),
      perYear: gate.config.awayAccessPerYear,
      keyThumbprint: device.keyThumbprint,
    }),
  );
  if (!result.ok) {
    const refused = result.error;
    if (refused.reason === 'VERIFICATION_REQUIRED')
      return refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `That challenge is not an away-access challenge opened by this device. ${HOW_TO_GET_AN_AWAY_CODE}` });
    if (refused.reason === 'DAYS_OVER_CODE') return refusalProblem(c, invalidInput('days', `must be at most ${refused.days}, the days the code was asked with`));
    return refusalProblem(c, refused);
  }
  console.log(logged({ event: 'away_access_given', requestId: c.get('requestId'), deviceType: device.deviceType }));
  return c.json({ decision: 'allow', reason: 'AWAY_ACCESS', expiresAt: new Date(result.value.expiresAt).toISOString() } satisfies z.input<typeof awayAccessGranted>, 200, {
    'Cache-Control': 'no-store',
  });
}

const HOW_TO_GET_A_SECOND_HOME_CODE = 'Open a challenge from this TV with POST /gate/v1/challenges {"purpose":"second-home"}, then send its challengeId and the code the account owner received.';

/**
 * `POST` and `DELETE /gate/v1/household/second-home`: this TV's network
 * becomes a second home, or the second home it keeps is removed, with the
 * owner's code of a `second-home` challenge the TV opened.
 */
async function changeSecondHome(c: AppContext, device: DeviceIdentity, body: z.output<typeof secondHomeRequest>, change: 'set' | 'remove'): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const confirmed = await confirmedTv(c, device, now);
  if (!confirmed.ok) return refusalProblem(c, confirmed.error);
  const { challengeId, code } = body;
  if (challengeId === undefined || code === undefined || !CHALLENGE_ID.test(challengeId)) {
    return refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `A second home needs the account owner's code. ${HOW_TO_GET_A_SECOND_HOME_CODE}` });
  }
  const address = clientAddress(c.req.raw.headers);
  const networkId = await gate.networks.networkId(address);
  if (!networkId) return problemFor(c, 'NETWORK_UNKNOWN');
  const [addressId, holderId] = await Promise.all([gate.networks.addressId(address), gate.networks.holderId(networkId, device.accountId)]);
  const input = {
    challengeId,
    deviceId: device.deviceId,
    guess: code,
    maxAttempts: gate.config.codeMaxAttempts,
    place: { networkId, addressId, holderId, keyThumbprint: device.keyThumbprint, context: eventContext(c) },
    secondHomes: secondHomesAllowed(c),
    limits: gate.limits,
  };
  const result = await gate.households.change(device.accountId, async (store) => (change === 'set' ? store.setSecondHome(device.accountId, input) : store.removeSecondHome(device.accountId, input)));
  if (!result.ok) {
    const refused = result.error;
    if (refused.reason === 'VERIFICATION_REQUIRED')
      return refusalProblem(c, { reason: 'VERIFICATION_REQUIRED', detail: `That challenge is not a second-home challenge opened by this TV. ${HOW_TO_GET_A_SECOND_HOME_CODE}` });
    return refusalProblem(c, refused);
  }
  console.log(logged({ event: change === 'set' ? 'second_home_set' : 'second_home_removed', requestId: c.get('requestId') }));
  if (change === 'remove') return c.body(null, 204);
  return c.json({ household: householdView(result.value.household) } satisfies z.input<typeof householdNetworks>, 200, { 'Cache-Control': 'no-store' });
}

export function setSecondHome(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof secondHomeRequest }>): Promise<Response> {
  return changeSecondHome(c, device, body, 'set');
}

export function removeSecondHome(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof secondHomeRequest }>): Promise<Response> {
  return changeSecondHome(c, device, body, 'remove');
}
