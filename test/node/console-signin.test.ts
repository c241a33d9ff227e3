/**
 * The console as a newcomer meets it (issue 36, item 11), in Chromium: a
 * pasted token that is no token does not sign in — the form says why, and
 * nothing shows "Signed in" over an empty console; the rule form starts
 * from the region's current mode (or monitor for a new one, never `off`),
 * its review says what moves ("percent 50 → 100"), and the required note
 * stands above the button that reviews it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken } from '../../dev/tokens.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { accessibilityProblems, textOf, visible } from './page-checks';
import { ruledGateAndBrowser } from './ruled-gate';

let gate: LocalWorker;
let browser: Browser;
let token: string;

beforeAll(async () => {
  ({ gate, browser } = await ruledGateAndBrowser({ country: 'BO', mode: 'challenge', note: 'console sign-in test' }));
  token = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'console-signin-test@ops' });
  // Bolivia at 50 %: the rule form's review must say what an unchanged percent field would do to it.
  const set = await fetch(`${gate.url}/admin/v1/rollout/BO`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'challenge', percent: 50, note: 'Bolivia: challenge 50%' }),
  });
  if (set.status !== 200) throw new Error(`BO answered ${set.status}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

async function openConsole(width = 1440): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 1000 }, baseURL: gate.url });
  const page = await context.newPage();
  await page.goto('/admin/console');
  return page;
}

describe('the console’s sign-in', () => {
  it('does not sign in with a token the gate refuses, and says why; a good token then signs in', async () => {
    const page = await openConsole();
    await page.fill('#token', 'not-a-token');
    await page.click('#signin-form button[type=submit]');
    await textOf(page.locator('#signin-status')).toContain('Not signed in.');
    await textOf(page.locator('#signin-status')).toContain('Paste a valid admin token');
    expect(await page.locator('#signed-in').isVisible()).toBe(false);
    expect(await page.locator('#signin').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('hearth_admin_token'))).toBeNull();
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.fill('#token', token);
    await page.click('#signin-form button[type=submit]');
    await visible(page.locator('#signed-in'));
    await textOf(page.locator('#whoami')).toContain('console-signin-test@ops');
    await page.context().close();
  });
});

describe('the console’s rule form', () => {
  it('starts from the region’s mode and percent (monitor for a new region), says what moves in its review, and asks for the note before the button', async () => {
    const page = await openConsole();
    await page.fill('#token', token);
    await page.click('#signin-form button[type=submit]');
    await visible(page.locator('#signed-in'));
    await textOf(page.locator('#regions')).toContain('BO');
    // A new region: monitor, never the list's first mode (off).
    expect(await page.inputValue('#rule-mode')).toBe('monitor');
    await page.fill('#rule-region', 'ec');
    await page.press('#rule-region', 'Tab');
    expect(await page.inputValue('#rule-mode')).toBe('monitor');
    // A region with a rule: its mode and percent.
    await page.fill('#rule-region', 'BO');
    await page.press('#rule-region', 'Tab');
    expect(await page.inputValue('#rule-mode')).toBe('challenge');
    expect(await page.inputValue('#rule-percent')).toBe('50');
    await page.selectOption('#rule-mode', 'enforce');
    await page.fill('#rule-percent', '100');
    await page.fill('#rule-note', 'Bolivia: enforce');
    await page.click('#rule-form button[type=submit]');
    await visible(page.locator('#confirm'));
    await textOf(page.locator('#confirm-text')).toContain('(mode challenge → enforce, percent 50 → 100)');
    await page.keyboard.press('Escape');

    // The note, then the buttons: at every width the required field comes first.
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 1000 });
      const order = await page.evaluate(() => {
        const note = document.getElementById('rule-note')!.getBoundingClientRect();
        const review = document.querySelector('#rule-form button[type=submit]')!.getBoundingClientRect();
        return { noteBottom: note.bottom, reviewTop: review.top };
      });
      expect(order.noteBottom, `at ${width}px`).toBeLessThanOrEqual(order.reviewTop);
    }
    await page.context().close();
  });
});
