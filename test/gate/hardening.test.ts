/**
 * The adversarial review's findings, each pinned: odd ids, token times, the
 * IPv6 header, cross-site forms, header smuggling, code floods, webhook
 * redirects, production configuration, reserved paths. Every test here
 * failed on the gate as it stood before the hardening.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, household, newAccount, setRule, testEnv } from '../support/gate';
import { passTime } from '../support/clock';
import { production } from '../support/production';
import { deviceToken } from '../support/tokens';
import { deliveries } from '../support/webhook';

const HOME_IP = '203.0.113.60';
const AWAY_IP = '198.51.100.61';
type Json = Record<string, any>;

async function decisionOf(token: string, ip: string | null, extra: Parameters<typeof callGate>[0] = {}) {
  const response = await callGate({ token, ip, country: 'PE', ...extra });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

/** Names that are members of every plain object: as ids they must mean nothing special. */
const ODD_IDS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'toLocaleString'];

afterEach(() => vi.restoreAllMocks());

describe('ids are plain strings everywhere', () => {
  it.each(ODD_IDS)('a device named %s outside the home is challenged in enforce, not an extra member', async (odd) => {
    await setRule('PE', 'enforce');
    const account = newAccount();
    await decisionOf(await deviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    const outsider = await decisionOf(await deviceToken({ account, device: odd }), AWAY_IP);
    expect(outsider.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    // A refused stranger is not stored (contract §9); at home the same id is recorded as an ordinary device, and
    // nothing leaked onto Object.prototype.
    expect((await household(account))!.devices.has(odd)).toBe(false);
    await decisionOf(await deviceToken({ account, device: odd }), HOME_IP);
    const stored = (await household(account))!;
    expect(stored.devices.get(odd)).toMatchObject({ deviceId: odd, type: 'mobile' });
    expect(Object.prototype).not.toHaveProperty('lastSeenAt');
    expect(({} as Json).type).toBeUndefined();
  });

  it('one request from a device named __proto__ breaks nothing for anyone after it', async () => {
    await setRule('PE', 'monitor');
    const victim = newAccount();
    const attacker = newAccount('__proto__');
    expect((await decisionOf(await deviceToken({ account: attacker, device: '__proto__', type: 'tv' }), HOME_IP)).status).toBe(200);
    expect((await decisionOf(await deviceToken({ account: '__proto__', device: '__proto__', type: 'tv' }), HOME_IP)).status).toBe(200);
    const later = await decisionOf(await deviceToken({ account: victim, device: 'tv', type: 'tv' }), HOME_IP);
    expect(later.status).toBe(200);
    expect(later.body.reason).toBe('HOUSEHOLD_ESTABLISHED');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it.each(ODD_IDS)('signs out, adds as extra member, grants and erases a device or account named %s', async (odd) => {
    await setRule('PE', 'enforce');
    const account = newAccount();
    const tv = await deviceToken({ account, device: 'tv', type: 'tv', iat: Math.floor(Date.now() / 1000) - 5 });
    await decisionOf(tv, HOME_IP);
    const oddToken = await deviceToken({ account, device: odd, iat: Math.floor(Date.now() / 1000) - 5 });
    // Listed by an allowed visit away from home (a refused stranger would not be: contract §9), here under a grant
    // for the whole account, ended before anything below.
    const joining = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { days: 1, reason: 'odd id joins' } });
    expect((await decisionOf(oddToken, AWAY_IP)).body.reason).toBe('SUPPORT_GRANT');
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/grants/${joining.body.grantId}`)).status).toBe(204);

    const signOut = await callGate({ method: 'DELETE', path: `/gate/v1/household/devices/${encodeURIComponent(odd)}`, token: tv, ip: HOME_IP, country: 'PE' });
    expect(signOut.status).toBe(204);
    expect((await household(account))!.devices.get(odd)!.signedOutAt).toEqual(expect.any(Number));
    expect((await decisionOf(oddToken, AWAY_IP)).body.reason).toBe('DEVICE_REVOKED');

    const member = await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: odd, label: 'odd' } });
    expect(member.status).toBe(201);
    const fresh = await deviceToken({ account, device: odd, iat: Math.floor(Date.now() / 1000) + 1 });
    expect((await decisionOf(fresh, AWAY_IP)).body).toMatchObject({ decision: 'allow', reason: 'EXTRA_MEMBER' });
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/extra-members/${encodeURIComponent(odd)}`)).status).toBe(204);

    const grant = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { deviceId: odd, days: 1, reason: 'odd id' } });
    expect(grant.status).toBe(201);
    expect((await decisionOf(fresh, AWAY_IP)).body).toMatchObject({ decision: 'allow', reason: 'SUPPORT_GRANT' });

    const summary = await admin('GET', `/admin/v1/accounts/${account}`);
    expect(summary.body.devices.map((d: Json) => d.deviceId)).toContain(odd);
    expect((await admin('DELETE', `/admin/v1/accounts/${account}`)).status).toBe(204);
    expect((await admin('GET', `/admin/v1/accounts/${account}`)).status).toBe(404);

    const oddAccount = await admin('POST', `/admin/v1/accounts/${encodeURIComponent(odd)}/grants`, { body: { days: 1, reason: 'odd account' } });
    expect(oddAccount.status).toBe(201);
    expect((await admin('DELETE', `/admin/v1/accounts/${encodeURIComponent(odd)}`)).status).toBe(204);
  });
});

