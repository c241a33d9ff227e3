/**
 * The player SDK as a player developer uses it: Debian's Chromium, a page
 * served from another loopback origin (listed in CORS_ALLOWED_ORIGINS), and
 * hls.js, Shaka Player and video.js from npm playing the demo stream through
 * `wrangler dev`. Each adapter plays; a device outside the household gets the
 * SDK's refusal event in the page's language, completes the code flow and
 * plays without a reload; when its temporary access lapses mid-stream, the
 * refused segment costs at most two requests (the preflight and the request)
 * and one event, and a second code resumes playback; a bound device plays
 * with its non-extractable key; an origin that is not listed gets nothing.
 * A refusal's actions are absolute on the gate, and the page follows its
 * status action there — from a v1.4 gate as sent, from an older gate (paths)
 * resolved by the SDK against the gate, not the page.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import type { Seen } from './players/page.ts';

const WAIT = { timeout: 30_000, interval: 200 };
/** Temporary access from a code: short, so it lapses while the stream plays. */
const TEMPORARY_ACCESS = 'PT10S';
const HOME_IP = '203.0.113.5';
const PLAYERS = ['hls', 'shaka', 'videojs'] as const;
type Player = (typeof PLAYERS)[number];

let gate: LocalWorker;
let browser: Browser;
let listedPage: Server;
let unlistedPage: Server;

const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The developer's page and its scripts: the players from npm, and page.ts bundled with the SDK. */
async function pageServer(): Promise<Server> {
  const bundle = await build({ entryPoints: ['test/node/players/page.ts'], bundle: true, format: 'iife', target: 'es2022', write: false });
  const files: Record<string, [string, string | Uint8Array]> = {
    '/page.js': ['text/javascript', bundle.outputFiles[0]!.contents],
    '/hls.js': ['text/javascript', readFileSync('node_modules/hls.js/dist/hls.min.js')],
    '/shaka.js': ['text/javascript', readFileSync('node_modules/shaka-player/dist/shaka-player.compiled.js')],
    '/video.js': ['text/javascript', readFileSync('node_modules/video.js/dist/video.min.js')],
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://page');
    const file = files[url.pathname];
    if (file) {
      response.writeHead(200, { 'Content-Type': file[0] }).end(file[1]);
      return;
    }
    const lang = url.searchParams.get('lang') ?? 'en';
    response
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><html lang="${lang}"><head><title>player</title></head><body><video muted playsinline width="320"></video>` +
          '<script src="/hls.js"></script><script src="/shaka.js"></script><script src="/video.js"></script><script src="/page.js"></script></body></html>',
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function admin(method: string, path: string, body?: unknown) {
  const token = await mintAdminToken({ scope: 'rollout:write rollout:read', sub: 'players-test@ops' });
  const response = await fetch(gate.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.status;
}

const deviceToken = (account: string, device: string, type = 'web', bindTo?: object) => mintDeviceToken({ account, device, type: type as 'web', ttlSeconds: 3600, ...(bindTo ? { bindTo } : {}) });

async function codeFromLog(deviceId: string, after: number): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const lines = gate
      .output()
      .split('\n')
      .filter((line) => line.includes('verification_code_development_delivery') && line.includes(`"deviceId":"${deviceId}"`));
    const code = lines.length > after ? lines.at(-1)?.match(/"code":"(\d{6})"/)?.[1] : undefined;
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no code for ${deviceId} in the gate's log`);
}

/** A request Chromium sent to the gate: a preflight or the request itself, and what became of it. */
interface GateRequest {
  method: string;
  url: string;
  preflight: boolean;
  status: number | null;
  /** Given up by the player before an answer (a seek, a buffer flush): no refusal, and not a retry. */
  canceled: boolean;
}

