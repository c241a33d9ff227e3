/**
 * Step 5 of a request, record: what a decision leaves behind, none of it
 * awaited — the visit it may tell the household about, its count, its
 * Analytics Engine point and its log line.
 *
 * None of them carries an address or a token: region, mode, outcome, reason,
 * policy version, device type, request id.
 */
import type { Visit } from '../household/household';
import { visitIsNews } from '../household/visits';
import type { CountedAnswer, CountedReason, MetricsRoute } from '../metrics/tally';
import type { Outcome } from '../policy/decide';
import type { Gate } from '../gate';
import { type DeviceType } from '../vocabulary';
import type { Decided, Purpose } from './decide-request';
import type { CredentialFailure } from './identify';
import { metricsRegion, requestRegion } from './region';
import type { Locale } from '../messages/catalog';
import type { EventContext } from '../state/household-events';
import { MS_PER_DAY } from '../time';
import { accountWithinLimit } from './rate-limits';
import { logged as loggedLine, runningVersion } from '../version';

type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * Tells the account's Durable Object about the visit a decision saw, through
 * `waitUntil`, and only when the household it was decided on does not know it
 * yet (`visitIsNews`, with row 6 as the decision answered it): a device
 * streaming all day costs one write a day. Nothing for a decision in `off`,
 * on unreadable state, or for a device signed out or speaking with another
 * key — but a token for a bound id with another key or none is told to the
 * owner (`device_key_refused`, once per device and day, asked at most once a
 * day per device from this isolate).
 *
 * Nothing either for a refused stranger (contract §9): a device the household
 * does not list, which `enforce` refuses (whatever the mode: in `monitor` too),
 * gets no device entry and costs no write — a flood of made-up device ids is
 * counted, never stored, and cannot push a trusted device out of the list.
 * Devices join when they are home, trusted, verify a code, or are added by
 * the owner or support; a device joining (its first visit) meets
 * RATE_LIMIT_ACCOUNT first, so a flood of new ids buys no write past it.
 */
export function rememberVisit(gate: Gate, decided: Decided, purpose: Purpose, waitUntil: WaitUntil, locale: Locale): void {
  const { device, decision, household, networkId } = decided;
  if (purpose !== 'segment' && purpose !== 'session') return;
  const context = { region: metricsRegion(decision.region), locale };
  if (decision.reason === 'DEVICE_PROOF_REQUIRED' && household.ok) return tellKeyRefused(gate, device, context, decided.at, waitUntil);
  if (decision.mode === 'off' || !household.ok || decision.reason === 'DEVICE_REVOKED') return;
  if (isRefusedStranger(decided)) return;
  const visit: Visit = { deviceId: device.deviceId, deviceType: device.deviceType, networkId, addressId: decided.addressId, at: decided.at, keyThumbprint: device.keyThumbprint };
  if (!visitIsNews(household.value, visit, gate.limits, { session: purpose === 'session', home: decision.home })) return;
  const joining = !household.value?.devices.has(device.deviceId);
  waitUntil(
    (async () => {
      // A device the household does not list yet is a write of a new entry: allowed ones too (a household not set
      // up yet lets every device in) meet RATE_LIMIT_ACCOUNT first, so made-up ids cannot buy a write each.
      if (joining && !(await accountWithinLimit(gate, device.accountId, decided.at))) return;
      // A write is rare (news only): it carries the address id and the network's holder id, for the
      // household's Durable Object to read the network's sharing count and keep the TV's address.
      const [addressId, holderId] = await Promise.all([visit.addressId ?? gate.networks.addressId(decided.address), networkId === null ? null : gate.networks.holderId(networkId, device.accountId)]);
      await gate.households.recordVisit(device.accountId, { ...visit, addressId }, gate.limits, { holderId, issuedAtSeconds: device.issuedAtSeconds, keyThumbprint: device.keyThumbprint, context });
    })().catch((error: unknown) => {
      console.error(loggedLine({ event: 'visit_not_recorded', error: String(error) }));
    }),
  );
}

/** How long this isolate waits before asking the account's object again about one device's refused key: the event is daily anyway. */
const KEY_REFUSAL_RETELL_MS = MS_PER_DAY;

