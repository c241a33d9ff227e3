/**
 * Playback sessions (contract v1.3 §2.1), end to end in workerd: every allow
 * of the decision endpoint hands one out; playback takes it instead of a
 * device token, on its own network only, until it expires or its device is
 * signed out; keys rotate; the origin never sees it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mintDeviceToken } from '../../dev/tokens';
import { admin } from '../admin/admin-support';
import { callGate, GATE_ORIGIN, newAccount, setRule, type GateRequest } from '../support/gate';
import { passTime } from '../support/clock';
import { deviceToken } from '../support/tokens';
import { lastCode } from '../support/webhook';
import { ownNetwork } from '../support/networks';

// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x70);
});
const AWAY_IP = '198.51.100.70';
const SEGMENT = '/titles/1/seg-00001.ts';
const FOUR_HOURS_MS = 4 * 3600 * 1000;

interface Issued {
  response: Response;
  body: Record<string, any>;
  credential: string;
  cookie: string;
}

/** Asks for a decision; returns the answer and the session it carries. */
async function decision(token: string, request: GateRequest = {}): Promise<Issued> {
  const response = await callGate({ token, ip: HOME_IP, country: 'PE', ...request });
  const body = await response.json<Record<string, any>>();
  return { response, body, credential: response.headers.get('Hearth-Session') ?? '', cookie: response.headers.get('Set-Cookie') ?? '' };
}

/** A TV at home with a session of its own. */
async function tvWithSession(request: GateRequest = {}) {
  const account = newAccount('session');
  const token = await deviceToken({ account, device: 'tv', type: 'tv' });
  const issued = await decision(token, request);
  expect(issued.body.decision).toBe('allow');
  return { account, token, ...issued };
}

function playWithSession(credential: string, request: GateRequest = {}) {
  return callGate({ path: SEGMENT, ip: HOME_IP, country: 'PE', ...request, headers: { 'Hearth-Session': credential, ...request.headers } });
}

async function problemOf(response: Response) {
  return { status: response.status, challenge: response.headers.get('WWW-Authenticate'), body: await response.json<Record<string, any>>() };
}

beforeEach(async () => {
  await setRule('PE', 'challenge');
});

