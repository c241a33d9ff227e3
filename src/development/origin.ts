/**
 * The development origin: with no ORIGIN_URL (development only), allowed
 * playback goes here. It serves the demo stream (dev/demo-stream, bundled into
 * the development build only) and
 * otherwise says what it would have received, so `wrangler dev`, curl and
 * /demo show the whole path.
 */
import type { DevelopmentOrigin } from '../http/context';
import { assetResponse, bundledAsset } from '../pages/bundled-asset';
import { DEMO_ASSETS } from './demo-assets.generated';

export const developmentOrigin: DevelopmentOrigin = async (request, device) => {
  const url = new URL(request.url);
  const file = request.method === 'GET' || request.method === 'HEAD' ? bundledAsset(DEMO_ASSETS, url.pathname) : undefined;
  if (file && url.pathname.startsWith('/titles/')) return assetResponse(file, request);
  return Response.json({
    origin: 'hearth development origin (set ORIGIN_URL to forward to a real one)',
    method: request.method,
    path: url.pathname,
    query: url.search,
    account: device.accountId,
    device: device.deviceId,
  });
};
