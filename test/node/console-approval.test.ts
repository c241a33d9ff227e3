/**
 * Four eyes and notice in the ops console (contract §8), in Debian's Chromium
 * against `wrangler dev` with ROLLOUT_APPROVAL=stricter and an hour's notice:
 * the Review step says when a change would apply (and offers Skip the notice
 * to a holder of rollout:skip-notice); person A's stricter change waits for a
 * second person; A cannot approve it (no button, and the gate's SELF_APPROVAL
 * in words when the console is made to offer one); person B approves it and
 * the regions show the upcoming rule with its date; B rejects another; an
 * outdated change is refused in words; a change without notice says so; a
 * staged rule whose later stage goes higher is reviewed as stricter.
 * Axe clean, and readable on a 390 px phone (docs/screenshots/console-approval-390.png,
 * console-upcoming-390.png).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { launchChromium } from './chromium';
import { accessibilityProblems, textOf, visible, WAIT } from './page-checks';

const LAPTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let gate: LocalWorker;
let browser: Browser;
const tokens = { alice: '', bob: '', carol: '' };

/** An instant as the console writes it in Lima (UTC−05:00 all year). */
function limaTime(instant: string | number): string {
  const shifted = new Date(new Date(instant).getTime() - 5 * HOUR_MS).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)} UTC−05:00`;
}

/** A Lima time as the console writes it, back to epoch milliseconds. */
function fromLimaTime(text: string): number {
  const match = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC−05:00/.exec(text);
  if (!match) throw new Error(`no Lima time in “${text}”`);
  return Date.parse(`${match[1]}T${match[2]}:00-05:00`);
}

async function admin(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(gate.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: await response.json() };
}

/** A console signed in with `token`, in Lima, once the waiting changes are read. */
async function consoleAs(token: string, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'America/Lima', baseURL: gate.url });
  const page = await context.newPage();
  await page.goto('/admin/console');
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
  await textOf(page.locator('#approvals-summary')).not.toBe('');
  return { context, page };
}

/** Fills the rule form and opens its Review step (the confirmation dialog). */
async function review(page: Page, region: string, mode: string, note: string): Promise<void> {
  await page.fill('#rule-region', region);
  await page.selectOption('#rule-mode', mode);
  await page.fill('#rule-note', note);
  await page.click('#rule-form button[type=submit]');
  await visible(page.locator('#confirm'));
  await textOf(page.locator('#confirm-preview-headline')).not.toBe('');
}

/** Elements reaching past the window's right edge without a scrolling box of their own around them (none: the page never scrolls sideways). */
function wideElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrollsInside = (element: Element) => {
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const overflow = getComputedStyle(parent).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') return true;
      }
      return false;
    };
    const past = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().width > 0 && element.getBoundingClientRect().right > width + 1 && !scrollsInside(element))
      .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className} ${Math.round(element.getBoundingClientRect().right)}px`);
    return document.documentElement.scrollWidth > width ? [`page ${document.documentElement.scrollWidth}px`, ...past] : past;
  });
}

const item = (page: Page, region: string) => page.locator('#approvals-list > li', { hasText: `${region}:` });

