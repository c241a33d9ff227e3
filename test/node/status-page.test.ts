/**
 * The status page over HTTP under `wrangler dev` (contract §8), with a short
 * NOTICE_PERIOD: a stricter PUT is on the page (JSON and HTML, four
 * languages) as an upcoming step before it applies, the gate keeps deciding
 * by the rule before it until then, and once it applies the page says it
 * came with notice; a refusal then links the page, absolute on the name the
 * request came to. In Debian's Chromium: readable at 390 px, printable
 * (black on white, no navigation), axe clean on screen and in print. Writes
 * docs/screenshots/status-1440.png and status-390-es.png for reviewers.
 */
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { accessibilityProblems } from './page-checks';
import { ruledGateAndBrowser } from './ruled-gate';

/** Long enough to read the announced step on every page below, short enough to wait out. */
const NOTICE_PERIOD_SECONDS = 20;
const HOME_IP = '203.0.113.44';
const AWAY_IP = '198.51.100.44';
type Json = Record<string, any>;
/** Intl writes "20 secondes" and "50 %" with no-break spaces; the words are checked as a reader sees them. */
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

let gate: LocalWorker;
let browser: Browser;
/** The moment Peru's stricter rule applies (`effectiveAt` of the PUT). */
let peruEffectiveAt: string;

async function admin(method: string, path: string, body?: unknown) {
  const token = await mintAdminToken({ scope: 'rollout:write rollout:read', sub: 'status-test@ops' });
  const response = await fetch(gate.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: (await response.json()) as Json };
}

const statusJson = async (query = '') => (await (await fetch(`${gate.url}/gate/v1/status${query}`)).json()) as Json;

