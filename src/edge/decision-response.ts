/**
 * How a decision is told: the `Hearth-Decision` header, the problem details
 * of a challenge or deny, and its record — counters, Analytics Engine and a
 * (sampled) log line.
 *
 * None of them carries an address or a token: region, mode, outcome, reason,
 * policy version, device type, request id.
 */

import type { TokenFailureReason } from '../identity/jwt-verifier';
import { problemResponse } from '../http/problem';
import type { Locale } from '../messages/catalog';
import type { CountedAnswer, CountedReason, MetricsRoute } from '../metrics/tally';
import { metricsRegion, requestRegion } from './region';
import type { Decision, Outcome } from '../policy/decide';
import { decidePlayback, type DecideOptions, type PlaybackCredentialFailure, type PlaybackDecision, type RequestDecision } from './decide-request';
import { SESSION_CHALLENGE } from '../session/playback-session';
import type { Gate } from '../gate';
import { type DeviceType } from '../vocabulary';

export const DECISION_HEADER = 'Hearth-Decision';
export const TOKEN_CHALLENGE = 'Bearer realm="playback", error="invalid_token"';
/** RFC 9449 §7.1: the answer to a bound token without a valid proof, or (DEVICE_BINDING=required) an unbound token. */
export const PROOF_CHALLENGE = 'DPoP algs="EdDSA ES256", error="invalid_dpop_proof"';
/** Seconds a client should wait before retrying when household state is unreadable. */
export const STATE_RETRY_AFTER_SECONDS = 5;

export function decisionHeader(decision: Pick<Decision, 'decision' | 'reason' | 'wouldDecision'>): string {
  const would = decision.wouldDecision && decision.wouldDecision !== decision.decision ? `; would=${decision.wouldDecision}` : '';
  return `${decision.decision}; reason=${decision.reason}${would}`;
}

/** The HTTP status a decision answers with on a playback path. */
export function decisionStatus(decision: Decision): number {
  if (decision.decision === 'allow') return 200;
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED') return 401;
  if (decision.reason === 'STATE_UNAVAILABLE') return 503;
  return 403;
}

/**
 * The 401 of a credential problem. Token problems challenge for a token
 * (`Bearer`), proof problems for a DPoP proof; session problems
 * (`SESSION_INVALID`, `SESSION_REQUIRED`) for a playback session, which the
 * player gets with a new decision.
 */
export function tokenProblem(reason: TokenFailureReason | PlaybackCredentialFailure | 'DEVICE_REVOKED' | 'DEVICE_PROOF_REQUIRED', requestId: string, locale: Locale): Response {
  return problemResponse(reason, {
    requestId,
    locale,
    extra: { decision: 'deny' },
    headers: { 'WWW-Authenticate': challengeFor(reason), [DECISION_HEADER]: `deny; reason=${reason}` },
  });
}

/** The `WWW-Authenticate` of a 401: a proof problem names DPoP and its algorithms, every other token problem Bearer. */
function challengeFor(reason: string): string {
  if (reason === 'SESSION_INVALID' || reason === 'SESSION_REQUIRED') return SESSION_CHALLENGE;
  return reason === 'DEVICE_PROOF_REQUIRED' ? PROOF_CHALLENGE : TOKEN_CHALLENGE;
}

/** The refusal of a playback request: 401 (signed out), 503 (state unreadable) or 403; its actions are those `deviceType` can take. */
export function refusal(decision: Decision, requestId: string, locale: Locale, deviceType: DeviceType | null): Response {
  const status = decisionStatus(decision);
  const headers: Record<string, string> = { [DECISION_HEADER]: decisionHeader(decision) };
  if (status === 401) headers['WWW-Authenticate'] = challengeFor(decision.reason);
  if (status === 503) headers['Retry-After'] = String(STATE_RETRY_AFTER_SECONDS);
  return problemResponse(decision.reason, {
    requestId,
    locale,
    status,
    deviceType,
    extra: { decision: decision.decision, mode: decision.mode, region: decision.region, policyVersion: decision.policyVersion },
    headers,
  });
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
}

