/**
 * What other Durable Objects may ask of the ControlStore, as a type: the
 * RegionMetrics objects call it (a region known or forgotten, new counts for a guarded
 * region) while the ControlStore reads them — this interface keeps the two
 * modules from importing each other.
 */
import type { Rollout } from '../policy/rollout';
import { CONTROL_OBJECT_NAME } from './object-names';

/** The name of the one ControlStore. */

export interface ControlStoreApi extends Rpc.DurableObjectBranded {
  /** Notes that shard `shard` of `region` holds decision metrics. */
  noteMetricsRegion(region: string, shard?: number): void;
  /** Forgets shard `shard` of `region` (the region with its last shard): nothing counted there is kept any longer. */
  forgetMetricsRegion(region: string, shard?: number): void;
  /** New counts for a guarded region read unhealthy there: the rules now in force if the guard tripped, else null. */
  countsArrived(region: string): Promise<Rollout | null>;
}

export function controlStoreApi(bindings: { CONTROL: DurableObjectNamespace<ControlStoreApi> }): DurableObjectStub<ControlStoreApi> {
  return bindings.CONTROL.get(bindings.CONTROL.idFromName(CONTROL_OBJECT_NAME));
}
