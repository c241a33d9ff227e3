import { beforeEach, describe, expect, it } from 'vitest';
import { callGate, GATE_ORIGIN, newAccount, setRule } from '../support/gate';
import { passTime } from '../support/clock';
import { deviceToken } from '../support/tokens';
import { deliveries, lastCode, signatureIsValid } from '../support/webhook';
import { movePrimaryLocation, openPrimaryLocationChallenge, postPrimaryLocation } from '../support/primary-location';
import { ownNetwork, type TestNetwork } from '../support/networks';

// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
let newHome: TestNetwork;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x40);
  newHome = ownNetwork();
});
const AWAY_IP = '198.51.100.20';

type Json = Record<string, unknown>;

async function read(response: Response) {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Json };
}

async function call(method: string, path: string, token: string, options: Parameters<typeof callGate>[0] = {}) {
  return read(await callGate({ method, path, token, ip: AWAY_IP, country: 'PE', ...options }));
}

/** An established household (TV at home) and a phone that has never been home. */
async function householdWithTraveller(country = 'PE', env?: Record<string, unknown>) {
  const account = newAccount();
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'traveller' });
  await callGate({ token: tv, ip: HOME_IP, country, ...(env ? { env } : {}) });
  return { account, tv, phone };
}

const verify = (token: string, id: string, code: unknown, options: Parameters<typeof callGate>[0] = {}) =>
  call('POST', `/gate/v1/challenges/${id}/verify`, token, { body: JSON.stringify({ code }), headers: { 'Content-Type': 'application/json' }, ...options });

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('verification codes', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('decision → challenge → code → verify → play, with the webhook signed', async () => {
    const { account, phone } = await householdWithTraveller();
    const before = await call('GET', '/gate/v1/decision', phone);
    expect(before.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect((before.body.actions as Json[])[0]).toEqual({ id: 'verify', method: 'POST', href: `${GATE_ORIGIN}/gate/v1/challenges` });

    const opened = await call('POST', '/gate/v1/challenges', phone, { headers: { 'Accept-Language': 'fr-CA' } });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({ challengeId: expect.stringMatching(/^[0-9a-f-]{36}$/), expiresAt: expect.any(String) });
    expect(Date.parse(opened.body.expiresAt as string) - Date.now()).toBeGreaterThan(14 * 60_000);

    const [delivery] = await deliveries(account);
    expect(delivery!.message).toEqual({
      type: 'verification_code',
      purpose: 'access',
      accountId: account,
      deviceId: 'traveller',
      deviceType: 'mobile',
      code: expect.stringMatching(/^\d{6}$/),
      expiresAt: opened.body.expiresAt,
      region: 'PE',
      locale: 'fr',
      // What the code approves, in the owner's language (contract §6).
      message: expect.stringContaining('« traveller »'),
    });
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(await signatureIsValid(delivery!)).toBe(true);
    const t = Number(/t=(\d+)/.exec(delivery!.headers['hearth-signature']!)![1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(30);

    const code = delivery!.message.code!;
    const wrong = await verify(phone, opened.body.challengeId as string, wrongCode(code));
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ reason: 'CODE_INVALID', attemptsRemaining: 4 });

    const right = await verify(phone, opened.body.challengeId as string, code);
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt: expect.any(String) });
    expect(Date.parse(right.body.expiresAt as string) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    // The very next request is decided on the new state.
    const segment = await callGate({ path: '/seg-1.ts', token: phone, ip: AWAY_IP, country: 'PE' });
    expect(segment.status).toBe(200);
    expect(segment.headers.get('Hearth-Decision')).toBe('allow; reason=TEMPORARY_ACCESS');

    const again = await verify(phone, opened.body.challengeId as string, code);
    expect(again.status).toBe(410);
    // A used code says so, in its message and its detail alike.
    expect(again.body.reason).toBe('CODE_ALREADY_USED');
    expect(again.body.detail).toBe(again.body.message);
  });

  it('answers 409 NOT_REQUIRED for a device that is allowed anyway', async () => {
    const { tv } = await householdWithTraveller();
    const atHome = await call('POST', '/gate/v1/challenges', tv, { ip: HOME_IP });
    expect(atHome.status).toBe(409);
    expect(atHome.body).toMatchObject({ reason: 'NOT_REQUIRED', decisionReason: 'IN_HOUSEHOLD' });
    await setRule('PE', 'monitor');
    const { phone } = await householdWithTraveller();
    expect((await call('POST', '/gate/v1/challenges', phone)).status).toBe(409);
  });

  it('allows 3 codes per device per hour, then 429 with Retry-After', async () => {
    const { phone } = await householdWithTraveller();
    for (let i = 0; i < 3; i++) expect((await call('POST', '/gate/v1/challenges', phone)).status).toBe(201);
    const limited = await call('POST', '/gate/v1/challenges', phone);
    expect(limited.status).toBe(429);
    expect(limited.body.reason).toBe('CHALLENGE_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('answers 502 NOTIFY_FAILED when the webhook fails, and counts nothing against the person', async () => {
    const { account, phone } = await householdWithTraveller();
    const failing = { NOTIFY_URL: 'http://notify.test/hook?fail=1' };
    for (let i = 0; i < 4; i++) {
      const failed = await call('POST', '/gate/v1/challenges', phone, { env: failing });
      expect(failed.status).toBe(502);
      expect(failed.body.reason).toBe('NOTIFY_FAILED');
    }
    expect(await deliveries(account)).toHaveLength(0);
    for (let i = 0; i < 3; i++) expect((await call('POST', '/gate/v1/challenges', phone)).status).toBe(201);
  });

  it('locks a challenge after CODE_MAX_ATTEMPTS wrong codes, even against the right one', async () => {
    const { account, phone } = await householdWithTraveller();
    const { body } = await call('POST', '/gate/v1/challenges', phone);
    const code = await lastCode(account);
    const remaining: unknown[] = [];
    for (let i = 0; i < 5; i++) remaining.push((await verify(phone, body.challengeId as string, wrongCode(code))).body.attemptsRemaining);
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const locked = await verify(phone, body.challengeId as string, code);
    expect(locked.status).toBe(429);
    expect(locked.body.reason).toBe('CHALLENGE_LOCKED');
  });

  it('holds the attempt limit under 50 simultaneous guesses', async () => {
    const { account, phone } = await householdWithTraveller();
    const { body } = await call('POST', '/gate/v1/challenges', phone);
    const code = await lastCode(account);
    const guesses = Array.from({ length: 50 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const results = await Promise.all(guesses.map((guess) => verify(phone, body.challengeId as string, guess)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 403)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    expect((await verify(phone, body.challengeId as string, code)).status).toBe(429);
  });

  it('lets a code expire after CODE_TTL', async () => {
    const fast = { CODE_TTL: 'PT1S' };
    const { account, phone } = await householdWithTraveller('PE', fast);
    const { body } = await call('POST', '/gate/v1/challenges', phone, { env: fast });
    passTime(1100);
    const expired = await verify(phone, body.challengeId as string, await lastCode(account), { env: fast });
    expect(expired.status).toBe(410);
    expect(expired.body.reason).toBe('CHALLENGE_EXPIRED');
  });

  it('answers 404 for an unknown challenge or another device’s', async () => {
    const { account, phone } = await householdWithTraveller();
    const other = await deviceToken({ account, device: 'other-phone' });
    const { body } = await call('POST', '/gate/v1/challenges', phone);
    const code = await lastCode(account);
    expect((await verify(other, body.challengeId as string, code)).status).toBe(404);
    expect((await verify(phone, crypto.randomUUID(), code)).status).toBe(404);
    const malformed = await verify(phone, 'not-a-challenge', code);
    expect(malformed.status).toBe(404);
    expect(malformed.body.reason).toBe('CHALLENGE_NOT_FOUND');
    // The other device's failed attempt did not use up the owner's tries.
    expect((await verify(phone, body.challengeId as string, code)).status).toBe(200);
  });

  it.each([
    ['malformed JSON', '{"code": ', '(body)'],
    ['an empty body', '', '(body)'],
    ['no code', '{}', 'code'],
    ['a numeric code', '{"code": 123456}', 'code'],
    ['five digits', '{"code": "12345"}', 'code'],
    ['letters', '{"code": "12a456"}', 'code'],
    ['an array', '[1,2]', '(body)'],
  ])('answers %s with 400 naming the field', async (_, raw, field) => {
    const { phone } = await householdWithTraveller();
    const { body } = await call('POST', '/gate/v1/challenges', phone);
    const response = await call('POST', `/gate/v1/challenges/${body.challengeId}/verify`, phone, { body: raw });
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
  });

  it('answers an oversized body with 413', async () => {
    const { phone } = await householdWithTraveller();
    const response = await call('POST', `/gate/v1/challenges/${crypto.randomUUID()}/verify`, phone, { body: JSON.stringify({ code: '123456', pad: 'x'.repeat(10_000) }) });
    expect(response.status).toBe(413);
    expect(response.body.reason).toBe('BODY_TOO_LARGE');
  });

  it('lets temporary access lapse after TEMP_ACCESS_DURATION', async () => {
    const fast = { TEMP_ACCESS_DURATION: 'PT1S' };
    const { account, phone } = await householdWithTraveller('PE', fast);
    const { body } = await call('POST', '/gate/v1/challenges', phone, { env: fast });
    expect((await verify(phone, body.challengeId as string, await lastCode(account), { env: fast })).status).toBe(200);
    expect((await call('GET', '/gate/v1/decision', phone, { env: fast })).body.reason).toBe('TEMPORARY_ACCESS');
    passTime(1100);
    expect((await call('GET', '/gate/v1/decision', phone, { env: fast })).body.reason).toBe('OUTSIDE_HOUSEHOLD');
  });
});

describe('travel limits', () => {
  const limits = { TRAVEL_GRANTS_PER_WINDOW: '1', TEMP_ACCESS_DURATION: 'PT1S' };

  it('in enforce, a device that used its travel grants is denied and cannot ask for a code', async () => {
    await setRule('CR', 'enforce');
    const { account, phone } = await householdWithTraveller('CR', limits);
    const opts = { country: 'CR', env: limits };
    const { body } = await call('POST', '/gate/v1/challenges', phone, opts);
    expect((await verify(phone, body.challengeId as string, await lastCode(account), opts)).status).toBe(200);
    passTime(1100);
    const denied = await callGate({ path: '/seg.ts', token: phone, ip: AWAY_IP, ...opts });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('Hearth-Decision')).toBe('deny; reason=TRAVEL_LIMIT_REACHED');
    const refused = await call('POST', '/gate/v1/challenges', phone, opts);
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('TRAVEL_LIMIT_REACHED');
  });

  it('in challenge mode, a verified code always grants access', async () => {
    await setRule('CL', 'challenge');
    const { account, phone } = await householdWithTraveller('CL', limits);
    const opts = { country: 'CL', env: limits };
    for (let round = 0; round < 2; round++) {
      const { body, status } = await call('POST', '/gate/v1/challenges', phone, opts);
      expect(status).toBe(201);
      expect((await verify(phone, body.challengeId as string, await lastCode(account), opts)).status).toBe(200);
      passTime(1100);
    }
  });
});

describe('primary location', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('only a TV can set it', async () => {
    const { account, phone } = await householdWithTraveller();
    const response = await call('POST', '/gate/v1/household/primary-location', phone);
    expect(response.status).toBe(403);
    expect(response.body.reason).toBe('DEVICE_TYPE_NOT_ALLOWED');
    // Nor can it ask for the code.
    const asked = await read(await openPrimaryLocationChallenge(phone, { ip: AWAY_IP, country: 'PE' }));
    expect(asked.status).toBe(403);
    expect(asked.body.reason).toBe('DEVICE_TYPE_NOT_ALLOWED');
    expect(await deliveries(account)).toHaveLength(0);
  });

  it('moves the household to the TV’s network with the owner’s code; the next request sees it', async () => {
    const { account, tv } = await householdWithTraveller();
    const phone = await deviceToken({ account, device: 'phone-new-home' });
    const moved = await read(await movePrimaryLocation(account, tv, { ip: newHome.address(0x10), country: 'PE' }));
    expect(moved.status).toBe(200);
    const household = moved.body.household as { networks: Array<Record<string, string>>; updatedAt: string };
    expect(household.networks).toHaveLength(1);
    expect(household.networks[0]!.id).toMatch(/^n1\./);
    expect(JSON.stringify(moved.body)).not.toContain(newHome.prefix);
    expect((await call('GET', '/gate/v1/decision', phone, { ip: newHome.address(0x99) })).body.reason).toBe('IN_HOUSEHOLD');
    const visitor = await deviceToken({ account, device: 'visitor-at-old-home' });
    expect((await call('GET', '/gate/v1/decision', visitor, { ip: HOME_IP })).body.reason).toBe('OUTSIDE_HOUSEHOLD');
  });

  it('allows PRIMARY_LOCATION_CHANGES_PER_WINDOW changes, then 429', async () => {
    const env = { PRIMARY_LOCATION_CHANGES_PER_WINDOW: '2' };
    const { account, tv } = await householdWithTraveller('PE', env);
    expect((await movePrimaryLocation(account, tv, { ip: '192.0.2.1', country: 'PE', env })).status).toBe(200);
    expect((await movePrimaryLocation(account, tv, { ip: '192.0.3.1', country: 'PE', env })).status).toBe(200);
    // The third is refused when the TV asks for its code: no code is sent.
    const limited = await read(await movePrimaryLocation(account, tv, { ip: '192.0.4.1', country: 'PE', env }));
    expect(limited.status).toBe(429);
    expect(limited.body.reason).toBe('PRIMARY_LOCATION_CHANGE_LIMIT');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(29 * 86_400);
    expect(await deliveries(account)).toHaveLength(2);
  });

  it('refuses a network it cannot read with 400 NETWORK_UNKNOWN', async () => {
    const { account, tv } = await householdWithTraveller();
    const opened = await read(await openPrimaryLocationChallenge(tv, { country: 'PE' }));
    // No address at all (in development a malformed CF-Connecting-IP is refused before, naming the header: test/edge/simulated-headers.test.ts).
    const response = await read(await postPrimaryLocation(tv, { challengeId: opened.body.challengeId, code: await lastCode(account) }, { ip: null, country: 'PE' }));
    expect(response.status).toBe(400);
    expect(response.body.reason).toBe('NETWORK_UNKNOWN');
  });
});

describe('devices and sign-out', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('lists every device with its status and when its access lapses', async () => {
    const { account, tv, phone } = await householdWithTraveller();
    const tablet = await deviceToken({ account, device: 'tablet', type: 'tablet' });
    await call('GET', '/gate/v1/decision', tablet, { ip: HOME_IP });
    await call('GET', '/gate/v1/decision', tablet, { ip: AWAY_IP });
    passTime(5);
    await call('GET', '/gate/v1/decision', phone);
    const { body } = await call('POST', '/gate/v1/challenges', phone);
    await verify(phone, body.challengeId as string, await lastCode(account));
    const listed = await call('GET', '/gate/v1/household/devices', tv, { ip: HOME_IP });
    expect(listed.status).toBe(200);
    const byId = Object.fromEntries((listed.body.devices as Json[]).map((d) => [d.deviceId, d]));
    expect(byId.tv).toMatchObject({ type: 'tv', status: 'home', accessUntil: expect.any(String) });
    expect(byId.traveller).toMatchObject({ type: 'mobile', status: 'temporary', lastHomeSeenAt: null });
    expect(Object.keys(byId.traveller!).toSorted()).toEqual(['accessUntil', 'bound', 'deviceId', 'firstSeenAt', 'lastHomeSeenAt', 'lastSeenAt', 'status', 'type']);
    expect(byId.tablet).toMatchObject({ status: expect.stringMatching(/^(trusted|home)$/) });
  });

  it('signs a device out: its old tokens answer DEVICE_REVOKED, signing in again works', async () => {
    const { account, tv } = await householdWithTraveller();
    const phone = await deviceToken({ account, device: 'stolen-phone', iat: Math.floor(Date.now() / 1000) - 10 });
    await call('GET', '/gate/v1/decision', phone, { ip: HOME_IP });
    expect((await call('DELETE', '/gate/v1/household/devices/stolen-phone', tv, { ip: HOME_IP })).status).toBe(204);

    for (const path of ['/gate/v1/decision', '/seg.ts', '/gate/v1/household/devices']) {
      const refused = await call('GET', path, phone, { ip: HOME_IP });
      expect(refused.status).toBe(401);
      expect(refused.body.reason).toBe('DEVICE_REVOKED');
      expect(refused.headers.get('WWW-Authenticate')).toContain('invalid_token');
    }
    expect((await call('POST', '/gate/v1/challenges', phone)).status).toBe(401);

    const listed = await call('GET', '/gate/v1/household/devices', tv, { ip: HOME_IP });
    expect((listed.body.devices as Json[]).find((d) => d.deviceId === 'stolen-phone')).toMatchObject({ status: 'signed-out', accessUntil: null });

    const signedInAgain = await deviceToken({ account, device: 'stolen-phone', iat: Math.floor(Date.now() / 1000) + 1 });
    expect((await call('GET', '/gate/v1/decision', signedInAgain, { ip: HOME_IP })).body.reason).toBe('IN_HOUSEHOLD');
    const relisted = await call('GET', '/gate/v1/household/devices', tv, { ip: HOME_IP });
    expect((relisted.body.devices as Json[]).find((d) => d.deviceId === 'stolen-phone')!.status).not.toBe('signed-out');
  });

  it('answers 404 for an unknown device and 400 for a malformed id', async () => {
    const { tv } = await householdWithTraveller();
    const unknown = await call('DELETE', '/gate/v1/household/devices/nobody', tv, { ip: HOME_IP });
    expect(unknown.status).toBe(404);
    expect(unknown.body.reason).toBe('DEVICE_NOT_FOUND');
    const malformed = await call('DELETE', `/gate/v1/household/devices/${encodeURIComponent('bad id!')}`, tv, { ip: HOME_IP });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'deviceId' });
  });
});
