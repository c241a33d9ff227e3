/**
 * The question after a refusal (contract §8) where people meet it, in
 * Chromium against `wrangler dev`: on the help page in Spanish and in French
 * (one tap, then what happens next for that situation, axe clean at phone
 * and TV size), and through the player SDK in a page on another origin (the
 * `question` event in the page's language, the `feedback()` tap counted and
 * answered), and in the ops console (what refused households said beside
 * the refusal chart, the guard's live-here field, an account's answers).
 * Screenshots in test-artifacts/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { launchChromium } from './chromium';
import { accessibilityProblems, focused, textOf, visible, WAIT } from './page-checks';

const SHOTS = 'test-artifacts/screenshots';
const SIZES = { tv: { width: 1920, height: 1080 }, phone: { width: 390, height: 844 } } as const;
type Json = Record<string, any>;

let gate: LocalWorker;
let browser: Browser;
let playerPage: Server;
const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function pageServer(): Promise<Server> {
  const bundle = await build({ entryPoints: ['test/node/players/feedback-page.ts'], bundle: true, format: 'iife', target: 'es2022', write: false });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://page');
    if (url.pathname === '/page.js') return void response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle.outputFiles[0]!.contents);
    const lang = url.searchParams.get('lang') ?? 'en';
    response
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html lang="${lang}"><head><title>player</title></head><body><script src="/page.js"></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  playerPage = await pageServer();
  const launched = launchChromium();
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', CORS_ALLOWED_ORIGINS: origin(playerPage) } }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  // The browser's requests carry no country: the `*` rule applies to them, and to the help page's simulated Bolivia.
  const admin = await mintAdminToken({ scope: 'rollout:write rollout:skip-notice', sub: 'feedback-pages@ops' });
  const ruled = await fetch(`${gate.url}/admin/v1/rollout/${encodeURIComponent('*')}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'challenge', note: 'feedback pages test', notice: 'skip' }),
  });
  if (ruled.status !== 200) throw new Error(`setting the * rule answered ${ruled.status}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
  playerPage?.close();
});

let households = 0;
/** A household whose TV is at home on a network of its own; `phone` has never been home. */
async function household() {
  households += 1;
  const account = `acct-fbp-${households}-${Date.now().toString(36)}`;
  const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
  const home = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': `203.0.113.${households}` } });
  expect(((await home.json()) as Json).decision).toBe('allow');
  return { account, phone: await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 }) };
}

