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
import { decideRequest, type DecideOptions, type RequestDecision } from './decide-request';
import type { Gate } from '../gate';
import { type DeviceType } from '../vocabulary';

export const DECISION_HEADER = 'Hearth-Decision';
export const TOKEN_CHALLENGE = 'Bearer realm="playback", error="invalid_token"';
/** Seconds a client should wait before retrying when household state is unreadable. */
export const STATE_RETRY_AFTER_SECONDS = 5;

export function decisionHeader(decision: Pick<Decision, 'decision' | 'reason' | 'wouldDecision'>): string {
  const would = decision.wouldDecision && decision.wouldDecision !== decision.decision ? `; would=${decision.wouldDecision}` : '';
  return `${decision.decision}; reason=${decision.reason}${would}`;
}

/** The HTTP status a decision answers with on a playback path. */
export function decisionStatus(decision: Decision): number {
  if (decision.decision === 'allow') return 200;
  if (decision.reason === 'DEVICE_REVOKED') return 401;
  if (decision.reason === 'STATE_UNAVAILABLE') return 503;
  return 403;
}

export function tokenProblem(reason: TokenFailureReason | 'DEVICE_REVOKED', requestId: string, locale: Locale): Response {
  return problemResponse(reason, {
    requestId,
    locale,
    extra: { decision: 'deny' },
    headers: { 'WWW-Authenticate': TOKEN_CHALLENGE, [DECISION_HEADER]: `deny; reason=${reason}` },
  });
}

/** The refusal of a playback request: 401 (signed out), 503 (state unreadable) or 403. */
export function refusal(decision: Decision, requestId: string, locale: Locale): Response {
  const status = decisionStatus(decision);
  const headers: Record<string, string> = { [DECISION_HEADER]: decisionHeader(decision) };
  if (status === 401) headers['WWW-Authenticate'] = TOKEN_CHALLENGE;
  if (status === 503) headers['Retry-After'] = String(STATE_RETRY_AFTER_SECONDS);
  return problemResponse(decision.reason, {
    requestId,
    locale,
    status,
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
 * writes its Analytics Engine data point when `DECISIONS` is bound, and logs
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

  if (gate.env.DECISIONS) {
    try {
      gate.env.DECISIONS.writeDataPoint({
        indexes: [region],
        blobs: [region, route, answer.mode ?? '', answer.decision, answer.enforced, answer.reason, answer.deviceType ?? '', answer.evidence ?? '', answer.sharedNetwork ? 'shared' : ''],
        doubles: [1],
      });
    } catch (error) {
      console.error(JSON.stringify({ event: 'analytics_write_failed', requestId, error: error instanceof Error ? error.name : 'unknown' }));
    }
  }

  const always = answer.decision !== 'allow' || answer.reason === 'STATE_UNAVAILABLE';
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

/** Decides a playback request (a segment), records the visit off the hot path, and records the decision. */
export async function decideAndRecord(gate: Gate, request: Request, requestId: string, waitUntil: DecideOptions['waitUntil']): Promise<RequestDecision> {
  const now = Date.now();
  const result = await decideRequest(gate, request, now, { record: true, waitUntil });
  recordDecision(gate, 'segment', request, requestId, result, now, waitUntil);
  return result;
}
