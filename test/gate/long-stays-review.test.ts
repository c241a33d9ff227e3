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
import { lastCode } from '../support/webhook';

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
