/**
 * Shared networks in the pure model (contract v1.2, §3 and §4 row 6): what a
 * household keeps, for how long, and a property — no sequence of visits makes
 * a stranger behind the same carrier-grade NAT "home".
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { homeMatch, nextAnchorAddressExpiry, pruneAnchorAddresses } from '../../../src/household/home-networks';
import { emptyHousehold, fromHouseholdDocument, MAX_ANCHOR_ADDRESSES, toHouseholdDocument, type Household, type HouseholdDocument, type Visit } from '../../../src/household/household';
import { applyVisit, sharingCheckDue, visitIsNews } from '../../../src/household/visits';
import { decide } from '../../../src/policy/decide';
import { DAY, limits, T0 } from '../../support/limits';

const HOUR = 3_600_000;
const SHARED_READING = (networkId: string) => ({ networkId, households: limits.sharedNetworkHouseholds + 1, holderId: 'h1.AAAAAAAAAAAAAAAAAAAAAA' });
const visit = (patch: Partial<Visit>): Visit => ({ deviceId: 'tv', deviceType: 'tv', networkId: 'n1.pool', addressId: 'a1.tv', at: T0, ...patch });

/** A household established by its TV on a shared network, as the Durable Object would apply it. */
function sharedHousehold(): Household {
  return applyVisit(emptyHousehold('family', T0), visit({}), limits, SHARED_READING('n1.pool'));
}

describe('what a household keeps on a shared network', () => {
  it('keeps the anchor’s address id on a shared network only, until COPRESENCE_WINDOW and its quarter-window write lag have passed', () => {
    const household = sharedHousehold();
    const until = T0 + 2.5 * HOUR;
    expect(household.homeNetworks[0]).toMatchObject({ shared: true, households: 9, checkedAt: T0, anchorAddresses: [{ addressId: 'a1.tv', lastSeenAt: T0, until }] });
    expect(nextAnchorAddressExpiry(household)).toBe(until);
    const later = structuredClone(household);
    expect(pruneAnchorAddresses(later, until - 1)).toBe(false);
    expect(pruneAnchorAddresses(later, until)).toBe(true);
    expect(later.homeNetworks[0]!.anchorAddresses).toEqual([]);

    const unshared = applyVisit(emptyHousehold('alone', T0), visit({}), limits, { ...SHARED_READING('n1.pool'), households: 1 });
    expect(unshared.homeNetworks[0]).toMatchObject({ shared: false, households: 1, anchorAddresses: [] });
  });

  it('another device’s address is never kept, and a network that stops being shared forgets the TV’s addresses', () => {
    let household = applyVisit(sharedHousehold(), visit({ deviceId: 'phone', deviceType: 'mobile', addressId: 'a1.phone', at: T0 + 1000 }), limits);
    expect(JSON.stringify(toHouseholdDocument(household))).not.toContain('a1.phone');
    household = applyVisit(household, visit({ at: T0 + 2 * DAY }), limits, { ...SHARED_READING('n1.pool'), households: 2 });
    expect(household.homeNetworks[0]).toMatchObject({ shared: false, households: 2, anchorAddresses: [] });
  });

  it('keeps at most MAX_ANCHOR_ADDRESSES addresses, the most recent', () => {
    let household = sharedHousehold();
    for (let i = 0; i < MAX_ANCHOR_ADDRESSES + 3; i++) household = applyVisit(household, visit({ addressId: `a1.tv-${i}`, at: T0 + i }), limits);
    const kept = household.homeNetworks[0]!.anchorAddresses;
    expect(kept).toHaveLength(MAX_ANCHOR_ADDRESSES);
    expect(kept[0]!.addressId).toBe(`a1.tv-${MAX_ANCHOR_ADDRESSES + 2}`);
  });

  it('the sharing count is due when a visit adds or confirms a network, at most once per seenWriteIntervalMs', () => {
    const household = sharedHousehold();
    expect(sharingCheckDue(emptyHousehold('x', T0), visit({}), limits)).toBe(true);
    expect(sharingCheckDue(household, visit({ at: T0 + 1000 }), limits)).toBe(false);
    expect(sharingCheckDue(household, visit({ at: T0 + DAY }), limits)).toBe(true);
    // A device not beside the TV confirms nothing, so it never reads the count.
    expect(sharingCheckDue(household, visit({ deviceId: 'phone', deviceType: 'mobile', addressId: 'a1.elsewhere', at: T0 + DAY }), limits)).toBe(false);
    expect(sharingCheckDue(household, visit({ networkId: null, at: T0 + DAY }), limits)).toBe(false);
  });

  it('a visit is news for the TV’s address once per quarter of COPRESENCE_WINDOW, and never for a device not beside the TV', () => {
    const household = sharedHousehold();
    const quarter = limits.copresenceWindowMs / 4;
    // The TV streaming on: nothing to write until a quarter of the window has passed (its day-long "seen" throttle aside).
    const tvSoon = applyVisit(household, visit({ at: T0 + 1 }), limits);
    expect(visitIsNews(tvSoon, visit({ at: T0 + quarter }), limits)).toBe(false);
    expect(visitIsNews(tvSoon, visit({ at: T0 + 1 + quarter }), limits)).toBe(true);
    expect(visitIsNews(tvSoon, visit({ addressId: 'a1.new-address', at: T0 + 2 }), limits)).toBe(true);
    const withPhone = applyVisit(household, visit({ deviceId: 'phone', deviceType: 'mobile', addressId: 'a1.elsewhere', at: T0 + 1 }), limits);
    expect(visitIsNews(withPhone, visit({ deviceId: 'phone', deviceType: 'mobile', addressId: 'a1.elsewhere', at: T0 + 2 }), limits)).toBe(false);
  });

  it('reads a document stored before shared networks as unchecked and not shared', () => {
    const stored = toHouseholdDocument(sharedHousehold()) as HouseholdDocument;
    stored.homeNetworks = stored.homeNetworks.map(({ networkId, addedAt, lastSeenAt }) => ({ networkId, addedAt, lastSeenAt }));
    const read = fromHouseholdDocument(JSON.parse(JSON.stringify(stored)) as HouseholdDocument);
    expect(read.homeNetworks).toEqual([{ networkId: 'n1.pool', addedAt: T0, lastSeenAt: T0, shared: false, households: null, checkedAt: null, anchorAddresses: [] }]);
    expect(homeMatch(read, { deviceId: 'phone', deviceType: 'mobile' }, 'n1.pool', null, limits, T0)?.evidence).toBe('network');
  });
});

