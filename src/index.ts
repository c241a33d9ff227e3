/**
 * The Worker: hands every request to the hono app and exports the Durable
 * Objects that own household and control state.
 */
import { app } from './app';
import type { HearthEnv } from './env';

export { ControlStore } from './state/control-store';
export { HouseholdStore } from './state/household-store';
export { NetworkSharing } from './state/network-sharing';
export { RegionMetrics } from './state/region-metrics';

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<HearthEnv>;
