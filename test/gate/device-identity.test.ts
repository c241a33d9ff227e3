/**
 * A device is its key (contract v1.4 §2.1, §6): the four ways a review took
 * over a household with the account's own tokens, each replayed here through
 * the HTTP API — a cousin's phone signing the anchor TV out from away, a
 * bound copy of a never-bound TV's id, one device's proofs locking out the
 * household, and junk ids pushing a bound phone off the list — and what the
 * owner hears of it.
 */
import { runInDurableObject } from 'cloudflare:test';
import { calculateJwkThumbprint } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { callGate, household, newAccount, setRule, testEnv, type GateRequest } from '../support/gate';
import { ownNetwork, type TestNetwork } from '../support/networks';
import { passTime } from '../support/clock';
import { boundDevice, deviceToken, makeDeviceKeyPair, type BoundDevice } from '../support/tokens';
import { deliveries, householdEvents, lastCode, signatureIsValid } from '../support/webhook';
import { PROOFS_PER_DEVICE_PER_WINDOW } from '../../src/state/proof-ledger';

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** The copresence window these tests pass the clock over: a copy "quiet at home" would carry the household after it. */
const COPRESENCE = { COPRESENCE_WINDOW: 'PT2S' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function call(headers: Record<string, string>, at: string, init: { path?: string; method?: string; body?: unknown; env?: GateRequest['env']; language?: string } = {}): Promise<Answer> {
  const response = await callGate({
    path: init.path ?? '/gate/v1/decision',
    method: init.method ?? 'GET',
    ip: at,
    country: 'PE',
    headers: { ...headers, ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(init.language ? { 'Accept-Language': init.language } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.env ? { env: init.env } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

/** A bound device's request: its proof is for `method` and `path`. */
async function as(device: BoundDevice, at: string, init: { path?: string; method?: string; body?: unknown; env?: GateRequest['env']; language?: string } = {}): Promise<Answer> {
  return call(await device.headers(init.method ?? 'GET', init.path ?? '/gate/v1/decision'), at, init);
}

const signOutPath = (deviceId: string) => `/gate/v1/household/devices/${deviceId}`;

/** The cousin's phone opens a `sign-out` code for `target` and the owner passes it on: `{ challengeId, code }`. */
async function signOutCode(account: string, requester: BoundDevice, target: string, at: string, env?: GateRequest['env']): Promise<{ challengeId: string; code: string }> {
  const opened = await as(requester, at, { path: '/gate/v1/challenges', method: 'POST', body: { purpose: 'sign-out', deviceId: target }, ...(env ? { env } : {}) });
  expect(opened.status).toBe(201);
  return { challengeId: opened.body.challengeId as string, code: await lastCode(account) };
}

describe('critical: another device of the account cannot sign the anchor TV out and take its place (contract §6)', () => {
  const env = { DEVICE_BINDING: 'required', ...COPRESENCE };
  let account: string;
  let home: TestNetwork;
  let cousinAt: string;
  let tv: BoundDevice;
  let cousin: BoundDevice;

  beforeEach(async () => {
    await setRule('PE', 'challenge');
    account = newAccount('takeover');
    home = ownNetwork();
    cousinAt = ownNetwork().address(7);
    tv = await boundDevice({ account, device: 'tv-main', type: 'tv' });
    cousin = await boundDevice({ account, device: 'phone-cousin', type: 'mobile' });
    const [established, challenged] = [await as(tv, home.address(1), { env }), await as(cousin, cousinAt, { env })];
    if (established.body.reason !== 'HOUSEHOLD_ESTABLISHED' || challenged.body.reason !== 'OUTSIDE_HOUSEHOLD') throw new Error('the household did not form as the scenario needs');
  });

  it('from away without the owner’s code: 403 VERIFICATION_REQUIRED with a verify action; a copy of the TV bound to the cousin’s key is refused; the real TV plays on', async () => {
    const refused = await as(cousin, cousinAt, { path: signOutPath('tv-main'), method: 'DELETE', env });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ reason: 'VERIFICATION_REQUIRED' });
    expect((refused.body.actions as Array<{ id: string; href: string }>).map((action) => action.id)).toContain('verify');
    expect(refused.body.detail).toContain('"purpose":"sign-out"');

    const copy = await boundDevice({ account, device: 'tv-main', type: 'tv', keys: cousin.keys, iat: nowSeconds() + 1 });
    expect((await as(copy, cousinAt, { env })).status).toBe(401);
    expect((await as(tv, home.address(1), { env })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    // Past the copresence window the copy still carries nothing: the household stays on its one network.
    passTime(3000);
    expect((await as(copy, cousinAt, { env })).status).toBe(401);
    expect((await as(cousin, cousinAt, { env })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect((await household(account))!.homeNetworks).toHaveLength(1);
    expect((await household(account))!.anchorDeviceId).toBe('tv-main');
  });

  it('with the owner’s code the TV is signed out of everything: its id then holds nothing, a copy is a device never seen, and the real TV comes back as the anchor at home', async () => {
    const { challengeId, code } = await signOutCode(account, cousin, 'tv-main', cousinAt, env);
    const delivered = (await deliveries(account)).find((delivery) => delivery.message.type === 'verification_code' && delivery.message.purpose === 'sign-out');
    expect(delivered?.message).toMatchObject({ purpose: 'sign-out', deviceId: 'phone-cousin', targetDeviceId: 'tv-main' });

    expect((await as(cousin, cousinAt, { path: signOutPath('tv-main'), method: 'DELETE', body: { challengeId, code }, env })).status).toBe(204);
    const after = (await household(account))!;
    expect(after.anchorDeviceId).toBeNull();
    expect(after.devices.get('tv-main')).toMatchObject({ keyThumbprint: null, lastHomeSeenAt: null, temporaryAccessUntil: null });
    // Signed out, the id is held no more: nothing to sign out twice.
    expect((await as(cousin, cousinAt, { path: signOutPath('tv-main'), method: 'DELETE', body: { challengeId, code }, env })).status).toBe(404);

    const copy = await boundDevice({ account, device: 'tv-main', type: 'tv', keys: cousin.keys, iat: nowSeconds() + 1 });
    expect((await as(copy, cousinAt, { env })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    passTime(3000);
    expect((await as(copy, cousinAt, { env })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    const untouched = (await household(account))!;
    expect(untouched.homeNetworks).toHaveLength(1);
    expect(untouched.devices.get('tv-main')!.keyThumbprint).toBeNull();

    const back = await boundDevice({ account, device: 'tv-main', type: 'tv', keys: tv.keys, iat: nowSeconds() + 1 });
    expect((await as(back, home.address(1), { env })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    const returned = (await household(account))!;
    expect(returned.anchorDeviceId).toBe('tv-main');
    expect(returned.devices.get('tv-main')!.keyThumbprint).toBe(await calculateJwkThumbprint(tv.keys.publicJwk, 'sha256'));

    const events = await householdEvents(account, 2);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'device_signed_out', deviceId: 'tv-main', deviceType: 'tv', by: 'code', region: 'PE' }),
        expect.objectContaining({ event: 'anchor_changed', deviceId: 'tv-main', deviceType: 'tv' }),
      ]),
    );
    for (const delivery of (await deliveries(account)).filter((d) => d.message.type === 'household_event')) expect(await signatureIsValid(delivery)).toBe(true);
  });

  it('a sign-out code serves the sign-out of the device it was asked for, no other; an access code serves none', async () => {
    const phone = await boundDevice({ account, device: 'phone-ana', type: 'mobile' });
    expect((await as(phone, home.address(2), { env })).status).toBe(200);
    const forPhone = await signOutCode(account, cousin, 'phone-ana', cousinAt, env);
    const misused = await as(cousin, cousinAt, { path: signOutPath('tv-main'), method: 'DELETE', body: forPhone, env });
    expect(misused.status).toBe(403);
    expect(misused.body.reason).toBe('VERIFICATION_REQUIRED');
    const access = await as(cousin, cousinAt, { path: '/gate/v1/challenges', method: 'POST', body: {}, env });
    expect(access.status).toBe(201);
    const withAccess = await as(cousin, cousinAt, { path: signOutPath('tv-main'), method: 'DELETE', body: { challengeId: access.body.challengeId, code: await lastCode(account) }, env });
    expect(withAccess.body.reason).toBe('VERIFICATION_REQUIRED');
    // A code for a device the household does not hold is never sent.
    const nobody = await as(cousin, cousinAt, { path: '/gate/v1/challenges', method: 'POST', body: { purpose: 'sign-out', deviceId: 'nobody' }, env });
    expect(nobody.status).toBe(404);
    expect(nobody.body.reason).toBe('DEVICE_NOT_FOUND');
    expect((await household(account))!.anchorDeviceId).toBe('tv-main');
  });

  it('a device signs itself out always; a device at home signs another out without a code', async () => {
    const phone = await boundDevice({ account, device: 'phone-ana', type: 'mobile' });
    const tablet = await boundDevice({ account, device: 'tablet-ben', type: 'tablet' });
    expect((await as(phone, home.address(2), { env })).status).toBe(200);
    expect((await as(tablet, home.address(3), { env })).status).toBe(200);
    // The cousin's phone was refused, so never listed: its own sign-out has nothing to end, and tells nobody.
    expect((await as(cousin, cousinAt, { path: signOutPath('phone-cousin'), method: 'DELETE', env })).status).toBe(204);
    expect((await as(phone, cousinAt, { path: signOutPath('phone-ana'), method: 'DELETE', env })).status).toBe(204);
    expect((await as(tablet, home.address(3), { path: signOutPath('tv-main'), method: 'DELETE', env })).status).toBe(204);
    const events = await householdEvents(account, 2);
    expect(events.filter((event) => event.event === 'device_signed_out').map((event) => [event.deviceId, event.by])).toEqual([
      ['phone-ana', 'self'],
      ['tv-main', 'home'],
    ]);
  });
});

describe('high: under `optional` a bound copy of a never-bound TV is a device never seen (contract §2.1, "The first key")', () => {
  it('from away it inherits nothing, records no key and moves nothing; the real TV keeps playing unbound and binds at home', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount('first-key');
    const home = ownNetwork();
    const cousinAt = ownNetwork().address(9);
    const realTv = await deviceToken({ account, device: 'tv-main', type: 'tv' });
    const bearer = { Authorization: `Bearer ${realTv}` };
    expect((await call(bearer, home.address(1), { env: COPRESENCE })).body).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_ESTABLISHED' });

    const copy = await boundDevice({ account, device: 'tv-main', type: 'tv' });
    expect((await as(copy, cousinAt, { env: COPRESENCE })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect((await household(account))!.devices.get('tv-main')!.keyThumbprint).toBeNull();
    expect((await call(bearer, home.address(1), { env: COPRESENCE })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });

    // Asking for a code would hand the id's place to the copy's key: refused before a code is sent.
    const codeAsked = await as(copy, cousinAt, { path: '/gate/v1/challenges', method: 'POST', body: {}, env: COPRESENCE });
    expect(codeAsked.status).toBe(403);
    expect(codeAsked.body.reason).toBe('BIND_AT_HOME');

    passTime(3000);
    expect((await as(copy, cousinAt, { env: COPRESENCE })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    const held = (await household(account))!;
    expect(held.homeNetworks).toHaveLength(1);
    expect(held.anchorDeviceId).toBe('tv-main');
    expect(held.devices.get('tv-main')!.keyThumbprint).toBeNull();
    expect((await call(bearer, home.address(1), { env: COPRESENCE })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });

    // The real TV, bound at last, at home: its key becomes the id's, and from then on the copy is another key.
    const updated = await boundDevice({ account, device: 'tv-main', type: 'tv' });
    expect((await as(updated, home.address(1), { env: COPRESENCE })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    expect((await household(account))!.devices.get('tv-main')!.keyThumbprint).toBe(await calculateJwkThumbprint(updated.keys.publicJwk, 'sha256'));
    expect((await as(copy, cousinAt, { env: COPRESENCE })).status).toBe(401);
    const refusedKey = (await householdEvents(account)).filter((event) => event.event === 'device_key_refused');
    expect(refusedKey).toEqual([expect.objectContaining({ deviceId: 'tv-main', deviceType: 'tv' })]);
  });
});

describe("medium: one device's proofs never refuse another's (contract §2.1)", () => {
  it(`past ${PROOFS_PER_DEVICE_PER_WINDOW} proofs in two minutes that device alone gets 429 RATE_LIMITED with Retry-After; the TV's fresh proof works`, async () => {
    const account = newAccount('proof-flood');
    const home = ownNetwork();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    const phone = await boundDevice({ account, device: 'phone', type: 'mobile' });
    expect((await as(tv, home.address(1))).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < PROOFS_PER_DEVICE_PER_WINDOW + 5; i += 1) statuses.push((await as(phone, home.address(2), { path: '/gate/v1/household/devices' })).status);
    expect(statuses.slice(0, PROOFS_PER_DEVICE_PER_WINDOW).every((status) => status === 200)).toBe(true);
    const limited = await as(phone, home.address(2), { path: '/gate/v1/household/devices', language: 'es' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ reason: 'RATE_LIMITED', message: expect.stringContaining('solicitudes') });
    expect((await as(tv, home.address(1))).status).toBe(200);
    expect((await as(tv, home.address(1), { path: '/gate/v1/household/devices' })).status).toBe(200);
  });

  it('answers an accepted proof in the shape v1.3 answered ({ household: null }): a Worker of the release before reads it during a gradual deployment', async () => {
    const account = newAccount('proof-shape');
    const store = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
    const presented = { deviceId: 'phone', deviceType: 'mobile' as const, keyThumbprint: 'K'.repeat(43), jti: crypto.randomUUID(), issuedAtSeconds: nowSeconds() };
    // v1.3's Worker read `answer.value.household` of every accepted proof (HouseholdReadModel.change).
    expect(await store.acceptProof(account, presented)).toEqual({ ok: true, value: { household: null } });
    expect(await store.acceptProof(account, presented)).toEqual({ ok: false, error: { reason: 'replayed' } });
  });

  it("a signed-out device's proofs are refused DEVICE_REVOKED before they are counted or kept", async () => {
    const account = newAccount('proof-revoked');
    const home = ownNetwork();
    const phone = await boundDevice({ account, device: 'phone', type: 'mobile', iat: nowSeconds() - 5 });
    expect((await as(phone, home.address(2))).status).toBe(200);
    expect((await as(phone, home.address(2), { path: signOutPath('phone'), method: 'DELETE' })).status).toBe(204);
    const store = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
    // The object's own ledger (state/proof-ledger.ts): a row per proof accepted, keyed `<thumbprint>:<deviceId>`.
    const proofsHeld = () => runInDurableObject(store, (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM proof_jtis WHERE device LIKE '%:phone'").one().n);
    const held = await proofsHeld();
    expect(held).toBeGreaterThan(0);
    for (let i = 0; i < 5; i += 1) {
      const answer = await as(phone, home.address(2));
      expect(answer.status).toBe(401);
      expect(answer.body.reason).toBe('DEVICE_REVOKED');
    }
    expect(await proofsHeld()).toBe(held);
  });
});

describe('medium: a full device list never forgets a bound device (contract §2.1, "Kept keys")', () => {
  it('201 junk ids at home leave the bound phone listed and its key its own', async () => {
    const account = newAccount('junk');
    const home = ownNetwork();
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    const phone = await boundDevice({ account, device: 'phone', type: 'mobile' });
    expect((await call({ Authorization: `Bearer ${tv}` }, home.address(1))).status).toBe(200);
    expect((await as(phone, home.address(2))).status).toBe(200);
    for (let i = 0; i < 201; i += 1) {
      const junk = await deviceToken({ account, device: `junk-${i}`, type: 'mobile' });
      await call({ Authorization: `Bearer ${junk}` }, home.address(3));
    }
    const held = (await household(account))!;
    expect(held.devices.size).toBeLessThanOrEqual(200);
    expect(held.devices.get('phone')?.keyThumbprint).toBe(await calculateJwkThumbprint(phone.keys.publicJwk, 'sha256'));
    const copy = await boundDevice({ account, device: 'phone', type: 'mobile', keys: await makeDeviceKeyPair() });
    expect((await as(copy, ownNetwork().address(4))).status).toBe(401);
    expect((await as(phone, home.address(2))).status).toBe(200);
  });
});

describe('the owner hears of it (contract §6)', () => {
  it('a refused key and a refused network join are told once a day each, in the requester’s language, signed', async () => {
    await setRule('PE', 'monitor');
    const account = newAccount('events');
    const home = ownNetwork();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    expect((await as(tv, home.address(1), { language: 'fr' })).status).toBe(200);
    const unbound = await deviceToken({ account, device: 'tv', type: 'tv' });
    for (let i = 0; i < 3; i += 1) expect((await call({ Authorization: `Bearer ${unbound}` }, ownNetwork().address(5), { language: 'fr' })).status).toBe(401);
    const events = await householdEvents(account);
    expect(events.filter((event) => event.event === 'device_key_refused')).toEqual([
      expect.objectContaining({ type: 'household_event', accountId: account, deviceId: 'tv', deviceType: 'tv', region: 'PE', locale: 'fr', message: expect.stringContaining('« tv »') }),
    ]);
    const summary = await call({ Authorization: `Bearer ${await adminSummaryToken()}` }, home.address(1), { path: `/admin/v1/accounts/${account}` });
    expect(summary.body.events).toEqual([expect.objectContaining({ event: 'device_key_refused', deviceId: 'tv' })]);
    expect(summary.body.devices).toEqual([expect.objectContaining({ deviceId: 'tv', bound: true, keyThumbprint: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) })]);
  });
});

async function adminSummaryToken(): Promise<string> {
  const { adminToken } = await import('../support/tokens');
  return adminToken('accounts:read');
}