describe('an allowed decision carries a playback session', () => {
  it('as the Hearth-Session header, the hearth_session cookie and session.expiresAt, at most PLAYBACK_SESSION_TTL away', async () => {
    const before = Date.now();
    const { account, body, credential, cookie } = await tvWithSession();
    const after = Date.now();
    expect(credential).toMatch(/^s1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(cookie).toMatch(new RegExp(`^hearth_session=${credential.replace(/\./g, '\\.')}; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Lax$`));
    const expiresAt = Date.parse(body.session.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + FOUR_HOURS_MS);
    expect(expiresAt).toBeGreaterThan(before + FOUR_HOURS_MS - 2000);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    // Counted from the moment the gate answered, between \`before\` and \`after\` (which also holds the request's waitUntil
    // work: in a run that shares its Durable Objects, another file's may keep one busy for seconds), within 3 s either side.
    expect(maxAge).toBeGreaterThan((expiresAt - after) / 1000 - 3);
    expect(maxAge).toBeLessThan((expiresAt - before) / 1000 + 3);
    // Opaque to the client: no id in clear.
    expect(credential).not.toContain(account);
  });

  it('never past the end of a trusted device’s trust window (accessUntil)', async () => {
    const env = { TRUST_WINDOW: 'PT1H' };
    const account = newAccount('session');
    await decision(await deviceToken({ account, device: 'tv', type: 'tv' }), { env });
    const phone = await deviceToken({ account, device: 'phone' });
    expect((await decision(phone, { env })).body.reason).toBe('IN_HOUSEHOLD');
    const away = await decision(phone, { env, ip: AWAY_IP });
    expect(away.body.reason).toBe('TRUSTED_DEVICE');
    const accessUntil = Date.parse(away.body.accessUntil);
    const expiresAt = Date.parse(away.body.session.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(accessUntil);
    expect(accessUntil - expiresAt).toBeLessThan(1000);
  });

  /** A laptop away from home, refused, then given temporary access with the owner's code; `beforeVerifying` runs just before the code is checked. */
  async function laptopWithTemporaryAccess(env: Record<string, string>, beforeVerifying = () => {}) {
    const account = newAccount('session');
    await decision(await deviceToken({ account, device: 'tv', type: 'tv' }), { env });
    const laptop = await deviceToken({ account, device: 'laptop', type: 'web' });
    const refused = await decision(laptop, { env, ip: AWAY_IP });
    expect(refused.body.decision).toBe('challenge');
    expect(refused.credential).toBe('');
    expect(refused.cookie).toMatch(/^hearth_session=; Max-Age=0;/);
    const opened = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: laptop, ip: AWAY_IP, country: 'PE', env });
    const { challengeId } = await opened.json<{ challengeId: string }>();
    const code = await lastCode(account);
    beforeVerifying();
    const verified = await callGate({
      method: 'POST',
      path: `/gate/v1/challenges/${challengeId}/verify`,
      token: laptop,
      ip: AWAY_IP,
      country: 'PE',
      env,
      body: JSON.stringify({ code }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(verified.status).toBe(200);
    return laptop;
  }

  it('never past the end of temporary access (accessUntil)', async () => {
    const env = { TEMP_ACCESS_DURATION: 'PT30M' };
    const laptop = await laptopWithTemporaryAccess(env);
    const allowed = await decision(laptop, { env, ip: AWAY_IP });
    expect(allowed.body.reason).toBe('TEMPORARY_ACCESS');
    const expiresAt = Date.parse(allowed.body.session.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(Date.parse(allowed.body.accessUntil));
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60 * 1000);
  });

  it('never already over: an access that ends within the second still gets a session that plays until it ends, and not after', async () => {
    // A short access, so the clock moves seconds, not half an hour: the files share their Durable Objects, and state
    // stamped far ahead (a rule set, a guard read) would hold other files back until the runtime's clock caught up.
    const env = { TEMP_ACCESS_DURATION: 'PT2S' };
    // The code checked half-way through a second, so the access ends half-way through one too (the clock moves at I/O only).
    const laptop = await laptopWithTemporaryAccess(env, () => passTime(1500 - (Date.now() % 1000)));
    const accessUntil = Date.parse((await decision(laptop, { env, ip: AWAY_IP })).body.accessUntil);
    expect(accessUntil % 1000).toBeGreaterThan(300);
    // Inside the access's last second: a session ends on a whole second at or before the access, so it would be over already.
    passTime(Math.floor(accessUntil / 1000) * 1000 + 100 - Date.now());
    expect(Date.now()).toBeLessThan(accessUntil);
    const last = await decision(laptop, { env, ip: AWAY_IP });
    expect(last.body).toMatchObject({ decision: 'allow', reason: 'TEMPORARY_ACCESS' });
    // Before, its session ended on the whole second before the access did, so it had expired before it was sent: the
    // player used it, was refused SESSION_INVALID, asked again and was allowed again, until the access ended.
    expect(Date.parse(last.body.session.expiresAt)).toBe(accessUntil);
    expect(Number(/Max-Age=(\d+)/.exec(last.cookie)![1])).toBe(1);
    expect((await playWithSession(last.credential, { ip: AWAY_IP, env })).status).toBe(200);
    passTime(accessUntil - Date.now());
    expect(await problemOf(await playWithSession(last.credential, { ip: AWAY_IP, env }))).toMatchObject({ status: 401, body: { reason: 'SESSION_INVALID' } });
  });
});

describe('playback with a session', () => {
  it('plays with the session in the Hearth-Session header, no token needed', async () => {
    const { account, credential } = await tvWithSession();
    const response = await playWithSession(credential);
    expect(response.status).toBe(200);
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
    expect((await response.json<{ headers: Record<string, string> }>()).headers['hearth-account']).toBe(account);
  });

  it('plays with the session in the hearth_session cookie, the way a browser sends it', async () => {
    const { credential } = await tvWithSession();
    const response = await callGate({ path: SEGMENT, ip: HOME_IP, country: 'PE', cookie: `theme=dark; hearth_session=${credential}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
  });

  it('still decides every request: a session stops playing once its device is no longer allowed', async () => {
    const account = newAccount('session');
    await decision(await deviceToken({ account, device: 'tv', type: 'tv' }));
    const phone = await deviceToken({ account, device: 'phone' });
    // A phone never seen at home, away: challenged, so no session (and the cookie is ended).
    const refused = await decision(phone, { ip: AWAY_IP });
    expect(refused.body.decision).toBe('challenge');
    expect(refused.credential).toBe('');
    const grant = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { deviceId: 'phone', days: 30, reason: 'Term abroad' } });
    expect(grant.status).toBe(201);
    const { body, credential } = await decision(phone, { ip: AWAY_IP });
    expect(body.reason).toBe('SUPPORT_GRANT');
    expect((await playWithSession(credential, { ip: AWAY_IP })).status).toBe(200);
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/grants/${grant.body.grantId}`)).status).toBe(204);
    const after = await playWithSession(credential, { ip: AWAY_IP });
    expect(after.status).toBe(403);
    expect(after.headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
  });

  it('is SESSION_INVALID from another network than the one it was issued on, and records nothing there', async () => {
    const { credential } = await tvWithSession();
    const { status, challenge, body } = await problemOf(await playWithSession(credential, { ip: AWAY_IP }));
    expect(status).toBe(401);
    expect(body.reason).toBe('SESSION_INVALID');
    expect(challenge).toBe('Hearth-Session realm="playback", error="invalid_session"');
    expect(body.actions).toContainEqual({ id: 'decision', method: 'GET', href: `${GATE_ORIGIN}/gate/v1/decision` });
    // The same session from its own network still plays.
    expect((await playWithSession(credential)).status).toBe(200);
  });

  it('is SESSION_INVALID when its payload or its MAC was changed', async () => {
    const { credential } = await tvWithSession();
    const [version, payload, mac] = credential.split('.') as [string, string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const forgedPayload = btoa(atob(payload.replace(/-/g, '+').replace(/_/g, '/')).replace('"tv"', '"tx"'))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    for (const tampered of [`${version}.${flip(payload, 5)}.${mac}`, `${version}.${payload}.${flip(mac, 10)}`, `${version}.${forgedPayload}.${mac}`, `s2.${payload}.${mac}`]) {
      const { status, body } = await problemOf(await playWithSession(tampered));
      expect({ tampered, status }).toEqual({ tampered, status: 401 });
      expect(body.reason).toBe('SESSION_INVALID');
    }
  });

  it('is SESSION_INVALID once it has expired', async () => {
    const env = { PLAYBACK_SESSION_TTL: 'PT1S' };
    const { credential, body } = await tvWithSession({ env });
    expect(Date.parse(body.session.expiresAt)).toBeLessThanOrEqual(Date.now() + 1000);
    passTime(Date.parse(body.session.expiresAt) - Date.now() + 50);
    const { status, body: problem } = await problemOf(await playWithSession(credential, { env }));
    expect(status).toBe(401);
    expect(problem.reason).toBe('SESSION_INVALID');
  });

  it('is DEVICE_REVOKED once its device is signed out after it was issued', async () => {
    const account = newAccount('session');
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    await decision(tv);
    const phone = await deviceToken({ account, device: 'phone' });
    const { credential } = await decision(phone);
    expect((await playWithSession(credential)).status).toBe(200);
    expect((await callGate({ method: 'DELETE', path: '/gate/v1/household/devices/phone', token: tv, ip: HOME_IP, country: 'PE' })).status).toBe(204);
    const { status, body } = await problemOf(await playWithSession(credential));
    expect(status).toBe(401);
    expect(body.reason).toBe('DEVICE_REVOKED');
  });

  it('is DEVICE_REVOKED once its account is erased', async () => {
    const { account, credential } = await tvWithSession();
    expect((await playWithSession(credential)).status).toBe(200);
    expect((await admin('DELETE', `/admin/v1/accounts/${account}`)).status).toBe(204);
    const { status, body } = await problemOf(await playWithSession(credential));
    expect(status).toBe(401);
    expect(body.reason).toBe('DEVICE_REVOKED');
  });

  it('wins over a token beside it, so a stale cookie is not rescued by a token (documented in docs/api.md)', async () => {
    const { token, credential } = await tvWithSession();
    const response = await callGate({ path: SEGMENT, token, ip: AWAY_IP, country: 'PE', headers: { 'Hearth-Session': credential } });
    expect((await problemOf(response)).body.reason).toBe('SESSION_INVALID');
  });
});

describe('key rotation (SESSION_SIGNING_KEY, newest first)', () => {
  const OLD = 'b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0x';
  const NEW = 'bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0y';

  it('verifies a session signed with the old key while the old key is listed second, and not once it is removed', async () => {
    const { credential } = await tvWithSession({ env: { SESSION_SIGNING_KEY: OLD } });
    expect((await playWithSession(credential, { env: { SESSION_SIGNING_KEY: OLD } })).status).toBe(200);
    expect((await playWithSession(credential, { env: { SESSION_SIGNING_KEY: `${NEW} ${OLD}` } })).status).toBe(200);
    const removed = await problemOf(await playWithSession(credential, { env: { SESSION_SIGNING_KEY: NEW } }));
    expect(removed.status).toBe(401);
    expect(removed.body.reason).toBe('SESSION_INVALID');
  });

  it('signs new sessions with the first key', async () => {
    const { credential } = await tvWithSession({ env: { SESSION_SIGNING_KEY: `${NEW} ${OLD}` } });
    expect((await playWithSession(credential, { env: { SESSION_SIGNING_KEY: NEW } })).status).toBe(200);
    expect((await problemOf(await playWithSession(credential, { env: { SESSION_SIGNING_KEY: OLD } }))).body.reason).toBe('SESSION_INVALID');
  });

  it('is 500 MISCONFIGURED naming SESSION_SIGNING_KEY when it is missing, short or not base64url', async () => {
    for (const value of [undefined, 'c2hvcnQ', `${NEW} not-base64url!`]) {
      const response = await callGate({ path: SEGMENT, ip: HOME_IP, env: { SESSION_SIGNING_KEY: value } });
      expect(response.status).toBe(500);
      expect((await response.json<{ bindings: string[] }>()).bindings).toEqual(['SESSION_SIGNING_KEY']);
    }
  });
});

describe('what the origin sees', () => {
  it('no session, token or proof: neither Hearth-Session, nor the cookies, nor Authorization, nor DPoP', async () => {
    const { token, credential } = await tvWithSession();
    const response = await callGate({
      path: SEGMENT,
      ip: HOME_IP,
      country: 'PE',
      cookie: `theme=dark; hearth_session=${credential}; hearth_device=${token}; lang=es`,
      headers: { 'Hearth-Session': credential, Authorization: `DPoP ${token}`, DPoP: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln', Hearth_Session: credential },
    });
    expect(response.status).toBe(200);
    const echo = await response.json<{ headers: Record<string, string> }>();
    expect(echo.headers.cookie).toBe('theme=dark; lang=es');
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.dpop).toBeUndefined();
    expect(echo.headers['hearth-session']).toBeUndefined();
    expect(JSON.stringify(echo)).not.toContain(credential);
    expect(JSON.stringify(echo)).not.toContain(token);
  });
});

describe('cross-site requests', () => {
  it('a change authenticated by the hearth_session cookie needs same-site evidence; the Hearth-Session header does not', async () => {
    const { credential } = await tvWithSession();
    const forged = await callGate({ method: 'POST', path: '/events', ip: HOME_IP, country: 'PE', cookie: `hearth_session=${credential}`, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(forged.status).toBe(403);
    expect((await forged.json<{ reason: string }>()).reason).toBe('CROSS_SITE_REQUEST');
    const sameSite = await callGate({ method: 'POST', path: '/events', ip: HOME_IP, country: 'PE', cookie: `hearth_session=${credential}`, headers: { 'Sec-Fetch-Site': 'same-origin' } });
    expect(sameSite.status).toBe(200);
    const byHeader = await callGate({ method: 'POST', path: '/events', ip: HOME_IP, country: 'PE', headers: { 'Hearth-Session': credential, 'Sec-Fetch-Site': 'cross-site' } });
    expect(byHeader.status).toBe(200);
  });
});

describe('tokens alone on playback paths', () => {
  it('under DEVICE_BINDING=required, a token alone is 401 SESSION_REQUIRED naming the decision endpoint; a session plays', async () => {
    const env = { DEVICE_BINDING: 'required' };
    const { token, credential } = await tvWithSession();
    const { status, challenge, body } = await problemOf(await callGate({ path: SEGMENT, token, ip: HOME_IP, country: 'PE', env }));
    expect(status).toBe(401);
    expect(body.reason).toBe('SESSION_REQUIRED');
    expect(challenge).toBe('Hearth-Session realm="playback", error="invalid_session"');
    expect(body.actions).toContainEqual({ id: 'decision', method: 'GET', href: `${GATE_ORIGIN}/gate/v1/decision` });
    expect((await playWithSession(credential, { env })).status).toBe(200);
  });

  it('with a bound token (cnf.jkt), a token alone is SESSION_REQUIRED even under DEVICE_BINDING=optional', async () => {
    const account = newAccount('session');
    const bound = await mintDeviceToken({ account, device: 'tv', type: 'tv', claims: { cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } } });
    const { body } = await problemOf(await callGate({ path: SEGMENT, token: bound, ip: HOME_IP, country: 'PE' }));
    expect(body.reason).toBe('SESSION_REQUIRED');
    // An unbound token still plays alone under `optional`.
    expect((await callGate({ path: SEGMENT, token: await deviceToken({ account, device: 'phone' }), ip: HOME_IP, country: 'PE' })).status).toBe(200);
  });
});

describe('garbage sessions', () => {
  it('never crash: every shape is 401 SESSION_INVALID', async () => {
    const { credential } = await tvWithSession();
    const [, payload, mac] = credential.split('.') as [string, string, string];
    const b64 = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const shapes = [
      's1',
      's1.',
      's1..',
      '...',
      `s1.${payload}`,
      `s1.${payload}.`,
      `s1.${payload}.${mac}.extra`,
      `s1.${payload}.${mac}=`,
      `S1.${payload}.${mac}`,
      `s1.${payload}!.${mac}`,
      `s1.${'A'.repeat(2000)}.${mac}`,
      'x'.repeat(5000),
      `s1.${b64('not json')}.${mac}`,
      `s1.${b64('[]')}.${mac}`,
      `s1.${b64('{"__proto__":{"a":1}}')}.${mac}`,
      `s1.${b64('\u00ff\u00fe')}.${mac}`,
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      '%00%ff',
      'été',
    ];
    for (const shape of shapes) {
      const response = await callGate({ path: SEGMENT, ip: HOME_IP, country: 'PE', headers: { 'Hearth-Session': shape } });
      expect({ shape: shape.slice(0, 40), status: response.status }).toEqual({ shape: shape.slice(0, 40), status: 401 });
      expect((await response.json<{ reason: string }>()).reason).toBe('SESSION_INVALID');
    }
    // And through the cookie.
    const viaCookie = await callGate({ path: SEGMENT, ip: HOME_IP, country: 'PE', cookie: 'hearth_session=s1.%%%.zzz' });
    expect((await problemOf(viaCookie)).body.reason).toBe('SESSION_INVALID');
  });
});