describe('token times (contract v1.1 §2, §6)', () => {
  it('refuses an iat more than 60 s in the future, which would outlive any sign-out', async () => {
    const account = newAccount();
    const now = Math.floor(Date.now() / 1000);
    const future = await decisionOf(await deviceToken({ account, device: 'p', iat: now + 3600, exp: now + 7200 }), HOME_IP);
    expect(future.status).toBe(401);
    expect(future.body.reason).toBe('TOKEN_INVALID');
    expect((await decisionOf(await deviceToken({ account, device: 'p', iat: now + 30 }), HOME_IP)).status).toBe(200);
  });

  it('a sign-out refuses tokens issued in its own second', async () => {
    await setRule('PE', 'monitor');
    const account = newAccount();
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    await decisionOf(tv, HOME_IP);
    const now = Math.floor(Date.now() / 1000);
    const phone = await deviceToken({ account, device: 'phone', iat: now });
    await decisionOf(phone, HOME_IP);
    await callGate({ method: 'DELETE', path: '/gate/v1/household/devices/phone', token: tv, ip: HOME_IP });
    const signedOutAt = (await household(account))!.devices.get('phone')!.signedOutAt!;
    const sameSecond = await deviceToken({ account, device: 'phone', iat: Math.floor(signedOutAt / 1000) });
    expect((await decisionOf(sameSecond, HOME_IP)).body.reason).toBe('DEVICE_REVOKED');
    const later = await deviceToken({ account, device: 'phone', iat: Math.floor(signedOutAt / 1000) + 1 });
    expect((await decisionOf(later, HOME_IP)).status).toBe(200);
  });

  it('a sign-out outlives every token it refuses: the mark is kept DEVICE_TOKEN_MAX_AGE plus the 60 s of clock skew the token check tolerates', async () => {
    // DEVICE_TOKEN_MAX_AGE PT2S: a token is accepted until 2 s + 60 s after its iat, so the mark must hold that long.
    const short = { DEVICE_TOKEN_MAX_AGE: 'PT2S', PLAYBACK_SESSION_TTL: 'PT1S' };
    const account = newAccount();
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    const phone = await deviceToken({ account, device: 'phone' });
    const gate = (token: string, extra: Parameters<typeof callGate>[0] = {}) => callGate({ token, ip: HOME_IP, country: 'PE', env: short, ...extra });
    await gate(tv);
    await gate(phone);
    expect((await gate(tv, { method: 'DELETE', path: '/gate/v1/household/devices/phone' })).status).toBe(204);
    passTime(2500);
    // A write after DEVICE_TOKEN_MAX_AGE: the household tidies its marks (a new device's first visit).
    await gate(await deviceToken({ account, device: 'tablet', type: 'tablet' }));
    const old = await gate(phone);
    expect(old.status).toBe(401);
    expect(((await old.json()) as Record<string, unknown>).reason).toBe('DEVICE_REVOKED');
  });

  it('refuses a device token older than DEVICE_TOKEN_MAX_AGE, whatever its exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await deviceToken({ account: newAccount(), device: 'p', iat: now - 31 * 86_400, exp: now + 86_400 });
    const answer = await decisionOf(old, HOME_IP);
    expect(answer.status).toBe(401);
    expect(answer.body.reason).toBe('TOKEN_EXPIRED');
  });
});

