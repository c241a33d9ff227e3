/**
 * Moving the household needs the owner's code (contract v1.3 §6), end to end
 * in workerd with the real Durable Object and the test webhook: a TV opens a
 * `primary-location` challenge, the owner receives the code, the TV posts it.
 * A code of one purpose never serves the other; attempts, lock, expiry and
 * single use behave as for verify, under concurrency too.
 */
import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeDigest, newSalt } from '../../src/challenges/verification-code';
import { callGate, GATE_ORIGIN, household, newAccount, setRule, testEnv } from '../support/gate';
import { passTime } from '../support/clock';
import { movePrimaryLocation, openPrimaryLocationChallenge, postPrimaryLocation } from '../support/primary-location';
import { deviceToken } from '../support/tokens';
import { deliveries, lastCode } from '../support/webhook';
import { ownNetwork } from '../support/networks';

/** Where the household moves to: an address on the test's new home network (set before each test). */
const AT_NEW_HOME = { ip: '', country: 'PE' };
// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
let NEW_HOME: (host: number) => string;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x60);
  NEW_HOME = ownNetwork().address;
  AT_NEW_HOME.ip = NEW_HOME(0x60);
});
const AWAY_IP = '198.51.100.60';

type Json = Record<string, unknown>;

async function read(response: Response): Promise<{ status: number; headers: Headers; body: Json }> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Json };
}

/** An established household: its TV streamed at HOME_IP. */
async function establishedHousehold(env?: Record<string, unknown>) {
  const account = newAccount('move');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const first = await callGate({ token: tv, ip: HOME_IP, country: 'PE', ...(env ? { env } : {}) });
  expect(first.headers.get('Hearth-Decision')).toBe('allow; reason=HOUSEHOLD_ESTABLISHED');
  return { account, tv };
}

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function networkCount(account: string): Promise<number> {
  return (await household(account))!.homeNetworks.length;
}

async function decisionReason(token: string, ip: string): Promise<string> {
  return (await read(await callGate({ token, ip, country: 'PE' }))).body.reason as string;
}

