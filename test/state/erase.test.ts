/**
 * Erase (contract v1.3 §7), end to end in workerd with the real Durable
 * Objects and KV: everything held about the account goes, its holder entry in
 * every network count it joined included; one thing stays for
 * DEVICE_TOKEN_MAX_AGE — a floor that refuses every token of the account
 * issued at or before the erase's second, so a signed-out device (or the old
 * TV) cannot come back by way of an erase.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HouseholdLimits } from '../../src/household/household';
import type { HouseholdStore } from '../../src/state/household-store';
import { householdKey } from '../../src/state/kv-keys';
import { schemaVersion } from '../../src/state/sql-schema';
import { networkSharing } from '../../src/state/network-sharing';
import { admin } from '../admin/admin-support';
import { callGate, household, newAccount, setRule, testEnv } from '../support/gate';
import { limits } from '../support/limits';
import { deviceToken } from '../support/tokens';
import { ownNetwork } from '../support/networks';

// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
let NEW_HOME: (host: number) => string;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x60);
  NEW_HOME = ownNetwork().address;
});
const seconds = (ms: number) => Math.floor(ms / 1000);

const storeOf = (account: string) => testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
const storageOf = (account: string) => runInDurableObject(storeOf(account), async (_: HouseholdStore, state) => Object.fromEntries(await state.storage.list()));
const kvText = (account: string) => env.HEARTH_KV.get(householdKey(account));

async function play(token: string, ip = HOME_IP) {
  const response = await callGate({ token, ip, country: 'PE' });
  return { status: response.status, body: await response.json<Record<string, any>>() };
}

/** A household of a TV and a phone, the phone signed out; their tokens issued a few seconds ago. */
async function householdWithSignedOutPhone() {
  const account = newAccount('erase');
  const issued = seconds(Date.now()) - 5;
  const tv = await deviceToken({ account, device: 'tv', type: 'tv', iat: issued });
  const phone = await deviceToken({ account, device: 'phone', iat: issued });
  expect((await play(tv)).body.reason).toBe('HOUSEHOLD_ESTABLISHED');
  expect((await play(phone)).body.reason).toBe('IN_HOUSEHOLD');
  expect((await callGate({ method: 'DELETE', path: '/gate/v1/household/devices/phone', token: tv, ip: HOME_IP, country: 'PE' })).status).toBe(204);
  expect((await play(phone)).body.reason).toBe('DEVICE_REVOKED');
  return { account, tv, phone };
}

async function erase(account: string) {
  const response = await admin('DELETE', `/admin/v1/accounts/${account}`);
  expect(response.status).toBe(204);
  // The erase's second: a new sign-in carries a later iat.
  return seconds(Date.now());
}

beforeEach(async () => {
  await setRule('PE', 'enforce');
});
afterEach(() => {
  vi.useRealTimers();
});

