/**
 * Property (contract v1.4 §2.1, §6; issue 32): for random interleavings of a
 * real device and a copy of its id — bound or not, home or away, sign-outs
 * from either side, with and without the owner's code, time passing — the
 * copy never plays on anything the real device earned, never moves the
 * household, and the real device is never locked out while it stays at home.
 *
 * The steps are the gate's own pure ones, as the edge and the account's
 * Durable Object apply them: `decide` for every request, `visitIsNews` /
 * `applyVisit` for what a request writes, `keyStanding` and
 * `signOutAuthority` for who may sign out, `signOutDevice` for the sign-out.
 * What `optional` still allows — a copy of an unbound id, itself unbound,
 * plays as that id until the real device binds (SECURITY.md) — is left out:
 * the copy is bound, or unbound only once the real device is.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signOutAuthority } from '../../../src/household/authority';
import { activeHomeNetworks, homeWithoutAnchorRole } from '../../../src/household/home-networks';
import { holdsHistory, keyStanding } from '../../../src/household/devices';
import { emptyHousehold, type Household, type Visit } from '../../../src/household/household';
import { signOutDevice } from '../../../src/household/transitions';
import { applyVisit, visitIsNews } from '../../../src/household/visits';
import type { DeviceIdentity } from '../../../src/identity/device-token';
import { decide, type Decision } from '../../../src/policy/decide';
import type { AppliedRule } from '../../../src/policy/rollout';
import { unixSeconds } from '../../../src/time';
import type { Mode } from '../../../src/vocabulary';
import { DAY, limits, T0 } from '../../support/limits';

const REAL_KEY = 'R'.repeat(43);
const COPY_KEY = 'C'.repeat(43);
const HOME = 'n.home';
const AWAY = 'n.cousin';
const ID = 'tv-main';

type Step =
  | { kind: 'real-plays' }
  | { kind: 'real-binds' }
  | { kind: 'copy-plays'; bound: boolean }
  | { kind: 'copy-signs-out'; bound: boolean; withCode: boolean }
  | { kind: 'real-signs-out' }
  | { kind: 'phone-plays'; home: boolean }
  | { kind: 'time'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'real-plays' }),
  fc.constant<Step>({ kind: 'real-binds' }),
  fc.record({ kind: fc.constant('copy-plays' as const), bound: fc.boolean() }),
  fc.record({ kind: fc.constant('copy-signs-out' as const), bound: fc.boolean(), withCode: fc.boolean() }),
  fc.constant<Step>({ kind: 'real-signs-out' }),
  fc.record({ kind: fc.constant('phone-plays' as const), home: fc.boolean() }),
  fc.record({ kind: fc.constant('time' as const), ms: fc.oneof(fc.integer({ min: 1000, max: 3 * 60 * 60 * 1000 }), fc.integer({ min: DAY, max: 40 * DAY })) }),
);

const rule = (mode: Mode): AppliedRule => ({ key: 'PE', rule: { mode, percent: 100, failOpen: true } });

/** One world: the household as its object holds it, the real TV's token, and the clock. */
interface World {
  household: Household;
  now: number;
  real: { key: string | null; issuedAtSeconds: number };
  mode: Mode;
}

function identity(key: string | null, issuedAtSeconds: number, deviceId = ID, deviceType: DeviceIdentity['deviceType'] = 'tv'): DeviceIdentity {
  return { accountId: 'acct', deviceId, deviceType, issuedAtSeconds, keyThumbprint: key };
}

/** A request decided as the edge decides it, and written as the object writes it. */
function request(world: World, device: DeviceIdentity, networkId: string): Decision {
  const decision = decide({ device, networkId, addressId: null, region: 'PE', appliedRule: rule(world.mode), bucket: 0, household: world.household, policyVersion: 1 }, limits, world.now);
  if (decision.reason !== 'DEVICE_REVOKED' && decision.reason !== 'DEVICE_PROOF_REQUIRED') {
    const visit: Visit = { deviceId: device.deviceId, deviceType: device.deviceType, networkId, addressId: null, at: world.now, keyThumbprint: device.keyThumbprint };
    if (visitIsNews(world.household, visit, limits, { session: true, home: decision.home ?? null })) world.household = applyVisit(world.household, visit, limits);
  }
  return decision;
}

/**
 * The copy's key: its own, or none — but an unbound copy of an id the
 * household holds unbound is what `optional` still allows (it plays as that
 * id until the real device binds), so there the copy is bound.
 */
function copyKey(world: World, bound: boolean): string | null {
  const idBound = (world.household.devices.get(ID)?.keyThumbprint ?? null) !== null;
  return bound || !idBound ? COPY_KEY : null;
}