const summaryOf = async (account: string) => {
  const token = await mintAdminToken({ scope: 'accounts:read', sub: 'feedback-pages@ops' });
  return (await (await fetch(`${gate.url}/admin/v1/accounts/${account}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as Json;
};

async function helpPage(token: string, locale: string, size: keyof typeof SIZES): Promise<Page> {
  const context = await browser.newContext({ viewport: SIZES[size], locale, baseURL: gate.url });
  await context.addCookies([{ name: 'hearth_device', value: token, url: gate.url }]);
  await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': '198.51.100.77', 'Hearth-Sim-Country': 'BO' });
  const page = await context.newPage();
  await page.goto('/gate/help');
  return page;
}

describe('the question on the help page', () => {
  it('asks a refused phone in Spanish, one tap sends it, and it says what happens next for studying; axe clean at phone and TV size', async () => {
    const { account, phone } = await household();
    const page = await helpPage(phone, 'es-PE', 'phone');
    await textOf(page.locator('#feedback-title')).toBe('¿Cuál de estas opciones te describe?');
    const choices = await page.locator('#feedback-choices button').allTextContents();
    expect(choices).toEqual([
      'Vivo aquí: este es mi hogar',
      'Estoy de viaje',
      'Estoy fuera por estudios',
      'Estoy destinado fuera (servicio militar o trabajo)',
      'Esta es nuestra segunda casa',
      'Otra cosa',
    ]);
    for (const size of ['tv', 'phone'] as const) {
      await page.setViewportSize(SIZES[size]);
      expect(await accessibilityProblems(page)).toEqual([]);
    }
    await page.screenshot({ path: `${SHOTS}/feedback-help-es-phone.png`, fullPage: true });
    const sent = page.waitForResponse((response) => response.url().endsWith('/gate/v1/feedback') && response.request().method() === 'POST');
    await page.click('#feedback-choices button[data-situation="studying"]');
    expect((await sent).status()).toBe(201);
    await textOf(page.locator('#feedback-status')).toMatch(/^Gracias, quedó registrado\. Para un periodo de estudios/);
    await focused(page.locator('#feedback-status'));
    expect(await page.locator('#feedback-choices').isVisible()).toBe(false);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect((await summaryOf(account)).feedback).toMatchObject([{ situation: 'studying', deviceId: 'phone', comment: null }]);
    await page.context().close();
  });

  it('asks in French with a comment, shows a limit as its message, and is not shown to a device at home', async () => {
    const { account, phone } = await household();
    const page = await helpPage(phone, 'fr-CA', 'tv');
    await textOf(page.locator('#feedback-title')).toBe('Laquelle de ces situations est la vôtre ?');
    await page.fill('#feedback-comment', 'Je vis ici depuis mars');
    await page.click('#feedback-choices button[data-situation="live-here"]');
    await textOf(page.locator('#feedback-status')).toMatch(/^Merci, c’est pris en compte\. Si c’est votre domicile/);
    await page.screenshot({ path: `${SHOTS}/feedback-help-fr-tv.png`, fullPage: true });
    expect((await summaryOf(account)).feedback).toMatchObject([{ situation: 'live-here', comment: 'Je vis ici depuis mars' }]);
    // Twice more from this device, then the page shows the gate's limit in French.
    for (let i = 0; i < 2; i++) await page.evaluate(() => fetch('/gate/v1/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"situation":"other"}' }));
    await page.reload();
    await page.click('#feedback-choices button[data-situation="other"]');
    await textOf(page.locator('#feedback-status')).toMatch(/^Cet appareil a déjà répondu 3 fois aujourd’hui/);
    await page.context().close();

    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    const context = await browser.newContext({ locale: 'fr-CA', baseURL: gate.url });
    await context.addCookies([{ name: 'hearth_device', value: tv, url: gate.url }]);
    await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': `203.0.113.${households}` });
    const home = await context.newPage();
    await home.goto('/gate/help');
    await visible(home.locator('#reason-title'));
    expect(await home.locator('#feedback').count()).toBe(0);
    await context.close();
  });
});

describe('the question through the player SDK on another origin', () => {
  it('emits the question in the page’s language after the refusal, and feedback() sends the tap and says what happens next', async () => {
    const { account, phone } = await household();
    const context = await browser.newContext({ locale: 'pt-BR' });
    const page = await context.newPage();
    await page.goto(`${origin(playerPage)}/?lang=pt-BR`);
    const started = await page.evaluate((args) => (window as unknown as { start: (gate: string, token: string) => Promise<string> }).start(...args), [gate.url, phone] as const);
    expect(started).toBe('OUTSIDE_HOUSEHOLD');
    await expect.poll(() => page.evaluate(() => (window as unknown as { seen: { questions: unknown[] } }).seen.questions.length), WAIT).toBe(1);
    const seen = await page.evaluate(() => (window as unknown as { seen: { refusals: Json[]; questions: Json[] } }).seen);
    expect(seen.refusals).toHaveLength(1);
    expect(seen.questions[0]).toMatchObject({ question: 'Qual destas opções descreve você?', requestId: seen.refusals[0]!.requestId });
    expect(seen.questions[0]!.choices.map((choice: Json) => choice.situation)).toEqual(['live-here', 'travelling', 'studying', 'posted-away', 'second-home', 'other']);

    const given = await page.evaluate(() => (window as unknown as { answer: (situation: string, comment?: string) => Promise<Json> }).answer('posted-away', 'Missão de paz'));
    expect(given).toMatchObject({ situation: 'posted-away', message: expect.stringMatching(/^Obrigado, foi registrado\. Para um destacamento/) });
    expect((await summaryOf(account)).feedback).toMatchObject([{ situation: 'posted-away', comment: 'Missão de paz', requestId: seen.refusals[0]!.requestId }]);
    await context.close();
  });
});

describe('the console hears the refused', () => {
  it('shows what refused households said beside the refusal chart, takes a guard’s live-here share, and lists an account’s answers with their comments', async () => {
    const first = await household();
    const second = await household();
    const answer = async (token: string, body: object) => {
      await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': '198.51.100.99' } });
      const given = await fetch(`${gate.url}/gate/v1/feedback`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': '198.51.100.99', 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(given.status).toBe(201);
    };
    await answer(first.phone, { situation: 'live-here', comment: 'We moved in last spring' });
    await answer(second.phone, { situation: 'travelling' });

    const admin = await mintAdminToken({ scope: 'rollout:read rollout:write accounts:read audit:read', sub: 'feedback-console@ops' });
    const context = await browser.newContext({ viewport: SIZES.tv, locale: 'en-US', baseURL: gate.url });
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', admin);
    await page.click('#signin-form button[type=submit]');
    // Requests with no country are the development gate's US (docs/api.md, development): the * rule refused them there.
    await expect.poll(async () => page.locator('#metrics-region option[value="US"]').count(), WAIT).toBe(1);
    await page.selectOption('#metrics-region', 'US');
    const said = async () => Promise.all((await page.locator('#feedback-said tr').all()).map((tr) => tr.locator('td').allTextContents()));
    await expect.poll(said, WAIT).toEqual(expect.arrayContaining([['live-here', expect.stringMatching(/^\d+$/), expect.stringMatching(/%$/)]]));
    expect((await said()).map(([situation]) => situation)).toContain('travelling');
    await textOf(page.locator('#metrics-summary')).toMatch(/Refused households said: live-here \d+, travelling \d+/);
    await page.locator('#feedback-figure').screenshot({ path: `${SHOTS}/console-feedback.png` });

    // The guard's live-here share, through the rule form (monitor: looser than the * rule, so it applies at once).
    await page.fill('#rule-region', 'XY');
    await page.selectOption('#rule-mode', 'monitor');
    await page.fill('#rule-guard-livehere', '0.2');
    await page.fill('#rule-guard-window', 'PT30M');
    await page.fill('#rule-note', 'listening to XY');
    await page.click('#rule-form button[type=submit]');
    await page.click('#confirm-ok');
    await expect
      .poll(async () => ((await (await fetch(`${gate.url}/admin/v1/rollout`, { headers: { Authorization: `Bearer ${admin}` } })).json()) as Json).regions.XY?.guard, WAIT)
      .toMatchObject({ maxLiveHereRate: 0.2, window: 'PT30M' });
    await textOf(page.locator('#regions')).toContain('live here ≤ 20.0 %');

    await page.fill('#account-id', first.account);
    await page.click('#account-form button[type=submit]');
    await visible(page.locator('#account'));
    const rows = async () => Promise.all((await page.locator('#account-feedback tr').all()).map((tr) => tr.locator('td').allTextContents()));
    await expect
      .poll(rows, WAIT)
      .toEqual([
        [expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/), 'live-here', 'phone (mobile)', 'OUTSIDE_HOUSEHOLD in US', expect.stringMatching(/^[0-9a-f-]{36}$/), 'We moved in last spring'],
      ]);
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });
});
