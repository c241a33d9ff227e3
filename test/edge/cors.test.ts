/**
 * Web players on other origins (contract §5): preflights without a token,
 * CORS headers on every answer (refusals included) for a listed origin,
 * nothing for any other origin, never on /admin/, and `*` on /openapi.json.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callGate, envWith, newAccount, setRule, type GateRequest } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { deliveries } from '../support/webhook';

const PLAYER = 'https://player.example';
const OTHER_PLAYER = 'http://localhost:8788';
const STRANGER = 'https://evil.example';
const HOME_IP = '203.0.113.70';
const AWAY_IP = '198.51.100.71';
const listed = envWith({ CORS_ALLOWED_ORIGINS: `${PLAYER} ${OTHER_PLAYER}` });

const call = (request: GateRequest) => callGate({ bindings: listed, country: 'PE', ...request });
const preflight = (path: string, origin: string, requestHeaders = 'authorization,dpop,hearth-session') =>
  call({ method: 'OPTIONS', path, headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': requestHeaders } });

/** The names of every Access-Control-* header an answer carries. */
const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
const listOf = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);

function expectReadableBy(response: Response, origin: string) {
  expect(response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
  expect(listOf(response.headers.get('Access-Control-Expose-Headers'))).toEqual(['hearth-decision', 'hearth-request-id', 'hearth-session', 'www-authenticate']);
  expect(listOf(response.headers.get('Vary'))).toContain('origin');
}

async function outsidePhone() {
  const account = newAccount();
  await call({ token: await deviceToken({ account, device: 'tv', type: 'tv' }), ip: HOME_IP });
  return { account, phone: await deviceToken({ account, device: 'phone' }) };
}

describe('CORS for listed player origins', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('answers a preflight 204 without a token on playback paths and /gate/v1/*, with the contract’s headers', async () => {
    for (const path of ['/titles/demo/index.m3u8', '/titles/demo/seg-000.ts', '/gate/v1/decision', '/gate/v1/challenges', '/gate/v1/challenges/abc/verify', '/gate/v1/household/devices/phone']) {
      for (const origin of [PLAYER, OTHER_PLAYER]) {
        const response = await preflight(path, origin);
        expect([path, response.status]).toEqual([path, 204]);
        expect(response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
        expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
        // The contract's five; development (as this suite runs) adds the headers that simulate a viewer (test/edge/development-cors.test.ts).
        expect(listOf(response.headers.get('Access-Control-Allow-Headers'))).toEqual(['authorization', 'dpop', 'hearth-session', 'range', 'content-type', 'hearth-sim-country', 'cf-connecting-ip']);
        expect(listOf(response.headers.get('Access-Control-Allow-Methods'))).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
        expect(listOf(response.headers.get('Vary'))).toContain('origin');
        expect(await response.text()).toBe('');
      }
    }
  });

  it('lets a listed player read a refusal: the 403’s reason, message in its language, actions and Hearth-Decision', async () => {
    const { phone } = await outsidePhone();
    const response = await call({ path: '/titles/demo/seg-001.ts', token: phone, ip: AWAY_IP, headers: { Origin: PLAYER, 'Accept-Language': 'pt-BR' } });
    expect(response.status).toBe(403);
    expectReadableBy(response, PLAYER);
    expect(response.headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
    const problem = await response.json<{ reason: string; message: string; actions: Array<{ id: string }> }>();
    expect(problem.reason).toBe('OUTSIDE_HOUSEHOLD');
    expect(response.headers.get('Content-Language')).toBe('pt-BR');
    expect(problem.actions.map((action) => action.id)).toContain('verify');
  });

  it('lets a listed player read a token problem (401 and WWW-Authenticate) and an allowed decision’s Hearth-Session', async () => {
    const missing = await call({ path: '/gate/v1/decision', headers: { Origin: PLAYER } });
    expect(missing.status).toBe(401);
    expectReadableBy(missing, PLAYER);
    expect(missing.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);

    const tv = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const allowed = await call({ path: '/gate/v1/decision', token: tv, ip: HOME_IP, headers: { Origin: OTHER_PLAYER } });
    expect(allowed.status).toBe(200);
    expectReadableBy(allowed, OTHER_PLAYER);
    expect(allowed.headers.get('Hearth-Session')).toBeTruthy();

    const played = await call({ path: '/titles/demo/seg-000.ts', headers: { Origin: PLAYER, 'Hearth-Session': allowed.headers.get('Hearth-Session')! }, ip: HOME_IP });
    expect(played.status).toBe(200);
    expectReadableBy(played, PLAYER);
  });

  it('gives any other origin no CORS headers at all, and refuses its preflight at once without recording it', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      for (const path of ['/titles/demo/seg-000.ts', '/gate/v1/decision', '/favicon.ico']) {
        const refused = await preflight(path, STRANGER);
        expect([path, refused.status]).toEqual([path, 403]);
        expect(((await refused.json()) as { reason: string }).reason).toBe('CROSS_SITE_REQUEST');
        expect(corsHeaders(refused)).toEqual([]);
        // Vary: Origin still, so no cache hands a listed player this answer.
        expect(listOf(refused.headers.get('Vary'))).toContain('origin');
      }
      // Contract §9: a preflight that proves nothing leaves no log line (before, a playback path's 401 left one each).
      expect(lines).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    const tv = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    for (const origin of [STRANGER, 'null', `${PLAYER}/`, 'https://PLAYER.example', 'https://player.example.evil.example']) {
      const answer = await call({ path: '/gate/v1/decision', token: tv, ip: HOME_IP, headers: { Origin: origin } });
      expect(answer.status).toBe(200);
      expect({ origin, cors: corsHeaders(answer) }).toEqual({ origin, cors: [] });
    }
  });

  it('never answers CORS under /admin/ or on the gate’s own pages, even for a listed origin', async () => {
    for (const path of ['/admin/v1/accounts/acct-1', '/admin/v1/rollout', '/gate/help', '/healthz']) {
      const response = await preflight(path, PLAYER);
      expect([path, response.status]).not.toEqual([path, 204]);
      expect({ path, cors: corsHeaders(response) }).toEqual({ path, cors: [] });
    }
  });

  it('answers nothing to anyone when CORS_ALLOWED_ORIGINS is not set: every preflight is refused', async () => {
    const response = await callGate({ method: 'OPTIONS', path: '/gate/v1/decision', headers: { Origin: PLAYER, 'Access-Control-Request-Method': 'GET' } });
    expect(response.status).toBe(403);
    expect(corsHeaders(response)).toEqual([]);
  });

  it('serves /openapi.json to any origin, without credentials', async () => {
    for (const bindings of [listed, undefined]) {
      const response = await callGate({ path: '/openapi.json', headers: { Origin: STRANGER }, ...(bindings ? { bindings } : {}) });
      expect(response.status).toBe(200);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
      expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    }
  });

  it('takes a listed Origin as same-origin evidence for a cookie-authenticated change, and no other', async () => {
    const { account, phone } = await outsidePhone();
    const post = (headers: Record<string, string>) => call({ method: 'POST', path: '/gate/v1/challenges', cookie: `hearth_device=${phone}`, ip: AWAY_IP, headers });
    const fromPlayer = await post({ Origin: PLAYER, 'Sec-Fetch-Site': 'same-site' });
    expect(fromPlayer.status).toBe(201);
    expectReadableBy(fromPlayer, PLAYER);
    const forged = await post({ Origin: STRANGER, 'Sec-Fetch-Site': 'cross-site' });
    expect(forged.status).toBe(403);
    expect((await forged.json<{ reason: string }>()).reason).toBe('CROSS_SITE_REQUEST');
    expect(await deliveries(account)).toHaveLength(1);
  });
});