describe('moving the household needs the owner’s code', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('refuses a move without a code with 403 VERIFICATION_REQUIRED and a verify action', async () => {
    const { account, tv } = await establishedHousehold();
    for (const body of [undefined, {}, { code: '123456' }, { challengeId: crypto.randomUUID() }]) {
      const refused = await read(await postPrimaryLocation(tv, body, AT_NEW_HOME));
      expect(refused.status).toBe(403);
      expect(refused.headers.get('Content-Type')).toBe('application/problem+json');
      expect(refused.body).toMatchObject({ type: '/gate/help#verification-required', title: expect.any(String), reason: 'VERIFICATION_REQUIRED', status: 403 });
      expect(refused.body.actions).toContainEqual({ id: 'verify', method: 'POST', href: `${GATE_ORIGIN}/gate/v1/challenges` });
      expect(refused.body.detail).toContain('primary-location');
    }
    // An unknown challenge id with a code looks the same: there is no valid code to check.
    const unknown = await read(await postPrimaryLocation(tv, { challengeId: crypto.randomUUID(), code: '123456' }, AT_NEW_HOME));
    expect(unknown.status).toBe(403);
    expect(unknown.body.reason).toBe('VERIFICATION_REQUIRED');
    expect(await deliveries(account)).toHaveLength(0);
    expect((await household(account))!.primaryLocationChangesAt).toEqual([]);
  });

  it('answers the message in the person’s language', async () => {
    const { tv } = await establishedHousehold();
    const messages = new Set<string>();
    for (const locale of ['en', 'es', 'pt', 'fr']) {
      const refused = await read(await postPrimaryLocation(tv, undefined, { ...AT_NEW_HOME, headers: { 'Accept-Language': locale } }));
      expect(refused.headers.get('Content-Language')).toBe(locale === 'pt' ? 'pt-BR' : locale);
      messages.add(refused.body.message as string);
    }
    expect(messages.size).toBe(4);
  });

  it('moves the household with a valid primary-location code; the webhook says what the code is for', async () => {
    const { account, tv } = await establishedHousehold();
    const opened = await read(await openPrimaryLocationChallenge(tv, { ...AT_NEW_HOME, headers: { 'Accept-Language': 'es-PE' } }));
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({ challengeId: expect.stringMatching(/^[0-9a-f-]{36}$/), expiresAt: expect.any(String) });
    const [delivery] = await deliveries(account);
    expect(delivery!.message).toEqual({
      type: 'verification_code',
      purpose: 'primary-location',
      accountId: account,
      deviceId: 'tv',
      deviceType: 'tv',
      code: expect.stringMatching(/^\d{6}$/),
      expiresAt: opened.body.expiresAt,
      region: 'PE',
      locale: 'es',
      message: expect.stringContaining('Mueve tu hogar'),
    });

    const moved = await read(await postPrimaryLocation(tv, { challengeId: opened.body.challengeId, code: delivery!.message.code }, AT_NEW_HOME));
    expect(moved.status).toBe(200);
    expect((moved.body.household as { networks: unknown[] }).networks).toHaveLength(1);
    const phone = await deviceToken({ account, device: 'phone-at-new-home' });
    expect(await decisionReason(phone, NEW_HOME(0x99))).toBe('IN_HOUSEHOLD');
    expect(await decisionReason(await deviceToken({ account, device: 'phone-at-old-home' }), HOME_IP)).toBe('OUTSIDE_HOUSEHOLD');

    // A code works once.
    const again = await read(await postPrimaryLocation(tv, { challengeId: opened.body.challengeId, code: delivery!.message.code }, AT_NEW_HOME));
    expect(again.status).toBe(410);
    expect(again.body.reason).toBe('CODE_ALREADY_USED');
    expect((await household(account))!.primaryLocationChangesAt).toHaveLength(1);
  });

  it('sends the code to a TV that is allowed where it is (never 409 NOT_REQUIRED)', async () => {
    const { account, tv } = await establishedHousehold();
    expect((await read(await callGate({ method: 'POST', path: '/gate/v1/challenges', token: tv, ip: HOME_IP, country: 'PE' }))).status).toBe(409);
    const opened = await openPrimaryLocationChallenge(tv, { ip: HOME_IP, country: 'PE' });
    expect(opened.status).toBe(201);
    expect((await deliveries(account)).map((d) => d.message.purpose)).toEqual(['primary-location']);
  });

  it('sends purpose "access" for a traveller’s code, with an empty body or {} alike', async () => {
    const { account } = await establishedHousehold();
    const phone = await deviceToken({ account, device: 'traveller' });
    expect((await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: 'PE' })).status).toBe(201);
    const withBody = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: 'PE', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(withBody.status).toBe(201);
    const explicit = await callGate({
      method: 'POST',
      path: '/gate/v1/challenges',
      token: phone,
      ip: AWAY_IP,
      country: 'PE',
      headers: { 'Content-Type': 'application/json' },
      body: '{"purpose":"access"}',
    });
    expect(explicit.status).toBe(201);
    expect((await deliveries(account)).map((d) => d.message.purpose)).toEqual(['access', 'access', 'access']);
  });

  it.each([
    ['an unknown purpose', '{"purpose":"move"}', 'purpose'],
    ['a purpose that is not a string', '{"purpose":1}', 'purpose'],
    ['malformed JSON', '{"purpose":', '(body)'],
    ['an array', '["primary-location"]', '(body)'],
  ])('answers %s with 400 naming the field, and sends nothing', async (_, raw, field) => {
    const { account, tv } = await establishedHousehold();
    const refused = await read(await callGate({ method: 'POST', path: '/gate/v1/challenges', token: tv, ...AT_NEW_HOME, headers: { 'Content-Type': 'application/json' }, body: raw }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
    expect(await deliveries(account)).toHaveLength(0);
  });

  it('refuses a primary-location code for a phone with 403 DEVICE_TYPE_NOT_ALLOWED, and sends nothing', async () => {
    const { account } = await establishedHousehold();
    const phone = await deviceToken({ account, device: 'phone' });
    const refused = await read(await openPrimaryLocationChallenge(phone, { ip: AWAY_IP, country: 'PE' }));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ reason: 'DEVICE_TYPE_NOT_ALLOWED', deviceType: 'mobile' });
    expect(await deliveries(account)).toHaveLength(0);
  });

  it('refuses with 429 PRIMARY_LOCATION_CHANGE_LIMIT before a code is sent when no change is left', async () => {
    const env = { PRIMARY_LOCATION_CHANGES_PER_WINDOW: '1' };
    const { account, tv } = await establishedHousehold(env);
    expect((await movePrimaryLocation(account, tv, { ...AT_NEW_HOME, env })).status).toBe(200);
    expect(await deliveries(account)).toHaveLength(1);
    const limited = await read(await openPrimaryLocationChallenge(tv, { ip: '192.0.3.60', country: 'PE', env }));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ reason: 'PRIMARY_LOCATION_CHANGE_LIMIT', retryAfterSeconds: expect.any(Number) });
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(29 * 86_400);
    expect(await deliveries(account)).toHaveLength(1);
  });

  it('refuses a move past the limit even with a code sent before the last change', async () => {
    const env = { PRIMARY_LOCATION_CHANGES_PER_WINDOW: '1' };
    const { account, tv } = await establishedHousehold(env);
    const first = await read(await openPrimaryLocationChallenge(tv, { ...AT_NEW_HOME, env }));
    const firstCode = await lastCode(account);
    expect((await movePrimaryLocation(account, tv, { ...AT_NEW_HOME, env })).status).toBe(200);
    const limited = await read(await postPrimaryLocation(tv, { challengeId: first.body.challengeId, code: firstCode }, { ip: '192.0.3.60', country: 'PE', env }));
    expect(limited.status).toBe(429);
    expect(limited.body.reason).toBe('PRIMARY_LOCATION_CHANGE_LIMIT');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(29 * 86_400);
    expect((await household(account))!.primaryLocationChangesAt).toHaveLength(1);
  });

  it('counts primary-location codes against the same hourly limits as access codes', async () => {
    const { tv } = await establishedHousehold();
    for (let i = 0; i < 3; i++) expect((await openPrimaryLocationChallenge(tv, AT_NEW_HOME)).status).toBe(201);
    const limited = await read(await openPrimaryLocationChallenge(tv, AT_NEW_HOME));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ reason: 'CHALLENGE_RATE_LIMITED', limit: 'device' });
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(3500);
  });
});