/**
 * Tells the world about one decision, without awaiting anything: counts it
 * (this isolate's counters, flushed within the interval through `waitUntil`),
 * writes its Analytics Engine data point when `DECISIONS` is bound (allowed
 * segments at `DECISIONS_SEGMENT_SAMPLE`, weighted in `double1`), and logs
 * it — every refusal, token failure and `STATE_UNAVAILABLE`, and allowed
 * decisions at `DECISION_LOG_SAMPLE`. No id, address or token in any of them.
 */
export function recordDecision(gate: Gate, route: MetricsRoute, request: Request, requestId: string, result: RequestDecision, now: number, waitUntil: DecideOptions['waitUntil']): void {
  const answer: CountedAnswer = result.ok
    ? {
        route,
        decision: result.decision.decision,
        enforced: result.decision.enforced,
        reason: result.decision.reason,
        mode: result.decision.mode,
        deviceType: result.device.deviceType,
        evidence: result.decision.evidence ?? null,
        sharedNetwork: result.decision.sharedNetwork,
      }
    : { route, decision: 'deny', enforced: 'deny', reason: result.reason, mode: null, deviceType: null, evidence: null, sharedNetwork: false };
  const region = metricsRegion(result.ok ? result.decision.region : requestRegion(request, gate.config.environment));
  gate.decisions.count(region, now, answer, result.ok ? result.replay : null, result.ok ? result.household : null);
  gate.decisions.scheduleFlush(now, waitUntil);

  const always = answer.decision !== 'allow' || answer.reason === 'STATE_UNAVAILABLE';
  writeDataPoint(gate, region, answer, requestId, analyticsWeight(route, always, gate.config.decisionsSegmentSample));

  const sample = gate.config.decisionLogSample;
  if (!always && !(Math.random() < sample)) return;
  const line: DecisionLogLine = {
    requestId,
    region,
    mode: answer.mode,
    decision: answer.decision,
    wouldDecision: result.ok ? (result.decision.wouldDecision ?? null) : null,
    reason: answer.reason,
    policyVersion: result.ok ? result.decision.policyVersion : null,
    deviceType: answer.deviceType,
    route,
    ...(always ? {} : { sample }),
  };
  console.log(JSON.stringify({ event: 'decision', ...line }));
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
      blobs: [region, answer.route, answer.mode ?? '', answer.decision, answer.enforced, answer.reason, answer.deviceType ?? '', answer.evidence ?? '', answer.sharedNetwork ? 'shared' : ''],
      doubles: [weight],
    });
  } catch (error) {
    console.error(JSON.stringify({ event: 'analytics_write_failed', requestId, error: error instanceof Error ? error.name : 'unknown' }));
  }
}

/**
 * Decides a playback request (a segment), records the visit off the hot
 * path, and records the decision. A session refused before any decision
 * (`SESSION_INVALID`, `SESSION_REQUIRED`) gets a log line, not a count: the
 * decision counters know token failures and decisions only.
 */
export async function decideAndRecord(gate: Gate, request: Request, requestId: string, waitUntil: DecideOptions['waitUntil']): Promise<PlaybackDecision> {
  const now = Date.now();
  const result = await decidePlayback(gate, request, now, { record: true, waitUntil });
  if (result.ok || !isSessionFailure(result.reason)) {
    recordDecision(gate, 'segment', request, requestId, result as RequestDecision, now, waitUntil);
  } else {
    console.log(JSON.stringify({ event: 'session_refused', requestId, region: metricsRegion(requestRegion(request, gate.config.environment)), reason: result.reason }));
  }
  return result;
}

function isSessionFailure(reason: PlaybackCredentialFailure): reason is 'SESSION_INVALID' | 'SESSION_REQUIRED' {
  return reason === 'SESSION_INVALID' || reason === 'SESSION_REQUIRED';
}
