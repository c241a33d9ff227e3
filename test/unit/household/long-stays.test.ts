/**
 * Two homes and long stays away as pure rules (contract v1.4 §6, row 10):
 * what the HTTP tests cannot wait for — a second home's 90 days, away access
 * lapsing — and how each home keeps its own TV.
 */
import { describe, expect, it } from 'vitest';
import { awayAccessLimit, endAwayAccess, grantAwayAccess } from '../../../src/household/away-access';
import { emptyHousehold, type Household, type Visit } from '../../../src/household/household';
import { secondHomeLimit, SECOND_HOME_CHANGE_WAIT_MS } from '../../../src/household/second-homes';
import { removeSecondHome, setPrimaryLocation, setSecondHome, signOutDevice } from '../../../src/household/transitions';
import { applyVisit } from '../../../src/household/visits';
import { decide } from '../../../src/policy/decide';
import { DAY, limits, T0 } from '../../support/limits';

const visit = (patch: Partial<Visit>): Visit => ({ deviceId: 'tv-flat', deviceType: 'tv', networkId: 'n.flat', addressId: null, at: T0, ...patch });
const apply = (household: Household, ...visits: Partial<Visit>[]) => visits.reduce((h, v) => applyVisit(h, visit(v), limits), household);
const at = (household: Household, deviceId: string, networkId: string, now: number, deviceType: 'tv' | 'mobile' = 'mobile') =>
  decide(
    {
      device: { accountId: 'acct', deviceId, deviceType, issuedAtSeconds: T0 / 1000 - 10, keyThumbprint: null },
      networkId,
      addressId: null,
      region: 'PE',
      appliedRule: { key: 'PE', rule: { mode: 'enforce', percent: 100, failOpen: true } },
      bucket: 0,
      household,
      policyVersion: 1,
    },
    limits,
    now,
  );

/** The flat's TV forms the household; the house's TV makes the house a second home a day later. */
function twoHomes(): Household {
  const flat = apply(emptyHousehold('acct', T0), {});
  return setSecondHome(flat, 'tv-house', { networkId: 'n.house', addressId: null }, null, limits, T0 + DAY);
}

describe('a second home', () => {
  it('is home for every device there, and keeps its own TV', () => {
    const household = twoHomes();
    expect(household.secondHomes).toEqual([expect.objectContaining({ anchorDeviceId: 'tv-house', setAt: T0 + DAY })]);
    expect(household.anchorDeviceId).toBe('tv-flat');
    expect(at(household, 'phone', 'n.house', T0 + DAY + 1).reason).toBe('IN_HOUSEHOLD');
    expect(at(household, 'phone', 'n.flat', T0 + DAY + 1).reason).toBe('IN_HOUSEHOLD');
  });

  it('waits 90 days after it is set or removed before the next change; SECOND_HOMES bounds how many', () => {
    const household = twoHomes();
    expect(secondHomeLimit(household, 1, T0 + DAY + 1)).toMatchObject({ reason: 'SECOND_HOME_LIMIT' });
    expect(secondHomeLimit(household, 1, T0 + DAY + SECOND_HOME_CHANGE_WAIT_MS + 1, true)).toBeNull();
    // Past the wait a second one is still one too many; removing is allowed.
    expect(secondHomeLimit(household, 1, T0 + DAY + SECOND_HOME_CHANGE_WAIT_MS + 1)).toMatchObject({ reason: 'SECOND_HOME_LIMIT' });
    expect(secondHomeLimit(household, 2, T0 + DAY + SECOND_HOME_CHANGE_WAIT_MS + 1)).toBeNull();
    const removed = removeSecondHome(household, household.secondHomes[0]!.homeId, T0 + DAY + SECOND_HOME_CHANGE_WAIT_MS + 1)!;
    expect(removed.secondHomes).toEqual([]);
    expect(removed.homeNetworks.map((network) => network.networkId)).toEqual(['n.flat']);
    expect(secondHomeLimit(removed, 1, T0 + DAY + SECOND_HOME_CHANGE_WAIT_MS + 2)).toMatchObject({ reason: 'SECOND_HOME_LIMIT' });
  });

  it('an ISP change at the house moves only the house: its own TV, quiet there, carries it; the flat keeps its network', () => {
    const household = twoHomes();
    const moved = apply(household, { deviceId: 'tv-house', networkId: 'n.house-new', at: T0 + 3 * DAY });
    const homeOf = (networkId: string) => moved.homeNetworks.find((network) => network.networkId === networkId)?.homeId;
    expect(homeOf('n.house-new')).toBe(household.secondHomes[0]!.homeId);
    expect(homeOf('n.flat')).toBeUndefined();
    expect(moved.homeNetworks.map((network) => network.networkId).toSorted()).toEqual(['n.flat', 'n.house', 'n.house-new']);
    // Full (HOME_NETWORKS_MAX = 3): the next move at the house drops the house's own oldest network, never the flat's.
    const again = apply(moved, { deviceId: 'tv-house', networkId: 'n.house-newer', at: T0 + 5 * DAY });
    expect(again.homeNetworks.map((network) => network.networkId).toSorted()).toEqual(['n.flat', 'n.house-new', 'n.house-newer']);
  });

  it('a sign-out of the house’s TV leaves the house without a TV until a TV is seen at home there; the flat’s TV does not take it', () => {
    const household = signOutDevice(twoHomes(), 'tv-house', limits, T0 + 2 * DAY);
    expect(household.secondHomes[0]!.anchorDeviceId).toBeNull();
    expect(apply(household, { deviceId: 'tv-flat', networkId: 'n.house', at: T0 + 3 * DAY }).secondHomes[0]!.anchorDeviceId).toBeNull();
    expect(apply(household, { deviceId: 'tv-den', networkId: 'n.house', at: T0 + 3 * DAY }).secondHomes[0]!.anchorDeviceId).toBe('tv-den');
  });
});