describe('networks: the IPv6 header counts only behind Pseudo IPv4 (contract v1.1 §3)', () => {
  it('an outsider claiming the owner’s address in CF-Connecting-IPv6 stays outside', async () => {
    await setRule('PE', 'enforce');
    const account = newAccount();
    await decisionOf(await deviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    const outsider = await deviceToken({ account, device: 'outsider' });
    for (const claimed of [`::ffff:${HOME_IP}`, HOME_IP]) {
      const answer = await decisionOf(outsider, AWAY_IP, { ipv6: claimed });
      expect(answer.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    }
  });
});

describe('cross-site forms (CSRF)', () => {
  async function travellerWithCookie() {
    await setRule('PE', 'challenge');
    const account = newAccount();
    await decisionOf(await deviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    return { account, phone: await deviceToken({ account, device: 'phone' }) };
  }
  const post = (cookie: string, headers: Record<string, string>) => callGate({ method: 'POST', path: '/gate/v1/challenges', cookie: `hearth_device=${cookie}`, ip: AWAY_IP, country: 'PE', headers });

  it('refuses a cookie-authenticated POST from another site, or with no evidence, and sends nothing', async () => {
    const { account, phone } = await travellerWithCookie();
    const attempts: Array<Record<string, string>> = [{ 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }, { Origin: 'https://evil.example' }, { Origin: 'null' }, {}];
    for (const headers of attempts) {
      const refused = await post(phone, headers);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as Json).reason).toBe('CROSS_SITE_REQUEST');
    }
    expect(await deliveries(account)).toHaveLength(0);
  });

  it('accepts the gate’s own pages (same-origin) and any bearer-token client', async () => {
    const { account, phone } = await travellerWithCookie();
    expect((await post(phone, { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(201);
    expect((await post(phone, { Origin: 'https://gate.hearth.test' })).status).toBe(201);
    const bearer = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: 'PE', headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(bearer.status).toBe(201);
    expect(await deliveries(account)).toHaveLength(3);
  });
});

describe('what reaches the origin', () => {
  it('strips every spelling of Hearth-* and every hop-by-hop header', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const response = await callGate({
      path: '/seg.ts',
      token,
      ip: HOME_IP,
      headers: {
        Hearth_Account: 'victim',
        'HEARTH-DEVICE': 'victim-tv',
        hearth_device: 'x',
        'Hearth-Sim-Country': 'PE',
        Connection: 'keep-alive, X-Internal-Auth, x_other',
        'X-Internal-Auth': 'secret',
        X_Other: 'secret',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        Trailer: 'X-Checksum',
        Upgrade: 'websocket',
        'Proxy-Authorization': 'Basic Zm9vOmJhcg==',
        'X-Kept': 'yes',
      },
    });
    const seen = ((await response.json()) as Json).headers as Record<string, string>;
    const names = Object.keys(seen).map((name) => name.toLowerCase().replaceAll('_', '-'));
    expect(names.filter((name) => name.startsWith('hearth-')).toSorted()).toEqual(['hearth-account', 'hearth-device']);
    expect(seen['hearth-account']).not.toBe('victim');
    for (const gone of ['x-internal-auth', 'x-other', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-authorization']) expect(names).not.toContain(gone);
    expect(seen['x-kept']).toBe('yes');
  });
});

describe('verification codes cannot be turned against the owner', () => {
  it('caps codes per account per hour, whatever device ids are invented', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount();
    await decisionOf(await deviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: await deviceToken({ account, device: `invented-${i}` }), ip: AWAY_IP, country: 'PE' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    expect(Number(last!.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await last!.json()) as Json).toMatchObject({ reason: 'CHALLENGE_RATE_LIMITED', limit: 'account' });
    expect(await deliveries(account)).toHaveLength(10);
  });

  it('treats a webhook redirect as a failed delivery and never follows it', async () => {
    await setRule('PE', 'challenge');
    const env = { NOTIFY_URL: 'http://notify.test/hook?redirect=1' };
    const account = newAccount();
    await decisionOf(await deviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP, { env });
    const answer = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: await deviceToken({ account, device: 'p' }), ip: AWAY_IP, country: 'PE', env });
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as Json).reason).toBe('NOTIFY_FAILED');
    expect(await (await fetch('http://notify.test/strays')).json()).toEqual([]);
  });
});

describe('production refuses unsafe configuration', () => {
  it.each([
    ['NOTIFY_URL', { NOTIFY_URL: 'http://notify.test/hook' }, 'https'],
    ['OPS_NOTIFY_URL', { OPS_NOTIFY_URL: 'http://ops.example/events' }, 'https'],
    ['NOTIFY_SIGNING_KEY', { NOTIFY_SIGNING_KEY: 'short-key' }, '32 bytes'],
    ['ORIGIN_URL', { ORIGIN_URL: 'https://origin.example/base?sig=1' }, 'query'],
    ['ORIGIN_URL', { ORIGIN_URL: 'https://origin.example/base#frag' }, 'fragment'],
    ['NETWORK_HASH_KEY', { NETWORK_HASH_KEY: 'gciceo0WhsIrMJwuqSKyWq_cbrFm05hhkRpsOYpr3jA' }, 'published'],
    ['NOTIFY_SIGNING_KEY', { NOTIFY_SIGNING_KEY: 'wslV2qiU4P9lwS0yCpk_R7tnA5TbYibWUbSE5Qv1nS0' }, 'published'],
    ['SESSION_SIGNING_KEY', { SESSION_SIGNING_KEY: 'AwwazW--N4o_IxyDT2iOd8ew4IfCT6Qh4zc3HGkFHoI' }, 'published'],
    // Published anywhere in the rotation list is enough to forge sessions.
    ['SESSION_SIGNING_KEY', { SESSION_SIGNING_KEY: 'bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0y AwwazW--N4o_IxyDT2iOd8ew4IfCT6Qh4zc3HGkFHoI' }, 'published'],
    ['SESSION_SIGNING_KEY', { SESSION_SIGNING_KEY: 'c2hvcnQta2V5' }, '32 random bytes'],
    ['PLAYBACK_SESSION_TTL', { PLAYBACK_SESSION_TTL: 'P31D' }, 'DEVICE_TOKEN_MAX_AGE'],
  ])('%s: %j is 500 MISCONFIGURED naming the binding only', async (binding, override, logged) => {
    const { bindings, deviceToken: productionToken } = await production();
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const answer = await callGate({ token: await productionToken({ account: newAccount(), device: 'p' }), env: { ...bindings, ...override } });
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as Json;
    expect(body).toMatchObject({ reason: 'MISCONFIGURED', bindings: [binding] });
    expect(body.detail).toContain(binding);
    expect(body.detail).not.toContain(logged);
    expect(errors.some((line) => line.includes(`"binding":"${binding}"`) && line.includes(logged))).toBe(true);
  });

  it('refuses the development keys published in this repository, duplicate kids and keys that can never verify', async () => {
    const { bindings } = await production();
    const published = JSON.parse(String(testEnv.DEVICE_JWKS));
    const deviceSet = JSON.parse(String(bindings.DEVICE_JWKS));
    const cases: Array<[string, Record<string, unknown>]> = [
      ['DEVICE_JWKS', { DEVICE_JWKS: JSON.stringify(published) }],
      ['DEVICE_JWKS', { DEVICE_JWKS: JSON.stringify({ keys: [deviceSet.keys[0], { ...deviceSet.keys[0] }] }) }],
      ['DEVICE_JWKS', { DEVICE_JWKS: JSON.stringify({ keys: [{ ...deviceSet.keys[0], alg: 'ES256' }] }) }],
      ['DEVICE_JWKS', { DEVICE_JWKS: JSON.stringify({ keys: [{ kty: 'RSA', kid: 'rsa-1', n: 'AQAB', e: 'AQAB' }] }) }],
      ['DEVICE_JWKS', { DEVICE_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'X25519', kid: 'x-1', x: deviceSet.keys[0].x }] }) }],
    ];
    for (const [binding, override] of cases) {
      const answer = await callGate({ env: { ...bindings, ...override } });
      expect(answer.status).toBe(500);
      expect(((await answer.json()) as Json).bindings).toEqual([binding]);
    }
  });

  it('accepts a production configuration of its own (https webhooks, fresh keys and secrets)', async () => {
    const { bindings, deviceToken: productionToken } = await production();
    const answer = await callGate({ token: await productionToken({ account: newAccount(), device: 'p' }), env: bindings });
    expect(answer.status).toBe(200);
  });
});

describe('reserved paths are exactly those of the contract (§5)', () => {
  it.each(['/gate', '/admin', '/gatekeeper', '/administrator/x', '/healthz/x'])('%s is a playback path', async (path) => {
    const anonymous = await callGate({ path });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('Hearth-Decision')).toBe('deny; reason=TOKEN_MISSING');
    const played = await callGate({ path, token: await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' }) });
    expect(played.status).toBe(200);
    expect(((await played.json()) as Json).path).toBe(path);
  });
});
