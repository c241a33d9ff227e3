/**
 * The pages in a real browser: Debian's Chromium driven by playwright-core,
 * against the gate under `wrangler dev`. Screenshots of every page at TV and
 * phone sizes are kept in test-artifacts/screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { launchChromium } from './chromium';
import { accessibilityProblems, codeFromLog as codeInLog, focused, textOf, visible, WAIT } from './page-checks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { makeDeviceKeyPair, mintAdminToken, mintDeviceProof, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';

const SIZES = { tv: { width: 1920, height: 1080 }, phone: { width: 390, height: 844 } } as const;
const SHOTS = 'test-artifacts/screenshots';
/** Screenshots kept in the repository for reviewers (the help page in Spanish and Brazilian Portuguese). */
const REVIEW_SHOTS = 'docs/screenshots';
const SUPPORT_URL = 'https://support.example/hearth';
const ALL_SCOPES = ADMIN_SCOPES.join(' ');
const catalogMessage = (locale: string, reason: string) =>
  new RegExp(
    readFileSync('src/messages/catalog.ts', 'utf8')
      .split(`  ${reason}: {`)[1]!
      .split(`${locale}: '`)[1]!
      .split("',")[0]!
      .slice(0, 40)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );

let gate: LocalWorker;
let browser: Browser;
let adminToken: string;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(gate.url + path, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function newContext(locale = 'en-US', size: keyof typeof SIZES = 'tv'): Promise<BrowserContext> {
  return browser.newContext({ viewport: SIZES[size], locale, baseURL: gate.url });
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `${SHOTS}/${name}-${size}.png`, fullPage: true });
  }
  await page.setViewportSize(SIZES.tv);
}

/** The last development-delivered code for a device, from this file's gate's log. */
const codeFromLog = (deviceId: string) => codeInLog(gate, deviceId);

async function videoTime(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('video')!.currentTime);
}

async function playDemo(page: Page, device: string, network: string, region: string) {
  await page.selectOption('#demo-device', device);
  await page.selectOption('#demo-network', network);
  await page.selectOption('#demo-region', region);
  await page.click('#demo-play');
}

