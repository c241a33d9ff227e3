/**
 * `GET /gate/v1/decision` (CONTRACT.md §6): the decision for this device,
 * network and region, without forwarding. Token problems stay 401.
 */
import { decideRequest, type RequestDecision } from '../edge/decide-request';
import { DECISION_HEADER, decisionHeader, logDecision, tokenProblem } from '../edge/decision-response';
import type { HearthHonoContext } from '../http/context';
import { actionsFor, messageFor } from '../messages/catalog';

/** Decides a playback-shaped request, records the visit off the hot path, and writes its log line. */
export async function decideAndLog(c: HearthHonoContext, route: 'playback' | 'decision'): Promise<RequestDecision> {
  const gate = c.get('gate');
  const result = await decideRequest(gate, c.req.raw, Date.now(), { record: true, waitUntil: (p) => c.executionCtx.waitUntil(p) });
  logDecision(route, c.get('requestId'), result, gate.muteDecisionLog);
  return result;
}

export async function getDecision(c: HearthHonoContext): Promise<Response> {
  const requestId = c.get('requestId');
  const locale = c.get('locale');
  const result = await decideAndLog(c, 'decision');
  if (!result.ok) {
    return tokenProblem(result.reason, requestId, locale);
  }
  const { decision } = result;
  if (decision.reason === 'DEVICE_REVOKED') return tokenProblem('DEVICE_REVOKED', requestId, locale);
  const body = {
    decision: decision.decision,
    reason: decision.reason,
    ...(decision.wouldDecision ? { wouldDecision: decision.wouldDecision } : {}),
    mode: decision.mode,
    region: decision.region,
    policyVersion: decision.policyVersion,
    message: messageFor(decision.reason, locale),
    actions: decision.decision === 'allow' ? [] : actionsFor(decision.reason),
    ...(decision.accessUntil ? { accessUntil: new Date(decision.accessUntil).toISOString() } : {}),
    requestId,
  };
  return c.json(body, 200, {
    [DECISION_HEADER]: decisionHeader(decision),
    'Hearth-Request-Id': requestId,
    'Cache-Control': 'no-store',
    'Content-Language': locale,
  });
}
