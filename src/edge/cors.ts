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
 * headers and `WWW-Authenticate`. Other origins get no CORS headers; the
 * preflight falls through to the path's ordinary answer, which the browser
 * then refuses. `/admin/` never answers CORS; `/openapi.json` answers any
 * origin, without credentials.
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

/** The request headers a player may send (contract §5). */
export const CORS_ALLOW_HEADERS = ['Authorization', 'DPoP', 'Hearth-Session', 'Range', 'Content-Type'];
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

const forAnyOrigin = cors({ origin: '*', allowMethods: ['GET', 'HEAD'] });

/** The CORS middleware; runs once the gate (and so CORS_ALLOWED_ORIGINS) is known. */
export const webPlayers: MiddlewareHandler<AppEnv> = async (c, next) => {
  const path = c.req.path;
  if (path === '/openapi.json') return forAnyOrigin(c, next);
  const allowed = c.get('gate').config.corsAllowedOrigins;
  if (allowed.size === 0 || !isPlayerPath(path)) return next();
  const origin = c.req.header('Origin');
  if (origin !== undefined && allowed.has(origin)) return forListedOrigin(c, next);
  await next();
  c.header('Vary', 'Origin', { append: true });
};
