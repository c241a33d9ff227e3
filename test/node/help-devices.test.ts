/**
 * "Your devices" on the help page in Chromium, against the gate under
 * `wrangler dev` (contract §6): the account's devices with their standing in
 * words, a device signing itself out, and a device away from home signing
 * another out with the account owner's code (the development gate writes the
 * code to its log) — at phone and TV size, in the person's language, axe
 * clean with the section open. Screenshots in test-artifacts/screenshots.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { ruledGateAndBrowser } from './ruled-gate';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { accessibilityProblems, codeFromLog, focused, textOf, visible, WAIT } from './page-checks';

const SIZES = { tv: { width: 1920, height: 1080 }, phone: { width: 390, height: 844 } } as const;
const SHOTS = 'test-artifacts/screenshots';
const COUNTRY = 'PE';

let gate: LocalWorker;
let browser: Browser;
/** Each test's household on a network of its own (the gate keys an IPv6 network on its /56). */
let households = 0;

interface Household {
  account: string;
  home: (host: number) => string;
  away: string;
  token: (device: string, type: string) => Promise<string>;
}

async function household(name: string): Promise<Household> {
  households += 1;
  const account = `acct-${name}-${Date.now()}`;
  return {
    account,
    home: (host) => `2001:db8:${households}:100::${host}`,
    away: `198.51.100.${households}`,
    token: (device, type) => mintDeviceToken({ account, device, type, ttlSeconds: 600 }),
  };
}

/** A decision for `token` from `ip`: how a device joins the list. */
async function decide(token: string, ip: string): Promise<{ status: number; reason?: string }> {
  const response = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY } });
  return { status: response.status, ...((await response.json()) as { reason?: string }) };
}

/** The help page as the device holding `token` sees it from `ip`. */
async function helpPage(token: string, ip: string, locale: string, size: keyof typeof SIZES): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: SIZES[size], locale, baseURL: gate.url });
  await context.addCookies([{ name: 'hearth_device', value: token, url: gate.url }]);
  await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY });
  const page = await context.newPage();
  await page.goto('/gate/help');
  return { context, page };
}

