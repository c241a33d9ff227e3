/**
 * A review of "a device is its key" (contract v1.4 §2.1, §6): ways a sharer
 * with the account's password (who mints tokens for any id, bound to keys of
 * their own) could still lock the household out or slip past it, each
 * replayed through the HTTP API.
 */
import { describe, expect, it } from 'vitest';
import { callGate, household, newAccount, setRule } from '../support/gate';
import { ownNetwork } from '../support/networks';
import { boundDevice, deviceToken, makeDeviceKeyPair, type BoundDevice } from '../support/tokens';
import { householdEvents, lastCode } from '../support/webhook';
import { MAX_DEVICES_PER_HOUSEHOLD } from '../../src/household/household';
import { RECENT_EVENTS_KEPT } from '../../src/state/household-events';

type Json = Record<string, unknown>;

async function call(headers: Record<string, string>, at: string, path = '/gate/v1/decision', method = 'GET', body?: unknown): Promise<{ status: number; body: Json }> {
  const json = body === undefined ? {} : { headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const response = await callGate({ path, method, ip: at, country: 'PE', headers, ...json });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function as(device: BoundDevice, at: string, path = '/gate/v1/decision', method = 'GET', body?: unknown): Promise<{ status: number; body: Json }> {
  return call(await device.headers(method, path), at, path, method, body);
}

describe('a household still forming cannot be kept from forming by bound junk ids (contract §2.1 "Kept keys", §4 row 4)', () => {
  it(`${MAX_DEVICES_PER_HOUSEHOLD} bound ids minted from away before the first TV leave the TV establishing the household, as its anchor`, async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('forming-junk');
    const away = ownNetwork();
    const home = ownNetwork();
    // The sharer, before the household's TV ever streamed: every id joins while the household forms, and a bound one is never dropped.
    for (let i = 0; i < MAX_DEVICES_PER_HOUSEHOLD; i += 1) {
      const junk = await boundDevice({ account, device: `junk-${i}`, type: 'mobile' });
      expect((await as(junk, away.address(1 + (i % 200)))).body).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_NOT_SET' });
    }
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    expect((await call({ Authorization: `Bearer ${tv}` }, home.address(1))).body).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_ESTABLISHED' });
    const formed = (await household(account))!;
    expect(formed.establishedAt).not.toBeNull();
    expect(formed.anchorDeviceId).toBe('tv');
    // Once formed, the sharer's ids are outside like any other device away.
    const junk = await boundDevice({ account, device: 'junk-late', type: 'mobile' });
    expect((await as(junk, away.address(9))).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });
});

describe('the owner hears of a device at most once per event, device and day (contract §6), however many devices', () => {
  it(`a copy refused for each of ${RECENT_EVENTS_KEPT + 1} bound ids, then the first one's copy again: no second event for it that day`, async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('event-flood');
    const away = ownNetwork();
    const ids = Array.from({ length: RECENT_EVENTS_KEPT + 1 }, (_, i) => `bound-${i}`);
    // Bound ids listed while the household forms (any id joins then; a bound one is never dropped).
    for (const [i, id] of ids.entries()) {
      const device = await boundDevice({ account, device: id, type: 'mobile' });
      expect((await as(device, away.address(1 + (i % 200)))).status).toBe(200);
    }
    const copyKeys = await makeDeviceKeyPair();
    const copyOf = (id: string) => boundDevice({ account, device: id, type: 'mobile', keys: copyKeys });
    for (const id of ids) expect((await as(await copyOf(id), away.address(250))).status).toBe(401);
    for (let i = 0; i < 3; i += 1) expect((await as(await copyOf(ids[0]!), away.address(250))).status).toBe(401);
    const told = (await householdEvents(account, RECENT_EVENTS_KEPT)).filter((event) => event.event === 'device_key_refused' && event.deviceId === ids[0]);
    expect(told).toHaveLength(1);
  });
});

describe('a bound copy of a never-bound TV cannot move the household in the TV’s name (contract §2.1 "The first key", §6)', () => {
  it('from away its primary-location code is refused before it is sent (BIND_AT_HOME): the owner is never asked to approve "their TV" for a copy', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('copy-moves');
    const home = ownNetwork();
    const away = ownNetwork();
    const realTv = await deviceToken({ account, device: 'tv-main', type: 'tv' });
    expect((await call({ Authorization: `Bearer ${realTv}` }, home.address(1))).body).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
    const copy = await boundDevice({ account, device: 'tv-main', type: 'tv' });
    const opened = await as(copy, away.address(1), '/gate/v1/challenges', 'POST', { purpose: 'primary-location' });
    // Before: 201, the owner (told "tv-main" asks) passed the code on, and the copy moved the household to its network,
    // took the TV's key and anchor role, and the real TV was 401 DEVICE_PROOF_REQUIRED at home.
    expect(opened).toMatchObject({ status: 403, body: { reason: 'BIND_AT_HOME' } });
    expect((await household(account))!.devices.get('tv-main')!.keyThumbprint).toBeNull();
    expect((await call({ Authorization: `Bearer ${realTv}` }, home.address(1))).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
  });

  it('a code asked while the id was never seen does not move the household once the id has unbound history: the move is refused and the code left unused', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('copy-moves-later');
    const home = ownNetwork();
    const away = ownNetwork();
    const firstTv = await deviceToken({ account, device: 'tv-main', type: 'tv' });
    expect((await call({ Authorization: `Bearer ${firstTv}` }, home.address(1))).body).toMatchObject({ reason: 'HOUSEHOLD_ESTABLISHED' });
    const copy = await boundDevice({ account, device: 'tv-bedroom', type: 'tv' });
    const opened = await as(copy, away.address(1), '/gate/v1/challenges', 'POST', { purpose: 'primary-location' });
    expect(opened.status).toBe(201);
    const code = await lastCode(account);
    // The real bedroom TV, unbound, then streams at home: its id has history the copy's key may not take away from home.
    const bedroomTv = await deviceToken({ account, device: 'tv-bedroom', type: 'tv' });
    expect((await call({ Authorization: `Bearer ${bedroomTv}` }, home.address(2))).body).toMatchObject({ reason: 'IN_HOUSEHOLD' });
    const moved = await as(copy, away.address(1), '/gate/v1/household/primary-location', 'POST', { challengeId: opened.body.challengeId, code });
    expect(moved).toMatchObject({ status: 403, body: { reason: 'BIND_AT_HOME' } });
    const after = (await household(account))!;
    expect(after.anchorDeviceId).toBe('tv-main');
    expect(after.devices.get('tv-bedroom')!.keyThumbprint).toBeNull();
    expect((await call({ Authorization: `Bearer ${bedroomTv}` }, home.address(2))).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
  });
});