function tellKeyRefused(gate: Gate, device: Decided['device'], context: EventContext, now: number, waitUntil: WaitUntil): void {
  const key = `${device.accountId}\u0000${device.deviceId}`;
  if (gate.keyRefusalsTold.get(key, now)) return;
  gate.keyRefusalsTold.set(key, true, now + KEY_REFUSAL_RETELL_MS);
  waitUntil(
    gate.households
      .store(device.accountId)
      .noteKeyRefused(device.accountId, device.deviceId, context, now)
      .catch((error: unknown) => console.error(loggedLine({ event: 'key_refusal_not_told', error: error instanceof Error ? error.name : 'unknown' }))),
  );
}

/** A device the household it was decided on does not list, which `enforce` refuses (contract §9: counted, never stored). */
export function isRefusedStranger({ device, decision, household }: Pick<Decided, 'device' | 'decision' | 'household'>): boolean {
  if (decision.enforced === 'allow') return false;
  return !(household.ok && household.value?.devices.has(device.deviceId));
}

export interface DecisionLogLine {
  requestId: string;
  region: string;
  mode: string | null;
  decision: Outcome;
  wouldDecision: Outcome | null;
  reason: CountedReason;
  policyVersion: number | null;
  deviceType: DeviceType | null;
  route: MetricsRoute;
  /** On allowed decisions only: the share of them that is logged (DECISION_LOG_SAMPLE); each line stands for 1/sample. */
  sample?: number;
  /** On token failures only (contract §9): how many token failures from this client network the line stands for. */
  weight?: number;
  /** On a refused DPoP proof: which check failed, a fixed code (identity/device-proof.ts); never the proof. */
  failure?: string;
}

/**
 * Tells the world about one decision, without awaiting anything: counts it
 * (this isolate's counters, flushed within the interval through `waitUntil`),
 * writes its Analytics Engine data point when `DECISIONS` is bound (allowed
 * segments at `DECISIONS_SEGMENT_SAMPLE`, weighted in `double1`), and logs
 * it — every refusal and `STATE_UNAVAILABLE`, and allowed decisions at
 * `DECISION_LOG_SAMPLE`. No id, address or token in any of them.
 */
export function recordDecision(gate: Gate, route: MetricsRoute, requestId: string, decided: Decided, waitUntil: WaitUntil): void {
  const { decision } = decided;
  const answer: CountedAnswer = {
    route,
    decision: decision.decision,
    enforced: decision.enforced,
    reason: decision.reason,
    mode: decision.mode,
    deviceType: decided.device.deviceType,
    evidence: decision.evidence ?? null,
    sharedNetwork: decision.sharedNetwork,
    policyVersion: decision.policyVersion,
  };
  const region = metricsRegion(decision.region);
  gate.decisions.count(region, decided.at, answer, decided.replay, decided.householdHash);
  record(gate, region, answer, requestId, decided.at, waitUntil, { wouldDecision: decision.wouldDecision ?? null, policyVersion: decision.policyVersion });
}

/**
 * Tells the world about a request refused before any decision (contract §9,
 * "requests that prove nothing"): a token problem (and a missing proof) is
 * counted like a decision, in the request's region; a playback session's
 * problem (`SESSION_INVALID`, `SESSION_REQUIRED`) is not (the decision
 * counters know token failures and decisions, and a session is renewed by a
 * new decision). Its Analytics Engine point and log line are a sample of the
 * client network's (`gate.unproven.credentials`: DECISION_LOG_SAMPLE, at most
 * a few per network and minute), each carrying the weight it stands for.
 * Call it only once RATE_LIMIT_NETWORK has let the request through
 * (rate-limits.ts, `screenUnproven`).
 */
