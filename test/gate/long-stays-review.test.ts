/**
 * A review of second homes and away access (contract v1.4 §6, §4 row 10) as
 * they compose with "a device is its key" (§2.1): a sharer with the account's
 * password (who mints tokens for any id and type, bound to keys of their own,
 * from any network) after the owner passed on one code without reading it.
 */
import { describe, expect, it } from 'vitest';
import { passTime } from '../support/clock';
import { callGate, household, newAccount, setRule, type GateRequest } from '../support/gate';
import { ownNetwork } from '../support/networks';
import { boundDevice, deviceToken, type BoundDevice } from '../support/tokens';
import { deliveries, lastCode } from '../support/webhook';

type Json = Record<string, any>;

const env = { COPRESENCE_WINDOW: 'PT2S' };

async function call(headers: Record<string, string>, at: string, path = '/gate/v1/decision', method = 'GET', body?: unknown, overrides: GateRequest['env'] = env) {
  const json = body === undefined ? {} : { headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const response = await callGate({ path, method, ip: at, country: 'PE', headers, env: overrides, ...json });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function as(device: BoundDevice, at: string, path = '/gate/v1/decision', method = 'GET', body?: unknown, overrides: GateRequest['env'] = env) {
  return call(await device.headers(method, path), at, path, method, body, overrides);
}

/** The sharer's TV, at the sharer's place, makes it a second home with the code the owner passed on. */
async function sharerSecondHome(account: string, at: string, overrides: GateRequest['env'] = env): Promise<BoundDevice> {
  const tv = await boundDevice({ account, device: 'tv-sharer', type: 'tv' });
  const opened = await as(tv, at, '/gate/v1/challenges', 'POST', { purpose: 'second-home' }, overrides);
  expect(opened.status).toBe(201);
  const set = await as(tv, at, '/gate/v1/household/second-home', 'POST', { challengeId: opened.body.challengeId, code: await lastCode(account) }, overrides);
  expect(set.status).toBe(200);
  return tv;
}

describe('a second home does not let a copy take the primary anchor TV’s id (contract §2.1 "The first key", §4)', () => {
  it('a bound copy of the never-bound primary TV at the sharer’s second home neither takes the TV’s key nor its anchor role', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('second-home-takeover');
    const home = ownNetwork();
    const sharerPlace = ownNetwork();
    const realTv = await deviceToken({ account, device: 'tv-main', type: 'tv' });
    expect((await call(bearer(realTv), home.address(1))).body).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
    await sharerSecondHome(account, sharerPlace.address(1));

    // The sharer mints a token for the real TV's id, bound to their own key, and streams at their second home.
    const copy = await boundDevice({ account, device: 'tv-main', type: 'tv' });
    await as(copy, sharerPlace.address(2));
    const after = (await household(account))!;
    // Before: the copy's key became tv-main's, the real TV at home was 401 DEVICE_PROOF_REQUIRED, and the copy —
    // now the primary home's anchor, "quiet at home" — carried the primary home to the sharer's networks.
    expect(after.devices.get('tv-main')!.keyThumbprint).toBeNull();
    expect((await call(bearer(realTv), home.address(1))).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    passTime(3000);
    const elsewhere = ownNetwork();
    await as(copy, elsewhere.address(1));
    const primaryNetworks = (await household(account))!.homeNetworks.filter((network) => network.homeId === undefined);
    expect(primaryNetworks).toHaveLength(1);
  });
});

describe('a second-home code serves the change the owner was told of (contract §6, "Codes say what they approve")', () => {
  const twoAllowed = { ...env, SECOND_HOMES: '2' };
  const secondHomePath = '/gate/v1/household/second-home';

  it('a code asked to set a second home (so its message says) does not remove the household’s second home; a removal code says it removes', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('second-home-codes');
    const home = ownNetwork();
    const weekend = ownNetwork();
    const tvAt = async (device: string, at: string) => call(bearer(await deviceToken({ account, device, type: 'tv' })), at, '/gate/v1/decision', 'GET', undefined, twoAllowed);
    expect((await tvAt('tv-city', home.address(1))).body).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
    const weekendTv = await deviceToken({ account, device: 'tv-weekend', type: 'tv' });
    const opened = await call(bearer(weekendTv), weekend.address(1), '/gate/v1/challenges', 'POST', { purpose: 'second-home' }, twoAllowed);
    const set = await call(bearer(weekendTv), weekend.address(1), secondHomePath, 'POST', { challengeId: opened.body.challengeId, code: await lastCode(account) }, twoAllowed);
    expect(set.status).toBe(200);
    // The 90-day wait passes with both homes in use.
    for (let i = 0; i < 5; i += 1) {
      passTime(19 * 86_400_000);
      await tvAt('tv-city', home.address(1));
      await tvAt('tv-weekend', weekend.address(1));
    }

    // The sharer's TV, at the sharer's place, asks a code to make that place a second home; the owner passes it on.
    const sharerPlace = ownNetwork();
    const sharerTv = await boundDevice({ account, device: 'tv-sharer', type: 'tv' });
    const asked = await as(sharerTv, sharerPlace.address(1), '/gate/v1/challenges', 'POST', { purpose: 'second-home' }, twoAllowed);
    expect(asked.status).toBe(201);
    const told = (await deliveries(account)).findLast((delivery) => delivery.message.type === 'verification_code')!.message as unknown as Json;
    expect(told.message).toContain('a second home of your household');
    // Before: 204 — the owner's weekend house was removed, and a new one waited 90 days.
    const removed = await as(sharerTv, sharerPlace.address(1), secondHomePath, 'DELETE', { challengeId: asked.body.challengeId, code: await lastCode(account) }, twoAllowed);
    expect(removed.body).toMatchObject({ status: 403, reason: 'VERIFICATION_REQUIRED' });
    expect((await household(account))!.secondHomes).toEqual([expect.objectContaining({ anchorDeviceId: 'tv-weekend' })]);

    // The TV that keeps the weekend house asks to remove it: the owner is told it removes, and it removes it only.
    const freshWeekendTv = await deviceToken({ account, device: 'tv-weekend', type: 'tv' });
    const removal = await call(bearer(freshWeekendTv), weekend.address(1), '/gate/v1/challenges', 'POST', { purpose: 'second-home' }, twoAllowed);
    expect(removal.status).toBe(201);
    const removalText = ((await deliveries(account)).findLast((delivery) => delivery.message.type === 'verification_code')!.message as unknown as Json).message as string;
    expect(removalText).toContain('removes');
    const code = await lastCode(account);
    // Asked to remove, it sets nothing (a third network is not made a home with it).
    const elsewhere = await call(bearer(freshWeekendTv), ownNetwork().address(1), secondHomePath, 'POST', { challengeId: removal.body.challengeId, code }, twoAllowed);
    expect(elsewhere.body).toMatchObject({ status: 403, reason: 'VERIFICATION_REQUIRED' });
    expect((await call(bearer(freshWeekendTv), weekend.address(1), secondHomePath, 'DELETE', { challengeId: removal.body.challengeId, code }, twoAllowed)).status).toBe(204);
    expect((await household(account))!.secondHomes).toEqual([]);
  });
});

describe('HOME_NETWORKS_MAX leaves every home a network (contract §4, §6)', () => {
  it('with HOME_NETWORKS_MAX 1 no second home can be set: it would push the primary home’s only network out', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('one-network');
    const oneNetwork = { ...env, HOME_NETWORKS_MAX: '1' };
    const home = ownNetwork();
    const cityTv = await deviceToken({ account, device: 'tv-city', type: 'tv' });
    expect((await call(bearer(cityTv), home.address(1), '/gate/v1/decision', 'GET', undefined, oneNetwork)).body).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
    const sharerTv = await boundDevice({ account, device: 'tv-sharer', type: 'tv' });
    // Before: 201, and with the code the sharer's network replaced the household's — the city TV, at home, outside.
    const asked = await as(sharerTv, ownNetwork().address(1), '/gate/v1/challenges', 'POST', { purpose: 'second-home' }, oneNetwork);
    expect(asked.body).toMatchObject({ status: 429, reason: 'SECOND_HOME_LIMIT' });
    expect((await call(bearer(cityTv), home.address(1), '/gate/v1/decision', 'GET', undefined, oneNetwork)).body).toMatchObject({ reason: 'IN_HOUSEHOLD' });
  });
});