/** A page of the developer's site, with every request Chromium sends to the gate (preflights included) counted by URL. */
async function openPage(server: Server, lang = 'en') {
  const context = await browser.newContext({ locale: lang });
  const page = await context.newPage();
  const requests: GateRequest[] = [];
  const byId = new Map<string, GateRequest>();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (event) => {
    if (!event.request.url.startsWith(gate.url)) return;
    const request: GateRequest = { method: event.request.method, url: event.request.url, preflight: event.type === 'Preflight' || event.request.method === 'OPTIONS', status: null, canceled: false };
    requests.push(request);
    byId.set(event.requestId, request);
  });
  cdp.on('Network.responseReceived', (event) => {
    const request = byId.get(event.requestId);
    if (request) request.status = event.response.status;
  });
  cdp.on('Network.loadingFailed', (event) => {
    const request = byId.get(event.requestId);
    if (request) request.canceled = event.canceled === true;
  });
  await page.goto(`${origin(server)}/?lang=${lang}`);
  return { page, requests, close: () => context.close() };
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: Seen }).seen);
const videoTime = (page: Page) => page.evaluate(() => document.querySelector('video')!.currentTime);
const play = (page: Page, player: Player, token: string, bound = false) =>
  page.evaluate((args) => (window as unknown as { play: (...args: unknown[]) => Promise<string> }).play(...args), [player, gate.url, token, bound] as const);
const challenge = (page: Page) => page.evaluate(() => (window as unknown as { challenge: () => Promise<string> }).challenge());
const verify = (page: Page, challengeId: string, code: string) =>
  page.evaluate((args) => (window as unknown as { verify: (id: string, code: string) => Promise<string> }).verify(...args), [challengeId, code] as const);

