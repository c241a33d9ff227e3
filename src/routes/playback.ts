/**
 * Playback (docs/api.md): every path outside the reserved ones. Allowed
 * requests stream through to ORIGIN_URL with every credential taken out and
 * the account and device named; challenges and denials are problem details.
 * A request carries a playback session or a device token (edge/decide-request.ts).
 *
 * The origin never sees a credential: not `Authorization`, not a `DPoP`
 * proof, not `Hearth-Session`, not the `hearth_device` or `hearth_session`
 * cookie. Other cookies pass.
 *
 * Trust boundary: nothing the client sends as `Hearth-*` — in any case, with
 * `_` for `-` (many origin stacks read `Hearth_Account` as `Hearth-Account`)
 * — reaches the origin; the only `Hearth-*` headers the origin sees are the
 * ones set here. Hop-by-hop headers (RFC 9110 §7.6.1) stay on this hop.
 */
import { DEVICE_COOKIE, type DeviceIdentity } from '../identity/device-token';
import { SESSION_COOKIE } from '../session/playback-session';
import { identifyPlayback } from '../edge/identify';
import { decideForDevice } from '../edge/decide-request';
import { DECISION_HEADER, decisionHeader, refusal, tokenProblem } from '../edge/decision-response';
import { recordDecision, recordRefusedCredential, rememberVisit } from '../edge/record';
import { accountWithinLimit, countRateLimited, rateLimitedProblem, screenUnproven } from '../edge/rate-limits';
import type { AppContext } from '../http/context';
import { problemFor } from '../http/problem';
import { actionLinks } from '../edge/region';
import { err, ok, type Result } from '../result';
import { logged } from '../version';

/** A playback request, top to bottom: identify → network, state, decide → record → respond (forward or refuse). */
export async function playback(c: AppContext): Promise<Response> {
  const gate = c.get('gate');
  const requestId = c.get('requestId');
  const locale = c.get('locale');
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const now = Date.now();
  const links = actionLinks(c.req.raw, gate.config.environment);

  const identification = await identifyPlayback(gate, c.req.raw, now);
  if (!identification.ok) {
    // Contract §9: a request that proves nothing meets RATE_LIMIT_NETWORK before anything about it is recorded.
    const screened = await screenUnproven(gate, c.req.raw, now);
    if (!screened.within) {
      countRateLimited(gate, 'segment', c.req.raw, null, now, waitUntil);
      return rateLimitedProblem(requestId, locale, links, 'network', true);
    }
    recordRefusedCredential(gate, 'segment', c.req.raw, requestId, identification.error.reason, now, waitUntil, screened.network);
    return tokenProblem(identification.error.reason, requestId, locale, links);
  }
  const decided = await decideForDevice(gate, c.req.raw, identification.value, now, 'segment');
  // A refused decision meets RATE_LIMIT_ACCOUNT before anything about it is recorded; an allowed one never does.
  if (decided.decision.decision !== 'allow' && !(await accountWithinLimit(gate, decided.device.accountId, now))) {
    countRateLimited(gate, 'segment', c.req.raw, decided.device.deviceType, now, waitUntil);
    return rateLimitedProblem(requestId, locale, links, 'account', true);
  }
  rememberVisit(gate, decided, 'segment', waitUntil, locale);
  recordDecision(gate, 'segment', requestId, decided, waitUntil);
  const { decision, device } = decided;
  if (decision.decision !== 'allow') return refusal(decision, requestId, locale, links.origin, device.deviceType);

  let response: Response;
  if (gate.config.originUrl) {
    const fetched = await fetchOrigin(originRequest(c.req.raw, gate.config.originUrl, device), gate.config.originTimeoutMs);
    if (!fetched.ok) {
      const { reason } = fetched.error;
      console.error(logged({ event: reason === 'ORIGIN_TIMEOUT' ? 'origin_timeout' : 'origin_unreachable', requestId }));
      return problemFor(c, reason, { headers: { [DECISION_HEADER]: decisionHeader(decision), 'Retry-After': '1' } });
    }
    response = fetched.value;
  } else {
    const developmentOrigin = c.get('developmentOrigin');
    response = developmentOrigin ? await developmentOrigin(c.req.raw, device) : problemFor(c, 'ORIGIN_UNREACHABLE');
  }
  const forwarded = new Response(response.body, response);
  forwarded.headers.set(DECISION_HEADER, decisionHeader(decision));
  forwarded.headers.set('Hearth-Request-Id', requestId);
  return forwarded;
}

/**
 * Fetches from the origin, waiting at most `timeoutMs` for its response
 * headers; once they arrive the body streams for as long as it takes.
 */
async function fetchOrigin(request: Request, timeoutMs: number): Promise<Result<Response, { reason: 'ORIGIN_TIMEOUT' | 'ORIGIN_UNREACHABLE' }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return ok(await fetch(request, { signal: controller.signal }));
  } catch {
    return err({ reason: controller.signal.aborted ? 'ORIGIN_TIMEOUT' : 'ORIGIN_UNREACHABLE' });
  } finally {
    clearTimeout(timer);
  }
}

/** Request headers that carry a credential (lower case, `_` read as `-`); `Hearth-Session` goes with every `Hearth-*`. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'dpop']);
/** Cookies that carry a credential: the device token and the playback session. */
const CREDENTIAL_COOKIES = new Set([DEVICE_COOKIE, SESSION_COOKIE]);

/** The request as the origin sees it: same method, path, query and body; credentials out, identity in. */
export function originRequest(request: Request, originUrl: string, device: DeviceIdentity): Request {
  const url = new URL(request.url);
  const headers = new Headers();
  const hopByHop = hopByHopHeaders(request.headers);
  for (const [name, value] of request.headers) {
    const canonical = name.toLowerCase().replaceAll('_', '-');
    if (CREDENTIAL_HEADERS.has(canonical) || canonical === 'cookie' || canonical.startsWith('hearth-') || hopByHop.has(canonical)) continue;
    headers.append(name, value);
  }
  const cookies = withoutCookies(request.headers.get('Cookie'), CREDENTIAL_COOKIES);
  if (cookies) headers.set('Cookie', cookies);
  headers.set('Hearth-Account', device.accountId);
  headers.set('Hearth-Device', device.deviceId);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(originUrl + url.pathname + url.search, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    redirect: 'manual',
  });
}

/** Headers that describe this connection only: the fixed set, `Proxy-*`, and whatever `Connection` names. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function hopByHopHeaders(headers: Headers): { has(canonical: string): boolean } {
  const named = new Set(
    (headers.get('Connection') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase().replaceAll('_', '-'))
      .filter((token) => token.length > 0),
  );
  return { has: (canonical) => HOP_BY_HOP.has(canonical) || canonical.startsWith('proxy-') || named.has(canonical) };
}

function withoutCookies(header: string | null, names: ReadonlySet<string>): string | null {
  if (!header) return null;
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0 && !names.has(part.slice(0, part.indexOf('=')).trim()));
  return kept.length > 0 ? kept.join('; ') : null;
}
