/**
 * How household data is shown over the API: ISO times, devices with their
 * status and when their access lapses. One place, so the device list and
 * support's account summary never disagree.
 */
import { deviceStatus } from '../household/devices';
import type { Household, HouseholdLimits } from '../household/household';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

/** The household's devices, most recently seen first. */
export function deviceViews(household: Household, limits: HouseholdLimits, now: number) {
  return [...household.devices.values()]
    .toSorted((a, b) => b.lastSeenAt - a.lastSeenAt)
    .map((device) => {
      const { status, accessUntil } = deviceStatus(household, device, limits, now);
      return {
        deviceId: device.deviceId,
        type: device.type,
        firstSeenAt: iso(device.firstSeenAt),
        lastSeenAt: iso(device.lastSeenAt),
        lastHomeSeenAt: isoOrNull(device.lastHomeSeenAt),
        status,
        accessUntil: isoOrNull(accessUntil),
        /** Seen bound to a key (contract §2.1): only that key's proofs speak for it until a sign-out. */
        bound: device.keyThumbprint !== null,
      };
    });
}

/** The household as a device may see it: network ids (keyed hashes), never addresses. */
export function householdView(household: Household) {
  return {
    networks: household.homeNetworks.map((network) => ({
      id: network.networkId,
      addedAt: iso(network.addedAt),
      lastSeenAt: iso(network.lastSeenAt),
      shared: network.shared,
      households: network.households,
    })),
    updatedAt: iso(household.updatedAt),
  };
}
