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
import { accountWithinLimit, countRateLimited, rateLimitedProblem } from '../edge/rate-limits';
import type { AppContext } from '../http/context';
import { actionLinks } from '../edge/region';
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
  const links = actionLinks(c.req.raw, gate.config.environment);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const decided = await decideForDevice(gate, c.req.raw, { device }, now, 'session');
  // Contract §9: a refused decision meets RATE_LIMIT_ACCOUNT before anything about it is recorded; an allowed one never does.
  if (decided.decision.decision !== 'allow' && !(await accountWithinLimit(gate, device.accountId, now))) {
    countRateLimited(gate, 'session', c.req.raw, device.deviceType, now, waitUntil);
    return rateLimitedProblem(requestId, locale, links, 'account', true);
  }
  rememberVisit(gate, decided, 'session', waitUntil, locale);
  recordDecision(gate, 'session', requestId, decided, waitUntil);
  const { decision } = decided;
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED') return tokenProblem(decision.reason, requestId, locale, links);
  const session = decision.decision === 'allow' ? await issueSession(gate, device, decided.networkId, decision, now) : null;
  const body = {
    decision: decision.decision,
    reason: decision.reason,
    ...(decision.wouldDecision ? { wouldDecision: decision.wouldDecision } : {}),
    mode: decision.mode,
    region: decision.region,
    policyVersion: decision.policyVersion,
    ...explainReason(decision.reason, { locale, allowed: decision.decision === 'allow', deviceType: device.deviceType, links: { origin: links.origin, region: decision.region } }),
    ...(decision.accessUntil ? { accessUntil: new Date(decision.accessUntil).toISOString() } : {}),
    ...(session ? { session: { expiresAt: new Date(session.expiresAtMs).toISOString() } } : {}),
    requestId,
  };
  return c.json(body satisfies z.input<typeof decisionResponse>, 200, {
    [DECISION_HEADER]: decisionHeader(decision),
    'Hearth-Request-Id': requestId,
    'Cache-Control': 'no-store',
    'Content-Language': LANGUAGE_TAGS[locale],
    ...(session ? { [SESSION_HEADER]: session.credential } : {}),
    // Max-Age counts whole seconds, rounded up: a cookie of a session with under a second left is not a deleted cookie.
    'Set-Cookie': session ? sessionCookie(session.credential, Math.ceil((session.expiresAtMs - now) / MS_PER_SECOND)) : CLEAR_SESSION_COOKIE,
  });
}

/**
 * The playback session of an allow: this device on this network, from now
 * until PLAYBACK_SESSION_TTL or the end of the access that allowed it
 * (`accessUntil`), whichever comes first, to the millisecond: it never
 * outlasts either, and an access that ends within the second still gets a
 * session that plays until then (whole seconds, rounded down, gave a session
 * already over: the player used it, was refused SESSION_INVALID, asked again
 * and was allowed again, round after round, until the access ended).
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
    expiresAtSeconds: until / MS_PER_SECOND,
  };
  return { ...session, expiresAtMs: until, credential: await gate.sessions.issue(session) };
}
