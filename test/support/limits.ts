/** The contract's default household limits and a fixed start time, for the pure household and policy tests. */
import type { DeviceRecord, HomeNetwork, HouseholdLimits } from '../../src/household/household';
import type { DeviceType } from '../../src/vocabulary';
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

/** A device seen for 90 days, last yesterday, never at home, with nothing granted: `patch` says what a test needs. */
export function deviceRecord(deviceId: string, type: DeviceType, now: number, patch: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    deviceId,
    type,
    firstSeenAt: now - 90 * DAY,
    lastSeenAt: now - DAY,
    lastHomeSeenAt: null,
    signedOutAt: null,
    temporaryAccessUntil: null,
    awayAccessUntil: null,
    travelGrantsAt: [],
    keyThumbprint: null,
    ...patch,
  };
}