/** Opens "Your devices" and waits for the list: each device's line, as text. */
async function openDevices(page: Page, count: number): Promise<string[]> {
  await page.click('#devices summary');
  await expect.poll(() => page.locator('#device-list li').count(), WAIT).toBe(count);
  return (await page.locator('#device-list li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
}

/** Nothing in the page is wider than the window, and the page never scrolls sideways. */
async function fitsWidth(page: Page): Promise<{ scrollWidth: number; width: number; wide: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('#devices *')].filter((el) => el.getBoundingClientRect().right > width + 1).map((el) => `${el.tagName.toLowerCase()}#${el.id}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, wide };
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Peru challenges: a device outside the household plays only with the owner's code.
  ({ gate, browser } = await ruledGateAndBrowser({ country: COUNTRY, mode: 'challenge', note: 'help devices test' }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

describe('your devices, on the help page', () => {
  it('lists the account’s devices in the person’s language, this device first, and fits a phone and a TV, axe clean with the section open', async () => {
    const h = await household('list');
    const tv = await h.token('tv-salon', 'tv');
    const phone = await h.token('phone-lea', 'mobile');
    const tablet = await h.token('tablet-cousin', 'tablet');
    expect((await decide(tv, h.home(1))).reason).toBe('HOUSEHOLD_ESTABLISHED');
    expect((await decide(phone, h.home(2))).reason).toBe('IN_HOUSEHOLD');
    // The cousin's tablet, never at home, plays with the owner's code (a device refused and never let in is not listed, §9).
    expect((await decide(tablet, h.away)).reason).toBe('OUTSIDE_HOUSEHOLD');
    const opened = await fetch(`${gate.url}/gate/v1/challenges`, { method: 'POST', headers: { Authorization: `Bearer ${tablet}`, 'CF-Connecting-IP': h.away, 'Hearth-Sim-Country': COUNTRY } });
    const { challengeId } = (await opened.json()) as { challengeId: string };
    const verified = await fetch(`${gate.url}/gate/v1/challenges/${challengeId}/verify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tablet}`, 'CF-Connecting-IP': h.away, 'Hearth-Sim-Country': COUNTRY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: await codeFromLog(gate, 'tablet-cousin') }),
    });
    expect(verified.status).toBe(200);

    const { context, page } = await helpPage(phone, h.home(2), 'fr-FR', 'phone');
    await textOf(page.locator('#devices-title')).toBe('Vos appareils');
    // Folded until opened: the list is asked for then.
    expect(await page.locator('#device-list').isVisible()).toBe(false);
    const lines = await openDevices(page, 3);
    expect(lines[0]).toMatch(/^phone-lea \(cet appareil\) Téléphone · À la maison Déconnecter cet appareil$/);
    expect(lines).toContain('tv-salon Téléviseur · À la maison Déconnecter');
    // Until when, as French writes it: the time alone later today ("jusqu’à 18:20"), else the date too.
    expect(lines).toContainEqual(expect.stringMatching(/^tablet-cousin Tablette · Accès temporaire jusqu’(à \d{1,2}:\d{2}|au \d{1,2} \S+ à \d{1,2}:\d{2}) Déconnecter$/));
    // Each "Sign out" button says which device, for a screen reader; the visible words stay in its name.
    expect(await page.locator('[data-sign-out="tv-salon"]').getAttribute('aria-label')).toBe('Déconnecter tv-salon');

    for (const size of ['phone', 'tv'] as const) {
      await page.setViewportSize(SIZES[size]);
      const layout = await fitsWidth(page);
      expect(layout.wide).toEqual([]);
      expect(layout.scrollWidth).toBe(layout.width);
      await page.locator('#devices').screenshot({ path: `${SHOTS}/help-devices-${size}.png` });
      expect(await accessibilityProblems(page)).toEqual([]);
    }
    // At home, another device signs out with no code: the list is read again and says so.
    await page.click('[data-sign-out="tablet-cousin"]');
    await textOf(page.locator('#signout-text')).toBe('Déconnecter « tablet-cousin » ? Il arrête la lecture et ne garde rien de ce qu’il avait. Pour regarder dessus à nouveau, il faut s’y connecter.');
    await page.click('#signout-confirm');
    await textOf(page.locator('#devices-status')).toBe('« tablet-cousin » est déconnecté et ne garde rien de ce qu’il avait. Pour regarder dessus à nouveau, il faut s’y connecter.');
    await expect.poll(async () => (await page.locator('#device-list li', { hasText: 'tablet-cousin' }).innerText()).replace(/\s+/g, ' '), WAIT).toBe('tablet-cousin Tablette · Déconnecté');
    expect(await page.locator('#code-form').isVisible()).toBe(false);
    await context.close();

    // A browser with no device sees no list.
    const anonymous = await browser.newContext({ baseURL: gate.url });
    const empty = await anonymous.newPage();
    await empty.goto('/gate/help');
    expect(await empty.locator('#devices').count()).toBe(0);
    await anonymous.close();
  });

  it('signs this device out, after asking; its token is refused from then on', async () => {
    const h = await household('self');
    const tv = await h.token('tv', 'tv');
    const phone = await h.token('phone', 'mobile');
    await decide(tv, h.home(1));
    await decide(phone, h.home(2));

    const { context, page } = await helpPage(phone, h.away, 'en-US', 'tv');
    await openDevices(page, 2);
    await page.click('[data-sign-out="phone"]');
    await visible(page.locator('#signout-panel'));
    await textOf(page.locator('#signout-text')).toBe('Sign out this device? It stops playing here. To watch on it again, sign in on it.');
    await focused(page.locator('#signout-confirm'));
    // Cancel changes nothing and gives the focus back.
    await page.click('#signout-cancel');
    expect(await page.locator('#signout-panel').isVisible()).toBe(false);
    await focused(page.locator('[data-sign-out="phone"]'));

    await page.keyboard.press('Enter');
    await focused(page.locator('#signout-confirm'));
    await page.keyboard.press('Enter');
    await textOf(page.locator('#devices-status')).toBe('This device is signed out. To watch here again, sign in on this device.');
    expect(await page.locator('#device-list li').count()).toBe(0);
    expect(await decide(phone, h.away)).toMatchObject({ status: 401, reason: 'DEVICE_REVOKED' });
    expect((await decide(tv, h.home(1))).reason).toBe('IN_HOUSEHOLD');
    await context.close();
  });

  it('from away, signing out another device asks for the owner’s code; a wrong code says so, the right one signs it out', async () => {
    const h = await household('away');
    const tv = await h.token('tv-main', 'tv');
    const cousin = await h.token('phone-cousin', 'mobile');
    // The cousin's phone was at home once (a visit), and is away now.
    await decide(tv, h.home(1));
    await decide(cousin, h.home(2));
    expect((await decide(cousin, h.away)).reason).toBe('TRUSTED_DEVICE');

    const { context, page } = await helpPage(cousin, h.away, 'es-PE', 'phone');
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    const lines = await openDevices(page, 2);
    // Its status is its last visit recorded (at home): being trusted away from home is no news to record.
    expect(lines[0]).toBe('phone-cousin (este dispositivo) Teléfono · En casa Cerrar sesión en este dispositivo');
    await page.click('[data-sign-out="tv-main"]');
    await textOf(page.locator('#signout-text')).toContain('¿Cerrar la sesión de «tv-main»?');
    await page.click('#signout-confirm');
    // The gate asks for the owner's code: the panel says why and offers to send one.
    await textOf(page.locator('#signout-text')).toBe(
      'Este dispositivo está fuera de casa, así que cerrar la sesión de otro dispositivo necesita el código del titular de la cuenta. Envíale un código y escríbelo aquí. En casa no hace falta código.',
    );
    expect(await page.locator('#signout-confirm').isVisible()).toBe(false);
    await focused(page.locator('#signout-code'));
    expect(await decide(tv, h.home(1))).toMatchObject({ status: 200, reason: 'IN_HOUSEHOLD' });

    const sent = page.waitForResponse((response) => response.url().endsWith('/gate/v1/challenges'));
    await page.click('#signout-code');
    expect((await sent).request().postDataJSON()).toEqual({ purpose: 'sign-out', deviceId: 'tv-main' });
    await textOf(page.locator('#devices-status')).toMatch(
      /^Enviamos un código de 6 dígitos al titular de la cuenta para confirmar el cierre de sesión de «tv-main»\. Es válido hasta las? \d{1,2}:\d{2}\./,
    );
    // The page's one code form, shown in the sign-out panel.
    await visible(page.locator('#signout-panel #code-form'));
    await focused(page.locator('#code'));
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.locator('#devices').screenshot({ path: `${SHOTS}/help-devices-code-phone.png` });

    const code = await codeFromLog(gate, 'phone-cousin');
    expect(gate.output()).toContain('"targetDeviceId":"tv-main"');
    const wrong = code.replace(/^./, (digit) => String((Number(digit) + 1) % 10));
    await page.keyboard.type(wrong);
    await page.keyboard.press('Enter');
    // The problem's own message, in the person's language, and the attempts left.
    await textOf(page.locator('#devices-status')).toMatch(/Quedan \d+ intentos\.$/);
    expect(await decide(tv, h.home(1))).toMatchObject({ status: 200 });

    await page.fill('#code', code);
    await page.keyboard.press('Enter');
    await textOf(page.locator('#devices-status')).toBe('Se cerró la sesión de «tv-main» y no conserva nada de lo que tenía. Para volver a ver en él, hay que iniciar sesión en él.');
    expect(await page.locator('#code-form').isVisible()).toBe(false);
    // Read again: the TV is listed signed out, with nothing left to sign out.
    await expect.poll(async () => (await page.locator('#device-list li', { hasText: 'tv-main' }).innerText()).replace(/\s+/g, ' '), WAIT).toBe('tv-main Televisor · Sesión cerrada');
    expect(await page.locator('[data-sign-out="tv-main"]').count()).toBe(0);
    expect(await decide(tv, h.home(1))).toMatchObject({ status: 401, reason: 'DEVICE_REVOKED' });

    // Support sees who did it.
    const admin = await mintAdminToken({ scope: 'accounts:read', sub: 'help-devices-test@ops' });
    const summary = (await (await fetch(`${gate.url}/admin/v1/accounts/${h.account}`, { headers: { Authorization: `Bearer ${admin}` } })).json()) as { events: Array<Record<string, string>> };
    expect(summary.events).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'device_signed_out', deviceId: 'tv-main', by: 'code' })]));
    // The code only ever travelled in request bodies: no URL the page asked for carries it.
    expect(urls.some((url) => url.includes('/gate/v1/household/devices/tv-main'))).toBe(true);
    expect(urls.join('\n')).not.toContain(code);
    await context.close();
  });
});