/** A household's first decision writes it off the hot path (waitUntil): wait until support can read it. */
async function householdWritten(account: string): Promise<void> {
  await expect.poll(async () => (await admin('GET', `/admin/v1/accounts/${encodeURIComponent(account)}`)).status, WAIT).toBe(200);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(REVIEW_SHOTS, { recursive: true });
  // Chromium launches while the gate starts: neither needs the other until the first test.
  const launched = launchChromium();
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', SUPPORT_URL } }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  adminToken = await mintAdminToken({ scope: ALL_SCOPES, sub: 'browser-test@ops' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

describe('the demo player', () => {
  it('plays the demo stream through the gate as soon as it opens, each segment with its decision', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/demo');
    await expect.poll(() => videoTime(page), { timeout: 20_000 }).toBeGreaterThan(2);
    await textOf(page.locator('#demo-log li').first()).toMatch(/allow; reason=(HOUSEHOLD_ESTABLISHED|IN_HOUSEHOLD)/);
    await screenshots(page, 'demo');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('stops an outside device in a challenge region with the help message; the code resumes playback', async () => {
    expect((await admin('PUT', '/admin/v1/rollout/CL', { mode: 'challenge', note: 'browser test' })).status).toBe(200);
    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/demo');
    await page.fill('#demo-account', 'acct-browser');
    await playDemo(page, 'tv-living-room', '203.0.113.10', 'CL');
    await expect.poll(() => videoTime(page), { timeout: 20_000 }).toBeGreaterThan(1);

    await playDemo(page, 'phone-cousin', '198.51.100.20', 'CL');
    await visible(page.locator('#demo-help'));
    await textOf(page.locator('#demo-help-message')).toMatch(catalogMessage('en', 'OUTSIDE_HOUSEHOLD'));
    expect(await videoTime(page)).toBe(0);
    await screenshots(page, 'demo-challenged');

    await page.click('#demo-send-code');
    await visible(page.locator('#demo-code-form'));
    await page.fill('#demo-code', await codeFromLog('phone-cousin'));
    await page.click('#demo-code-form button[type=submit]');
    await textOf(page.locator('#demo-access')).toContain('Temporary access until');
    await expect.poll(() => videoTime(page), { timeout: 20_000 }).toBeGreaterThan(1);
    await textOf(page.locator('#demo-log li').first()).toContain('allow; reason=TEMPORARY_ACCESS');
    await context.close();
  });
});

describe('the help page', () => {
  it('shows the same message and actions as the API, in the person’s language, and completes the code flow', async () => {
    expect((await admin('PUT', '/admin/v1/rollout/PE', { mode: 'challenge', note: 'browser test' })).status).toBe(200);
    const account = `acct-help-${Date.now()}`;
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.10', 'Hearth-Sim-Country': 'PE' } });
    const phone = await mintDeviceToken({ account, device: 'phone-away', type: 'mobile', ttlSeconds: 600 });
    const api = (await (await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${phone}`, 'Accept-Language': 'es', 'Hearth-Sim-Country': 'PE' } })).json()) as {
      reason: string;
      message: string;
    };
    expect(api.reason).toBe('OUTSIDE_HOUSEHOLD');

    const context = await newContext('es-PE');
    await context.addCookies([{ name: 'hearth_device', value: phone, url: gate.url }]);
    await context.setExtraHTTPHeaders({ 'Hearth-Sim-Country': 'PE' });
    const page = await context.newPage();
    await page.goto('/gate/help');
    await textOf(page.locator('#reason-message')).toBe(api.message);
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await textOf(page.locator('[data-action="verify"]')).toBe('Enviar un código al titular de la cuenta');
    await visible(page.locator('a[href="#extra-member"]'));
    await screenshots(page, 'help');
    expect(await accessibilityProblems(page)).toEqual([]);

    // A TV remote: arrow keys move a visible focus; Enter activates. Next to the code: away access for a long stay (folded below).
    await focused(page.locator('[data-action="verify"]'));
    await page.keyboard.press('ArrowDown');
    await focused(page.locator('a[href="#long-stay"]'));
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await focused(page.locator('#code'));
    await page.keyboard.type(await codeFromLog('phone-away'));
    await page.keyboard.press('Enter');
    // A week away: the date and time as Spanish writes them ("hasta el 8 de diciembre a las 18:20"), not "hasta las 8 dic 2026, 18:20".
    await textOf(page.locator('#status-line')).toMatch(/^Acceso temporal concedido hasta el \d{1,2} de [a-z]+ a las \d{1,2}:\d{2}\. Disfruta tu programa\.$/);
    await screenshots(page, 'help-granted');
    await context.close();
  });

  for (const [language, country] of [
    ['es', 'PE'],
    ['pt-BR', 'BR'],
  ] as const) {
    for (const size of ['phone', 'tv'] as const) {
      it(`in ${language} on a ${size}: the code form only once a code is on its way, six digits that fit, times as ${language} writes them`, async () => {
        expect((await admin('PUT', `/admin/v1/rollout/${country}`, { mode: 'challenge', note: 'browser test' })).status).toBe(200);
        const account = `acct-help-${language}-${size}-${Date.now()}`;
        const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
        await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.10', 'Hearth-Sim-Country': country } });
        const phone = await mintDeviceToken({ account, device: 'phone-away', type: 'mobile', ttlSeconds: 600 });
        const context = await newContext(language, size);
        await context.addCookies([{ name: 'hearth_device', value: phone, url: gate.url }]);
        await context.setExtraHTTPHeaders({ 'Hearth-Sim-Country': country });
        const page = await context.newPage();
        await page.goto('/gate/help');
        expect(await page.locator('html').getAttribute('lang')).toBe(language);
        await visible(page.locator('[data-action="verify"]'));
        // No code was sent yet: no code form.
        expect(await page.locator('#code-form').isVisible()).toBe(false);
        // The glossary of raw codes is folded away; the page stays short on a phone.
        expect(await page.locator('#meanings').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
        expect(await page.locator('#meanings dl').first().isVisible()).toBe(false);
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        // (A signed-in device also has "Your devices" folded to one line, about 130 px on a TV, and a device refused outside
        // the household "Away for a long time?" folded to one more. Refused outside the household, the question of contract
        // §8 is open under the decision — six answers, one tap each, about 700 px at either size — since no tap may be
        // hidden behind another.)
        expect(height).toBeLessThan(size === 'phone' ? 3_300 : 4_100);
        // Contact support links to SUPPORT_URL.
        expect(await page.locator('#support-link').getAttribute('href')).toBe(SUPPORT_URL);
        expect(await accessibilityProblems(page)).toEqual([]);

        const sent = page.waitForResponse((response) => response.url().endsWith('/gate/v1/challenges'));
        await page.click('[data-action="verify"]');
        const expiresAt = new Date(((await (await sent).json()) as { expiresAt: string }).expiresAt);
        await visible(page.locator('#code-form'));
        // The code expires later today: the time alone, with the words each language puts around it.
        const hour = expiresAt.getHours();
        const until = language === 'es' ? `Es válido hasta ${hour === 1 ? 'la' : 'las'} ` : 'Ele vale até ';
        await textOf(page.locator('#status-line')).toMatch(new RegExp(`${until}\\d{1,2}:\\d{2}\\.$`));
        expect(await page.locator('#status-line').textContent()).not.toMatch(/\d{4}/);

        // Six digits fit the box, large enough to read from a sofa (8 is among the widest digits).
        await page.fill('#code', '888888');
        const box = await page.locator('#code').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, fontPx: parseFloat(getComputedStyle(el).fontSize) }));
        expect(box.scroll).toBeLessThanOrEqual(box.client);
        expect(box.fontPx).toBeGreaterThanOrEqual(size === 'tv' ? 48 : 28);
        await page.screenshot({ path: `${REVIEW_SHOTS}/help-${size}-${language}.png`, fullPage: true });
        expect(await accessibilityProblems(page)).toEqual([]);
        await context.close();
      });
    }
  }

  it('shows no code form to a browser with no device, and opens the folded glossary at a problem type’s anchor', async () => {
    const context = await newContext('en-US', 'phone');
    const page = await context.newPage();
    await page.goto('/gate/help');
    expect(await page.locator('.decision').getAttribute('data-reason')).toBe('TOKEN_MISSING');
    expect(await page.locator('#code-form').isVisible()).toBe(false);
    // (Rendered hidden: a player that opens the page may hand it a device a code can help, client/help-handoff.ts.)
    expect(await page.locator('[data-action="verify"]').isVisible()).toBe(false);
    await page.goto('/gate/help#code-already-used');
    await visible(page.locator('#code-already-used'));
    expect(await page.locator('#meanings').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    await context.close();
  });

  it('lets a TV move the primary location with the code the owner received', async () => {
    const account = `acct-move-${Date.now()}`;
    const tv = await mintDeviceToken({ account, device: 'tv-new-home', type: 'tv', ttlSeconds: 600 });
    await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.10', 'Hearth-Sim-Country': 'PE' } });
    await householdWritten(account);
    const context = await newContext();
    await context.addCookies([{ name: 'hearth_device', value: tv, url: gate.url }]);
    await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': '192.0.2.10', 'Hearth-Sim-Country': 'PE' });
    const page = await context.newPage();
    await page.goto('/gate/help');
    await page.click('[data-action="primary-location"]');
    await textOf(page.locator('#status-line')).toContain('to confirm moving your household to this network');
    await focused(page.locator('#code'));
    await page.keyboard.type(await codeFromLog('tv-new-home'));
    await page.keyboard.press('Enter');
    await textOf(page.locator('#status-line')).toBe('This network is now your household’s primary location.');
    await context.close();
  });
});

describe('the ops console', () => {
  it('flips a region with a confirmation and a note; the next decision changes', async () => {
    await admin('PUT', '/admin/v1/rollout/CR', { mode: 'monitor', note: 'browser test baseline' });
    const account = `acct-console-${Date.now()}`;
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    const stranger = await mintDeviceToken({ account, device: 'stranger', type: 'mobile', ttlSeconds: 600 });
    const decide = async (token: string, ip: string) =>
      (await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': 'CR' } })).json();
    await decide(tv, '203.0.113.10');
    expect(await decide(stranger, '198.51.100.1')).toMatchObject({ decision: 'allow', mode: 'monitor' });
    // What support reads of keys and events (counted in GT, so CR's counts below stay the two sessions above): a phone
    // bound to its key at home, and a tablet that signs itself out. At the TV's own address: this file's households
    // make 203.0.113.0/24 a shared network, where only the TV's address is home.
    const atHome = { 'CF-Connecting-IP': '203.0.113.10', 'Hearth-Sim-Country': 'GT' };
    const keys = await makeDeviceKeyPair();
    const bound = await mintDeviceToken({ account, device: 'phone-bound', type: 'mobile', ttlSeconds: 600, bindTo: keys.publicJwk });
    const proof = await mintDeviceProof({ privateJwk: keys.privateJwk, method: 'GET', url: `${gate.url}/gate/v1/decision`, token: bound });
    expect((await fetch(`${gate.url}/gate/v1/decision`, { headers: { ...atHome, Authorization: `DPoP ${bound}`, DPoP: proof } })).status).toBe(200);
    const tablet = await mintDeviceToken({ account, device: 'old-tablet', type: 'tablet', ttlSeconds: 600 });
    expect((await fetch(`${gate.url}/gate/v1/decision`, { headers: { ...atHome, Authorization: `Bearer ${tablet}` } })).status).toBe(200);
    expect((await fetch(`${gate.url}/gate/v1/household/devices/old-tablet`, { method: 'DELETE', headers: { ...atHome, Authorization: `Bearer ${tablet}` } })).status).toBe(204);

    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await textOf(page.locator('#regions')).toContain('CR');
    expect(await page.evaluate(() => sessionStorage.getItem('hearth_admin_token'))).toBe(adminToken);

    // The decisions above are in the charts: Costa Rica's two sessions, one that enforce would refuse.
    await expect
      .poll(async () => {
        await page.click('#metrics-form button[type=submit]');
        return page.locator('#metrics-region option').allTextContents();
      }, WAIT)
      .toContain('CR');
    await page.selectOption('#metrics-region', 'CR');
    await textOf(page.locator('#metrics-summary')).toContain('CR, last hour, per minute: 2 sessions');
    await textOf(page.locator('#metrics-summary')).toContain('Enforce would have refused 1 of them (50%)');
    expect(await page.locator('#chart-sessions canvas').count()).toBe(1);
    expect(await page.locator('#chart-sessions').getAttribute('aria-label')).toContain('Sessions in CR last hour, per minute: 2 in all, 2 allowed');
    expect(await page.locator('#chart-would').getAttribute('role')).toBe('img');
    expect(await page.locator('#chart-funnel canvas').count()).toBe(1);
    // The numbers behind the charts, summed over the minutes listed (both sessions fall in one minute, or in two across a
    // minute's turn): step, sessions, allowed, challenged, denied, would refuse, treated and refused households — none under
    // monitor — sent, verified.
    const rows = await Promise.all((await page.locator('#metrics-table tr').all()).map((tr) => tr.locator('td').allTextContents()));
    for (const row of rows) expect(row[0]).toMatch(/^\d{4}-/);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.reduce((sums, row) => sums.map((sum, i) => sum + Number(row[i + 1])), [0, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual([2, 2, 0, 0, 1, 0, 0, 0, 0]);
    await screenshots(page, 'console-charts');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.fill('#rule-region', 'CR');
    await page.selectOption('#rule-mode', 'enforce');
    await page.fill('#rule-percent', '100');
    await page.fill('#rule-note', 'Costa Rica: enforce');
    await page.click('#rule-form button[type=submit]');
    await visible(page.locator('#confirm'));
    await textOf(page.locator('#confirm-text')).toContain('Set CR to enforce for 100 %');
    // The preview comes before the confirm button: what this rule would have done to the last hour.
    await textOf(page.locator('#confirm-preview-headline')).toBe('Enforce at 100% in CR would have refused 1 of 2 sessions in the last hour (50%), 0 on TVs.');
    await textOf(page.locator('#confirm-preview-current')).toContain("CR's rule: monitor at 100%), 0 of them would have been refused");
    await screenshots(page, 'console-confirm');
    await page.click('#confirm-ok');
    await textOf(page.locator('#console-status')).toContain('CR is now enforce');
    expect(await decide(stranger, '198.51.100.1')).toMatchObject({ decision: 'challenge', mode: 'enforce' });
    await textOf(page.locator('#audit')).toContain('Costa Rica: enforce');

    await page.fill('#account-id', account);
    await page.click('#account-form button[type=submit]');
    // The stranger, refused and never let in, is not listed (contract §9): the devices seen at home are.
    await textOf(page.locator('#account-devices')).toContain('phone-bound');
    expect(await page.locator('#account-devices').textContent()).not.toContain('stranger');
    // Each device's key by its short thumbprint, the anchor conflicts, and what the owner was told (newest first).
    const thumbprint = (await calculateJwkThumbprint(keys.publicJwk, 'sha256')).slice(0, 8);
    const deviceRow = (id: string) => page.locator('#account-devices tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${id}$`) }) });
    expect(await deviceRow('phone-bound').locator('td').allTextContents()).toEqual([
      'phone-bound',
      'mobile',
      'home',
      `key ${thumbprint}…`,
      expect.stringMatching(/^\d{4}-/),
      expect.stringMatching(/^\d{4}-/),
    ]);
    expect(await deviceRow('tv').locator('td').nth(3).textContent()).toBe('not bound');
    await textOf(page.locator('#account-conflicts')).toBe('Anchor conflicts: none: the TV’s id has only streamed where the TV is');
    expect(await page.locator('#account-events tr').first().locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/),
      'signed out',
      'old-tablet (tablet)',
      'by the device itself (self)',
      'GT',
    ]);
    // The address explained goes in the body of a POST: no URL the browser asks for carries it.
    const requestLines: string[] = [];
    page.on('request', (request) => requestLines.push(`${request.method()} ${request.url()}`));
    await page.fill('#explain-device', 'stranger');
    await page.fill('#explain-ip', '198.51.100.1');
    await page.fill('#explain-country', 'CR');
    await page.click('#explain-form button[type=submit]');
    await textOf(page.locator('#explain-result')).toContain('CHALLENGE — OUTSIDE_HOUSEHOLD');
    expect(requestLines.filter((line) => line.includes('/explain'))).toEqual([`POST ${gate.url}/admin/v1/accounts/${account}/explain`]);
    expect(requestLines.join('\n')).not.toContain('198.51.100.1');
    await page.fill('#grant-device', 'stranger');
    await page.fill('#grant-reason', 'Posting abroad');
    await page.click('#grant-form button[type=submit]');
    await textOf(page.locator('#account-grants')).toContain('Posting abroad');
    expect(await decide(stranger, '198.51.100.1')).toMatchObject({ decision: 'allow', reason: 'SUPPORT_GRANT' });
    await screenshots(page, 'console');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Someone else changes the rollout: the console explains the 412 and offers a reload.
    await admin('PUT', '/admin/v1/rollout/CL', { mode: 'monitor', note: 'a colleague' });
    await page.fill('#rule-region', 'CR');
    await page.selectOption('#rule-mode', 'off');
    await page.fill('#rule-note', 'stale view');
    await page.click('#rule-form button[type=submit]');
    await page.click('#confirm-ok');
    await textOf(page.locator('#console-status')).toContain('The rollout changed since you read it');
    await page.click('#reload-rollout');
    await textOf(page.locator('#console-status')).toContain('Reloaded');
    expect(((await admin('GET', '/admin/v1/rollout')).body as { regions: Record<string, { mode: string }> }).regions.CR!.mode).toBe('enforce');
    await context.close();
  });

  it('shows a tripped guard with its reading beside its threshold, and resumes it', async () => {
    const phones: string[] = [];
    const accounts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const account = `acct-guard-${Date.now()}-${i}`;
      const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
      await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': `203.0.${60 + i}.1`, 'Hearth-Sim-Country': 'EC' } });
      phones.push(await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 }));
      accounts.push(account);
    }
    for (const account of accounts) await householdWritten(account);
    await admin('PUT', '/admin/v1/rollout/EC', { mode: 'enforce', guard: { maxRefusalRate: 0.5, minSessions: 3, window: 'PT10M' }, note: 'Ecuador, guarded' });
    for (const phone of phones) await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${phone}`, 'CF-Connecting-IP': '198.51.100.70', 'Hearth-Sim-Country': 'EC' } });
    await expect.poll(async () => ((await admin('GET', '/admin/v1/rollout')).body as { regions: Record<string, { status?: string }> }).regions.EC?.status, WAIT).toBe('tripped');

    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await textOf(page.locator('#regions')).toContain('tripped');
    await textOf(page.locator('#regions')).toContain('refused ≤ 50.0 % over PT10M; read 3 of 3 households refused (100.0 %)');
    await page.selectOption('#metrics-region', 'EC');
    await visible(page.locator('#guard-figure'));
    expect(await page.locator('#chart-guard canvas').count()).toBe(1);
    expect(await page.locator('#chart-guard').getAttribute('aria-label')).toContain('against a threshold of 50.0%');
    await screenshots(page, 'console-guard');

    await page.click('button[aria-label="Resume the tripped rule for EC"]');
    await textOf(page.locator('#confirm-text')).toContain('Resume EC: enforce at 100 %');
    await page.click('#confirm-ok');
    await textOf(page.locator('#console-status')).toContain('EC resumed');
    expect(((await admin('GET', '/admin/v1/rollout')).body as { regions: Record<string, { status?: string }> }).regions.EC!.status).toBe('steady');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('narrows to one region when an answer over every region would pass 10,000 points, and shows escaped text in its tables', async () => {
    // Fourteen regions with counts: 30 days by the hour (721 steps) over all of them is more than 10,000 points.
    const account = `acct-narrow-${Date.now()}`;
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    for (const country of ['AR', 'BR', 'CO', 'DO', 'GY', 'HT', 'JM', 'PA', 'PY', 'SR', 'TT', 'UY', 'VE', 'BZ']) {
      await (await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.80', 'Hearth-Sim-Country': country } })).arrayBuffer();
    }
    await admin('POST', `/admin/v1/accounts/${account}/grants`, { days: 1, reason: 'trip \x1b[2K\u202eevil' });

    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await expect
      .poll(async () => {
        await page.click('#metrics-form button[type=submit]');
        return page.locator('#metrics-region option').allTextContents();
      }, WAIT)
      .toContain('UY');
    await page.selectOption('#metrics-region', 'UY');
    await page.selectOption('#metrics-range', 'P30D|PT1H');
    await page.click('#metrics-form button[type=submit]');
    await textOf(page.locator('#console-status')).toContain('more than 10,000 points: showing UY only');
    await textOf(page.locator('#metrics-summary')).toContain('UY, last 30 days, per hour: 1 sessions');
    // Another region loads that region alone.
    await page.selectOption('#metrics-region', 'PA');
    await textOf(page.locator('#metrics-summary')).toContain('PA, last 30 days, per hour: 1 sessions');

    await page.fill('#account-id', account);
    await page.click('#account-form button[type=submit]');
    await textOf(page.locator('#account-grants')).toContain('trip \\x1b[2K\\u202eevil');
    await context.close();
  });

  it("edits a guarded, staged rule without dropping its stages or guard, and shows the gate's objections beside the form", async () => {
    type Rule = { percent: number; stages?: Array<{ percent: number; hold?: string }>; guard?: Record<string, unknown> };
    const ruleOf = async (region: string) => ((await admin('GET', '/admin/v1/rollout')).body as { regions: Record<string, Rule> }).regions[region]!;
    const guard = { maxRefusalRate: 0.2, minVerifySuccessRate: 0.3, minSessions: 7, window: 'PT15M' };
    const set = await admin('PUT', '/admin/v1/rollout/PA', {
      mode: 'enforce',
      stages: [{ percent: 10, hold: 'PT1H' }, { percent: 50, hold: 'P2D' }, { percent: 100 }],
      guard,
      note: 'Panama, staged and guarded',
    });
    expect(set.status).toBe(200);

    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await textOf(page.locator('#regions')).toContain('PA');
    // A slow network from here on: the rules read again after a change arrive 1.5 s late. The table must not offer the
    // rule from before in the meantime (an Edit right after Apply once filled the old stages).
    const slowRules = async (route: Route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    };
    await page.route('**/admin/v1/rollout', slowRules);
    await page.click('button[aria-label="Edit PA"]');
    await page.fill('#rule-percent', '20');
    await page.fill('#rule-note', 'Panama: start at 20 %');
    await page.click('#rule-form button[type=submit]');
    await visible(page.locator('#confirm'));
    await page.click('#confirm-ok');
    await textOf(page.locator('#console-status')).toContain('PA is now enforce at 20 %');
    const edited = await ruleOf('PA');
    expect(edited.percent).toBe(20);
    expect(edited.stages).toEqual([{ percent: 20, hold: 'PT1H' }, { percent: 50, hold: 'P2D' }, { percent: 100 }]);
    expect({ ...edited.guard, minimum: edited.guard?.minHouseholds ?? edited.guard?.minSessions }).toMatchObject({ maxRefusalRate: 0.2, minVerifySuccessRate: 0.3, minimum: 7, window: 'PT15M' });

    // Edit shows the whole rule; the preview sentence says it all before Apply.
    await page.click('button[aria-label="Edit PA"]');
    expect(await page.inputValue('#rule-stages')).toBe('20:PT1H, 50:P2D, 100');
    // Back to full speed once the delayed reads in flight have gone through (removed under them, they would fail).
    await page.unrouteAll({ behavior: 'wait' });
    expect([
      await page.inputValue('#rule-guard-refusal'),
      await page.inputValue('#rule-guard-verify'),
      await page.inputValue('#rule-guard-households'),
      await page.inputValue('#rule-guard-window'),
    ]).toEqual(['0.2', '0.3', '7', 'PT15M']);
    await page.fill('#rule-guard-households', '9');
    await page.fill('#rule-note', 'Panama: wait for nine households');
    await page.click('#rule-form button[type=submit]');
    await textOf(page.locator('#confirm-text')).toContain(
      'in stages 20 % for PT1H, then 50 % for P2D, then 100 %; guarded: back to monitor when more than 20 % of treated households are refused or fewer than 30 % of households sent a code verify, over PT15M, from 9 treated households',
    );
    await page.click('#confirm-ok');
    // The status line already says "enforce at 20 %" from the first edit: wait for the rule itself.
    await expect
      .poll(async () => {
        const rule = await ruleOf('PA');
        return rule.guard?.minHouseholds ?? rule.guard?.minSessions;
      }, WAIT)
      .toBe(9);
    const guarded = await ruleOf('PA');
    expect(guarded.stages).toHaveLength(3);

    // The gate's 400 (its field and detail) is shown beside the form, on the field it names; nothing changed.
    await page.click('button[aria-label="Edit PA"]');
    await page.fill('#rule-stages', '50:P1D, 20');
    await page.fill('#rule-note', 'Panama: backwards');
    await page.click('#rule-form button[type=submit]');
    await page.click('#confirm-ok');
    await textOf(page.locator('#rule-problems')).toContain('stages.1.percent: stages must increase');
    expect(await page.getAttribute('#rule-stages', 'aria-invalid')).toBe('true');
    expect((await ruleOf('PA')).percent).toBe(20);
    await page.fill('#rule-stages', '20:P1D, fifty');
    await page.click('#rule-form button[type=submit]');
    await textOf(page.locator('#rule-problems')).toContain('“fifty” is not PERCENT or PERCENT:HOLD');

    // The form still lays out on a phone and a TV: nothing wider than the screen.
    for (const viewport of Object.values(SIZES)) {
      await page.setViewportSize(viewport);
      const right = await page.evaluate(() => Math.max(...['rule-form', 'rule-problems', 'rule-guard-window', 'rule-stages'].map((id) => document.getElementById(id)!.getBoundingClientRect().right)));
      expect(right).toBeLessThanOrEqual(viewport.width);
    }
    await screenshots(page, 'console-rule');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('loads nothing from elsewhere', async () => {
    const html = await (await fetch(`${gate.url}/gate/help`)).text();
    // The one address elsewhere is the SUPPORT_URL link: a place to go, not something the page loads.
    expect(html).toContain(`href="${SUPPORT_URL}"`);
    expect(html.replaceAll(`href="${SUPPORT_URL}"`, '')).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const csp = (await fetch(`${gate.url}/admin/console`)).headers.get('Content-Security-Policy');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src http:\/\/[^ ]+\/gate\/assets\/;/);
  });
});
