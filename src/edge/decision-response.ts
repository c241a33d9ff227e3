/**
 * How a decision is told: the `Hearth-Decision` header, the problem details
 * of a challenge or deny, and the one structured log line per decision.
 *
 * The log line carries no address and no token: region, mode, outcome,
 * reason, policy version, device type, request id.
 */

import type { TokenFailureReason } from '../identity/jwt-verifier';
import { problemResponse } from '../http/problem';
import type { Locale, Reason } from '../messages/catalog';
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
  region: string | null;
  mode: string | null;
  decision: Outcome;
  wouldDecision: Outcome | null;
  reason: Reason;
  policyVersion: number | null;
  deviceType: DeviceType | null;
  route: 'playback' | 'decision';
}

/**
 * Writes the one log line of a request's decision (or of its token failure).
 * `muted` exists for the benchmark only and is honoured only in development.
 */
export function logDecision(route: DecisionLogLine['route'], requestId: string, result: RequestDecision, muted = false): void {
  if (muted) return;
  const line: DecisionLogLine = result.ok
    ? {
        requestId,
        region: result.decision.region,
        mode: result.decision.mode,
        decision: result.decision.decision,
        wouldDecision: result.decision.wouldDecision ?? null,
        reason: result.decision.reason,
        policyVersion: result.decision.policyVersion,
        deviceType: result.device.deviceType,
        route,
      }
    : { requestId, region: null, mode: null, decision: 'deny', wouldDecision: null, reason: result.reason, policyVersion: null, deviceType: null, route };
  console.log(JSON.stringify({ event: 'decision', ...line }));
}

/** Decides a playback request, records the visit off the hot path, and writes its log line. */
export async function decideAndLog(gate: Gate, request: Request, requestId: string, waitUntil: DecideOptions['waitUntil']): Promise<RequestDecision> {
  const result = await decideRequest(gate, request, Date.now(), { record: true, waitUntil });
  logDecision('playback', requestId, result, gate.muteDecisionLog);
  return result;
}
