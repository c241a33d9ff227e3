/**
 * Moving a household the way a TV does it (contract §6): open a
 * `primary-location` challenge, read the code the owner received through the
 * test webhook, and post it to `POST /gate/v1/household/primary-location`.
 */
import { callGate, type GateRequest } from './gate';
import { lastCode } from './webhook';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** `POST /gate/v1/challenges { purpose: "primary-location" }` for `token`, with the request's network, region and bindings. */
export function openPrimaryLocationChallenge(token: string, request: GateRequest = {}): Promise<Response> {
  return callGate({ ...request, method: 'POST', path: '/gate/v1/challenges', token, headers: { ...JSON_HEADERS, ...request.headers }, body: JSON.stringify({ purpose: 'primary-location' }) });
}

/** `POST /gate/v1/household/primary-location` with `body` as JSON (nothing at all when undefined). */
export function postPrimaryLocation(token: string, body: unknown, request: GateRequest = {}): Promise<Response> {
  return callGate({
    ...request,
    method: 'POST',
    path: '/gate/v1/household/primary-location',
    token,
    ...(body === undefined ? {} : { headers: { ...JSON_HEADERS, ...request.headers }, body: JSON.stringify(body) }),
  });
}

/**
 * The whole move: a code of purpose `primary-location` sent to the owner of
 * `account`, then posted by the same TV from the same network. Answers the
 * challenge's refusal when no code could be sent, else the move's answer.
 */
export async function movePrimaryLocation(account: string, tv: string, request: GateRequest = {}): Promise<Response> {
  const opened = await openPrimaryLocationChallenge(tv, request);
  if (opened.status !== 201) return opened;
  const { challengeId } = await opened.json<{ challengeId: string }>();
  return postPrimaryLocation(tv, { challengeId, code: await lastCode(account) }, request);
}
