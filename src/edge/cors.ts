/**
 * Web players on other origins (contract §5, docs/api.md "CORS"). A player
 * page served from its own site (`https://player.example`) calls the gate
 * with `Authorization`, `DPoP` or `Hearth-Session` headers, which browsers
 * send only after a preflight `OPTIONS` the gate approves, and reads
 * `Hearth-Decision` and the refusal's problem details only when the answer
 * says that origin may.
 *
 * For an `Origin` listed in CORS_ALLOWED_ORIGINS, on playback paths and
 * `/gate/v1/*`: preflights are `204` without a token, and every answer
 * (refusals included, so the player reads the 403's reason, message and
 * actions) names that origin, allows credentials and exposes the `Hearth-*`
 * headers and `WWW-Authenticate`. Other origins get no CORS headers, and
 * their preflight is `403 CROSS_SITE_REQUEST` at once, recorded nowhere
 * (contract §9: it proves nothing; before, it fell through to the path's
 * ordinary answer — a playback path's `401`, with its point and log line).
 * `/admin/` never answers CORS; `/openapi.json` and the status JSON
 * (`/gate/v1/status`, contract §8) answer any origin, without credentials.
 *
 * hono's `cors` middleware builds the headers. It sets
 * `Access-Control-Allow-Credentials` and `-Expose-Headers` on every answer
 * whatever the origin, so it only runs for a listed origin; the others get
 * `Vary: Origin` alone, so that no cache (the browser's included) hands a
 * listed player an answer made for another origin, without CORS headers.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../http/context';
import { problemFor } from '../http/problem';

/** The status JSON (contract §8): public, for any origin, without credentials. */
const PUBLIC_STATUS_PATH = '/gate/v1/status';

/** The request headers a player may send (contract §5). */
export const CORS_ALLOW_HEADERS = ['Authorization', 'DPoP', 'Hearth-Session', 'Range', 'Content-Type'];
/**
 * Development only: a listed page on another origin may also simulate the
 * viewer's region and network, and sign a device in at the development
 * token route, as the demo does (docs/players.md, "Your page on another
 * origin, in development").
 */
export const DEVELOPMENT_ALLOW_HEADERS = [...CORS_ALLOW_HEADERS, 'Hearth-Sim-Country', 'CF-Connecting-IP'];
const DEVELOPMENT_TOKEN_PATH = '/gate/dev/device-token';
/** The answer headers a player may read, besides the CORS-safelisted ones (contract §5). */
export const CORS_EXPOSE_HEADERS = ['Hearth-Decision', 'Hearth-Request-Id', 'Hearth-Session', 'WWW-Authenticate'];
/** Playback is mostly GET and HEAD; the device API adds POST (challenges, verify) and DELETE (sign-out). */
const ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'DELETE'];
/** Browsers keep an approved preflight this long (Chromium caps it at two hours): a player's retries reuse it. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Where the CORS answers of contract §5 apply: `/gate/v1/*` and playback, i.e. every path outside the reserved ones. */
export function isPlayerPath(path: string): boolean {
  if (path.startsWith('/gate/v1/')) return true;
  return !path.startsWith('/gate/') && !path.startsWith('/admin/') && path !== '/healthz' && path !== '/openapi.json';
}

const forListedOrigin = cors({
  origin: (origin) => origin,
  credentials: true,
  allowHeaders: CORS_ALLOW_HEADERS,
  exposeHeaders: CORS_EXPOSE_HEADERS,
  allowMethods: ALLOW_METHODS,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
});

const forListedOriginInDevelopment = cors({
  origin: (origin) => origin,
  credentials: true,
  allowHeaders: DEVELOPMENT_ALLOW_HEADERS,
  exposeHeaders: CORS_EXPOSE_HEADERS,
  allowMethods: ALLOW_METHODS,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
});

const forAnyOrigin = cors({ origin: '*', allowMethods: ['GET', 'HEAD'] });

/** A CORS preflight: `OPTIONS` asking which method the real request may use. It never carries a credential. */
function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('Access-Control-Request-Method');
}

/** The CORS middleware; runs once the gate (and so CORS_ALLOWED_ORIGINS) is known. */
export const webPlayers: MiddlewareHandler<AppEnv> = async (c, next) => {
  const path = c.req.path;
  if (path === '/openapi.json' || path === PUBLIC_STATUS_PATH) return forAnyOrigin(c, next);
  const gate = c.get('gate');
  const development = gate.config.environment === 'development';
  if (!isPlayerPath(path) && !(development && path === DEVELOPMENT_TOKEN_PATH)) return next();
  const allowed = gate.config.corsAllowedOrigins;
  const origin = c.req.header('Origin');
  if (origin !== undefined && allowed.has(origin)) return (development ? forListedOriginInDevelopment : forListedOrigin)(c, next);
  // Contract §9: a preflight no listed player sent proves nothing; it is refused at once and leaves no trace but a count.
  if (isPreflight(c.req.raw)) {
    gate.unproven.refusedPreflights += 1;
    return problemFor(c, 'CROSS_SITE_REQUEST', { detail: 'This origin may not call the gate from a browser.', headers: { Vary: 'Origin' } });
  }
  if (allowed.size === 0) return next();
  await next();
  c.header('Vary', 'Origin', { append: true });
};
