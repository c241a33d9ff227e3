import { describe, expect, it } from 'vitest';
import { emptyHousehold, type DeviceRecord, type Household } from '../../../src/household/household';
import { decide, STATE_UNAVAILABLE, type DecisionInput } from '../../../src/policy/decide';
import { type Mode } from '../../../src/vocabulary';
import { DAY, deviceRecord, limits, NOT_SHARED } from '../../support/limits';

const NOW = Date.UTC(2026, 10, 21, 12);
const HOME = 'n1.home';
const AWAY = 'n1.away';

function device(id: string, patch: Partial<DeviceRecord> = {}): DeviceRecord {
  return deviceRecord(id, 'mobile', NOW, patch);
}

/** Devices keyed by their ids, as a household holds them. */
const devicesOf = (...records: DeviceRecord[]) => new Map(records.map((record) => [record.deviceId, record]));

function established(patch: Partial<Household> = {}): Household {
  return {
    ...emptyHousehold('acct', NOW - 90 * DAY),
    establishedAt: NOW - 90 * DAY,
    anchorDeviceId: 'tv-1',
    homeNetworks: [{ networkId: HOME, addedAt: NOW - 90 * DAY, lastSeenAt: NOW - DAY, ...NOT_SHARED }],
    devices: devicesOf(device('tv-1', { type: 'tv', lastHomeSeenAt: NOW - DAY })),
    ...patch,
  };
}

function input(patch: Partial<DecisionInput> & { mode?: Mode; percent?: number; failOpen?: boolean; type?: string; iat?: number } = {}): DecisionInput {
  const { mode = 'enforce', percent = 100, failOpen = true, type = 'mobile', iat = NOW / 1000, ...rest } = patch;
  return {
    device: { accountId: 'acct', deviceId: 'phone-1', deviceType: type as 'mobile', issuedAtSeconds: iat, keyThumbprint: null },
    networkId: AWAY,
    addressId: null,
    region: 'PE',
    appliedRule: { key: 'PE', rule: { mode, percent, failOpen } },
    bucket: 0,
    household: established(),
    policyVersion: 7,
    ...rest,
  };
}

const run = (patch: Parameters<typeof input>[0]) => decide(input(patch), limits, NOW);

