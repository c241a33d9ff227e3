/**
 * Everything that exists for development only, as one sub-app: the landing
 * page at `/`, the demo page and its script,
 * `/gate/dev/*` (a device token for the demo, this isolate's counts), the
 * development origin, and the check of the headers that simulate a viewer's
 * region and network (simulated-headers.ts). app.ts mounts it only in development builds (`wrangler
 * dev`, the tests; `wrangler deploy` leaves it, and jose's signing, out of
 * the bundle), and each route answers only when ENVIRONMENT=development —
 * otherwise the request goes on as if the sub-app were not there.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context';
import { demoPage } from '../pages/demo-page';
import { landingPage } from './landing-page';
import { devDeviceToken } from './device-token-route';
import { devDemoRule } from './demo-rule-route';
import { developmentOrigin } from './origin';
import { devStats } from './stats';
import { checkSimulatedHeaders } from './simulated-headers';
import { assetResponse, bundledAsset } from '../pages/bundled-asset';
import { DEMO_ASSETS } from './demo-assets.generated';

const inDevelopment: MiddlewareHandler<AppEnv> = async (c, next) => {
  const gate = c.get('gate');
  if (gate.config.environment !== 'development') return next();
  c.set('developmentOrigin', developmentOrigin);
  return checkSimulatedHeaders(c, next);
};

/** A route that exists in development only; elsewhere the path means what it would mean without it. */
function only(handler: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => Response | Promise<Response>): MiddlewareHandler<AppEnv> {
  return async (c, next) => (c.get('gate').config.environment === 'development' ? handler(c) : next());
}

/**
 * Mounts the development sub-app on `app`. A function, so that this module has
 * no side effects of its own: when the call is compiled away, the bundler
 * drops the module and everything only it imports.
 */
export function mountDevelopment(app: Hono<AppEnv>): void {
  const development = new Hono<AppEnv>();
  development.use(inDevelopment);
  development.get('/gate/dev/stats', only(devStats));
  development.post('/gate/dev/device-token', only(devDeviceToken));
  development.post('/gate/dev/demo-rule', only(devDemoRule));
  // In production `/` and `/demo` are playback paths like any other.
  development.get('/', only(landingPage));
  development.get('/demo', only(demoPage));
  development.get(
    '/gate/assets/demo.js',
    only((c) => assetResponse(bundledAsset(DEMO_ASSETS, '/gate/assets/demo.js')!, c.req.raw)),
  );
  app.route('/', development);
}
