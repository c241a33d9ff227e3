import { describe, expect, it } from 'vitest';
import { forgetOldestDevices, isSignedOut } from '../../../src/household/devices';
import { emptyHousehold, fromHouseholdDocument, MAX_SIGN_OUT_MARKS, toHouseholdDocument, type Household, type LegacyHouseholdDocument } from '../../../src/household/household';
import { signOutDevice } from '../../../src/household/transitions';
import { applyVisit } from '../../../src/household/visits';
import { limits, T0 } from '../../support/limits';

function withDevices(count: number, at = T0): Household {
  let household = applyVisit(emptyHousehold('acct', at), { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.home', addressId: null, at }, limits);
  // At home: a device the household does not know joins only there (a refused stranger is not stored).
  for (let i = 0; i < count; i++) household = applyVisit(household, { deviceId: `d-${i}`, deviceType: 'mobile', networkId: 'n1.home', addressId: null, at: at + i }, limits);
  return household;
}

describe('sign-out marks are kept exactly as long as they matter', () => {
  it('refuses tokens issued at or before the sign-out second, not after', () => {
    const household = signOutDevice(withDevices(1), 'd-0', limits, T0 + 5_500);
    expect(isSignedOut(household, 'd-0', (T0 + 5_000) / 1000)).toBe(true);
    expect(isSignedOut(household, 'd-0', (T0 + 6_000) / 1000)).toBe(false);
    expect(isSignedOut(household, 'tv', (T0 + 5_000) / 1000)).toBe(false);
  });

  it('forgets a signed-out device that never came back once its mark outlived every token it refuses', () => {
    const household = signOutDevice(withDevices(1), 'd-0', limits, T0 + 1000);
    forgetOldestDevices(household, limits, T0 + 1000 + limits.tokenMaxAgeMs - 1);
    expect(household.devices.has('d-0')).toBe(true);
    forgetOldestDevices(household, limits, T0 + 1000 + limits.tokenMaxAgeMs);
    expect(household.devices.has('d-0')).toBe(false);
  });

  it(`past ${MAX_SIGN_OUT_MARKS} live marks, the oldest fold into an account-wide floor that is never less safe`, () => {
    let household = withDevices(0);
    for (let i = 0; i < MAX_SIGN_OUT_MARKS + 5; i++) {
      // Seen at home: each device holds trust when it is signed out, so its mark matters.
      household = applyVisit(household, { deviceId: `d-${i}`, deviceType: 'mobile', networkId: 'n1.home', addressId: null, at: T0 + 10_000 + i * 1000 - 1 }, limits);
      household = signOutDevice(household, `d-${i}`, limits, T0 + 10_000 + i * 1000);
    }
    const marks = [...household.devices.values()].filter((device) => device.signedOutAt !== null);
    expect(marks.length).toBe(MAX_SIGN_OUT_MARKS);
    // The five folded marks still refuse the tokens they refused: through the floor.
    expect(household.signedOutBefore).toBe(T0 + 10_000 + 4 * 1000);
    for (let i = 0; i < 5; i++) expect(isSignedOut(household, `d-${i}`, (T0 + 10_000 + i * 1000) / 1000)).toBe(true);
    // A device signed in after the floor is unaffected.
    expect(isSignedOut(household, 'tv', (T0 + 20_000) / 1000)).toBe(false);
  });

  it('past the cap, marks of devices that held nothing are let go before any folds: signing out ids of one’s own making never revokes the real devices', () => {
    // A household still forming lists whatever asks (HOUSEHOLD_NOT_SET): a sharer's own ids, each signed out by itself.
    let household = applyVisit(emptyHousehold('acct', T0), { deviceId: 'owner-phone', deviceType: 'mobile', networkId: 'n1.flat', addressId: null, at: T0 }, limits);
    for (let i = 0; i < MAX_SIGN_OUT_MARKS + 5; i++) {
      household = applyVisit(household, { deviceId: `junk-${i}`, deviceType: 'mobile', networkId: 'n1.away', addressId: null, at: T0 + 10_000 + i * 1000 - 1 }, limits);
      household = signOutDevice(household, `junk-${i}`, limits, T0 + 10_000 + i * 1000);
    }
    expect(household.signedOutBefore).toBeNull();
    expect(isSignedOut(household, 'owner-phone', T0 / 1000)).toBe(false);
    expect([...household.devices.values()].filter((device) => device.signedOutAt !== null)).toHaveLength(MAX_SIGN_OUT_MARKS);
  });

  it('keeps the household bounded however many devices visit', () => {
    const household = withDevices(500);
    expect(household.devices.size).toBe(200);
    expect(household.devices.has('tv')).toBe(true);
  });
});

describe('the stored document', () => {
  it('round-trips through JSON with odd ids intact', () => {
    let household = withDevices(0);
    for (const id of ['__proto__', 'constructor', 'toString']) household = applyVisit(household, { deviceId: id, deviceType: 'mobile', networkId: 'n1.home', addressId: null, at: T0 }, limits);
    const read = fromHouseholdDocument(JSON.parse(JSON.stringify(toHouseholdDocument(household))));
    expect([...read.devices.keys()].toSorted()).toEqual(['__proto__', 'constructor', 'toString', 'tv']);
    expect(Object.prototype).not.toHaveProperty('deviceId');
  });

  it('reads schema 1 documents, whose devices were objects keyed by id, own __proto__ keys included', () => {
    const legacy = JSON.parse(
      '{"schema":1,"accountId":"a","revision":3,"establishedAt":1,"anchorDeviceId":"tv","homeNetworks":[],"lastNetworkJoinAt":null,' +
        '"devices":{"tv":{"deviceId":"tv","type":"tv","firstSeenAt":1,"lastSeenAt":1,"lastHomeSeenAt":1,"signedOutAt":null,"temporaryAccessUntil":null,"travelGrantsAt":[]},' +
        '"__proto__":{"deviceId":"__proto__","type":"mobile","firstSeenAt":1,"lastSeenAt":1,"lastHomeSeenAt":null,"signedOutAt":null,"temporaryAccessUntil":null,"travelGrantsAt":[]}},' +
        '"extraMembers":{},"supportGrants":[],"primaryLocationChangesAt":[],"updatedAt":1}',
    ) as LegacyHouseholdDocument;
    const read = fromHouseholdDocument(legacy);
    expect(read.schema).toBe(2);
    expect([...read.devices.keys()].toSorted()).toEqual(['__proto__', 'tv']);
    expect(read.signedOutBefore).toBeNull();
  });
});
