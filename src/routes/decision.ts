/**
 * `GET /gate/v1/decision` (docs/api.md): the decision for this device,
 * network and region, without forwarding. Token problems stay 401. Each
 * answer is a *session* in the metrics (token refusals too: see app.ts).
 *
 * Every allow carries a playback session (contract §2.1): `Hearth-Session`,
 * the `hearth_session` cookie and `session.expiresAt`. Any other answer
 * ends the browser's session cookie, so a browser plays on its latest
 * decision only.
 */
import type { z } from 'zod';
import type { SignedIn } from '../api/operation';
import type { decisionResponse } from '../api/schemas';
import { decideForDevice } from '../edge/decide-request';
import { DECISION_HEADER, decisionHeader, tokenProblem } from '../edge/decision-response';
import { recordDecision, rememberVisit } from '../edge/record';
import type { AppContext } from '../http/context';
import { explainReason, LANGUAGE_TAGS } from '../messages/catalog';
import type { Decision } from '../policy/decide';
import type { NetworkId } from '../network/network-id';
import type { DeviceIdentity } from '../identity/device-token';
import type { Gate } from '../gate';
import { CLEAR_SESSION_COOKIE, SESSION_HEADER, sessionCookie } from '../session/playback-session';
import { MS_PER_SECOND, unixSeconds } from '../time';

export async function getDecision(c: AppContext, { device }: SignedIn['device']): Promise<Response> {
  const gate = c.get('gate');
  const requestId = c.get('requestId');
  const locale = c.get('locale');
  const now = Date.now();
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  let decided = await decideForDevice(gate, c.req.raw, { device }, now, 'session');
  // A session ends on a whole second, never after the access that allowed it (issueSession): an access that ends
  // within this second would hand out a session already over, which a player would use, be refused (SESSION_INVALID),
  // ask again and be allowed again, until the access ended. Such a decision is made as of the access's end instead —
  // what the table answers a moment later. (Another row may allow then, with an access of its own: at most twice more.)
  for (let again = 0; again < 3 && sessionWouldBeOver(decided.decision, now); again++) {
    decided = await decideForDevice(gate, c.req.raw, { device }, decided.decision.accessUntil!, 'session');
  }
  rememberVisit(gate, decided, 'session', waitUntil);
  recordDecision(gate, 'session', requestId, decided, waitUntil);
  const { decision } = decided;
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED') return tokenProblem(decision.reason, requestId, locale);
  const session = decision.decision === 'allow' ? await issueSession(gate, device, decided.networkId, decision, now) : null;
  const body = {
    decision: decision.decision,
    reason: decision.reason,
    ...(decision.wouldDecision ? { wouldDecision: decision.wouldDecision } : {}),
    mode: decision.mode,
    region: decision.region,
    policyVersion: decision.policyVersion,
    ...explainReason(decision.reason, { locale, allowed: decision.decision === 'allow', deviceType: device.deviceType }),
    ...(decision.accessUntil ? { accessUntil: new Date(decision.accessUntil).toISOString() } : {}),
    ...(session ? { session: { expiresAt: new Date(session.expiresAtSeconds * 1000).toISOString() } } : {}),
    requestId,
  };
  return c.json(body satisfies z.input<typeof decisionResponse>, 200, {
    [DECISION_HEADER]: decisionHeader(decision),
    'Hearth-Request-Id': requestId,
    'Cache-Control': 'no-store',
    'Content-Language': LANGUAGE_TAGS[locale],
    ...(session ? { [SESSION_HEADER]: session.credential } : {}),
    'Set-Cookie': session ? sessionCookie(session.credential, session.expiresAtSeconds - unixSeconds(now)) : CLEAR_SESSION_COOKIE,
  });
}

/** Whether an allow's session would have ended before it was sent: its access ends before the next whole second. */
function sessionWouldBeOver(decision: Decision, now: number): boolean {
  return decision.decision === 'allow' && decision.accessUntil !== undefined && unixSeconds(decision.accessUntil) * MS_PER_SECOND <= now;
}

/**
 * The playback session of an allow: this device on this network, from now
 * until PLAYBACK_SESSION_TTL or the end of the access that allowed it
 * (`accessUntil`), whichever comes first — in whole seconds, rounded down,
 * so it never outlasts either.
 */
async function issueSession(gate: Gate, device: DeviceIdentity, networkId: NetworkId | null, decision: Decision, now: number) {
  const until = Math.min(now + gate.config.playbackSessionTtlMs, decision.accessUntil ?? Number.POSITIVE_INFINITY);
  const session = {
    accountId: device.accountId,
    deviceId: device.deviceId,
    deviceType: device.deviceType,
    networkId,
    keyThumbprint: device.keyThumbprint,
    issuedAtSeconds: unixSeconds(now),
    expiresAtSeconds: unixSeconds(until),
  };
  return { ...session, credential: await gate.sessions.issue(session) };
}
