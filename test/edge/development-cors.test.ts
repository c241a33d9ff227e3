/**
 * A player page on another origin, in development (issue 36, item 7): a
 * listed origin may sign a device in at `/gate/dev/device-token` and send
 * the headers that simulate a viewer (`Hearth-Sim-Country`,
 * `CF-Connecting-IP`), as the demo does on its own origin. Production
 * allows neither: the contract's five request headers only.
 */
import { describe, expect, it } from 'vitest';
import { callGate, envWith } from '../support/gate';
import { production } from '../support/production';

const PAGE = 'http://localhost:5173';
const listed = envWith({ CORS_ALLOWED_ORIGINS: PAGE });
const listOf = (value: string | null) => (value ?? '').split(',').map((name) => name.trim().toLowerCase());

describe('a page on another origin, in development', () => {
  it('may sign a device in at the development token route (preflight and answer)', async () => {
    const preflight = await callGate({
      bindings: listed,
      method: 'OPTIONS',
      path: '/gate/dev/device-token',
      headers: { Origin: PAGE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(PAGE);
    const minted = await callGate({
      bindings: listed,
      method: 'POST',
      path: '/gate/dev/device-token',
      headers: { Origin: PAGE, 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: 'acct-cors-dev', device: 'laptop', type: 'web' }),
    });
    expect(minted.status).toBe(201);
    expect(minted.headers.get('Access-Control-Allow-Origin')).toBe(PAGE);
    expect(((await minted.json()) as { token: string }).token).toMatch(/^ey/);
  });

  it('may send Hearth-Sim-Country and CF-Connecting-IP to the device API and playback', async () => {
    for (const path of ['/gate/v1/decision', '/titles/demo/index.m3u8']) {
      const preflight = await callGate({
        bindings: listed,
        method: 'OPTIONS',
        path,
        headers: { Origin: PAGE, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,hearth-sim-country,cf-connecting-ip' },
      });
      expect(preflight.status).toBe(204);
      expect(listOf(preflight.headers.get('Access-Control-Allow-Headers'))).toEqual(expect.arrayContaining(['hearth-sim-country', 'cf-connecting-ip']));
    }
  });

  it('an origin that is not listed gets neither', async () => {
    const preflight = await callGate({
      method: 'OPTIONS',
      path: '/gate/dev/device-token',
      headers: { Origin: 'http://localhost:9999', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('production allows the contract’s headers only', async () => {
    const { bindings } = await production();
    const preflight = await callGate({
      env: { ...bindings, CORS_ALLOWED_ORIGINS: 'https://player.example' },
      method: 'OPTIONS',
      path: '/gate/v1/decision',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,hearth-sim-country' },
    });
    expect(preflight.status).toBe(204);
    expect(listOf(preflight.headers.get('Access-Control-Allow-Headers'))).toEqual(['authorization', 'dpop', 'hearth-session', 'range', 'content-type']);
  });
});
