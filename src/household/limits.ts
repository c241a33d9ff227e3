/**
 * The household limits a parsed configuration gives: what every household
 * transition and decision is shaped by. One place, so the gate and the
 * personas simulation (bench/personas) read the same numbers from the same
 * bindings.
 */
import type { GateConfig } from '../config/config';
import type { HouseholdLimits } from './household';
import { CLOCK_SKEW_SECONDS } from '../identity/jwt-verifier';

export function householdLimits(config: GateConfig): HouseholdLimits {
  return {
    trustWindowMs: config.trustWindowMs,
    travelWindowMs: config.travelWindowMs,
    travelGrantsPerWindow: config.travelGrantsPerWindow,
    homeNetworksMax: config.homeNetworksMax,
    // The token check tolerates 60 s of clock skew past the maximum age: a sign-out mark is kept that much longer too.
    tokenMaxAgeMs: config.deviceTokenMaxAgeMs + (CLOCK_SKEW_SECONDS + 1) * 1000,
    sharedNetworkHouseholds: config.sharedNetworkHouseholds,
    copresenceWindowMs: config.copresenceWindowMs,
  };
}
