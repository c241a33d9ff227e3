/** The bindings a HouseholdStore uses: KV for its read model, the control object for audit, network sharing counts. */
import type { ControlStore } from './control-store';
import type { NetworkSharing } from './network-sharing';

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
  NETWORKS: DurableObjectNamespace<NetworkSharing>;
}
