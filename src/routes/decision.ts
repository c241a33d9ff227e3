/**
 * `GET /gate/v1/decision` (docs/api.md): the decision for this device,
 * network and region, without forwarding. Token problems stay 401. Each
 * answer is a *session* in the metrics (token refusals too: see app.ts).
 */
import type { SignedIn } from '../api/operation';
import { decideForDevice } from '../edge/decide-request';
import { DECISION_HEADER, decisionHeader, recordDecision, tokenProblem } from '../edge/decision-response';
import type { AppContext } from '../http/context';
import { actionsFor, messageFor } from '../messages/catalog';

export async function getDecision(c: AppContext, { device }: SignedIn['device']): Promise<Response> {
  const gate = c.get('gate');
  const requestId = c.get('requestId');
  const locale = c.get('locale');
  const now = Date.now();
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const result = await decideForDevice(gate, c.req.raw, device, now, { record: true, replayBuckets: true, session: true, waitUntil });
  recordDecision(gate, 'session', c.req.raw, requestId, result, now, waitUntil);
  const { decision } = result;
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED') return tokenProblem(decision.reason, requestId, locale);
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