/** A device signed out signs in again: a new token, issued after the sign-out second. */
function signInAgain(world: World): void {
  world.now += 1000;
  world.real.issuedAtSeconds = unixSeconds(world.now);
}

/** Plays `steps` and answers what broke the property, step by step (empty: nothing). */
function run(realStartsBound: boolean, mode: Mode, steps: Step[]): string[] {
  const broken: string[] = [];
  const check = (holds: boolean, what: string, at: number) => {
    if (!holds) broken.push(`step ${at}: ${what}`);
  };
  const world: World = { household: emptyHousehold('acct', T0), now: T0, real: { key: realStartsBound ? REAL_KEY : null, issuedAtSeconds: unixSeconds(T0) - 10 }, mode };
  check(request(world, identity(world.real.key, world.real.issuedAtSeconds), HOME).reason === 'HOUSEHOLD_ESTABLISHED', 'the real TV establishes the household', -1);

  for (const [at, next] of steps.entries()) {
    const networksBefore = new Set(world.household.homeNetworks.map((network) => network.networkId));
    switch (next.kind) {
      case 'time':
        world.now += next.ms;
        break;
      case 'real-binds':
        world.real.key ??= REAL_KEY;
        break;
      case 'real-plays': {
        const stillHome = activeHomeNetworks(world.household, limits, world.now).some((network) => network.networkId === HOME);
        const decision = request(world, identity(world.real.key, world.real.issuedAtSeconds), HOME);
        // Never locked out at home: no proof refusal, no revocation; and home while the household still holds its network
        // (a network unseen for TRUST_WINDOW drops out, whoever asks).
        check(decision.reason !== 'DEVICE_PROOF_REQUIRED' && decision.reason !== 'DEVICE_REVOKED', `the real TV at home is locked out (${decision.reason})`, at);
        check(!stillHome || decision.reason === 'IN_HOUSEHOLD', `the real TV at home is ${decision.reason}`, at);
        break;
      }
      case 'phone-plays':
        request(world, identity(null, unixSeconds(T0) - 10, 'phone', 'mobile'), next.home ? HOME : AWAY);
        break;
      case 'copy-plays': {
        const key = copyKey(world, next.bound);
        const decision = request(world, identity(key, unixSeconds(world.now)), AWAY);
        // The copy away is never allowed on anything: not trust, not access, not a slot or a grant the real TV earned.
        check(decision.enforced !== 'allow', `the copy away plays (${decision.reason})`, at);
        break;
      }
      case 'copy-signs-out': {
        const key = copyKey(world, next.bound);
        const copy = identity(key, unixSeconds(world.now));
        const standing = keyStanding(world.household, copy, () => homeWithoutAnchorRole(world.household, copy.deviceId, AWAY, null, limits, world.now));
        const decision = decide(
          { device: copy, networkId: AWAY, addressId: null, region: 'PE', appliedRule: rule(world.mode), bucket: 0, household: world.household, policyVersion: 1 },
          limits,
          world.now,
        );
        const refusedAtRowOne = decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'DEVICE_REVOKED';
        const authority = signOutAuthority({ requesterId: ID, targetDeviceId: ID, standing, atHome: decision.evidence !== undefined, codeGiven: next.withCode });
        // Without the owner's code, a copy away signs out nothing the id holds.
        check(next.withCode || !(authority.ok && !refusedAtRowOne && holdsHistory(world.household, ID)), 'the copy signs the TV out without a code', at);
        // As the account's object does it: an id that holds nothing has nothing to end, and its own sign-out changes nothing.
        if (authority.ok && !refusedAtRowOne && holdsHistory(world.household, ID)) {
          world.household = signOutDevice(world.household, ID, limits, world.now);
          signInAgain(world);
        }
        break;
      }
      case 'real-signs-out':
        if (holdsHistory(world.household, ID)) world.household = signOutDevice(world.household, ID, limits, world.now);
        signInAgain(world);
        break;
    }
    // Nothing the copy does moves the household: no network of its joins.
    const networksAfter = world.household.homeNetworks.map((network) => network.networkId);
    check(!networksAfter.filter((network) => !networksBefore.has(network)).includes(AWAY), "the copy's network joins the household", at);
    // The id's key, once recorded, is the real device's.
    const recorded = world.household.devices.get(ID)?.keyThumbprint ?? null;
    check(recorded === null || recorded === REAL_KEY, "the copy's key is the id's", at);
  }
  return broken;
}

describe('property: a copy of a device id never inherits, moves or locks out (issue 32)', () => {
  it('for random interleavings of the real TV and a copy of its id, in every mode that refuses', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom<Mode>('monitor', 'challenge', 'enforce'), fc.array(step, { minLength: 1, maxLength: 40 }), (realStartsBound, mode, steps) => {
        expect(run(realStartsBound, mode, steps)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
