import { describe, expect, it } from 'vitest';
import {
  applyVisit,
  emptyHousehold,
  seenWriteIntervalMs,
  visitIsNews,
  type Household,
  type Visit,
} from '../../src/household/household';
import { DAY, limits, T0 } from '../support/limits';


const visit = (patch: Partial<Visit>): Visit => ({ deviceId: 'tv-1', deviceType: 'tv', networkId: 'n1.home', addressId: null, at: T0, ...patch });
const apply = (household: Household, ...visits: Partial<Visit>[]) => visits.reduce((h, v) => applyVisit(h, visit(v), limits), household);

describe('household transitions', () => {
  it('a TV is first: it establishes the household on its network and becomes the anchor', () => {
    const household = apply(emptyHousehold('acct', T0), {});
    expect(household).toMatchObject({ establishedAt: T0, anchorDeviceId: 'tv-1', revision: 1 });
    expect(household.homeNetworks.map((n) => n.networkId)).toEqual(['n1.home']);
    expect(household.devices.get('tv-1')?.lastHomeSeenAt).toBe(T0);
  });

  it('a phone first only remembers the phone', () => {
    const household = apply(emptyHousehold('acct', T0), { deviceId: 'phone', deviceType: 'mobile' });
    expect(household.establishedAt).toBeNull();
    expect(household.devices.get('phone')).toMatchObject({ firstSeenAt: T0, lastHomeSeenAt: null });
  });

  it('a device on a home network is marked seen at home, and so is the network', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', at: T0 + DAY });
    expect(household.devices.get('phone')?.lastHomeSeenAt).toBe(T0 + DAY);
    expect(household.homeNetworks[0]?.lastSeenAt).toBe(T0 + DAY);
  });

  it('the trusted anchor carries the household to a new network when the ISP changes its address', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { networkId: 'n1.new', at: T0 + 2 * DAY });
    expect(household.homeNetworks.map((n) => n.networkId).toSorted()).toEqual(['n1.home', 'n1.new']);
  });

  it('other devices do not carry the household anywhere', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.cafe', at: T0 + DAY });
    expect(household.homeNetworks.map((n) => n.networkId)).toEqual(['n1.home']);
  });

  it('an anchor outside its trust window does not carry it', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { networkId: 'n1.new', at: T0 + 40 * DAY });
    expect(household.homeNetworks.map((n) => n.networkId)).toEqual([]);
  });

  it('joins at most one network a day through the anchor', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { networkId: 'n1.a', at: T0 + DAY }, { networkId: 'n1.b', at: T0 + DAY + 1000 });
    expect(household.homeNetworks.map((n) => n.networkId).toSorted()).toEqual(['n1.a', 'n1.home']);
  });

  it('holds at most HOME_NETWORKS_MAX networks; the least recently seen one leaves', () => {
    const household = apply(
      emptyHousehold('acct', T0),
      {},
      { networkId: 'n1.a', at: T0 + 2 * DAY },
      { networkId: 'n1.b', at: T0 + 4 * DAY },
      { networkId: 'n1.a', at: T0 + 5 * DAY },
      { networkId: 'n1.c', at: T0 + 6 * DAY },
    );
    expect(household.homeNetworks.map((n) => n.networkId).toSorted()).toEqual(['n1.a', 'n1.b', 'n1.c']);
  });

  it('drops networks unseen for the trust window, but the household stays established', () => {
    const household = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.cafe', at: T0 + 32 * DAY });
    expect(household.homeNetworks).toEqual([]);
    expect(household.establishedAt).toBe(T0);
  });

  it('does not change the document it was given', () => {
    const before = apply(emptyHousehold('acct', T0), {});
    const copy = structuredClone(before);
    apply(before, { networkId: 'n1.new', at: T0 + DAY });
    expect(before).toEqual(copy);
  });
});

describe('which visits are news worth a write', () => {
  const home = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', at: T0 });

  it('writes at most once a day per device at production settings', () => {
    expect(seenWriteIntervalMs(limits)).toBe(DAY);
    expect(visitIsNews(home, visit({ deviceId: 'phone', deviceType: 'mobile', at: T0 + DAY - 1 }), limits)).toBe(false);
    expect(visitIsNews(home, visit({ deviceId: 'phone', deviceType: 'mobile', at: T0 + DAY }), limits)).toBe(true);
  });

  it('scales the interval down with a second-scale trust window', () => {
    expect(seenWriteIntervalMs({ trustWindowMs: 6000 })).toBe(193);
  });

  it('always writes an unknown account or device', () => {
    expect(visitIsNews(null, visit({}), limits)).toBe(true);
    expect(visitIsNews(home, visit({ deviceId: 'new-tablet', deviceType: 'tablet' }), limits)).toBe(true);
  });

  it('writes a TV that would establish the household', () => {
    const unset = apply(emptyHousehold('acct', T0), { deviceId: 'phone', deviceType: 'mobile' });
    expect(visitIsNews(unset, visit({ deviceId: 'phone', deviceType: 'mobile', at: T0 + 1 }), limits)).toBe(false);
    expect(visitIsNews(apply(unset, { deviceId: 'tv-9', deviceType: 'mobile' }), visit({ deviceId: 'tv-9', at: T0 + 1 }), limits)).toBe(true);
  });

  it('writes when the anchor may carry the household to a new network', () => {
    expect(visitIsNews(home, visit({ networkId: 'n1.new', at: T0 + 1000 }), limits)).toBe(true);
    expect(visitIsNews(home, visit({ deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.new', at: T0 + 1000 }), limits)).toBe(false);
  });
});
