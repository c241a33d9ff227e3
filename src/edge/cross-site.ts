/**
 * Cross-site request forgery: the `hearth_device` cookie (and the
 * `hearth_session` cookie of a playback session) rides along with any
 * request a browser makes, including a form another site submits. A request
 * that changes something (any method but GET, HEAD, OPTIONS) and is
 * authenticated by that cookie must show it comes from this site:
 * `Sec-Fetch-Site: same-origin` (or `none`, typed by the person), or, from
 * browsers without Fetch Metadata, an `Origin` equal to the gate's own.
 * An `Origin` listed in CORS_ALLOWED_ORIGINS is evidence too (contract §5):
 * a player page the operator trusts makes these calls from its own site,
 * where the browser says `Sec-Fetch-Site: same-site` or `cross-site`, and
 * `Origin` is a header no page can forge.
 * A token in `Authorization` is never added by a browser on its own, so
 * such requests are unaffected.
 */
import { DEVICE_COOKIE } from '../identity/device-token';
import { requestCredential } from '../identity/jwt-verifier';
import { SESSION_HEADER, sessionCredential } from '../session/playback-session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const NO_ORIGINS: ReadonlySet<string> = new Set();

/** Whether `request` is a cookie-authenticated change without evidence that this site (or a listed player's) made it. */
export function isCrossSiteCookieRequest(request: Request, allowedOrigins: ReadonlySet<string> = NO_ORIGINS): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  if (!authenticatedByCookie(request.headers)) return false;
  const listed = request.headers.get('Origin');
  if (listed !== null && allowedOrigins.has(listed)) return false;
  const site = request.headers.get('Sec-Fetch-Site');
  if (site !== null) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.get('Origin');
  return origin === null || origin !== new URL(request.url).origin;
}

/**
 * Whether only a cookie can have authenticated the request. A header
 * credential (`Authorization`, `Hearth-Session`) is never added by a
 * browser on its own, so a request carrying one was not forged by another
 * site, whatever cookies ride along.
 */
function authenticatedByCookie(headers: Headers): boolean {
  if (headers.get(SESSION_HEADER)?.trim()) return false;
  const credential = requestCredential(headers, DEVICE_COOKIE);
  if (credential?.via === 'authorization') return false;
  return credential !== null || sessionCredential(headers) !== null;
}
