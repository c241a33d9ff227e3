import { describe, expect, it } from 'vitest';
import { carryEraseFloor, eraseFloor, floorHousehold } from '../../../src/household/erase-floor';
import { formerNetworksWithin, MAX_FORMER_NETWORKS, noteFormerNetworks } from '../../../src/household/former-networks';
import { isSignedOut } from '../../../src/household/devices';
import { emptyHousehold, type HomeNetwork, type Household } from '../../../src/household/household';
import { DAY, limits, T0 } from '../../support/limits';

describe('the erase floor', () => {
  const floor = eraseFloor(T0 + 5_500, limits.tokenMaxAgeMs + 61_000, 41);

  it('refuses every device’s tokens issued at or before the erase second, and none after', () => {
    const household = floorHousehold('acct', floor);
    expect(isSignedOut(household, 'tv', (T0 + 5_000) / 1000)).toBe(true);
    expect(isSignedOut(household, 'never-seen', (T0 + 5_000) / 1000)).toBe(true);
    expect(isSignedOut(household, 'tv', (T0 + 6_000) / 1000)).toBe(false);
  });

  it('reads as a household with nothing in it: not established, no device, network or grant', () => {
    expect(floorHousehold('acct', floor)).toMatchObject({ accountId: 'acct', establishedAt: null, anchorDeviceId: null, homeNetworks: [], supportGrants: [], revision: 42 });
    expect(floorHousehold('acct', floor).devices.size).toBe(0);
  });

  it('lasts the longest a token lives after its iat, and is carried into the household made after it', () => {
    expect(floor.until).toBe(T0 + 5_500 + limits.tokenMaxAgeMs + 61_000);
    const next = carryEraseFloor({ ...emptyHousehold('acct', T0 + 10_000), revision: 1 }, floor);
    expect(next.signedOutBefore).toBe(T0 + 5_500);
    expect(next.revision).toBe(43);
  });
});

describe('former networks', () => {
  const network = (n: number, checkedAt: number): HomeNetwork => ({
    networkId: `n1.net-${n}`,
    addedAt: checkedAt,
    lastSeenAt: checkedAt,
    shared: false,
    households: 1,
    checkedAt,
    anchorAddresses: [],
    holderId: `h1.holder-${n}`,
  });
  const holding = (...networks: HomeNetwork[]): Household => ({ ...emptyHousehold('acct', T0), homeNetworks: networks });

  it('notes a network that leaves with its holder id and last check; one that comes back leaves the list', () => {
    const before = holding(network(1, T0), network(2, T0 + 1));
    const left = noteFormerNetworks([], before, holding(network(2, T0 + 2)));
    expect(left).toEqual([{ networkId: 'n1.net-1', holderId: 'h1.holder-1', heldAt: T0 }]);
    const unchanged = holding(network(2, T0 + 3));
    expect(noteFormerNetworks(left, unchanged, unchanged)).toBe(left);
    expect(noteFormerNetworks(left, unchanged, holding(network(2, T0 + 3), network(1, T0 + 4)))).toEqual([]);
  });

  it('keeps at most MAX_FORMER_NETWORKS, the most recently checked', () => {
    let former = noteFormerNetworks([], null, holding());
    for (let n = 0; n < MAX_FORMER_NETWORKS + 10; n++) former = noteFormerNetworks(former, holding(network(n, T0 + n)), holding());
    expect(former).toHaveLength(MAX_FORMER_NETWORKS);
    expect(former[0]!.holderId).toBe(`h1.holder-${MAX_FORMER_NETWORKS + 9}`);
    expect(former.at(-1)!.holderId).toBe('h1.holder-10');
  });

  it('lets go of those checked more than a trust window ago: their row in the count is gone', () => {
    const former = [
      { networkId: 'n1.a', holderId: 'h1.a', heldAt: T0 },
      { networkId: 'n1.b', holderId: 'h1.b', heldAt: T0 + 10 * DAY },
    ];
    expect(formerNetworksWithin(former, limits.trustWindowMs, T0 + limits.trustWindowMs + 1)).toEqual([former[1]]);
    expect(formerNetworksWithin(former, limits.trustWindowMs, T0 + DAY)).toBe(former);
  });
});
