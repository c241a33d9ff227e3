/**
 * Two homes and long stays away (contract v1.4 §6, row 10) through the HTTP
 * API of a real `wrangler dev`, every answer a client meets: a second home
 * and its limits, an ISP change at the second home, the 90-day wait, away
 * access from anywhere and ended by a sign-out, and codes of one purpose
 * refused for another. (What needs days to pass — away access lapsing, the
 * wait running out — is in test/unit/household/long-stays.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { codeFromLog } from './page-checks';
import { ruledGate } from './ruled-gate';

const COUNTRY = 'PE';
let gate: LocalWorker;
let admin = '';

beforeAll(async () => {
  // A copresence window of 2 s: a TV is "quiet at home" (an ISP change) within the test.
  gate = await ruledGate({ country: COUNTRY, mode: 'enforce', note: 'long stays over HTTP', vars: { COPRESENCE_WINDOW: 'PT2S' } });
  admin = await mintAdminToken({ scope: 'accounts:read', sub: 'long-stays-http@ops' });
}, 120_000);

afterAll(() => gate?.stop());

let households = 0;
/** A household of its own: the flat and the weekend house are IPv6 /56s nobody else holds. */
function household() {
  households += 1;
  const n = 0x500 + households;
  const account = `acct-lsh-${households}-${Date.now().toString(36)}`;
  const ask = async (method: string, path: string, token: string, ip: string, body?: unknown) => {
    const response = await fetch(`${gate.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  /** A code of `purpose` asked from `ip`, then sent to `path` with the code the owner got (the dev log). */
  const withCode = async (token: string, deviceId: string, ip: string, purpose: Record<string, unknown>, method: string, path: string) => {
    const opened = await ask('POST', '/gate/v1/challenges', token, ip, purpose);
    if (opened.status !== 201) return opened;
    return ask(method, path, token, ip, { challengeId: opened.body.challengeId, code: await codeFromLog(gate, deviceId) });
  };
  return {
    account,
    flat: (host: number) => `2001:db8:${n.toString(16)}:100::${host}`,
    house: (host: number) => `2001:db8:${n.toString(16)}:200::${host}`,
    moved: (host: number) => `2001:db8:${n.toString(16)}:300::${host}`,
    away: (host: number) => `2001:db8:${n.toString(16)}:400::${host}`,
    token: (device: string, type: string) => mintDeviceToken({ account, device, type, ttlSeconds: 600 }),
    ask,
    withCode,
    summary: async () => (await fetch(`${gate.url}/admin/v1/accounts/${account}`, { headers: { Authorization: `Bearer ${admin}` } })).json() as Promise<Record<string, any>>,
  };
}

describe('a second home, under wrangler dev', () => {
  it('is set from the house’s TV with the owner’s code, and answers every limit before a code is sent', async () => {
    const h = household();
    const flatTv = await h.token('tv-flat', 'tv');
    const houseTv = await h.token('tv-house', 'tv');
    expect((await h.ask('GET', '/gate/v1/decision', flatTv, h.flat(1))).body.reason).toBe('HOUSEHOLD_ESTABLISHED');
    expect((await h.ask('GET', '/gate/v1/decision', houseTv, h.house(1))).body.decision).toBe('challenge');
    const set = await h.withCode(houseTv, 'tv-house', h.house(1), { purpose: 'second-home' }, 'POST', '/gate/v1/household/second-home');
    expect(set.status).toBe(200);
    expect(set.body.household.homes.map((home: { anchorDeviceId: string }) => home.anchorDeviceId)).toEqual(['tv-flat', 'tv-house']);
    expect((await h.ask('GET', '/gate/v1/decision', await h.token('tablet', 'tablet'), h.house(7))).body.reason).toBe('IN_HOUSEHOLD');

    const phone = await h.token('phone', 'mobile');
    expect((await h.ask('POST', '/gate/v1/challenges', phone, h.house(8), { purpose: 'second-home' })).body).toMatchObject({ status: 403, reason: 'DEVICE_TYPE_NOT_ALLOWED' });
    expect((await h.ask('POST', '/gate/v1/challenges', flatTv, h.flat(1), { purpose: 'second-home' })).body).toMatchObject({ status: 409, reason: 'ALREADY_HOME' });
    const cabinTv = await h.token('tv-cabin', 'tv');
    expect((await h.ask('POST', '/gate/v1/challenges', cabinTv, h.away(1), { purpose: 'second-home' })).body).toMatchObject({ status: 429, reason: 'SECOND_HOME_LIMIT' });
    // Removing it within 90 days of setting it waits too: no code is sent for it.
    expect((await h.ask('POST', '/gate/v1/challenges', houseTv, h.house(1), { purpose: 'second-home' })).body).toMatchObject({ status: 429, reason: 'SECOND_HOME_LIMIT' });
  });

  it('an ISP change at the house moves only the house: its own TV, quiet there, carries it to the new network', async () => {
    const h = household();
    const flatTv = await h.token('tv-flat', 'tv');
    const houseTv = await h.token('tv-house', 'tv');
    await h.ask('GET', '/gate/v1/decision', flatTv, h.flat(1));
    expect((await h.withCode(houseTv, 'tv-house', h.house(1), { purpose: 'second-home' }, 'POST', '/gate/v1/household/second-home')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await h.ask('GET', '/gate/v1/decision', houseTv, h.moved(1))).body.reason).toBe('TRUSTED_DEVICE');
    await expect.poll(async () => (await h.summary()).homes.map((home: { networkCount: number }) => home.networkCount), { timeout: 5000 }).toEqual([1, 2]);
    expect((await h.ask('GET', '/gate/v1/decision', await h.token('laptop', 'web'), h.moved(9))).body.reason).toBe('IN_HOUSEHOLD');
  });
});

describe('away access, under wrangler dev', () => {
  it('plays from anywhere with the owner’s code; a sign-out ends it; codes of another purpose do not serve', async () => {
    const h = household();
    await h.ask('GET', '/gate/v1/decision', await h.token('tv', 'tv'), h.flat(1));
    const phone = await h.token('phone-posted', 'mobile');
    // An away-access code is not an access code, nor a second-home code.
    const opened = await h.ask('POST', '/gate/v1/challenges', phone, h.away(1), { purpose: 'away-access', days: 60 });
    expect(opened.status).toBe(201);
    const code = await codeFromLog(gate, 'phone-posted');
    expect((await h.ask('POST', `/gate/v1/challenges/${opened.body.challengeId}/verify`, phone, h.away(1), { code })).status).toBe(404);
    expect((await h.ask('POST', '/gate/v1/household/second-home', phone, h.away(1), { challengeId: opened.body.challengeId, code })).body.reason).toBe('DEVICE_TYPE_NOT_ALLOWED');
    const given = await h.ask('POST', '/gate/v1/household/away-access', phone, h.away(1), { challengeId: opened.body.challengeId, code });
    expect(given.body).toMatchObject({ decision: 'allow', reason: 'AWAY_ACCESS' });
    for (const host of [1, 2]) expect((await h.ask('GET', '/gate/v1/decision', phone, h.away(host))).body.reason).toBe('AWAY_ACCESS');
    expect((await h.summary()).awayAccess).toMatchObject({ givenInYear: 1, devices: [{ deviceId: 'phone-posted', until: given.body.expiresAt }] });

    expect((await h.ask('DELETE', '/gate/v1/household/devices/phone-posted', phone, h.away(1))).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await h.token('phone-posted', 'mobile');
    expect((await h.ask('GET', '/gate/v1/decision', again, h.away(1))).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });
});
