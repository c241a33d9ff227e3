/**
 * The ops console on a laptop (1,440 × 900), in Debian's Chromium against the
 * gate under `wrangler dev`: where a token comes from, regions beside the
 * charts, tables that fit or scroll inside their card (never the page),
 * legends that show numbers before anyone hovers, times in the viewer's own
 * zone with its offset, and axe clean. Writes docs/screenshots/console-1440.png
 * for reviewers.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';

const LAPTOP = { width: 1440, height: 900 };
const WAIT = { timeout: 20_000 };
/** A raw ISO 8601 instant as the API writes it. */
const RAW_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** A time as the console writes it in Lima: local, with the offset. */
const LIMA_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC−05:00$/;

let gate: LocalWorker;
let browser: Browser;
let adminToken: string;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(gate.url + path, { method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return response.json();
}

async function seriousAccessibilityProblems(page: Page) {
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ html: string }> }> }> } }).axe.run();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.html).slice(0, 3) }));
  });
}

beforeAll(async () => {
  // Chromium launches while the gate starts: neither needs the other until the first test.
  const launched = launchChromium();
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S' } }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  adminToken = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'layout-test@ops' });
  // What a busy console holds: rules with long notes and guards, decisions in a region, a long audit trail.
  const note = 'Peru: challenge a tenth of accounts while support watches the queue; see the incident review of 2026-11-21 for why the percent is this low';
  await admin('PUT', '/admin/v1/rollout/PE', {
    mode: 'challenge',
    percent: 10,
    note,
    stages: [{ percent: 10, hold: 'P1D' }, { percent: 50, hold: 'P2D' }, { percent: 100 }],
    guard: { maxRefusalRate: 0.05, minVerifySuccessRate: 0.5, minHouseholds: 200, window: 'PT15M' },
  });
  for (const region of ['CL', 'CO', 'EC', 'MX', 'AR', 'BR', 'UY'])
    await admin('PUT', `/admin/v1/rollout/${region}`, { mode: 'monitor', note: `${region}: monitor before anything else, with a note long enough to wrap in a narrow column` });
  const account = `acct-layout-${Date.now()}`;
  for (const [device, type, ip] of [
    ['tv', 'tv', '203.0.113.50'],
    ['phone', 'mobile', '198.51.100.50'],
    ['tablet', 'tablet', '198.51.100.51'],
  ] as const) {
    const token = await mintDeviceToken({ account, device, type, ttlSeconds: 600 });
    await (await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': 'PE' } })).arrayBuffer();
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

describe('the ops console on a 1,440 px laptop', () => {
  it('says where an admin token comes from, and in development how to mint one', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US', baseURL: gate.url });
    const page = await context.newPage();
    await page.goto('/admin/console');
    const signIn = (await page.locator('#signin').innerText()).replace(/\s+/g, ' ');
    expect(signIn).toContain('hearth-admin');
    expect(signIn).toMatch(/identity provider|ADMIN_JWKS/);
    expect(signIn).toContain(`npm run -s ops -- admin-token --scope "${ADMIN_SCOPES.join(' ')}"`);
    expect(signIn).toContain('rollout:approve rollout:skip-notice');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it('lays regions beside the charts, keeps every table inside its card, shows legend values and local times', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US', timezoneId: 'America/Lima', baseURL: gate.url });
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await expect.poll(() => page.locator('#regions').innerText(), WAIT).toContain('PE');
    await expect
      .poll(async () => {
        await page.click('#metrics-form button[type=submit]');
        return page.locator('#metrics-region option').allTextContents();
      }, WAIT)
      .toContain('PE');
    await page.selectOption('#metrics-region', 'PE');
    await expect.poll(() => page.locator('#metrics-summary').innerText(), WAIT).toContain('PE, last hour, per minute: 3 sessions');
    await expect.poll(() => page.locator('#audit tr').count(), WAIT).toBeGreaterThan(5);

    // With every card open: the numbers behind the charts too.
    await page.click('#signed-in details summary');
    // Nothing is wider than the window, and the page itself never scrolls sideways.
    const layout = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().width > width)
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className} ${Math.round(element.getBoundingClientRect().width)}px`);
      /** An element that reaches past the window's right edge without a scrolling box of its own around it. */
      const scrollsInside = (element: Element) => {
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
          const overflow = getComputedStyle(parent).overflowX;
          if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') return true;
        }
        return false;
      };
      const past = [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > width + 1 && !scrollsInside(element))
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}`);
      const box = (id: string) => document.getElementById(id)!.closest('section')!.getBoundingClientRect();
      return {
        width,
        scrollWidth: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
        wide,
        past,
        charts: { top: box('metrics-title').top, left: box('metrics-title').left, right: box('metrics-title').right },
        regions: { top: box('regions-title').top, left: box('regions-title').left },
      };
    });
    expect(layout.width).toBe(1440);
    expect(layout.scrollWidth).toBe(layout.width);
    expect(layout.wide).toEqual([]);
    expect(layout.past).toEqual([]);
    // Side by side: the same row, the regions to the right of the charts.
    expect(Math.abs(layout.regions.top - layout.charts.top)).toBeLessThan(2);
    expect(layout.regions.left).toBeGreaterThanOrEqual(layout.charts.right);
    // A laptop page, not one 7,200 px column: about three screens with every card open.
    expect(layout.height).toBeLessThan(3 * LAPTOP.height);

    // Each table fits its card or scrolls inside it, where the keyboard can reach it.
    const tables = await page.evaluate(() =>
      // The console's own tables that show (uPlot's legends are tables too; the account's wait for a lookup).
      [...document.querySelectorAll('#signed-in table:not(.u-legend)')]
        .filter((table) => table.getBoundingClientRect().width > 0)
        .map((table) => {
          const card = table.closest('.card')!.getBoundingClientRect();
          const scroller = table.closest('.table-scroll');
          const rect = (scroller ?? table).getBoundingClientRect();
          return { id: table.querySelector('tbody')?.id, fits: rect.left >= card.left - 1 && rect.right <= card.right + 1, focusable: scroller ? scroller.getAttribute('tabindex') === '0' : false };
        }),
    );
    expect(tables.map((table) => table.id)).toEqual(['metrics-table', 'regions', 'audit']);
    for (const table of tables) expect(table).toMatchObject({ fits: true, focusable: true });

    // Legends carry numbers before anyone hovers: the period's totals, never "--".
    const legends = await page.evaluate(() =>
      Object.fromEntries(
        ['chart-sessions', 'chart-would', 'chart-funnel'].map((id) => [
          id,
          [...document.querySelectorAll(`#${id} .u-legend .u-series`)].map((row) => `${row.querySelector('.u-label')?.textContent?.trim()} ${row.querySelector('.u-value')?.textContent?.trim()}`),
        ]),
      ),
    );
    for (const rows of Object.values(legends)) {
      expect(rows.length).toBeGreaterThan(1);
      for (const text of rows) expect(text).not.toContain('--');
    }
    // The three sessions, split by outcome as the account's rollout bucket fell.
    const outcomes = legends['chart-sessions']!.slice(1).map((text) => /^(allowed|challenged|denied) (\d+)$/.exec(text));
    expect(outcomes.map((match) => match?.[1])).toEqual(['allowed', 'challenged', 'denied']);
    expect(outcomes.reduce((sum, match) => sum + Number(match![2]), 0)).toBe(3);
    expect(legends['chart-would']!.join(' ')).toMatch(/would refuse \(%\) \d+(\.\d)?%/);
    // Hovering shows one step's values (with its local time); leaving brings the totals back.
    const chart = page.locator('#chart-sessions .u-over');
    // The console redraws its charts when new counts arrive: a redraw mid-scroll detaches the element, so try again (CI met it once).
    let bounds: { x: number; y: number; width: number; height: number } | null = null;
    for (let attempt = 0; attempt < 5 && bounds === null; attempt += 1) {
      bounds = await chart
        .scrollIntoViewIfNeeded({ timeout: 2000 })
        .then(() => chart.boundingBox())
        .catch(() => null);
    }
    if (bounds === null) throw new Error('the sessions chart never held still long enough to hover');
    await page.mouse.move(bounds.x + bounds.width / 2, bounds.y + bounds.height / 2);
    await page.mouse.move(bounds.x + bounds.width - 2, bounds.y + bounds.height / 2, { steps: 5 });
    await expect.poll(() => page.locator('#chart-sessions .u-legend .u-series').first().locator('.u-value').textContent(), WAIT).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC−05:00/);
    await page.mouse.move(0, 0);
    await expect.poll(async () => `allowed ${(await page.locator('#chart-sessions .u-legend .u-series').nth(1).locator('.u-value').textContent())?.trim()}`, WAIT).toBe(legends['chart-sessions']![1]);

    // Times are the viewer's own, with the offset; no raw ISO instant is left on the page.
    const auditTime = (await page.locator('#audit tr').first().locator('td').first().innerText()).trim();
    expect(auditTime).toMatch(LIMA_TIME);
    expect(await page.locator('#audit tr').first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
    expect(await page.locator('#rollout-version').innerText()).toMatch(/updated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC−05:00/);
    expect(await page.locator('#signed-in').innerText()).not.toMatch(RAW_INSTANT);

    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    mkdirSync('docs/screenshots', { recursive: true });
    await page.screenshot({ path: 'docs/screenshots/console-1440.png', fullPage: true });
    await context.close();
  });
});