describe('property: no sequence of visits makes a stranger on a shared network home', () => {
  const networks = ['n1.pool', 'n1.pool-b'];
  const familyAddresses = ['a1.family-1', 'a1.family-2'];
  const strangerAddresses = ['a1.stranger-1', 'a1.stranger-2', 'a1.stranger-3'];
  const strangers = ['stranger-1', 'stranger-2'];
  const event = fc.record({
    who: fc.constantFrom('tv', 'phone-1', 'phone-2', ...strangers),
    network: fc.constantFrom(...networks, null),
    address: fc.nat(10),
    after: fc.integer({ min: 0, max: 3 * HOUR }),
    households: fc.integer({ min: limits.sharedNetworkHouseholds + 1, max: 5000 }),
  });

  it('strangers using the account at their own addresses behind the same networks are never IN_HOUSEHOLD nor trusted', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        // The family's TV establishes the household on a shared network; every network count read says shared.
        let household = sharedHousehold();
        let now = T0;
        for (const step of events) {
          now += step.after;
          const stranger = strangers.includes(step.who);
          const addressId = stranger ? strangerAddresses[step.address % strangerAddresses.length]! : familyAddresses[step.address % familyAddresses.length]!;
          const seen: Visit = { deviceId: step.who, deviceType: step.who === 'tv' ? 'tv' : 'mobile', networkId: step.network, addressId, at: now };
          const reading = sharingCheckDue(household, seen, limits) ? { ...SHARED_READING(step.network!), households: step.households } : null;
          household = applyVisit(household, seen, limits, reading);

          for (const deviceId of strangers) {
            expect(household.devices.get(deviceId)?.lastHomeSeenAt ?? null).toBeNull();
            for (const networkId of networks) {
              for (const strangerAddress of strangerAddresses) {
                const decision = decide(
                  {
                    device: { accountId: 'family', deviceId, deviceType: 'mobile', issuedAtSeconds: Math.floor(now / 1000), keyThumbprint: null },
                    networkId,
                    addressId: strangerAddress,
                    region: 'NG',
                    appliedRule: { key: 'NG', rule: { mode: 'enforce', percent: 100, failOpen: true } },
                    bucket: 0,
                    household,
                    policyVersion: 1,
                  },
                  limits,
                  now,
                );
                expect(['IN_HOUSEHOLD', 'TRUSTED_DEVICE']).not.toContain(decision.reason);
              }
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('while a family phone at the TV’s address within the window is home (the property can tell the two apart)', () => {
    const household = applyVisit(sharedHousehold(), visit({ addressId: 'a1.family-1', at: T0 + HOUR }), limits);
    expect(homeMatch(household, { deviceId: 'phone-1', deviceType: 'mobile' }, 'n1.pool', 'a1.family-1', limits, T0 + 2 * HOUR)).toMatchObject({ evidence: 'copresence', anchorSeenAt: T0 + HOUR });
    expect(homeMatch(household, { deviceId: 'phone-1', deviceType: 'mobile' }, 'n1.pool', 'a1.family-1', limits, T0 + 3.5 * HOUR)).toMatchObject({ evidence: null });
    expect(homeMatch(household, { deviceId: 'stranger-1', deviceType: 'mobile' }, 'n1.pool', 'a1.stranger-1', limits, T0 + 2 * HOUR)).toMatchObject({ evidence: null });
  });
});
