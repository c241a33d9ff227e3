/** The contract's default household limits and a fixed start time, for the pure household and policy tests. */
import type { HomeNetwork, HouseholdLimits } from '../../src/household/household';
import { MS_PER_DAY } from '../../src/time';

export const DAY = MS_PER_DAY;
export const T0 = Date.UTC(2026, 0, 1);
export const limits: HouseholdLimits = {
  trustWindowMs: 31 * DAY,
  travelWindowMs: 30 * DAY,
  travelGrantsPerWindow: 2,
  homeNetworksMax: 3,
  tokenMaxAgeMs: 30 * DAY,
  sharedNetworkHouseholds: 8,
  copresenceWindowMs: 2 * 60 * 60 * 1000,
};

/** A home network's sharing fields for a network that is not shared (spread into a test's `HomeNetwork`). */
export const NOT_SHARED = { shared: false, households: 1, checkedAt: null, anchorAddresses: [] } as const satisfies Pick<HomeNetwork, 'shared' | 'households' | 'checkedAt' | 'anchorAddresses'>;
