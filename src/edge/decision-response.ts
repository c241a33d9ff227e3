/**
 * Step 5 of a request, respond: how a decision is told — the
 * `Hearth-Decision` header, and the problem details of a credential problem,
 * a challenge or a deny. Its record is record.ts.
 *
 * None of them carries an address or a token: region, mode, outcome, reason,
 * policy version, request id.
 */

import { problemResponse } from '../http/problem';
import type { ActionLinks, Locale } from '../messages/catalog';
import type { Decision } from '../policy/decide';
import { SESSION_CHALLENGE } from '../session/playback-session';
import type { CredentialFailure } from './identify';
import type { DeviceType } from '../vocabulary';

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
export function tokenProblem(reason: CredentialFailure | 'DEVICE_REVOKED', requestId: string, locale: Locale, links: ActionLinks): Response {
  return problemResponse(reason, {
    requestId,
    locale,
    origin: links.origin,
    region: links.region ?? null,
    extra: { decision: 'deny' },
    headers: { 'WWW-Authenticate': challengeFor(reason), [DECISION_HEADER]: `deny; reason=${reason}` },
  });
}

/** The `WWW-Authenticate` of a 401: a proof problem names DPoP and its algorithms, every other token problem Bearer. */
function challengeFor(reason: string): string {
  if (reason === 'SESSION_INVALID' || reason === 'SESSION_REQUIRED') return SESSION_CHALLENGE;
  return reason === 'DEVICE_PROOF_REQUIRED' ? PROOF_CHALLENGE : TOKEN_CHALLENGE;
}

/**
 * The refusal of a playback request: 401 (signed out), 503 (state unreadable)
 * or 403; its actions are those `deviceType` can take, then the status page
 * of the decision's region, absolute on `origin` (the request's).
 */
export function refusal(decision: Decision, requestId: string, locale: Locale, origin: string, deviceType: DeviceType | null): Response {
  const status = decisionStatus(decision);
  const headers: Record<string, string> = { [DECISION_HEADER]: decisionHeader(decision) };
  if (status === 401) headers['WWW-Authenticate'] = challengeFor(decision.reason);
  if (status === 503) headers['Retry-After'] = String(STATE_RETRY_AFTER_SECONDS);
  return problemResponse(decision.reason, {
    requestId,
    locale,
    origin,
    status,
    deviceType,
    extra: { decision: decision.decision, mode: decision.mode, region: decision.region, policyVersion: decision.policyVersion },
    headers,
  });
}
