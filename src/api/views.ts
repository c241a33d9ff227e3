/**
 * How household data is shown over the API: ISO times, devices with their
 * status and when their access lapses. One place, so the device list and
 * support's account summary never disagree.
 */
import { deviceStatus } from '../household/devices';
import { PRIMARY_HOME, type HomeNetwork, type Household, type HouseholdLimits } from '../household/household';
import { homeOf } from '../household/second-homes';

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

/** The household as a device may see it: network ids (keyed hashes), never addresses; every home's, and each home with its TV. */
export function householdView(household: Household) {
  const networkView = (network: HomeNetwork) => ({ id: network.networkId, addedAt: iso(network.addedAt), lastSeenAt: iso(network.lastSeenAt), shared: network.shared, households: network.households });
  const homes = [
    { homeId: PRIMARY_HOME, anchorDeviceId: household.anchorDeviceId, updatedAt: household.updatedAt },
    ...household.secondHomes.map((home) => ({ homeId: home.homeId, anchorDeviceId: home.anchorDeviceId, updatedAt: home.updatedAt })),
  ];
  return {
    networks: household.homeNetworks.map(networkView),
    homes: homes.map((home) => ({
      homeId: home.homeId,
      networks: household.homeNetworks.filter((network) => homeOf(network) === home.homeId).map(networkView),
      anchorDeviceId: home.anchorDeviceId,
      updatedAt: iso(home.updatedAt),
    })),
    updatedAt: iso(household.updatedAt),
  };
}