describe('away access', () => {
  const request = { deviceId: 'phone', deviceType: 'mobile' as const, days: 30, keyThumbprint: null, perYear: 2 };

  it('plays from anywhere as AWAY_ACCESS until it lapses, then the device is outside again', () => {
    const given = grantAwayAccess(apply(emptyHousehold('acct', T0), {}), request, T0 + 1);
    expect(given.ok).toBe(true);
    const household = given.ok ? given.value : emptyHousehold('acct', T0);
    expect(at(household, 'phone', 'n.base', T0 + 29 * DAY)).toMatchObject({ decision: 'allow', reason: 'AWAY_ACCESS', accessUntil: T0 + 1 + 30 * DAY });
    expect(at(household, 'phone', 'n.base', T0 + 1 + 30 * DAY)).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('at most AWAY_ACCESS_PER_YEAR in 365 days; support ends one early', () => {
    let household = apply(emptyHousehold('acct', T0), {});
    for (const deviceId of ['phone', 'tablet']) {
      const given = grantAwayAccess(household, { ...request, deviceId }, T0 + 1);
      if (given.ok) household = given.value;
    }
    expect(grantAwayAccess(household, { ...request, deviceId: 'laptop' }, T0 + 2)).toMatchObject({ ok: false, error: { reason: 'AWAY_ACCESS_LIMIT' } });
    expect(awayAccessLimit(household, 2, T0 + 1 + 365 * DAY)).toBeNull();
    const ended = endAwayAccess(household, 'phone', T0 + DAY)!;
    expect(at(ended, 'phone', 'n.base', T0 + DAY).reason).toBe('OUTSIDE_HOUSEHOLD');
    expect(endAwayAccess(ended, 'phone', T0 + DAY)).toBeNull();
  });
});

describe('a second home nothing can reach', () => {
  it('is let go when a move takes its only network, or its networks lapse: it holds no SECOND_HOMES place for ever', () => {
    const household = twoHomes();
    // The house's TV, at the house, moves the primary location there: the house's network is the primary home's now.
    const moved = setPrimaryLocation(household, 'tv-house', { networkId: 'n.house', addressId: null }, null, limits, T0 + 2 * DAY);
    expect(moved.secondHomes).toEqual([]);
    expect(moved.homeNetworks.map((network) => [network.networkId, network.homeId])).toEqual([['n.house', undefined]]);
    // Nobody at the house for longer than the trust window: the house's network lapses, and the home with it.
    const lapsed = apply(household, { at: T0 + 20 * DAY }, { at: T0 + 40 * DAY });
    expect(lapsed.homeNetworks.map((network) => network.networkId)).toEqual(['n.flat']);
    expect(lapsed.secondHomes).toEqual([]);
  });
});