export function recordRefusedCredential(
  gate: Gate,
  route: MetricsRoute,
  request: Request,
  requestId: string,
  reason: CredentialFailure | 'DEVICE_REVOKED',
  now: number,
  waitUntil: WaitUntil,
  network: string,
  failure?: string,
): void {
  const region = metricsRegion(requestRegion(request, gate.config.environment));
  if (reason === 'SESSION_INVALID' || reason === 'SESSION_REQUIRED') {
    const weight = gate.unproven.credentials.take(network, now);
    if (weight !== null) console.log(loggedLine({ event: 'session_refused', requestId, region, reason, weight }));
    return;
  }
  const answer: CountedAnswer = { route, decision: 'deny', enforced: 'deny', reason, mode: null, deviceType: null, evidence: null, sharedNetwork: false };
  gate.decisions.count(region, now, answer, null, null);
  gate.decisions.scheduleFlush(now, waitUntil);
  const weight = gate.unproven.credentials.take(network, now);
  if (weight === null) return;
  writeDataPoint(gate, region, answer, requestId, weight);
  const logged: DecisionLogLine = {
    requestId,
    region,
    mode: null,
    decision: 'deny',
    wouldDecision: null,
    reason,
    policyVersion: null,
    deviceType: null,
    route,
    weight,
    ...(failure ? { failure } : {}),
  };
  console.log(loggedLine({ event: 'decision', ...logged }));
}

/**
 * The log line of a device-API call refused at sign-in (a bad token, or a
 * bound token without its proof), sampled like every request that proves
 * nothing; never the token or the proof, only the reason or fixed failure code.
 */
export function logRefusedSignIn(gate: Gate, requestId: string, operation: string, refused: { reason: CredentialFailure | 'DEVICE_REVOKED'; failure?: string }, now: number, network: string): void {
  const weight = gate.unproven.credentials.take(network, now);
  if (weight === null) return;
  const event = refused.reason === 'DEVICE_PROOF_REQUIRED' ? 'device_proof_refused' : 'token_refused';
  console.log(loggedLine({ event, requestId, operation, reason: refused.reason, ...(refused.failure ? { failure: refused.failure } : {}), weight }));
}

/** The counted answer's flush, Analytics Engine point and (sampled) log line. */
function record(gate: Gate, region: string, answer: CountedAnswer, requestId: string, now: number, waitUntil: WaitUntil, line: Pick<DecisionLogLine, 'wouldDecision' | 'policyVersion'>): void {
  gate.decisions.scheduleFlush(now, waitUntil);
  const always = answer.decision !== 'allow' || answer.reason === 'STATE_UNAVAILABLE';
  writeDataPoint(gate, region, answer, requestId, analyticsWeight(answer.route, always, gate.config.decisionsSegmentSample));

  const sample = gate.config.decisionLogSample;
  if (!always && !(Math.random() < sample)) return;
  const logged: DecisionLogLine = {
    requestId,
    region,
    mode: answer.mode,
    decision: answer.decision,
    wouldDecision: line.wouldDecision,
    reason: answer.reason,
    policyVersion: line.policyVersion,
    deviceType: answer.deviceType,
    route: answer.route,
    ...(always ? {} : { sample }),
  };
  console.log(loggedLine({ event: 'decision', ...logged }));
}

/**
 * The weight of this decision's Analytics Engine point, or null when it is
 * not written. Sessions, refusals, token failures and errors are rare beside
 * segments and are always written (weight 1); allowed segments — nearly every
 * point, and most of what the dataset would cost — are written at
 * `DECISIONS_SEGMENT_SAMPLE`, each standing for 1/sample of them, so
 * `SUM(_sample_interval * double1)` still counts every decision.
 */
export function analyticsWeight(route: MetricsRoute, always: boolean, segmentSample: number, random: () => number = Math.random): number | null {
  if (route !== 'segment' || always) return 1;
  if (!(random() < segmentSample)) return null;
  return 1 / segmentSample;
}

/** Writes one decision's Analytics Engine point when `DECISIONS` is bound and the point is sampled; never throws. */
function writeDataPoint(gate: Gate, region: string, answer: CountedAnswer, requestId: string, weight: number | null): void {
  if (!gate.env.DECISIONS || weight === null) return;
  try {
    gate.env.DECISIONS.writeDataPoint({
      indexes: [region],
      blobs: [
        region,
        answer.route,
        answer.mode ?? '',
        answer.decision,
        answer.enforced,
        answer.reason,
        answer.deviceType ?? '',
        answer.evidence ?? '',
        answer.sharedNetwork ? 'shared' : '',
        runningVersion(),
      ],
      doubles: [weight],
    });
  } catch (error) {
    console.error(loggedLine({ event: 'analytics_write_failed', requestId, error: error instanceof Error ? error.name : 'unknown' }));
  }
}
