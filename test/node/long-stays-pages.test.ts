/**
 * Two homes and long stays away (contract §6, §4 row 10) as people and
 * support meet them, against the gate under `wrangler dev`: on the help page
 * in Chromium, a phone refused away asks for away access for a number of
 * days and a TV at the weekend house makes it a second home, each with the
 * account owner's code (the development gate writes codes to its log), at
 * phone and TV size, in the person's language, axe clean; the gate's
 * refusals (a year's away access used up, a second home changed within 90
 * days) are shown as their messages. Support's side — the console and
 * `npm run ops -- account show` / `account away-access end` — is in
 * long-stays-support.test.ts. Screenshots in test-artifacts/screenshots.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { accessibilityProblems, codeFromLog, focused, textOf, visible, WAIT } from './page-checks';
import { fitsWidth, helpPage, longStaysGate, SHOTS, type Household } from './long-stays';

let gate: LocalWorker;
let browser: Browser;
let newHousehold: (name: string) => Household;

beforeAll(async () => {
  ({ gate, browser, household: newHousehold } = await longStaysGate());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

async function summaryOf(
  account: string,
): Promise<{ homes: Array<{ homeId: string; anchorDeviceId: string | null }>; awayAccess: { givenInYear: number; devices: Array<{ deviceId: string; until: string }> } }> {
  const token = await mintAdminToken({ scope: 'accounts:read', sub: 'long-stays-test@ops' });
  return (await fetch(`${gate.url}/admin/v1/accounts/${account}`, { headers: { Authorization: `Bearer ${token}` } })).json() as never;
}

describe('away access, on the help page', () => {
  it('a phone refused away asks for 120 days with the owner’s code and plays from anywhere until then; fits a phone and a TV, axe clean', async () => {
    const h = newHousehold('away');
    const tv = await h.token('tv-flat', 'tv');
    const phone = await h.token('phone-posted', 'mobile');
    expect((await h.decide(tv, h.home(1))).reason).toBe('HOUSEHOLD_ESTABLISHED');
    expect((await h.decide(phone, h.away)).reason).toBe('OUTSIDE_HOUSEHOLD');

    const { context, page } = await helpPage(browser, gate, phone, h.away, 'fr-FR', 'phone');
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    // Offered from the decision card, folded below it until asked for; said in the person's language with the configured numbers (AWAY_ACCESS_MAX P180D, 2 a year).
    expect(await page.locator('[data-action="second-home"]').count()).toBe(0);
    expect(await page.locator('#away-days').isVisible()).toBe(false);
    await page.click('.decision .actions a[href="#long-stay"]');
    await focused(page.locator('#away-days'));
    await textOf(page.locator('#away-title')).toBe('Absent longtemps (une affectation, un semestre) ?');
    await textOf(page.locator('#away-text')).toBe(
      'Le titulaire du compte peut laisser cet appareil lire depuis n’importe où pendant 180 jours au plus, pour une affectation, un semestre d’études ou un long séjour. Il l’approuve avec un code, et l’accès prend fin de lui-même une fois les jours écoulés (jusqu’à 2 par compte sur 365 jours).',
    );
    expect(await page.locator('label[for="away-days"]').textContent()).toBe('Jours d’absence (de 1 à 180)');
    expect(await page.locator('#away-days').getAttribute('max')).toBe('180');
    // The card's ids are its own: the glossary's anchor for AWAY_ACCESS (a problem's `type`, …/gate/help#away-access) still points there.
    const ids = await page.evaluate(() => [...document.querySelectorAll('[id]')].map((element) => element.id));
    for (const id of ['long-stay', 'away-title', 'away-text', 'away-form', 'away-days', 'away-status', 'away-access']) expect(ids.filter((other) => other === id)).toEqual([id]);
    expect(await page.locator('#away-access').evaluate((element) => element.tagName)).toBe('DT');
    for (const size of ['tv', 'phone'] as const) {
      await page.setViewportSize({ tv: { width: 1920, height: 1080 }, phone: { width: 390, height: 844 } }[size]);
      expect(await fitsWidth(page, '#long-stay')).toEqual({ wide: [], scrolls: false });
      expect(await accessibilityProblems(page)).toEqual([]);
    }

    // More days than AWAY_ACCESS_MAX: the browser says so, and nothing is asked.
    await page.fill('#away-days', '181');
    await page.click('#away-form button[type=submit]');
    expect(await page.locator('#away-days').evaluate((input) => (input as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(urls.filter((url) => url.endsWith('/gate/v1/challenges'))).toEqual([]);

    await page.fill('#away-days', '120');
    const sent = page.waitForResponse((response) => response.url().endsWith('/gate/v1/challenges'));
    await page.click('#away-form button[type=submit]');
    expect((await sent).request().postDataJSON()).toEqual({ purpose: 'away-access', days: 120 });
    await textOf(page.locator('#away-status')).toMatch(
      /^Nous avons envoyé un code à 6 chiffres au titulaire du compte pour que cet appareil puisse lire depuis n’importe où pendant 120 jours\. Il est valable jusqu’à \d{1,2}:\d{2}\.$/,
    );
    // The page's one code form, in the away-access card.
    await visible(page.locator('#long-stay #code-form'));
    await focused(page.locator('#code'));
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.locator('#long-stay').screenshot({ path: `${SHOTS}/help-away-access-phone.png` });

    const code = await codeFromLog(gate, 'phone-posted');
    expect(gate.output()).toContain('"days":120');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await textOf(page.locator('#away-status')).toMatch(
      /^Accès hors du foyer accordé : cet appareil peut lire depuis n’importe où jusqu’au \d{1,2} \S+ à \d{1,2}:\d{2}\. Il prend fin de lui-même à ce moment-là\.$/,
    );
    expect(await page.locator('.decision').getAttribute('class')).toContain('allowed');
    expect(await page.locator('#away-form').isVisible()).toBe(false);
    await context.close();

    expect(await h.decide(phone, '192.0.2.77')).toMatchObject({ status: 200, reason: 'AWAY_ACCESS' });
    const { awayAccess } = await summaryOf(h.account);
    expect(awayAccess.givenInYear).toBe(1);
    expect(awayAccess.devices).toEqual([{ deviceId: 'phone-posted', until: expect.any(String) }]);
    expect(Date.parse(awayAccess.devices[0]!.until) - Date.now()).toBeGreaterThan(119 * 86_400_000);
    // The code only travelled in request bodies.
    expect(urls.join('\n')).not.toContain(code);
  });

  it('shows the gate’s message when the account gave its away access for the year, and asks no code', async () => {
    const h = newHousehold('away-limit');
    const tv = await h.token('tv', 'tv');
    await h.decide(tv, h.home(1));
    // Two devices were given away access this year (AWAY_ACCESS_PER_YEAR is 2).
    for (const device of ['tablet-student', 'phone-posted']) expect(await h.giveAwayAccess(await h.token(device, 'mobile'), device, 30)).toBe(200);
    const laptop = await h.token('laptop', 'web');
    expect((await h.decide(laptop, h.away)).reason).toBe('OUTSIDE_HOUSEHOLD');

    const { context, page } = await helpPage(browser, gate, laptop, h.away, 'en-US', 'tv');
    await page.click('#long-stay summary');
    await page.click('#away-form button[type=submit]');
    await textOf(page.locator('#away-status')).toBe('This account has given away access as many times as a year allows. Ask the account owner to add this device as an extra member, or contact us.');
    expect(await page.locator('#away-status').getAttribute('class')).toBe('status bad');
    expect(await page.locator('#code-form').isVisible()).toBe(false);
    expect(gate.output()).not.toMatch(/verification_code_development_delivery[^\n]*"deviceId":"laptop"/);
    await context.close();
  });
});

describe('a second home, on the help page', () => {
  it('a TV at the weekend house makes it a second home with the owner’s code; devices there are at home; the next one waits 90 days', async () => {
    const h = newHousehold('homes');
    const flat = await h.token('tv-flat', 'tv');
    const house = await h.token('tv-house', 'tv');
    expect((await h.decide(flat, h.home(1))).reason).toBe('HOUSEHOLD_ESTABLISHED');
    expect((await h.decide(house, h.house(1))).reason).toBe('OUTSIDE_HOUSEHOLD');

    const { context, page } = await helpPage(browser, gate, house, h.house(1), 'es-PE', 'tv');
    const offer = page.locator('.decision .actions [data-action="second-home"]');
    await textOf(offer).toBe('Este es nuestro segundo hogar');
    // What it does, and for how long, said beside it (and read out with it).
    expect(await offer.getAttribute('aria-describedby')).toBe('second-home-text');
    await textOf(page.locator('#second-home-text')).toContain('mientras siga siendo tu segundo hogar, y este televisor lo mantiene');
    await textOf(page.locator('#second-home-text')).toContain('una vez cada 90 días');
    // A TV away may ask for away access too.
    await visible(page.locator('a[href="#long-stay"]'));
    expect(await accessibilityProblems(page)).toEqual([]);

    const sent = page.waitForResponse((response) => response.url().endsWith('/gate/v1/challenges'));
    await offer.click();
    expect((await sent).request().postDataJSON()).toEqual({ purpose: 'second-home' });
    await textOf(page.locator('#status-line')).toMatch(
      /^Enviamos un código de 6 dígitos al titular de la cuenta para hacer de esta red un segundo hogar de tu cuenta\. Es válido hasta las? \d{1,2}:\d{2}\.$/,
    );
    await focused(page.locator('.decision #code'));
    await page.screenshot({ path: `${SHOTS}/help-second-home-tv.png`, fullPage: true });
    await page.keyboard.type(await codeFromLog(gate, 'tv-house'));
    await page.keyboard.press('Enter');
    await textOf(page.locator('#status-line')).toBe('Esta red es ahora un segundo hogar de tu cuenta: los dispositivos aquí se reproducen como en casa, y este televisor lo mantiene.');
    expect(await offer.isVisible()).toBe(false);
    expect(await page.locator('.decision').getAttribute('class')).toContain('allowed');
    expect(await accessibilityProblems(page)).toEqual([]);

    // At home now: the page offers neither way.
    await page.reload();
    await expect.poll(() => page.locator('.decision').getAttribute('data-reason'), WAIT).toBe('IN_HOUSEHOLD');
    expect(await page.locator('[data-action="second-home"], #long-stay').count()).toBe(0);
    await context.close();

    expect((await h.decide(await h.token('tablet', 'tablet'), h.house(22))).reason).toBe('IN_HOUSEHOLD');
    expect((await summaryOf(h.account)).homes.map((home) => home.anchorDeviceId)).toEqual(['tv-flat', 'tv-house']);

    // A TV at a third place: the gate refuses before sending a code, and the page says why in the person's words.
    const cabin = await h.token('tv-cabin', 'tv');
    expect((await h.decide(cabin, h.cabin)).reason).toBe('OUTSIDE_HOUSEHOLD');
    const third = await helpPage(browser, gate, cabin, h.cabin, 'en-US', 'phone');
    await third.page.click('[data-action="second-home"]');
    await textOf(third.page.locator('#status-line')).toMatch(/^Your household already has as many second homes as it may, or one was set or removed in the last 90 days\./);
    expect(await third.page.locator('#code-form').isVisible()).toBe(false);
    await third.context.close();
  });
});