beforeAll(async () => {
  [listedPage, unlistedPage] = await Promise.all([pageServer(), pageServer()]);
  // Chromium launches while the gate starts: neither needs the other until the first test.
  const launched = launchChromium();
  gate = await startLocalWorker({
    envFile: '.dev.vars',
    vars: { METRICS_FLUSH_INTERVAL: 'PT0S', CORS_ALLOWED_ORIGINS: origin(listedPage), TEMP_ACCESS_DURATION: TEMPORARY_ACCESS },
  }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  // Requests from this browser carry no country: the fallback rule `*` applies. Set before any decision reads the rules.
  const ruled = await admin('PUT', `/admin/v1/rollout/${encodeURIComponent('*')}`, { mode: 'challenge', note: 'players test' });
  if (ruled !== 200) throw new Error(`setting the * rule answered ${ruled}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
  listedPage?.close();
  unlistedPage?.close();
});

describe('the player SDK in a page on another origin', () => {
  for (const player of PLAYERS) {
    it(`plays the demo stream with ${player}`, async () => {
      const { page, close } = await openPage(listedPage);
      // wrangler dev gives these requests no client address: the decision allows without a network to hold.
      expect(await play(page, player, await deviceToken(`acct-plays-${player}`, 'laptop'))).toMatch(/^HOUSEHOLD_(ESTABLISHED|NOT_SET)$/);
      await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(1);
      expect((await seen(page)).refusals).toEqual([]);
      await close();
    });
  }

  for (const player of PLAYERS) {
    it(`refuses an outside device once in the page’s language, and the code flow resumes ${player} without a reload, twice`, async () => {
      const account = `acct-away-${player}`;
      const device = `phone-${player}`;
      const home = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${await deviceToken(account, 'tv', 'tv')}`, 'CF-Connecting-IP': HOME_IP } });
      expect(home.status).toBe(200);

      const { page, requests, close } = await openPage(listedPage, 'pt');
      expect(await play(page, player, await deviceToken(account, device))).toBe('OUTSIDE_HOUSEHOLD');
      const [refusal] = (await seen(page)).refusals;
      expect(refusal).toMatchObject({ status: 403, reason: 'OUTSIDE_HOUSEHOLD', decision: 'challenge' });
      expect(refusal!.message).toMatch(/^Este dispositivo não faz parte/);
      expect(refusal!.actions.map((action) => action.id)).toContain('verify');

      // The code flow, from the page's own UI: playback starts, no reload.
      const challengeId = await challenge(page);
      expect(await verify(page, challengeId, await codeFromLog(device, 0))).toBe('TEMPORARY_ACCESS');
      expect(await play(page, player, await deviceToken(account, device))).toBe('TEMPORARY_ACCESS');
      await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(1);

      // The access lapses mid-stream: one refused segment, one event, no retry storm.
      await expect.poll(async () => (await seen(page)).refusals.length, WAIT).toBe(2);
      const lapsed = (await seen(page)).refusals[1]!;
      expect(lapsed.reason).toBe('OUTSIDE_HOUSEHOLD');
      const stoppedAt = await videoTime(page);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      // What the refused segment cost: its preflight and every request for it that the gate refused (none canceled by the player).
      const refusedUrl = requests.findLast((request) => !request.preflight && (request.status === 401 || request.status === 403) && !request.url.includes('/gate/v1/'))!.url;
      const cost = requests.filter((request) => request.url === refusedUrl && !request.canceled && (request.preflight || request.status === 401 || request.status === 403 || request.status === null));
      console.log(
        `${player}: the refused segment ${new URL(refusedUrl).pathname} cost ${cost.length} requests (${cost.map((r) => (r.preflight ? 'preflight' : String(r.status))).join(', ')}); ${(await seen(page)).refusals.length} refusal events`,
      );
      expect(cost.length).toBeLessThanOrEqual(2);
      expect((await seen(page)).refusals).toHaveLength(2);

      // A second code: the SDK renews the session and the adapter loads again where playback stopped.
      const secondId = await challenge(page);
      expect(await verify(page, secondId, await codeFromLog(device, 1))).toBe('TEMPORARY_ACCESS');
      await expect.poll(async () => (await seen(page)).resumes, WAIT).toBeGreaterThan(0);
      await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(stoppedAt + 1);
      await close();
    });
  }

  it('away access through the SDK (contract §6): a posted phone asks for 30 days, the owner’s code gives them, playback resumes as AWAY_ACCESS', async () => {
    const account = 'acct-posted';
    const device = 'phone-posted';
    const home = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${await deviceToken(account, 'tv', 'tv')}`, 'CF-Connecting-IP': HOME_IP } });
    expect(home.status).toBe(200);
    const { page, close } = await openPage(listedPage);
    expect(await play(page, 'hls', await deviceToken(account, device))).toBe('OUTSIDE_HOUSEHOLD');
    const challengeId = await page.evaluate((days) => (window as unknown as { askAwayAccess: (days: number) => Promise<string> }).askAwayAccess(days), 30);
    expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
    const code = await codeFromLog(device, 0);
    expect(await page.evaluate((args) => (window as unknown as { awayAccess: (id: string, code: string) => Promise<string> }).awayAccess(...args), [challengeId, code] as const)).toBe('AWAY_ACCESS');
    // As after a travel code: the page plays again, and the phone plays from wherever it is.
    expect(await play(page, 'hls', await deviceToken(account, device))).toBe('AWAY_ACCESS');
    await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(1);
    await close();
  });

  it('plays a bound device with its non-extractable key kept in IndexedDB', async () => {
    const { page, requests, close } = await openPage(listedPage);
    const key = await page.evaluate(() => (window as unknown as { deviceKeyInfo: () => Promise<{ jwk: object; thumbprint: string; extractable: boolean; exported: boolean }> }).deviceKeyInfo());
    expect(key).toMatchObject({ extractable: false, exported: false });
    // The account service binds the token to the public key the page made.
    const token = await deviceToken('acct-bound', 'laptop', 'web', key.jwk);
    expect(await play(page, 'hls', token, true)).toMatch(/^HOUSEHOLD_(ESTABLISHED|NOT_SET)$/);
    await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(1);
    // The same key after a reload (IndexedDB), and the decision was proved with it.
    await page.reload();
    expect((await page.evaluate(() => (window as unknown as { deviceKeyInfo: () => Promise<{ thumbprint: string }> }).deviceKeyInfo())).thumbprint).toBe(key.thumbprint);
    expect(requests.some((request) => request.url.endsWith('/gate/v1/decision') && request.method === 'GET')).toBe(true);
    // Without the key, the bound token alone is refused.
    expect(await play(page, 'hls', token, false)).toBe('DEVICE_PROOF_REQUIRED');
    await close();
  });

  it('hands the app absolute action hrefs on the gate: the page on another origin follows the status action to the region’s page', async () => {
    const account = 'acct-status-link';
    const home = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${await deviceToken(account, 'tv', 'tv')}`, 'CF-Connecting-IP': HOME_IP } });
    expect(home.status).toBe(200);
    const { page, close } = await openPage(listedPage, 'fr');
    expect(await play(page, 'hls', await deviceToken(account, 'laptop-status'))).toBe('OUTSIDE_HOUSEHOLD');
    const [refusal] = (await seen(page)).refusals;
    for (const action of refusal!.actions) expect(action.href.startsWith(`${gate.url}/`)).toBe(true);
    // The region wrangler dev gives the request (its local `cf.country`), whose rule is `*`'s.
    const href = (await page.evaluate(() => (window as unknown as { linkStatus: () => string | null }).linkStatus()))!;
    expect(href).toMatch(new RegExp(`^${gate.url}/gate/status\\?region=([A-Z]{2}|\\*)$`));
    await Promise.all([page.waitForURL(href), page.click('#status-link')]);
    expect(await page.locator('h1').textContent()).toMatch(/^Vérification du foyer : /);
    expect(await page.locator('#now').getAttribute('data-mode')).toBe('challenge');
    await close();
  });

  it('resolves an older gate’s action paths against the gate, not against the page on another origin', async () => {
    const account = 'acct-status-older';
    await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${await deviceToken(account, 'tv', 'tv')}`, 'CF-Connecting-IP': HOME_IP } });
    const { page, close } = await openPage(listedPage);
    // A gate before v1.4: the same answer, its hrefs paths.
    await page.route(`${gate.url}/gate/v1/decision`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { actions?: Array<{ href: string }> };
      for (const action of body.actions ?? []) action.href = new URL(action.href).pathname + new URL(action.href).search;
      await route.fulfill({ response, body: JSON.stringify(body) });
    });
    expect(await play(page, 'hls', await deviceToken(account, 'laptop-older'))).toBe('OUTSIDE_HOUSEHOLD');
    const [refusal] = (await seen(page)).refusals;
    expect(refusal!.actions.find((action) => action.id === 'verify')?.href).toBe(`${gate.url}/gate/v1/challenges`);
    expect(await page.evaluate(() => (window as unknown as { linkStatus: () => string | null }).linkStatus())).toMatch(new RegExp(`^${gate.url}/gate/status\\?region=`));
    expect(page.url().startsWith(origin(listedPage))).toBe(true);
    await close();
  });

  it('gives a page on an origin that is not listed nothing: the browser blocks the call, and the viewer reads what to do in their language', async () => {
    for (const [lang, words] of [
      ['en', 'Check this device’s internet connection'],
      ['fr', 'Vérifiez la connexion internet'],
    ] as const) {
      const { page, close } = await openPage(unlistedPage, lang);
      expect(await play(page, 'hls', await deviceToken('acct-unlisted', 'laptop'))).toBe('GATE_UNREACHABLE');
      const refusal = (await seen(page)).refusals[0];
      expect(refusal).toMatchObject({ status: 0, reason: 'GATE_UNREACHABLE' });
      // Issue 36, item 6: the message was empty.
      expect(refusal?.message).toContain(words);
      await close();
    }
  });

  it('calls the token hook again with expired: true after TOKEN_EXPIRED, and renews the session after a network change', async () => {
    const { page, close } = await openPage(listedPage);
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintDeviceToken({ account: 'acct-refresh', device: 'laptop', type: 'web', claims: { iat: now - 7200, exp: now - 3600 } });
    const fresh = await deviceToken('acct-refresh', 'laptop');
    const result = await page.evaluate((args) => (window as unknown as { refreshAndRenew: (...args: string[]) => Promise<object> }).refreshAndRenew(...args), [gate.url, expired, fresh] as const);
    // Each decision asks the hook; the app would keep the fresh token it handed out (this one hands out the expired one first each time).
    expect(result).toMatchObject({ calls: [false, true, false, true], sessions: 2, renewed: true });
    expect((result as { reason: string }).reason).toMatch(/^HOUSEHOLD_/);
    await close();
  });

  it('the demo page plays with a device key bound in the browser: non-extractable, in IndexedDB', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gate.url}/demo`);
    await expect.poll(() => videoTime(page), WAIT).toBeGreaterThan(2);
    expect(await page.locator('#demo-status').textContent()).toContain('with a key bound to this browser');
    const keys = await page.evaluate(
      () =>
        new Promise<Array<{ extractable: boolean; algorithm: string }>>((resolve, reject) => {
          const open = indexedDB.open('hearth-player');
          open.addEventListener('error', () => reject(open.error));
          open.addEventListener('success', () => {
            const all = open.result.transaction('device-keys').objectStore('device-keys').getAll();
            all.addEventListener('success', () => resolve((all.result as CryptoKeyPair[]).map((pair) => ({ extractable: pair.privateKey.extractable, algorithm: pair.privateKey.algorithm.name }))));
          });
        }),
    );
    expect(keys).toEqual([{ extractable: false, algorithm: 'ECDSA' }]);
    await context.close();
  });
});