async function decision(token: string, ip: string) {
  return (await (await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': 'PE' } })).json()) as Json;
}

/** A GET with a `Host` of its own (fetch may not set one): the name a request came to, as a gate behind another name sees it. */
function getWithHost(path: string, host: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(gate.url);
  return new Promise((resolve, reject) => {
    const sent = request({ host: url.hostname, port: url.port, path, headers: { ...headers, Host: host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

beforeAll(async () => {
  ({ gate, browser } = await ruledGateAndBrowser({
    country: 'PE',
    mode: 'monitor',
    note: 'status page test',
    vars: { NOTICE_PERIOD: `PT${NOTICE_PERIOD_SECONDS}S`, ROLLOUT_APPROVAL: 'none', SUPPORT_URL: 'https://support.example/hearth' },
  }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

describe('the status page under wrangler dev, with NOTICE_PERIOD of 20 s', () => {
  it('puts a stricter rule on the page as an upcoming step, and the gate keeps the rule before it meanwhile', async () => {
    const put = await admin('PUT', '/admin/v1/rollout/PE', { mode: 'challenge', percent: 100, note: 'status page test: stricter' });
    expect(put.status).toBe(200);
    peruEffectiveAt = put.body.regions.PE.upcoming.effectiveAt;
    const staged = await admin('PUT', '/admin/v1/rollout/CL', {
      mode: 'enforce',
      stages: [{ percent: 10, hold: 'P7D' }, { percent: 100 }],
      guard: { maxRefusalRate: 0.5, window: 'PT1H' },
      note: 'status page test: staged',
    });
    expect(staged.status).toBe(200);

    const answer = await fetch(`${gate.url}/gate/v1/status`, { headers: { Origin: 'https://news.example' } });
    expect(answer.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(answer.headers.get('Cache-Control')).toBe('public, max-age=60');
    const body = (await answer.json()) as Json;
    expect(Object.keys(body.regions).toSorted()).toEqual(['*', 'CL', 'PE']);
    expect(body.regions.PE).toMatchObject({ mode: 'monitor', percent: 100, upcoming: [{ mode: 'challenge', percent: 100, at: peruEffectiveAt }] });
    const clAt = Date.parse(staged.body.regions.CL.upcoming.effectiveAt);
    expect(body.regions.CL.upcoming).toEqual([
      { mode: 'enforce', percent: 10, at: new Date(clAt).toISOString() },
      { mode: 'enforce', percent: 100, at: new Date(clAt + 7 * 86_400_000).toISOString(), notBefore: true },
    ]);

    // Meanwhile the gate decides by the rule in force: a phone away from home in Peru is only watched.
    const account = `acct-status-${Date.now()}`;
    await decision(await mintDeviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    expect(await decision(await mintDeviceToken({ account, device: 'phone' }), AWAY_IP)).toMatchObject({ decision: 'allow', mode: 'monitor', wouldDecision: 'challenge' });
    expect(Date.now()).toBeLessThan(Date.parse(peruEffectiveAt));

    for (const [accept, lang, words] of [
      ['en-US', 'en', ['Household check in Peru', 'Watching only', 'From ', 'codes offered', 'announced here 20 seconds before it applies']],
      ['es-PE', 'es', ['Verificación de hogar en Perú', 'Solo observa', 'Desde el ', 'se ofrecen códigos', 'se anuncia aquí 20 segundos antes']],
      ['pt-BR', 'pt-BR', ['Verificação de casa em Peru', 'Só observa', 'A partir de ', 'códigos oferecidos', 'anunciada aqui 20 segundos antes']],
      ['fr-FR', 'fr', ['Vérification du foyer : Pérou', 'Observation seulement', 'À partir du ', 'codes proposés', 'annoncée ici 20 secondes avant']],
    ] as const) {
      for (const url of [`${gate.url}/gate/status?region=PE`, `${gate.url}/gate/status?lang=${lang}`]) {
        // By Accept-Language with ?region=; by ?lang= over another language, the region the request's own (Hearth-Sim-Country).
        const headers: Record<string, string> = url.includes('lang=') ? { 'Accept-Language': lang === 'fr' ? 'es' : 'fr', 'Hearth-Sim-Country': 'PE' } : { 'Accept-Language': accept };
        const page = await fetch(url, { headers });
        expect(page.status).toBe(200);
        expect(page.headers.get('Content-Language')).toBe(lang);
        const html = spaced(await page.text());
        expect(html).toContain(`<html lang="${lang}">`);
        for (const word of words) expect(html).toContain(word);
        expect(html).toContain(`data-at="${peruEffectiveAt}"`);
      }
    }
    const chile = await (await fetch(`${gate.url}/gate/status?region=CL&lang=es`)).text();
    expect(chile).toContain('No antes del');
  });

  it('reads at 390 px and in print, black on white without navigation, axe clean both ways', async () => {
    mkdirSync('docs/screenshots', { recursive: true });
    const desktop = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', baseURL: gate.url });
    const wide = await desktop.newPage();
    await wide.goto('/gate/status?region=CL');
    await wide.screenshot({ path: 'docs/screenshots/status-1440.png', fullPage: true });
    expect(await accessibilityProblems(wide)).toEqual([]);
    await desktop.close();

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-PE', baseURL: gate.url, extraHTTPHeaders: { 'Hearth-Sim-Country': 'PE' } });
    const page = await phone.newPage();
    await page.goto('/gate/status');
    expect(await page.locator('h1').textContent()).toBe('Verificación de hogar en Perú');
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('#ahead li').count()).toBe(1);
    expect(await page.locator('nav.status-regions').isVisible()).toBe(true);
    await page.screenshot({ path: 'docs/screenshots/status-390-es.png', fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.status-regions').isVisible()).toBe(false);
    const colours = await page.evaluate(() => {
      const of = (selector: string) => getComputedStyle(document.querySelector(selector)!);
      return { body: of('body').backgroundColor, card: of('#now').backgroundColor, text: of('#now p').color, muted: of('#ahead .muted').color };
    });
    expect(colours).toEqual({ body: 'rgb(255, 255, 255)', card: 'rgb(255, 255, 255)', text: 'rgb(0, 0, 0)', muted: 'rgb(0, 0, 0)' });
    // The support link, printed, spells out where it goes.
    expect(await page.locator('#support-link').evaluate((link) => getComputedStyle(link, '::after').content)).toContain('https://support.example/hearth');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect((await page.pdf({ width: '390px' })).byteLength).toBeGreaterThan(1000);
    await phone.close();
  });

  it('applies the rule once its notice is over, says it came announced, and every refusal links the page on the name it came to', async () => {
    // Poll, waiting no longer than the notice: the gate reads an upcoming rule due as in force, with no request needed.
    await expect.poll(async () => (await statusJson('?region=PE')).regions.PE.mode, { timeout: (NOTICE_PERIOD_SECONDS + 15) * 1000, interval: 500 }).toBe('challenge');
    const peru = (await statusJson('?region=PE')).regions.PE;
    expect(peru).toMatchObject({ mode: 'challenge', percent: 100, since: peruEffectiveAt, upcoming: [] });
    expect(peru.changes[0]).toEqual({ at: peruEffectiveAt, mode: 'challenge', percent: 100, notice: 'given' });
    const html = spaced(await (await fetch(`${gate.url}/gate/status?region=PE&lang=en`)).text());
    expect(html).toContain('Codes offered: a device outside the household is asked for a code');
    expect(html).toContain('announced 20 seconds ahead');
    expect(html).toContain('Nothing stricter is announced.');

    const account = `acct-status-after-${Date.now()}`;
    await decision(await mintDeviceToken({ account, device: 'tv', type: 'tv' }), HOME_IP);
    const phone = await mintDeviceToken({ account, device: 'phone' });
    const refused = await decision(phone, AWAY_IP);
    expect(refused).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect(refused.actions.at(-1)).toEqual({ id: 'status', method: 'GET', href: `${gate.url}/gate/status?region=PE` });

    // The same gate reached under another name: every href is on that name.
    const elsewhere = await getWithHost('/titles/demo/seg-1.ts', 'watch.example:8443', { Authorization: `Bearer ${phone}`, 'CF-Connecting-IP': AWAY_IP, 'Hearth-Sim-Country': 'PE' });
    expect(elsewhere.status).toBe(403);
    const problem = JSON.parse(elsewhere.body) as Json;
    for (const action of problem.actions) expect(new URL(action.href).origin).toBe('http://watch.example:8443');
    expect(problem.actions.at(-1).href).toBe('http://watch.example:8443/gate/status?region=PE');

    // Followed as given, the link opens Peru's page.
    const followed = await fetch(refused.actions.at(-1).href, { headers: { 'Accept-Language': 'es' } });
    expect(followed.status).toBe(200);
    expect(await followed.text()).toContain('Verificación de hogar en Perú');
  }, 60_000);
});
