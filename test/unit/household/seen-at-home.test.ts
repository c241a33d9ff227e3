/**
 * "Seen at home is seen at home": trust never lapses before TRUST_WINDOW
 * after a device's last *actual* visit home, whatever the write throttle
 * (issue 26). The edge writes a "seen" timestamp only once it is a write
 * interval old, so the stored time may lag the last visit; every rule that
 * reads a "last seen" adds that lag back. A property drives random visits
 * through the same throttle the edge applies (`visitIsNews`) and the same
 * transition the Durable Object applies (`applyVisit`).
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trustedUntil } from '../../../src/household/devices';
import { activeHomeNetworks, homeMatch } from '../../../src/household/home-networks';
import { emptyHousehold, type Household, type HouseholdLimits, type Visit } from '../../../src/household/household';
import { anchorAddressWriteIntervalMs, lastsUntil, seenWriteIntervalMs, sessionSeenWriteIntervalMs } from '../../../src/household/seen';
import { applyVisit, visitIsNews } from '../../../src/household/visits';
import { DAY, limits as production, T0 } from '../../support/limits';

const HOUR = 3_600_000;

/** Production settings, and the second-scale ones tests and reproductions use. */
const SETTINGS: HouseholdLimits[] = [production, { ...production, trustWindowMs: 93_000, copresenceWindowMs: 2_000 }, { ...production, trustWindowMs: 6_000, copresenceWindowMs: 1_000 }];

/** What the edge and the Durable Object do together with one visit: written only when it is news. */
function through(household: Household, visit: Visit, limits: HouseholdLimits, session = false): Household {
  return visitIsNews(household, visit, limits, { session }) ? applyVisit(household, visit, limits) : household;
}

describe('trust lasts TRUST_WINDOW from the last actual visit home', () => {
  it('a tablet home daily at about the same hour keeps its trust a full window after its last visit (the student of issue 26)', () => {
    let household = applyVisit(emptyHousehold('family', T0), { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.home', addressId: null, at: T0 }, production);
    let last = T0;
    // Home every day for nine days, each day a little earlier than the day before: no visit is a day after the last one written.
    for (let day = 0; day < 9; day++) {
      last = T0 + day * DAY + 20 * HOUR - day * 60_000;
      household = through(household, { deviceId: 'tablet', deviceType: 'tablet', networkId: 'n1.home', addressId: null, at: last }, production);
    }
    const until = trustedUntil(household.devices.get('tablet'), production)!;
    expect(until).toBeGreaterThanOrEqual(last + production.trustWindowMs);
    expect(until).toBeLessThanOrEqual(last + production.trustWindowMs + seenWriteIntervalMs(production));
  });

  it('property: for any visits, trust and the home network end no earlier than TRUST_WINDOW after the last visit home, and at most one write interval later', () => {
    const visits = fc.array(fc.record({ offset: fc.integer({ min: 0, max: 1_000_000 }), home: fc.boolean(), session: fc.boolean() }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(fc.constantFrom(...SETTINGS), visits, (limits, raw) => {
        // Offsets are thousandths of the trust window: visits spread over up to the window itself.
        const steps = raw.map((v) => ({ ...v, at: T0 + Math.floor((v.offset * limits.trustWindowMs) / 1_000_000) })).toSorted((a, b) => a.at - b.at);
        let household = applyVisit(emptyHousehold('family', T0), { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.home', addressId: null, at: T0 }, limits);
        let lastHome: number | null = null;
        for (const step of steps) {
          household = through(household, { deviceId: 'tablet', deviceType: 'tablet', networkId: step.home ? 'n1.home' : 'n1.away', addressId: null, at: step.at }, limits, step.session);
          if (step.home) lastHome = step.at;
        }
        if (lastHome === null) return;
        const lag = seenWriteIntervalMs(limits);
        const until = trustedUntil(household.devices.get('tablet'), limits)!;
        expect(until).toBeGreaterThanOrEqual(lastHome + limits.trustWindowMs);
        expect(until).toBeLessThanOrEqual(lastHome + limits.trustWindowMs + lag);
        const network = household.homeNetworks.find((home) => home.networkId === 'n1.home')!;
        expect(lastsUntil(network.lastSeenAt, limits)).toBeGreaterThanOrEqual(lastHome + limits.trustWindowMs);
        expect(activeHomeNetworks(household, limits, lastHome + limits.trustWindowMs - 1).map((home) => home.networkId)).toContain('n1.home');
      }),
      { seed: 26, numRuns: 400 },
    );
  });

  it('property: on a shared network the TV’s address counts for COPRESENCE_WINDOW after the TV last used it, and at most a quarter window longer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SETTINGS), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 40 }), (limits, raw) => {
        const reading = { networkId: 'n1.pool', households: limits.sharedNetworkHouseholds + 1, holderId: 'h1.AAAAAAAAAAAAAAAAAAAAAA' };
        const tv = (at: number): Visit => ({ deviceId: 'tv', deviceType: 'tv', networkId: 'n1.pool', addressId: 'a1.tv', at });
        let household = applyVisit(emptyHousehold('family', T0), tv(T0), limits, reading);
        // Visits over up to a hundred co-presence windows, inside the trust window (the network stays home).
        const span = Math.min(100 * limits.copresenceWindowMs, limits.trustWindowMs - 1);
        const times = raw.map((offset) => T0 + Math.floor((offset * span) / 100_000)).toSorted((a, b) => a - b);
        for (const at of times) household = through(household, tv(at), limits);
        const last = times.at(-1)!;
        const phone = { deviceId: 'phone', deviceType: 'mobile' } as const;
        expect(homeMatch(household, phone, 'n1.pool', 'a1.tv', limits, last + limits.copresenceWindowMs - 1)?.evidence).toBe('copresence');
        const kept = household.homeNetworks[0]!.anchorAddresses[0]!.until;
        expect(kept).toBeLessThanOrEqual(last + limits.copresenceWindowMs + anchorAddressWriteIntervalMs(limits));
      }),
      { seed: 2026, numRuns: 300 },
    );
  });
});

describe('what support and the device list show', () => {
  it('a session start writes "last seen" once it is an hour old; segments only once it is a day old', () => {
    const household = applyVisit(emptyHousehold('family', T0), { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.home', addressId: null, at: T0 }, production);
    const phone = (at: number): Visit => ({ deviceId: 'phone', deviceType: 'mobile', networkId: 'n1.away', addressId: null, at });
    // Seen at home first: a phone the household does not know is not stored away from home.
    const seen = applyVisit(household, { ...phone(T0), networkId: 'n1.home' }, production);
    expect(sessionSeenWriteIntervalMs(production)).toBe(HOUR);
    expect(visitIsNews(seen, phone(T0 + HOUR - 1), production, { session: true })).toBe(false);
    expect(visitIsNews(seen, phone(T0 + HOUR), production, { session: true })).toBe(true);
    expect(visitIsNews(seen, phone(T0 + HOUR), production)).toBe(false);
    expect(visitIsNews(seen, phone(T0 + DAY), production)).toBe(true);
  });
});