describe('a code of one purpose never serves the other', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('an access code cannot move the household, and stays good for access', async () => {
    const { account } = await establishedHousehold();
    // A second TV, never home: outside, so it may ask for an access code.
    const guestTv = await deviceToken({ account, device: 'tv-away', type: 'tv' });
    const opened = await read(await callGate({ method: 'POST', path: '/gate/v1/challenges', token: guestTv, ip: AWAY_IP, country: 'PE' }));
    expect(opened.status).toBe(201);
    const code = await lastCode(account);
    const refused = await read(await postPrimaryLocation(guestTv, { challengeId: opened.body.challengeId, code }, { ip: AWAY_IP, country: 'PE' }));
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('VERIFICATION_REQUIRED');
    expect(await networkCount(account)).toBe(1);
    expect((await household(account))!.anchorDeviceId).toBe('tv');
    // Nothing was counted against the access code: it still grants access.
    const verified = await read(
      await callGate({ method: 'POST', path: `/gate/v1/challenges/${opened.body.challengeId}/verify`, token: guestTv, ip: AWAY_IP, country: 'PE', body: JSON.stringify({ code }) }),
    );
    expect(verified.status).toBe(200);
    expect(verified.body.reason).toBe('TEMPORARY_ACCESS');
  });

  it('a primary-location code never grants temporary access, and stays good for the move', async () => {
    const { account } = await establishedHousehold();
    const guestTv = await deviceToken({ account, device: 'tv-away', type: 'tv' });
    const opened = await read(await openPrimaryLocationChallenge(guestTv, { ip: AWAY_IP, country: 'PE' }));
    const code = await lastCode(account);
    const verified = await read(
      await callGate({ method: 'POST', path: `/gate/v1/challenges/${opened.body.challengeId}/verify`, token: guestTv, ip: AWAY_IP, country: 'PE', body: JSON.stringify({ code }) }),
    );
    expect(verified.status).toBe(404);
    expect(verified.body.reason).toBe('CHALLENGE_NOT_FOUND');
    expect(await decisionReason(guestTv, AWAY_IP)).toBe('OUTSIDE_HOUSEHOLD');
    expect((await household(account))!.devices.get('tv-away')?.temporaryAccessUntil ?? null).toBeNull();
    const moved = await postPrimaryLocation(guestTv, { challengeId: opened.body.challengeId, code }, { ip: AWAY_IP, country: 'PE' });
    expect(moved.status).toBe(200);
    expect((await household(account))!.anchorDeviceId).toBe('tv-away');
  });

  it('another TV’s primary-location code does not serve this one', async () => {
    const { account, tv } = await establishedHousehold();
    const otherTv = await deviceToken({ account, device: 'tv-2', type: 'tv' });
    const opened = await read(await openPrimaryLocationChallenge(otherTv, AT_NEW_HOME));
    const code = await lastCode(account);
    const refused = await read(await postPrimaryLocation(tv, { challengeId: opened.body.challengeId, code }, AT_NEW_HOME));
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('VERIFICATION_REQUIRED');
    // The other device's try used none of the owner's attempts.
    expect((await postPrimaryLocation(otherTv, { challengeId: opened.body.challengeId, code }, AT_NEW_HOME)).status).toBe(200);
  });

  it('a challenge stored before purposes existed reads as an access code', async () => {
    const { account } = await establishedHousehold();
    const guestTv = await deviceToken({ account, device: 'tv-away', type: 'tv' });
    const salt = newSalt();
    const code = '246810';
    const challengeId = crypto.randomUUID();
    const now = Date.now();
    const legacy = { challengeId, deviceId: 'tv-away', salt, digest: await codeDigest(code, salt), createdAt: now, expiresAt: now + 600_000, attempts: 0, usedAt: null };
    await runInDurableObject(testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account)), async (_, state) => {
      await state.storage.put(`challenge:${challengeId}`, legacy);
    });
    const refused = await read(await postPrimaryLocation(guestTv, { challengeId, code }, { ip: AWAY_IP, country: 'PE' }));
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('VERIFICATION_REQUIRED');
    const verified = await read(await callGate({ method: 'POST', path: `/gate/v1/challenges/${challengeId}/verify`, token: guestTv, ip: AWAY_IP, country: 'PE', body: JSON.stringify({ code }) }));
    expect(verified.status).toBe(200);
  });
});

