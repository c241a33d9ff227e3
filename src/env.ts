/**
 * The Worker's bindings as the code sees them. Configuration values are
 * typed loosely on purpose: they may arrive as strings or TOML values and are
 * validated by `config/config.ts`, never trusted as typed.
 */
import type { ControlStore } from './state/control-store';
import type { HouseholdStore } from './state/household-store';

export interface HearthEnv {
  HEARTH_KV: KVNamespace;
  HOUSEHOLDS: DurableObjectNamespace<HouseholdStore>;
  CONTROL: DurableObjectNamespace<ControlStore>;
  /** Workers Static Assets: page scripts and styles, and the development demo stream. */
  ASSETS?: Fetcher;
  [binding: string]: unknown;
}