beforeAll(async () => {
  const launched = launchChromium();
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', ROLLOUT_APPROVAL: 'stricter', NOTICE_PERIOD: 'PT1H' } }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  tokens.alice = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'alice@ops' });
  tokens.bob = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'bob@ops' });
  tokens.carol = await mintAdminToken({ scope: 'rollout:read rollout:write audit:read', sub: 'carol@ops' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

describe('approving a stricter change in the ops console', () => {
  it('shows in the Review step when a change applies, and A’s stricter change waits for another person', async () => {
    const { context, page } = await consoleAs(tokens.alice);
    // Looser than the monitor PE follows: at once, and nothing to skip.
    await review(page, 'PE', 'off', 'Peru: no checks during the migration');
    await textOf(page.locator('#confirm-applies')).toBe('Applies at once.');
    expect(await page.locator('#confirm-skip').isVisible()).toBe(false);
    await page.click('#confirm button[value=cancel]');

    // Stricter: a second person first, then an hour on the public status page.
    await review(page, 'PE', 'enforce', 'Peru: enforce after the announcement');
    const applies = (await page.locator('#confirm-applies').textContent()) ?? '';
    expect(applies).toMatch(
      /^Needs a second person’s approval first, then 1 hour on the public status page: it applies 1 hour after the approval \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC−05:00 if approved now\)\.$/,
    );
    expect(Math.abs(fromLimaTime(applies) - (Date.now() + HOUR_MS))).toBeLessThan(3 * 60_000);
    // Alice holds rollout:skip-notice: the choice is there, says it is audited and on the status page, and changes the date.
    await visible(page.locator('#confirm-skip'));
    expect(await page.locator('#confirm-skip').innerText()).toMatch(/Skip the notice[\s\S]*note is the reason on record[\s\S]*Audited[\s\S]*public status page says the change came without notice/);
    await page.check('#confirm-skip-notice');
    await textOf(page.locator('#confirm-applies')).toBe('Needs a second person’s approval first: it applies as soon as another person with rollout:approve approves it.');
    await page.uncheck('#confirm-skip-notice');
    await textOf(page.locator('#confirm-applies')).toContain('1 hour on the public status page');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.click('#confirm-ok');
    const said = textOf(page.locator('#console-status'));
    await said.toContain('Nothing changed yet: PE: follows * (no * rule: monitor) → enforce at 100 % waits for a second person’s approval.');
    const status = (await page.locator('#console-status').textContent()) ?? '';
    expect(Math.abs(fromLimaTime(status.slice(status.indexOf('expires'))) - (Date.now() + 7 * DAY_MS))).toBeLessThan(3 * 60_000);

    // The change waits: listed for Alice without an Approve button, and nothing changed in the regions.
    await textOf(item(page, 'PE').locator('h3')).toBe('PE: follows * (no * rule: monitor) → enforce at 100 %');
    const listed = await item(page, 'PE').innerText();
    expect(listed).toContain('Asked by alice@ops');
    expect(listed).toContain('Note: “Peru: enforce after the announcement”');
    expect(listed).toContain('Waiting for another person: you asked for it');
    expect(
      await item(page, 'PE')
        .getByRole('button', { name: /^Approve/ })
        .count(),
    ).toBe(0);
    expect(await item(page, 'PE').getByRole('button', { name: 'Reject your own change to PE' }).count()).toBe(1);
    expect(await page.locator('#regions').innerText()).not.toContain('PE');
    await context.close();
  });

  it('offers no Approve and no Skip the notice to a person without those scopes', async () => {
    const { context, page } = await consoleAs(tokens.carol);
    await textOf(item(page, 'PE')).toContain('needs the rollout:approve scope, which this token lacks');
    expect(await item(page, 'PE').getByRole('button').count()).toBe(0);
    await review(page, 'CL', 'enforce', 'Chile: enforce');
    await textOf(page.locator('#confirm-applies')).toContain('Needs a second person’s approval first');
    expect(await page.locator('#confirm-skip').isVisible()).toBe(false);
    await page.click('#confirm button[value=cancel]');
    await context.close();
  });

  it('shows the gate’s SELF_APPROVAL in words when A’s console is made to offer Approve on A’s own change', async () => {
    const { context, page } = await consoleAs(tokens.alice);
    // The list as read, with its author changed: the console now takes the change for someone else's.
    await page.route('**/admin/v1/rollout/changes', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { changes: Array<{ requestedBy: string }> };
      for (const change of body.changes) change.requestedBy = 'someone-else@ops';
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await item(page, 'PE').getByRole('button', { name: 'Approve the change to PE' }).click();
    await visible(page.locator('#decision'));
    await page.fill('#decision-note', 'approving my own');
    await page.click('#decision-ok');
    await textOf(page.locator('#console-status')).toBe('You asked for this change, so you cannot approve it: another person with the rollout:approve scope must. Nothing changed.');
    await page.unroute('**/admin/v1/rollout/changes');
    const pending = await admin(tokens.alice, 'GET', '/admin/v1/rollout/changes');
    expect(pending.body.changes).toHaveLength(1);
    await context.close();
  });

  it('lets B approve A’s change on a 390 px phone: the regions show the upcoming rule and its date', async () => {
    const { context, page } = await consoleAs(tokens.bob, PHONE);
    const entry = item(page, 'PE');
    await textOf(entry.locator('h3')).toBe('PE: follows * (no * rule: monitor) → enforce at 100 %');
    const listed = await entry.innerText();
    expect(listed).toContain('Asked by alice@ops');
    expect(listed).toMatch(/expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC−05:00 if nobody approves it/);
    expect(listed).toContain('Note: “Peru: enforce after the announcement”');
    // On a phone: nothing wider than the screen, the page never scrolls sideways.
    expect(await wideElements(page)).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);
    mkdirSync('docs/screenshots', { recursive: true });
    await page.locator('.approvals').screenshot({ path: 'docs/screenshots/console-approval-390.png' });

    await entry.getByRole('button', { name: 'Approve the change to PE' }).click();
    await visible(page.locator('#decision'));
    expect(await page.locator('#decision-text').textContent()).toContain('Approving applies it');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.fill('#decision-note', 'Announcement is out; approved');
    await page.click('#decision-ok');

    await textOf(page.locator('#console-status')).toMatch(/^Approved: PE — enforce at 100 % from /);
    const rollout = await admin(tokens.bob, 'GET', '/admin/v1/rollout');
    const upcoming = rollout.body.regions.PE.upcoming;
    expect(Date.parse(upcoming.effectiveAt) - Date.parse(upcoming.noticeFrom)).toBe(HOUR_MS);
    const words = `enforce at 100 % from ${limaTime(upcoming.effectiveAt)}, announced ${limaTime(upcoming.noticeFrom)}, approved by bob@ops`;
    await textOf(page.locator('#console-status')).toBe(`Approved: PE — ${words}. Until then the rule in force decides.`);
    const row = page.locator('#regions tr', { hasText: 'PE' });
    await textOf(row).toContain(`Upcoming: ${words}`);
    expect(await row.innerText()).toContain('monitor (follows *)');
    expect(await row.innerText()).toContain('no rule of its own: follows * until its upcoming rule applies');
    await textOf(page.locator('#approvals-summary')).toMatch(/^No change waits for a second person/);
    expect(await page.locator('#approvals-list > li').count()).toBe(0);
    await textOf(page.locator('#audit')).toContain('rollout.change_approved');
    await row.scrollIntoViewIfNeeded();
    // The table scrolls inside its card on a phone: the screenshot shows it scrolled to the status.
    await row
      .locator('td')
      .nth(4)
      .evaluate((status) => status.closest('.table-scroll')!.scrollTo({ left: (status as HTMLElement).offsetLeft - 8 }));
    await page.locator('section', { has: page.locator('#regions') }).screenshot({ path: 'docs/screenshots/console-upcoming-390.png' });
    expect(await wideElements(page)).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('lets B reject a waiting change with a note: nothing changes', async () => {
    const asked = await admin(tokens.alice, 'PUT', '/admin/v1/rollout/CL', { mode: 'challenge', percent: 50, note: 'Chile: challenge half' });
    expect(asked.status).toBe(202);
    const { context, page } = await consoleAs(tokens.bob);
    await textOf(item(page, 'CL').locator('h3')).toBe('CL: follows * (no * rule: monitor) → challenge at 50 %');
    await item(page, 'CL').getByRole('button', { name: 'Reject the change to CL' }).click();
    await visible(page.locator('#decision'));
    await textOf(page.locator('#decision-title')).toBe('Reject the change');
    await page.fill('#decision-note', 'Not before the support team is ready');
    await page.click('#decision-ok');
    await textOf(page.locator('#console-status')).toBe('Rejected: CL: follows * (no * rule: monitor) → challenge at 50 %. Nothing changed in the rollout.');
    await expect.poll(() => page.locator('#approvals-list > li').count(), WAIT).toBe(0);
    expect(await page.locator('#regions').innerText()).not.toContain('CL');
    await textOf(page.locator('#audit')).toContain('Not before the support team is ready');
    await context.close();
  });

  it('says in words when a change is outdated, and when one came without notice', async () => {
    // Asked against one version; the rollout moves before B approves.
    const outdated = await admin(tokens.alice, 'PUT', '/admin/v1/rollout/MX', { mode: 'enforce', note: 'Mexico: enforce' });
    expect(outdated.status).toBe(202);
    expect((await admin(tokens.alice, 'PUT', '/admin/v1/rollout/AR', { mode: 'off', note: 'Argentina: off' })).status).toBe(200);
    // Asked to apply at once: Alice holds rollout:skip-notice.
    const skipped = await admin(tokens.alice, 'PUT', '/admin/v1/rollout/EC', { mode: 'enforce', notice: 'skip', note: 'Ecuador: court order, cannot wait' });
    expect(skipped.status).toBe(202);

    const { context, page } = await consoleAs(tokens.bob);
    await item(page, 'MX').getByRole('button', { name: 'Approve the change to MX' }).click();
    await page.click('#decision-ok');
    await textOf(page.locator('#console-status')).toMatch(
      /^The rollout changed after this change was asked \(it is at version \d+ now\), so approving it could undo someone else’s work\. Nothing changed\./,
    );

    await textOf(item(page, 'EC').locator('h3')).toBe('EC: follows * (no * rule: monitor) → enforce at 100 %, at once without notice once approved');
    await item(page, 'EC').getByRole('button', { name: 'Approve the change to EC' }).click();
    await page.click('#decision-ok');
    await textOf(page.locator('#console-status')).toBe('Approved: EC is now enforce at 100 % (applied at once, without notice).');
    await textOf(page.locator('#regions tr', { hasText: 'EC' })).toContain('steady; without notice');
    await context.close();
  });

  it('counts a stage going higher as stricter in the Review step', async () => {
    // CO challenges a tenth at once: asked without notice by Alice, approved by Bob.
    const asked = await admin(tokens.alice, 'PUT', '/admin/v1/rollout/CO', { mode: 'challenge', percent: 10, notice: 'skip', note: 'Colombia: a tenth, now' });
    expect(asked.status).toBe(202);
    expect((await admin(tokens.bob, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, {})).status).toBe(200);
    const { context, page } = await consoleAs(tokens.carol);
    // The same first stage, then half: stricter, so it waits like any stricter change.
    await page.fill('#rule-stages', '10:P1D, 50');
    await page.fill('#rule-percent', '10');
    await review(page, 'CO', 'challenge', 'Colombia: half after a day');
    await textOf(page.locator('#confirm-applies')).toContain('Needs a second person’s approval first, then 1 hour on the public status page');
    await page.click('#confirm button[value=cancel]');
    await context.close();
  });
});