describe('a primary-location code behaves as verify does', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('counts wrong codes, then locks even against the right one', async () => {
    const { account, tv } = await establishedHousehold();
    const { body } = await read(await openPrimaryLocationChallenge(tv, AT_NEW_HOME));
    const code = await lastCode(account);
    const remaining: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const wrong = await read(await postPrimaryLocation(tv, { challengeId: body.challengeId, code: wrongCode(code) }, AT_NEW_HOME));
      expect(wrong.status).toBe(403);
      expect(wrong.body.reason).toBe('CODE_INVALID');
      remaining.push(wrong.body.attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const locked = await read(await postPrimaryLocation(tv, { challengeId: body.challengeId, code }, AT_NEW_HOME));
    expect(locked.status).toBe(429);
    expect(locked.body.reason).toBe('CHALLENGE_LOCKED');
    expect(await networkCount(account)).toBe(1);
    expect(await decisionReason(tv, HOME_IP)).toBe('IN_HOUSEHOLD');
  });

  it('lets the code expire after CODE_TTL', async () => {
    const fast = { CODE_TTL: 'PT1S' };
    const { account, tv } = await establishedHousehold(fast);
    const { body } = await read(await openPrimaryLocationChallenge(tv, { ...AT_NEW_HOME, env: fast }));
    passTime(1100);
    const expired = await read(await postPrimaryLocation(tv, { challengeId: body.challengeId, code: await lastCode(account) }, { ...AT_NEW_HOME, env: fast }));
    expect(expired.status).toBe(410);
    expect(expired.body.reason).toBe('CHALLENGE_EXPIRED');
    expect((await household(account))!.primaryLocationChangesAt).toEqual([]);
  });

  it.each([
    ['five digits', { code: '12345' }, 'code'],
    ['a numeric code', { code: 123456 }, 'code'],
    ['a numeric challenge id', { challengeId: 7, code: '123456' }, 'challengeId'],
  ])('answers %s with 400 naming the field', async (_, fields, field) => {
    const { tv } = await establishedHousehold();
    const refused = await read(await postPrimaryLocation(tv, { challengeId: crypto.randomUUID(), ...fields }, AT_NEW_HOME));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
  });

  it('uses a code exactly once under 20 simultaneous posts of it', async () => {
    const { account, tv } = await establishedHousehold();
    const { body } = await read(await openPrimaryLocationChallenge(tv, AT_NEW_HOME));
    const code = await lastCode(account);
    const results = await Promise.all(Array.from({ length: 20 }, () => postPrimaryLocation(tv, { challengeId: body.challengeId, code }, AT_NEW_HOME).then(read)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 200)) expect(refused.body.reason).toMatch(/^(CODE_ALREADY_USED|CHALLENGE_LOCKED)$/);
    expect((await household(account))!.primaryLocationChangesAt).toHaveLength(1);
  });

  it('still lets a TV’s first stream set up the household without a code (row 4)', async () => {
    const { account } = await establishedHousehold();
    expect(await deliveries(account)).toHaveLength(0);
    expect(await networkCount(account)).toBe(1);
  });
});