describe('erase keeps a floor against old tokens', () => {
  it('a device signed out before the erase stays out after it, and so does every other token issued before it', async () => {
    const { account, tv, phone } = await householdWithSignedOutPhone();
    await erase(account);

    for (const token of [phone, tv]) {
      const answer = await play(token);
      expect(answer.status).toBe(401);
      expect(answer.body.reason).toBe('DEVICE_REVOKED');
    }
    // Support sees nothing: the account is erased.
    expect((await admin('GET', `/admin/v1/accounts/${account}`)).status).toBe(404);
  });

  it('the floor is all that is kept: no device, network, grant or name in the object or in KV', async () => {
    const { account } = await householdWithSignedOutPhone();
    await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { deviceId: 'phone', days: 3, reason: 'Grandma in hospital' } });
    await erase(account);

    const stored = await storageOf(account);
    const text = JSON.stringify(stored) + (await kvText(account));
    for (const gone of ['phone', '"tv"', 'Grandma', 'n1.', 'h1.', 'devices', 'homeNetworks']) expect(text).not.toContain(gone);
    expect(Object.keys(stored).filter((key) => key !== 'kv:lastPublishedAt')).toEqual(['erase:floor']);
    expect(JSON.parse((await kvText(account))!)).toEqual({ schema: 2, eraseFloor: { signedOutBefore: expect.any(Number), until: expect.any(Number), revision: expect.any(Number) } });
  });

  it('the old TV token cannot establish the household again, not even through a stale snapshot that lets it through', async () => {
    const { account, tv } = await householdWithSignedOutPhone();
    const erasedAt = await erase(account);
    expect((await play(tv, '192.0.2.80')).body.reason).toBe('DEVICE_REVOKED');

    // An isolate whose snapshot still says "no household" lets the old token through and sends the visit on:
    // the account's object refuses to record it.
    const recorded = await storeOf(account).recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.stale-snapshot', addressId: null, at: Date.now() }, limits, {
      holderId: null,
      issuedAtSeconds: erasedAt - 5,
    });
    expect(recorded.establishedAt).toBeNull();
    expect(await household(account)).toBeNull();
    expect(Object.keys(await storageOf(account)).filter((key) => key !== 'kv:lastPublishedAt')).toEqual(['erase:floor']);
  });

  it('a new sign-in (a token issued after the erase second) plays and establishes a fresh household; old tokens stay refused', async () => {
    const { account, phone } = await householdWithSignedOutPhone();
    const erasedAt = await erase(account);

    const newTv = await deviceToken({ account, device: 'tv', type: 'tv', iat: erasedAt + 1 });
    const established = await play(newTv, NEW_HOME(0x90));
    expect(established.status).toBe(200);
    expect(established.body.reason).toBe('HOUSEHOLD_ESTABLISHED');
    const newPhone = await deviceToken({ account, device: 'phone', iat: erasedAt + 1 });
    expect((await play(newPhone, NEW_HOME(0x91))).body.reason).toBe('IN_HOUSEHOLD');

    // The new household carries the floor; the separate record is gone.
    expect((await household(account))!.signedOutBefore).toBeGreaterThan(0);
    expect(Object.keys(await storageOf(account))).not.toContain('erase:floor');
    expect((await play(phone, NEW_HOME(0x91))).body.reason).toBe('DEVICE_REVOKED');
  });

  it('the floor is forgotten after DEVICE_TOKEN_MAX_AGE: the object is empty, and KV’s copy expires then', async () => {
    const { account } = await householdWithSignedOutPhone();
    await erase(account);
    const floor = (await storageOf(account))['erase:floor'] as { signedOutBefore: number; until: number };
    // Held until every token the floor refuses is past DEVICE_TOKEN_MAX_AGE, clock skew included.
    expect(floor.until - floor.signedOutBefore).toBeGreaterThanOrEqual(limits.tokenMaxAgeMs + 60_000);
    expect(await runInDurableObject(storeOf(account), (_: HouseholdStore, state) => state.storage.getAlarm())).toBe(floor.until);

    // An alarm that runs early keeps the floor.
    await runDurableObjectAlarm(storeOf(account));
    expect(Object.keys(await storageOf(account))).toContain('erase:floor');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(floor.until + 1000);
    await runInDurableObject(storeOf(account), (_: HouseholdStore, state) => state.storage.setAlarm(Date.now()));
    expect(await runDurableObjectAlarm(storeOf(account))).toBe(true);
    vi.useRealTimers();

    expect(await storageOf(account)).toEqual({});
    // The schema-version row goes with the rest: nothing of the account's object is kept.
    expect(await runInDurableObject(storeOf(account), (_: HouseholdStore, state) => schemaVersion(state.storage.sql))).toBe(0);
    // KV drops its copy of the floor by itself at the same moment (the object needs no account id to forget it).
    const { keys } = await env.HEARTH_KV.list({ prefix: householdKey(account) });
    expect(keys).toEqual([{ name: householdKey(account), expiration: Math.ceil(floor.until / 1000) }]);
  });
});

describe('erase releases the household from every network count it joined', () => {
  it('a network the household held earlier but no longer is released too', async () => {
    const account = newAccount('former');
    const run = Date.now().toString(36);
    const [first, second] = [`n1.former-a-${run}`, `n1.former-b-${run}`];
    const holder = (n: number) => `h1.${`${run}former${n}`.padEnd(22, 'x').slice(0, 22)}`;
    // One home network at a time: when the TV carries the household to a second network, the first leaves.
    const oneNetwork: HouseholdLimits = { ...limits, homeNetworksMax: 1 };
    const t0 = Date.now();
    const store = storeOf(account);
    await store.recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: first, addressId: null, at: t0 }, oneNetwork, { holderId: holder(1) });
    expect(await networkSharing(testEnv, first).households()).toBe(1);
    const moved = await store.recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: second, addressId: null, at: t0 + 3 * 3_600_000 }, oneNetwork, { holderId: holder(2) });
    expect(moved.homeNetworks.map((network) => network.networkId)).toEqual([second]);
    expect(await networkSharing(testEnv, second).households()).toBe(1);
    // The first network still counts the household: its row lasts a trust window after its last check.
    expect(await networkSharing(testEnv, first).households()).toBe(1);

    await erase(account);
    expect(await networkSharing(testEnv, second).households()).toBe(0);
    expect(await networkSharing(testEnv, first).households()).toBe(0);
    // A count that emptied itself counts the next household that holds the network.
    expect(await networkSharing(testEnv, first).hold(holder(3), limits.trustWindowMs)).toBe(1);
  });
});
