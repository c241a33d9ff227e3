import { describe, expect, it } from 'vitest';
import { evictableDevices, forgetOldestDevices, holdsHistory, isOtherKey, keyStanding } from '../../../src/household/devices';
import { homeMatch } from '../../../src/household/home-networks';
import { emptyHousehold, fromHouseholdDocument, MAX_DEVICES_PER_HOUSEHOLD, toHouseholdDocument, type Household, type HouseholdDocument, type Visit } from '../../../src/household/household';
import { anchorAddressWriteIntervalMs, seenWriteIntervalMs } from '../../../src/household/seen';
import { addExtraMember, addSupportGrant, grantTemporaryAccess, signOutDevice } from '../../../src/household/transitions';
import { verifiedAccess } from '../../../src/household/travel-access';
import { applyVisit, visitIsNews } from '../../../src/household/visits';
import { DAY, limits, T0 } from '../../support/limits';

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
    const household = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', at: T0 }, { deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.cafe', at: T0 + 32 * DAY });
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

  it('writes when the anchor may carry the household to a new network, or is refused and counted', () => {
    const quiet = T0 + COPRESENCE + anchorAddressWriteIntervalMs(limits) + 1;
    expect(visitIsNews(home, visit({ networkId: 'n1.new', at: quiet }), limits)).toBe(true);
    // The TV was at home a second ago: a refused join, counted once.
    expect(visitIsNews(home, visit({ networkId: 'n1.new', at: T0 + 1000 }), limits)).toBe(true);
    const counted = apply(home, { networkId: 'n1.new', at: T0 + 1000 });
    expect(visitIsNews(counted, visit({ networkId: 'n1.new', at: T0 + 2000 }), limits)).toBe(false);
    expect(visitIsNews(home, visit({ deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.new', at: quiet }), limits)).toBe(false);
    // The anchor's id in a phone's token has none of the anchor's say.
    expect(visitIsNews(home, visit({ deviceType: 'mobile', networkId: 'n1.new', at: quiet }), limits)).toBe(false);
  });

  it('writes the anchor TV at home once per quarter of COPRESENCE_WINDOW (its presence keeps a copy from moving the household); other devices once a day', () => {
    const quarter = anchorAddressWriteIntervalMs(limits);
    expect(visitIsNews(home, visit({ at: T0 + quarter - 1 }), limits)).toBe(false);
    expect(visitIsNews(home, visit({ at: T0 + quarter }), limits)).toBe(true);
    expect(visitIsNews(home, visit({ deviceId: 'phone', deviceType: 'mobile', at: T0 + quarter }), limits)).toBe(false);
  });
});

const COPRESENCE = limits.copresenceWindowMs;

describe('a copy of the anchor TV’s id (contract v1.3 §4)', () => {
  const established = apply(emptyHousehold('acct', T0), {});
  const networks = (household: Household) => household.homeNetworks.map((n) => n.networkId).toSorted();

  it('streaming elsewhere while the real TV is at home does not carry the household, and is counted as a conflict', () => {
    const after = apply(established, { networkId: 'n1.sharer', at: T0 + 60_000 });
    expect(networks(after)).toEqual(['n1.home']);
    expect(after).toMatchObject({ anchorConflicts: 1, lastAnchorConflictAt: T0 + 60_000 });
    // The sharer's phone on that network is therefore not home.
    expect(homeMatch(after, { deviceId: 'phone', deviceType: 'mobile' }, 'n1.sharer', null, limits, T0 + 61_000)).toBeNull();
  });

  it('counts conflicts at most once per seen-write interval', () => {
    const after = apply(established, { networkId: 'n1.sharer', at: T0 + 1000 }, { networkId: 'n1.other', at: T0 + 2000 }, { at: T0 + DAY }, { networkId: 'n1.sharer', at: T0 + DAY + 3000 });
    expect(after.anchorConflicts).toBe(2);
  });

  it('in a token of another type has none of the anchor’s privileges: no join, no conflict, no match on a shared network', () => {
    const quiet = T0 + 2 * DAY;
    const copied = apply(established, { deviceType: 'mobile', networkId: 'n1.sharer', at: quiet });
    expect(networks(copied)).toEqual(['n1.home']);
    expect(copied.anchorConflicts).toBe(0);
    const shared = structuredClone(established);
    Object.assign(shared.homeNetworks[0]!, { shared: true, households: 30 });
    expect(homeMatch(shared, { deviceId: 'tv-1', deviceType: 'mobile' }, 'n1.home', null, limits, T0 + 1000)?.evidence).toBeNull();
    expect(homeMatch(shared, { deviceId: 'tv-1', deviceType: 'tv' }, 'n1.home', null, limits, T0 + 1000)?.evidence).toBe('anchor');
    // …nor lends its address for co-presence.
    const visited = applyVisit(shared, visit({ deviceType: 'mobile', addressId: 'a1.sharer', at: T0 + 1000 }), limits);
    expect(visited.homeNetworks[0]!.anchorAddresses).toEqual([]);
  });

  it('an ISP change still carries the household: the TV, quiet at home for the window, streams from a new network', () => {
    const lag = anchorAddressWriteIntervalMs(limits);
    expect(networks(apply(established, { networkId: 'n1.new', at: T0 + COPRESENCE + lag - 1 }))).toEqual(['n1.home']);
    const moved = apply(established, { networkId: 'n1.new', at: T0 + COPRESENCE + lag });
    expect(networks(moved)).toEqual(['n1.home', 'n1.new']);
    expect(moved.anchorConflicts).toBe(0);
  });

  it('reads documents stored before v1.3 as having no conflicts', () => {
    const { anchorConflicts: _count, lastAnchorConflictAt: _at, ...old } = toHouseholdDocument(established);
    expect(fromHouseholdDocument(old as HouseholdDocument)).toMatchObject({ anchorConflicts: 0, lastAnchorConflictAt: null });
  });
});

describe("a device's key (contract §2.1)", () => {
  const K = 'K'.repeat(43);
  const OTHER = 'O'.repeat(43);

  it("is recorded with the device's first write, never replaced, and forgotten at sign-out", () => {
    const first = apply(emptyHousehold('acct', T0), { keyThumbprint: K });
    expect(first.devices.get('tv-1')).toMatchObject({ keyThumbprint: K, type: 'tv' });
    expect(keyStanding(first, { deviceId: 'tv-1', keyThumbprint: K }, () => false)).toBe('own-key');
    expect(keyStanding(first, { deviceId: 'tv-1', keyThumbprint: OTHER }, () => true)).toBe('other-key');
    expect(keyStanding(first, { deviceId: 'phone', keyThumbprint: OTHER }, () => false)).toBe('first-key');
    // A later visit with another key writes nothing at all: the same object comes back.
    const copied = visit({ keyThumbprint: OTHER, at: T0 + 2 * DAY });
    expect(applyVisit(first, copied, limits)).toBe(first);
    expect(isOtherKey(first, 'tv-1', OTHER)).toBe(true);
    expect(isOtherKey(first, 'tv-1', null)).toBe(true);
    expect(isOtherKey(first, 'tv-1', K)).toBe(false);

    const signedOut = signOutDevice(first, 'tv-1', limits, T0 + 2000);
    expect(signedOut.devices.get('tv-1')!.keyThumbprint).toBeNull();
    expect(isOtherKey(signedOut, 'tv-1', OTHER)).toBe(false);
    expect(holdsHistory(signedOut, 'tv-1')).toBe(false);
    expect(apply(signedOut, { keyThumbprint: OTHER, at: T0 + 3000 }).devices.get('tv-1')!.keyThumbprint).toBe(OTHER);
  });

  it('an id with unbound history takes a key only from home; away, a bound copy writes nothing and the id keeps its standing', () => {
    const unbound = apply(emptyHousehold('acct', T0), {});
    expect(keyStanding(unbound, { deviceId: 'tv-1', keyThumbprint: K }, () => false)).toBe('stranger');
    const away = visit({ keyThumbprint: OTHER, networkId: 'n1.cousin', at: T0 + 3 * DAY });
    expect(applyVisit(unbound, away, limits)).toBe(unbound);
    expect(visitIsNews(unbound, away, limits)).toBe(false);
    // The anchor's id, bound away, neither carries the household to its network nor takes the key.
    expect(unbound.homeNetworks.map((n) => n.networkId)).toEqual(['n1.home']);
    const home = apply(unbound, { keyThumbprint: K, at: T0 + DAY });
    expect(home.devices.get('tv-1')!.keyThumbprint).toBe(K);
    expect(home.anchorDeviceId).toBe('tv-1');
  });

  it('a code verified away cannot give a key to an id with unbound history (BIND_AT_HOME); a never-seen bound id takes its key with the access', () => {
    const unbound = apply(emptyHousehold('acct', T0), { deviceId: 'phone', deviceType: 'mobile' });
    const request = { deviceId: 'phone', deviceType: 'mobile' as const, temporaryAccessMs: DAY, enforceTravelLimit: false };
    expect(verifiedAccess(unbound, { ...request, keyThumbprint: K }, limits, T0 + 1)).toEqual({ ok: false, error: { reason: 'BIND_AT_HOME' } });
    const fresh = verifiedAccess(unbound, { ...request, deviceId: 'laptop', keyThumbprint: K }, limits, T0 + 1);
    expect(fresh.ok && fresh.value.devices.get('laptop')).toMatchObject({ keyThumbprint: K, temporaryAccessUntil: T0 + 1 + DAY });
  });
});

describe('a sign-out ends everything the device held (contract §6)', () => {
  it('key, trust, temporary access, travel grants, its support grant, its slot and the anchor role; account-wide grants stay', () => {
    let household = apply(emptyHousehold('acct', T0), { keyThumbprint: 'K'.repeat(43) });
    household = grantTemporaryAccess(household, 'tv-1', 'tv', DAY, limits, T0 + 1);
    const added = addExtraMember(household, 'tv-1', null, 2, T0 + 2);
    household = added.ok ? added.value.household : household;
    const grant = (grantId: string, deviceId: string | null) => ({ grantId, deviceId, reason: 'posting', actor: 'support', createdAt: T0, expiresAt: T0 + 30 * DAY });
    household = addSupportGrant(addSupportGrant(household, grant('g-device', 'tv-1'), T0 + 3), grant('g-account', null), T0 + 3);
    const out = signOutDevice(household, 'tv-1', limits, T0 + 10);
    expect(out.devices.get('tv-1')).toMatchObject({ keyThumbprint: null, lastHomeSeenAt: null, temporaryAccessUntil: null, travelGrantsAt: [], signedOutAt: T0 + 10 });
    expect(out.extraMembers.has('tv-1')).toBe(false);
    expect(out.supportGrants.map((g) => g.grantId)).toEqual(['g-account']);
    expect(out.anchorDeviceId).toBeNull();
    expect(holdsHistory(out, 'tv-1')).toBe(false);
  });

  it('a household left without an anchor takes none and joins no network until a TV is seen at home on a network that is not shared', () => {
    const established = apply(emptyHousehold('acct', T0), {}, { deviceId: 'tv-2', at: T0 + 1 });
    const out = signOutDevice(established, 'tv-1', limits, T0 + 2);
    const away = apply(out, { deviceId: 'tv-2', networkId: 'n1.new', at: T0 + 3 * DAY });
    expect(away.homeNetworks.map((n) => n.networkId)).toEqual(['n1.home']);
    expect(away.anchorDeviceId).toBeNull();
    const phone = apply(out, { deviceId: 'phone', deviceType: 'mobile', at: T0 + DAY });
    expect(phone.anchorDeviceId).toBeNull();
    const tv = visit({ deviceId: 'tv-2', at: T0 + DAY });
    expect(visitIsNews(out, tv, limits)).toBe(true);
    expect(applyVisit(out, tv, limits).anchorDeviceId).toBe('tv-2');
  });
});

describe('kept keys: a full device list (contract §2.1)', () => {
  const K = 'K'.repeat(43);
  /** A full list: the anchor TV, a bound phone and an extra member's phone, then unbound phones, all seen at home on day 0. */
  function crowded(): Household {
    let household = apply(emptyHousehold('acct', T0), {}, { deviceId: 'phone', deviceType: 'mobile', keyThumbprint: K, at: T0 + 1 }, { deviceId: 'cousin', deviceType: 'mobile', at: T0 + 2 });
    const added = addExtraMember(household, 'cousin', null, 2, T0 + 3);
    household = added.ok ? added.value.household : household;
    for (let i = 0; household.devices.size < MAX_DEVICES_PER_HOUSEHOLD; i += 1) household = apply(household, { deviceId: `junk-${i}`, deviceType: 'mobile', at: T0 + 10 + i });
    return household;
  }

  it('never drops a bound device, the anchor or an extra member for a new one; the least recently seen unbound device leaves', () => {
    // Forty days on, nobody is trusted any more: a newcomer at home takes the place of the least recently seen unbound phone.
    const household = apply(crowded(), { at: T0 + 30 * DAY }, { deviceId: 'newcomer', deviceType: 'mobile', at: T0 + 40 * DAY });
    expect(household.devices.size).toBe(MAX_DEVICES_PER_HOUSEHOLD);
    expect(household.devices.get('phone')?.keyThumbprint).toBe(K);
    expect(household.devices.has('tv-1')).toBe(true);
    expect(household.devices.has('cousin')).toBe(true);
    expect(household.devices.has('junk-0')).toBe(false);
    expect(household.devices.has('newcomer')).toBe(true);
  });

  it('with no device it may drop, a new device is decided without being listed', () => {
    let household = apply(emptyHousehold('acct', T0), {});
    for (let i = 0; i < MAX_DEVICES_PER_HOUSEHOLD; i += 1) household = apply(household, { deviceId: `home-${i}`, deviceType: 'mobile', at: T0 + i });
    expect(evictableDevices(household, limits, T0 + DAY)).toEqual([]);
    const stranger = visit({ deviceId: 'newcomer', deviceType: 'mobile', at: T0 + DAY });
    expect(applyVisit(household, stranger, limits)).toBe(household);
    expect(visitIsNews(household, stranger, limits)).toBe(false);
    // The anchor and 199 phones at home fill the list: the 200th phone was not listed either, and no trusted phone left for it.
    expect(household.devices.size).toBe(MAX_DEVICES_PER_HOUSEHOLD);
    expect([...household.devices.keys()].filter((id) => id.startsWith('home-'))).toHaveLength(MAX_DEVICES_PER_HOUSEHOLD - 1);
    forgetOldestDevices(household, limits, T0 + DAY);
    expect(household.devices.size).toBe(MAX_DEVICES_PER_HOUSEHOLD);
  });
});

describe("a device's key: documents", () => {
  it('reads documents stored before contract v1.3 as never bound', () => {
    const document = toHouseholdDocument(apply(emptyHousehold('acct', T0), {})) as HouseholdDocument;
    for (const device of document.devices) delete (device as Partial<typeof device>).keyThumbprint;
    expect(fromHouseholdDocument(document).devices.get('tv-1')!.keyThumbprint).toBeNull();
  });
});
