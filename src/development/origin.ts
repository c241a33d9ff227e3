/**
 * The development origin: with no ORIGIN_URL (development only), allowed
 * playback goes here. It serves the demo stream (public/_demo-origin) and
 * otherwise says what it would have received, so `wrangler dev`, curl and
 * /demo show the whole path.
 */
import type { DevelopmentOrigin } from '../http/context';

/** Where the development origin keeps its files (the demo stream) among the static assets. */
const DEVELOPMENT_ORIGIN_PREFIX = '/_demo-origin';

export const developmentOrigin: DevelopmentOrigin = async (request, device, assets) => {
  const url = new URL(request.url);
  if (assets && (request.method === 'GET' || request.method === 'HEAD')) {
    const file = await assets.fetch(new Request(new URL(DEVELOPMENT_ORIGIN_PREFIX + url.pathname, url), { method: request.method }));
    if (file.ok) return file;
  }
  return Response.json({
    origin: 'hearth development origin (set ORIGIN_URL to forward to a real one)',
    method: request.method,
    path: url.pathname,
    query: url.search,
    account: device.accountId,
    device: device.deviceId,
  });
};