describe('decide(): the decision table, row by row', () => {
  it('row 1: a device signed out after its token was issued is revoked', () => {
    const household = established({ devices: devicesOf(device('phone-1', { signedOutAt: NOW - 1000 })) });
    expect(run({ household, iat: (NOW - 60_000) / 1000 })).toMatchObject({ decision: 'deny', reason: 'DEVICE_REVOKED' });
    expect(run({ household, iat: NOW / 1000 })).not.toMatchObject({ reason: 'DEVICE_REVOKED' });
  });

  it('row 1 before row 3: a signed-out device stays out even with enforcement off', () => {
    const household = established({ devices: devicesOf(device('phone-1', { signedOutAt: NOW })) });
    expect(run({ household, mode: 'off', iat: (NOW - 5000) / 1000 })).toMatchObject({ reason: 'DEVICE_REVOKED' });
  });

  it('row 1: a device id seen bound answers only to its key — another key or an unbound token is DEVICE_PROOF_REQUIRED, in every mode', () => {
    const K = 'A'.repeat(43);
    const household = established({ devices: devicesOf(device('phone-1', { keyThumbprint: K })) });
    const withKey = (keyThumbprint: string | null, mode: Mode = 'enforce') =>
      decide({ ...input({ household, mode }), device: { accountId: 'acct', deviceId: 'phone-1', deviceType: 'mobile', issuedAtSeconds: NOW / 1000, keyThumbprint } }, limits, NOW);
    for (const mode of ['off', 'monitor', 'challenge', 'enforce'] as const) {
      expect(withKey('B'.repeat(43), mode)).toMatchObject({ decision: 'deny', reason: 'DEVICE_PROOF_REQUIRED', enforced: 'deny' });
      expect(withKey(null, mode)).toMatchObject({ decision: 'deny', reason: 'DEVICE_PROOF_REQUIRED' });
      expect(withKey(K, mode).reason).not.toBe('DEVICE_PROOF_REQUIRED');
    }
    expect(withKey(K).trace).toContainEqual({ row: 1, check: 'Does the token lack the device’s key?', matched: false, detail: 'device bound; bound token with its key' });
    // A device never seen bound takes any token, bound or not.
    expect(run({}).reason).not.toBe('DEVICE_PROOF_REQUIRED');
  });

  it('row 2: unreadable state allows when the rule fails open, refuses when it fails closed', () => {
    expect(run({ household: STATE_UNAVAILABLE, failOpen: true })).toMatchObject({ decision: 'allow', reason: 'STATE_UNAVAILABLE' });
    expect(run({ household: STATE_UNAVAILABLE, failOpen: false })).toMatchObject({ decision: 'deny', reason: 'STATE_UNAVAILABLE' });
  });

  it('row 2 answers before row 3 and before the sign-out check', () => {
    expect(run({ household: STATE_UNAVAILABLE, mode: 'off', failOpen: false })).toMatchObject({ reason: 'STATE_UNAVAILABLE' });
  });

  it('row 3: mode off allows whatever the household says', () => {
    expect(run({ mode: 'off' })).toMatchObject({ decision: 'allow', reason: 'ENFORCEMENT_OFF', mode: 'off' });
  });

  it('row 4: with no household yet, a TV establishes it', () => {
    expect(run({ household: null, type: 'tv' })).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_ESTABLISHED' });
    expect(run({ household: emptyHousehold('acct', NOW), type: 'tv' })).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
  });

  it('row 4 needs a network to establish: a TV with no usable address does not', () => {
    expect(run({ household: null, type: 'tv', networkId: null })).toMatchObject({ reason: 'HOUSEHOLD_NOT_SET' });
  });

  it('row 5: with no household yet, other devices are allowed', () => {
    expect(run({ household: null })).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_NOT_SET' });
  });

  it('row 6: a home network is in the household', () => {
    expect(run({ networkId: HOME })).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
  });

  it('row 6: a home network unseen for the trust window has dropped out', () => {
    const household = established({ homeNetworks: [{ networkId: HOME, addedAt: NOW - 90 * DAY, lastSeenAt: NOW - 32 * DAY, ...NOT_SHARED }] });
    expect(run({ networkId: HOME, household })).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('row 7: a device seen at home within the trust window is trusted away (the stored time may lag its last visit by the day-long write interval, which is added back)', () => {
    const household = established({ devices: devicesOf(device('phone-1', { lastHomeSeenAt: NOW - 30 * DAY })) });
    const decision = run({ household });
    expect(decision).toMatchObject({ decision: 'allow', reason: 'TRUSTED_DEVICE', accessUntil: NOW - 30 * DAY + 31 * DAY + DAY });
    expect(run({ household: established({ devices: devicesOf(device('phone-1', { lastHomeSeenAt: NOW - 31 * DAY - 1 })) }) })).toMatchObject({ reason: 'TRUSTED_DEVICE' });
  });

  it('row 7: trust lapses once the window and the write interval have passed', () => {
    const household = established({ devices: devicesOf(device('phone-1', { lastHomeSeenAt: NOW - 32 * DAY })) });
    expect(run({ household })).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('row 8: unexpired temporary access allows; expired does not', () => {
    const valid = established({ devices: devicesOf(device('phone-1', { temporaryAccessUntil: NOW + 1000 })) });
    expect(run({ household: valid })).toMatchObject({ decision: 'allow', reason: 'TEMPORARY_ACCESS', accessUntil: NOW + 1000 });
    const lapsed = established({ devices: devicesOf(device('phone-1', { temporaryAccessUntil: NOW })) });
    expect(run({ household: lapsed })).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('row 9: an extra-member slot allows', () => {
    const household = established({ extraMembers: new Map([['phone-1', { deviceId: 'phone-1', label: 'Student', addedAt: NOW - DAY }]]) });
    expect(run({ household })).toMatchObject({ decision: 'allow', reason: 'EXTRA_MEMBER' });
  });

  it('row 10: a support grant for the device or for the whole account allows until it ends', () => {
    const grant = { grantId: 'g1', reason: 'military posting', actor: 'agent', createdAt: NOW - DAY, expiresAt: NOW + DAY };
    expect(run({ household: established({ supportGrants: [{ ...grant, deviceId: 'phone-1' }] }) })).toMatchObject({ reason: 'SUPPORT_GRANT' });
    expect(run({ household: established({ supportGrants: [{ ...grant, deviceId: null }] }) })).toMatchObject({ reason: 'SUPPORT_GRANT' });
    expect(run({ household: established({ supportGrants: [{ ...grant, deviceId: 'other' }] }) })).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD' });
    expect(run({ household: established({ supportGrants: [{ ...grant, deviceId: null, expiresAt: NOW }] }) })).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('row 11: a household with no network left still holds: its devices are outside, not "no household"', () => {
    expect(run({ household: established({ homeNetworks: [] }) })).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('the first matching row decides: home beats trust, trust beats temporary access', () => {
    const household = established({ devices: devicesOf(device('phone-1', { lastHomeSeenAt: NOW - DAY, temporaryAccessUntil: NOW + DAY })) });
    expect(run({ household, networkId: HOME })).toMatchObject({ reason: 'IN_HOUSEHOLD' });
    expect(run({ household })).toMatchObject({ reason: 'TRUSTED_DEVICE' });
  });

  it('an unusable address is simply not home', () => {
    expect(run({ networkId: null })).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD' });
  });
});

describe('decide(): modes', () => {
  const usedUp = established({ devices: devicesOf(device('phone-1', { travelGrantsAt: [NOW - DAY, NOW - 2 * DAY] })) });

  it('monitor allows everything and says what enforce would have done', () => {
    expect(run({ mode: 'monitor' })).toMatchObject({ decision: 'allow', reason: 'OUTSIDE_HOUSEHOLD', wouldDecision: 'challenge' });
    expect(run({ mode: 'monitor', household: usedUp })).toMatchObject({ decision: 'allow', reason: 'TRAVEL_LIMIT_REACHED', wouldDecision: 'deny' });
    expect(run({ mode: 'monitor', networkId: HOME })).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD', wouldDecision: 'allow' });
  });

  it('challenge challenges outside devices and never denies, even with travel grants used up', () => {
    expect(run({ mode: 'challenge' })).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect(run({ mode: 'challenge', household: usedUp })).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('enforce challenges while travel grants are left, then denies', () => {
    const oneUsed = established({ devices: devicesOf(device('phone-1', { travelGrantsAt: [NOW - DAY] })) });
    expect(run({ mode: 'enforce', household: oneUsed })).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect(run({ mode: 'enforce', household: usedUp })).toMatchObject({ decision: 'deny', reason: 'TRAVEL_LIMIT_REACHED' });
  });

  it('enforce counts only the travel grants inside the travel window', () => {
    const old = established({ devices: devicesOf(device('phone-1', { travelGrantsAt: [NOW - 31 * DAY, NOW - 40 * DAY] })) });
    expect(run({ mode: 'enforce', household: old })).toMatchObject({ decision: 'challenge' });
  });

  it('accounts outside the rule’s percent are under monitor', () => {
    expect(run({ mode: 'enforce', percent: 10, bucket: 10 })).toMatchObject({ decision: 'allow', mode: 'monitor', wouldDecision: 'challenge' });
    expect(run({ mode: 'enforce', percent: 10, bucket: 9 })).toMatchObject({ decision: 'challenge', mode: 'enforce' });
    expect(run({ mode: 'off', percent: 50, bucket: 70 })).toMatchObject({ mode: 'monitor', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('carries the policy version and the region, and traces every check it made', () => {
    const decision = run({ mode: 'enforce' });
    expect(decision.policyVersion).toBe(7);
    expect(decision.region).toBe('PE');
    expect(decision.trace.map((step) => step.row)).toEqual([1, 2, 1, 1, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11]);
    expect(decision.trace.filter((step) => step.matched).map((step) => step.row)).toEqual([11]);
  });

  it('is pure: the same input gives the same answer and the input is untouched', () => {
    const frozen = input({ mode: 'enforce' });
    const copy = structuredClone(frozen);
    expect(decide(frozen, limits, NOW)).toEqual(decide(frozen, limits, NOW));
    expect(frozen).toEqual(copy);
  });
});
