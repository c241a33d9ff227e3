/**
 * A device is its key (contract v1.4 §2.1, §6), through the HTTP API of a
 * real `wrangler dev` (the shared one, test/node/start-gate.ts) with the
 * development token minter — the review's takeovers as a sharer would try
 * them against `npm run dev`. The same scenarios run in workerd in
 * test/gate/device-identity.test.ts; docs/clients.md "Signing a device out"
 * walks the owner's-code sign-out under `wrangler dev` too.
 */
import { describe, expect, inject, it } from 'vitest';
import { makeDeviceKeyPair, mintDeviceProof, mintDeviceToken, type DeviceKeyPair } from '../../dev/tokens.ts';

const gateUrl = inject('gateUrl');
/** A region of this file's own, with no rule: `monitor`, so answers say what enforce would do. */
const REGION = 'GY';

/** A network of this file's own (the shared gate counts households per /24). */
const network = (() => {
  let next = 1 + Math.floor(Math.random() * 200);
  return () => {
    next += 1;
    const third = next % 250;
    return (host: number) => `100.${64 + (next % 60)}.${third}.${host}`;
  };
})();

interface Device {
  token: string;
  keys: DeviceKeyPair | null;
}

async function device(account: string, id: string, type: string, keys: DeviceKeyPair | null): Promise<Device> {
  return { token: await mintDeviceToken({ account, device: id, type, ...(keys ? { bindTo: keys.publicJwk } : {}) }), keys };
}

async function call(who: Device, ip: string, path = '/gate/v1/decision', method = 'GET', body?: unknown) {
  const url = `${gateUrl}${path}`;
  const headers: Record<string, string> = { 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': REGION };
  if (who.keys) {
    headers.Authorization = `DPoP ${who.token}`;
    headers.DPoP = await mintDeviceProof({ privateJwk: who.keys.privateJwk, method, url, token: who.token });
  } else headers.Authorization = `Bearer ${who.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

/** Waits (at most 3 s) until the device list shows `id` bound: the visit that records a key is written after its answer. */
async function untilBound(who: Device, ip: string, id: string): Promise<void> {
  for (let i = 0; i < 30; i += 1) {
    const listed = await call(who, ip, '/gate/v1/household/devices');
    if ((listed.body.devices ?? []).some((entry: { deviceId: string; bound: boolean }) => entry.deviceId === id && entry.bound)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const account = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe('a device is its key, under wrangler dev', () => {
  it('a cousin’s phone away cannot sign the bound TV out, and a copy of the TV bound to the cousin’s key plays nothing', async () => {
    const acct = account('dev-takeover');
    const [home, cousinNet] = [network(), network()];
    const cousinKeys = await makeDeviceKeyPair();
    const tv = await device(acct, 'tv-main', 'tv', await makeDeviceKeyPair());
    const cousin = await device(acct, 'phone-cousin', 'mobile', cousinKeys);
    expect((await call(tv, home(1))).body.reason).toBe('HOUSEHOLD_ESTABLISHED');
    await untilBound(tv, home(1), 'tv-main');
    expect((await call(cousin, cousinNet(7))).body).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD', wouldDecision: 'challenge' });

    const refused = await call(cousin, cousinNet(7), '/gate/v1/household/devices/tv-main', 'DELETE');
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('VERIFICATION_REQUIRED');
    const copy = await device(acct, 'tv-main', 'tv', cousinKeys);
    expect((await call(copy, cousinNet(7))).status).toBe(401);
    expect((await call(tv, home(1))).body.reason).toBe('IN_HOUSEHOLD');
  });

  it('a bound copy of a never-bound TV, away, is a device never seen: no trust, no key; the real TV plays on', async () => {
    const acct = account('dev-first-key');
    const [home, cousinNet] = [network(), network()];
    const tv = await device(acct, 'tv-main', 'tv', null);
    expect((await call(tv, home(1))).body.reason).toBe('HOUSEHOLD_ESTABLISHED');
    const copy = await device(acct, 'tv-main', 'tv', await makeDeviceKeyPair());
    expect((await call(copy, cousinNet(9))).body).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD', wouldDecision: 'challenge' });
    expect((await call(tv, home(1))).body.reason).toBe('IN_HOUSEHOLD');
    const listed = await call(tv, home(1), '/gate/v1/household/devices');
    expect(listed.body.devices).toEqual([expect.objectContaining({ deviceId: 'tv-main', bound: false })]);
  });

  it('one device past 600 proofs in two minutes gets 429 RATE_LIMITED; the TV is served', async () => {
    const acct = account('dev-proofs');
    const home = network();
    const tv = await device(acct, 'tv', 'tv', await makeDeviceKeyPair());
    const phone = await device(acct, 'phone', 'mobile', await makeDeviceKeyPair());
    expect((await call(tv, home(1))).status).toBe(200);
    let first429 = -1;
    // Session starts at home (allowed decisions never meet RATE_LIMIT_ACCOUNT, which counts the account's device-API calls).
    for (let i = 0; i < 610 && first429 < 0; i += 1) if ((await call(phone, home(2))).status === 429) first429 = i;
    expect(first429).toBe(600);
    const limited = await call(phone, home(2));
    expect(limited.body).toMatchObject({ reason: 'RATE_LIMITED', limit: 'device' });
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await call(tv, home(1))).status).toBe(200);
  }, 120_000);

  it('201 junk ids at home leave a bound phone listed, and a copy of it refused', async () => {
    const acct = account('dev-junk');
    const home = network();
    const tv = await device(acct, 'tv', 'tv', null);
    const phone = await device(acct, 'phone', 'mobile', await makeDeviceKeyPair());
    expect((await call(tv, home(1))).status).toBe(200);
    expect((await call(phone, home(2))).status).toBe(200);
    await untilBound(phone, home(2), 'phone');
    for (let i = 0; i < 201; i += 1) await call(await device(acct, `junk-${i}`, 'mobile', null), home(3));
    const listed = await call(tv, home(1), '/gate/v1/household/devices');
    expect(listed.body.devices.length).toBeLessThanOrEqual(200);
    expect(listed.body.devices).toContainEqual(expect.objectContaining({ deviceId: 'phone', bound: true }));
    const copy = await device(acct, 'phone', 'mobile', await makeDeviceKeyPair());
    expect((await call(copy, network()(4))).status).toBe(401);
    expect((await call(phone, home(2))).status).toBe(200);
  }, 120_000);
});
