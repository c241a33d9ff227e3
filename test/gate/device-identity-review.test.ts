/**
 * A review of "a device is its key" (contract v1.4 §2.1, §6): ways a sharer
 * with the account's password (who mints tokens for any id, bound to keys of
 * their own) could still lock the household out or slip past it, each
 * replayed through the HTTP API.
 */
import { describe, expect, it } from 'vitest';
import { callGate, household, newAccount, setRule } from '../support/gate';
import { ownNetwork } from '../support/networks';
import { boundDevice, deviceToken, type BoundDevice } from '../support/tokens';
import { MAX_DEVICES_PER_HOUSEHOLD } from '../../src/household/household';

type Json = Record<string, unknown>;

async function call(headers: Record<string, string>, at: string, path = '/gate/v1/decision', method = 'GET'): Promise<{ status: number; body: Json }> {
  const response = await callGate({ path, method, ip: at, country: 'PE', headers });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function as(device: BoundDevice, at: string, path = '/gate/v1/decision', method = 'GET'): Promise<{ status: number; body: Json }> {
  return call(await device.headers(method, path), at, path, method);
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
