/**
 * A review of second homes (contract v1.4 §6): HOME_NETWORKS_MAX counts every
 * home's networks, and one home making room never takes another home's last
 * network.
 */
import { describe, expect, it } from 'vitest';
import { emptyHousehold, type Household, type Visit } from '../../../src/household/household';
import { joinHomeNetwork } from '../../../src/household/home-networks';
import { setSecondHome } from '../../../src/household/transitions';
import { applyVisit } from '../../../src/household/visits';
import { DAY, limits, T0 } from '../../support/limits';

const visit = (patch: Partial<Visit>): Visit => ({ deviceId: 'tv-flat', deviceType: 'tv', networkId: 'n.flat', addressId: null, at: T0, ...patch });
const networksOf = (household: Household, homeId: string | undefined) => household.homeNetworks.filter((network) => network.homeId === homeId).map((network) => network.networkId);

describe('a full household makes room for a home without taking another home’s last network', () => {
  it(`a new second home, with ${limits.homeNetworksMax} networks held, takes the oldest of a home holding two, not the primary home's only one`, () => {
    const flat = applyVisit(emptyHousehold('acct', T0), visit({}), limits);
    const house = setSecondHome(flat, 'tv-house', { networkId: 'n.house', addressId: null }, null, limits, T0 + DAY);
    const houseId = house.secondHomes[0]!.homeId;
    // The house's ISP changed: its TV carried it to a second network (the house holds two, the flat one: full).
    const moved = structuredClone(house);
    joinHomeNetwork(moved, 'n.house-2', limits, T0 + 2 * DAY, houseId);
    expect(moved.homeNetworks).toHaveLength(limits.homeNetworksMax);
    // SECOND_HOMES 2: a cabin's TV makes the cabin a second home too.
    const cabin = setSecondHome(moved, 'tv-cabin', { networkId: 'n.cabin', addressId: null }, null, limits, T0 + 3 * DAY);
    const cabinId = cabin.secondHomes.find((home) => home.anchorDeviceId === 'tv-cabin')!.homeId;
    // Before: the least recently seen network of all left — the flat's only one; the flat's TV, at home, was then outside.
    expect(networksOf(cabin, undefined)).toEqual(['n.flat']);
    expect(networksOf(cabin, houseId)).toEqual(['n.house-2']);
    expect(networksOf(cabin, cabinId)).toEqual(['n.cabin']);
  });
});
