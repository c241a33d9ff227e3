/**
 * The edge's view of households: how long a change made elsewhere (a
 * sign-out through another instance) takes to reach an isolate that holds a
 * snapshot. Time is given to the read model explicitly, so the bound is
 * measured without sleeping.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { decideForDevice } from '../../src/edge/decide-request';
import { identifyByToken } from '../../src/edge/identify';
import { gateFor } from '../../src/gate';
import { HouseholdReadModel, SNAPSHOT_CACHE_MS } from '../../src/state/household-read-model';
import { householdKey } from '../../src/state/kv-keys';
import { KV_MIN_WRITE_INTERVAL_MS } from '../../src/state/kv-publisher';
import { anotherIsolate, callGate, newAccount, testEnv } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { ownNetwork } from '../support/networks';

// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x80);
});

describe('sign-out propagation', () => {
  it('reaches another isolate within SNAPSHOT_CACHE_MS (plus KV propagation), the signing-out isolate at once', async () => {
    const account = newAccount();
    const issued = Math.floor(Date.now() / 1000) - 5;
    const tv = await deviceToken({ account, device: 'tv', type: 'tv', iat: issued });
    const phone = await deviceToken({ account, device: 'phone', iat: issued });
    await callGate({ token: tv, ip: HOME_IP });
    await callGate({ token: phone, ip: HOME_IP });

    // "Another isolate": a gate of its own (its own snapshot cache), which has seen the phone.
    const built = gateFor(anotherIsolate());
    if (!built.ok) throw new Error('test gate misconfigured');
    const gate = built.value;
    const request = () => new Request('https://gate.hearth.test/seg.ts', { headers: { Authorization: `Bearer ${phone}`, 'CF-Connecting-IP': HOME_IP } });
    const decided = async (now: number) => {
      const identification = await identifyByToken(gate, request(), now, 'DEVICE_PROOF_REQUIRED');
      if (!identification.ok) throw new Error(identification.error.reason);
      return (await decideForDevice(gate, request(), identification.value, now, 'look')).decision.reason;
    };
    const t0 = Date.now();
    expect(await decided(t0)).toBe('IN_HOUSEHOLD');

    // The sign-out, through the default gate (the device's own isolate sees it at once).
    expect((await callGate({ method: 'DELETE', path: '/gate/v1/household/devices/phone', token: tv, ip: HOME_IP })).status).toBe(204);
    expect((await callGate({ token: phone, ip: HOME_IP })).status).toBe(401);

    // KV receives the change once the account's object may write again (at most one write a second per key).
    const written = Date.now();
    while (!(await testEnv.HEARTH_KV.get(householdKey(account)))?.includes('"signedOutAt":1')) {
      if (Date.now() - written > 3000) throw new Error('the sign-out never reached KV');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - written).toBeLessThanOrEqual(KV_MIN_WRITE_INTERVAL_MS + 500);

    // The other isolate keeps its snapshot until it expires, then reads KV again.
    expect(await decided(t0 + SNAPSHOT_CACHE_MS - 1)).toBe('IN_HOUSEHOLD');
    expect(await decided(t0 + SNAPSHOT_CACHE_MS)).toBe('DEVICE_REVOKED');
  });

  it('bounds the snapshot cache by bytes: a household of many devices weighs what its JSON weighs', async () => {
    const model = new HouseholdReadModel(testEnv);
    const household = (await testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(newAccount())).household()) ?? null;
    model.remember('absent', household, Date.now(), true);
    expect(model.cachedBytes).toBeGreaterThan(0);
    expect(model.cachedBytes).toBeLessThan(1000);
  });
});
