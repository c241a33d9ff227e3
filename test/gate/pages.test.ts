import { describe, expect, it } from 'vitest';
import { REASONS, reasonSlug } from '../../src/messages/catalog';
import { callGate, newAccount, setRule } from '../support/gate';
import { production } from '../support/production';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { deviceToken, makeDeviceKeyPair } from '../support/tokens';

describe('pages, server side', () => {
  it('renders the help page for the cookie’s device, in its language, with every reason anchored', async () => {
    await setRule('PE', 'challenge');
    const account = newAccount();
    await callGate({ token: await deviceToken({ account, device: 'tv', type: 'tv' }), ip: '203.0.113.1', country: 'PE' });
    const phone = await deviceToken({ account, device: 'phone' });
    const response = await callGate({ path: '/gate/help', cookie: `hearth_device=${phone}`, ip: '198.51.100.9', country: 'PE', headers: { 'Accept-Language': 'pt-BR' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('text/html');
    const csp = response.headers.get('Content-Security-Policy')!;
    // The gate shares its origin with proxied content: scripts only from the gate's own asset path.
    expect(csp).toContain('script-src https://gate.hearth.test/gate/assets/;');
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("script-src 'self'");
    const html = await response.text();
    // pt-BR is answered in Brazilian Portuguese.
    expect(html).toContain('<html lang="pt-BR">');
    expect(html).toContain('data-reason="OUTSIDE_HOUSEHOLD"');
    expect(html).toContain('Este dispositivo não faz parte da sua casa. Se você estiver viajando');
    expect(html).toContain('Por que este dispositivo não pode reproduzir agora');
    expect(html).not.toMatch(/estiver a viajar|residência|equipa/);
    expect(html).not.toContain('Outside the household');
    expect(html).toContain('data-action="verify"');
    expect(html).not.toContain('data-action="primary-location"');
    for (const reason of REASONS) expect(html).toContain(`id="${reasonSlug(reason)}"`);
    expect(html).not.toContain(phone);
  });

  it('tells a browser without a device token to sign in', async () => {
    const html = await (await callGate({ path: '/gate/help' })).text();
    expect(html).toContain('data-reason="TOKEN_MISSING"');
  });

  it('escapes what it renders', async () => {
    const response = await callGate({ path: '/gate/help', headers: { 'Accept-Language': '"><script>alert(1)</script>' } });
    expect(await response.text()).not.toContain('<script>alert(1)');
  });

  it('serves the pages’ scripts and stylesheets from the Worker bundle, revalidated by ETag', async () => {
    const css = await callGate({ path: '/gate/assets/hearth.css' });
    expect(css.status).toBe(200);
    expect(css.headers.get('Content-Type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain(':focus-visible');
    const script = await callGate({ path: '/gate/assets/console.js' });
    expect(script.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect((await script.text()).length).toBeGreaterThan(10_000);
    const etag = css.headers.get('ETag')!;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await callGate({ path: '/gate/assets/hearth.css', headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    for (const name of ['nothing.js', '__proto__', 'toString', 'hasOwnProperty', '..%2Fwrangler.toml']) {
      expect((await callGate({ path: `/gate/assets/${name}` })).status).toBe(404);
    }
  });

  it('serves the demo page and its development helpers in development only; in production /demo is playback', async () => {
    const { bindings, deviceToken: productionToken } = await production();
    expect((await callGate({ path: '/demo' })).status).toBe(200);
    const anonymous = await callGate({ path: '/demo', env: bindings });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('Hearth-Decision')).toBe('deny; reason=TOKEN_MISSING');
    const played = await callGate({ path: '/demo', token: await productionToken({ account: newAccount(), device: 'tv', type: 'tv' }), env: bindings });
    expect(played.status).toBe(200);
    expect(await played.json()).toMatchObject({ path: '/demo' });
    expect((await callGate({ path: '/gate/dev/stats', env: bindings })).status).toBe(404);
    const minted = await callGate({ path: '/gate/dev/device-token', method: 'POST', body: JSON.stringify({ account: 'a', device: 'd', type: 'tv' }) });
    expect(minted.status).toBe(201);
    expect(minted.headers.get('Set-Cookie')).toMatch(/^hearth_device=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict/);
    const refused = await callGate({ path: '/gate/dev/device-token', method: 'POST', body: JSON.stringify({ account: 'a', device: 'd', type: 'tv' }), env: bindings });
    expect(refused.status).toBe(404);
  });

  it('opens on a landing page at / in development, linking the pages, the documents and the walkthrough; in production / is playback', async () => {
    const landing = await callGate({ path: '/' });
    expect(landing.status).toBe(200);
    expect(landing.headers.get('Content-Type')).toContain('text/html');
    expect(landing.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    const page = await landing.text();
    for (const href of ['/demo', '/gate/help', '/gate/status', '/admin/console', '/openapi.json', '/healthz']) expect(page).toContain(`<a href="${href}">`);
    expect(page).toContain('Walkthrough: watch a household form');
    expect(page).toContain('.dev.vars.local');
    expect(page).toContain('npm run dev:reset');
    expect(page).toContain('npm run -s ops -- admin-token --scope');
    const { bindings } = await production();
    const playback = await callGate({ path: '/', env: bindings });
    expect(playback.status).toBe(401);
    expect(playback.headers.get('Hearth-Decision')).toBe('deny; reason=TOKEN_MISSING');
  });

  it('binds a development token to a public key the browser made (the demo page’s), and refuses a private one', async () => {
    const keys = await makeDeviceKeyPair('ES256');
    const mint = (jwk: object) => callGate({ path: '/gate/dev/device-token', method: 'POST', body: JSON.stringify({ account: newAccount(), device: 'laptop', type: 'web', jwk }) });
    const minted = await mint({ ...keys.publicJwk, ext: true, key_ops: ['verify'] });
    expect(minted.status).toBe(201);
    // A bound token is good only with a proof: it is not set as the device cookie.
    expect(minted.headers.getSetCookie().some((cookie) => cookie.startsWith('hearth_device='))).toBe(false);
    const { token } = await minted.json<{ token: string }>();
    expect(decodeJwt(token).cnf).toEqual({ jkt: await calculateJwkThumbprint(keys.publicJwk, 'sha256') });
    expect((await mint(keys.privateJwk)).status).toBe(400);
    expect((await mint({ kty: 'oct', k: 'c2VjcmV0' })).status).toBe(400);
  });

  it('serves the demo stream through the gate from the built-in development origin', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const playlist = await callGate({ path: '/titles/demo/index.m3u8', token, env: { ORIGIN_URL: undefined } });
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('Hearth-Decision')).toMatch(/^allow/);
    expect(await playlist.text()).toContain('#EXTM3U');
    const refused = await callGate({ path: '/titles/demo/index.m3u8', env: { ORIGIN_URL: undefined } });
    expect(refused.status).toBe(401);
  });

  it('renders the console shell without anything secret in it', async () => {
    const response = await callGate({ path: '/admin/console' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('id="signin-form"');
    expect(html).not.toMatch(/eyJ[\w-]{10,}/);
  });
});
