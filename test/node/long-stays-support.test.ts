/**
 * What support sees of two homes and long stays away (contract §6, issue
 * 33), against the gate under `wrangler dev`: `npm run ops -- account show`
 * lists the homes (each with its network count and the TV that keeps it)
 * and the away access the owner gave (this year's count, the devices holding
 * it until when); `account away-access end` ends one early; the console's
 * account view shows the same and ends away access after a confirmation
 * (Chromium, axe clean). The owner's two ways are taken through the device
 * API with the code from the gate's log (long-stays.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { accessibilityProblems, textOf, visible, WAIT } from './page-checks';
import { longStaysGate, SHOTS, SIZES, type Household } from './long-stays';

const run = promisify(execFile);

let gate: LocalWorker;
let browser: Browser;
let newHousehold: (name: string) => Household;
let adminToken: string;

beforeAll(async () => {
  ({ gate, browser, household: newHousehold } = await longStaysGate());
  adminToken = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'long-stays-support@ops' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
});

async function ops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/ops.ts', ...args], { env: { ...process.env, HEARTH_URL: gate.url, HEARTH_ADMIN_TOKEN: adminToken } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A household with a flat, a weekend house kept by its own TV, and `away` devices given away access for 120 days. */
async function twoHomesAndPostings(name: string, away: string[]): Promise<Household & { tokens: Record<string, string> }> {
  const h = newHousehold(name);
  const tokens: Record<string, string> = { 'tv-flat': await h.token('tv-flat', 'tv'), 'tv-house': await h.token('tv-house', 'tv') };
  expect((await h.decide(tokens['tv-flat']!, h.home(1))).reason).toBe('HOUSEHOLD_ESTABLISHED');
  expect(await h.setSecondHome(tokens['tv-house']!, 'tv-house', h.house(1))).toBe(200);
  for (const device of away) {
    tokens[device] = await h.token(device, 'mobile');
    expect(await h.giveAwayAccess(tokens[device]!, device, 120)).toBe(200);
  }
  return { ...h, tokens };
}

describe('npm run ops -- account show and account away-access end', () => {
  it('shows the homes with the TV that keeps each and the away access given this year; ends one device’s away access early, audited', async () => {
    const h = await twoHomesAndPostings('cli', ['phone-posted', 'tablet-student']);
    const shown = await ops(['account', 'show', h.account]);
    expect(shown.code).toBe(0);
    const section = (title: string) => shown.stdout.split(`\n${title}`)[1]!.split('\n\n')[0]!.split('\n');
    expect(section('Homes (the primary home, then second homes set with the owner’s code)').slice(1)).toEqual([
      expect.stringMatching(/^home\s+networks\s+kept by TV\s+updatedAt$/),
      expect.stringMatching(/^-+/),
      expect.stringMatching(/^primary\s+1\s+tv-flat\s+\d{4}-\S+Z$/),
      expect.stringMatching(/^second home\s+1\s+tv-house\s+\d{4}-\S+Z$/),
    ]);
    const away = section('Away access (the owner’s code, for a posting, a term, a long stay): ');
    expect(away[0]).toBe('2 of 2 given in the last 365 days');
    expect(away.slice(3).toSorted()).toEqual([expect.stringMatching(/^phone-posted\s+\d{4}-\S+Z$/), expect.stringMatching(/^tablet-student\s+\d{4}-\S+Z$/)]);
    // Never an address.
    expect(shown.stdout).not.toMatch(/2001:db8|198\.51\.100/);

    const ended = await ops(['account', 'away-access', 'end', h.account, 'phone-posted']);
    expect(ended).toMatchObject({ code: 0, stdout: 'Ended the away access of phone-posted; it is decided as before from its next request.\n' });
    expect((await h.decide(h.tokens['phone-posted']!, h.away)).reason).toBe('OUTSIDE_HOUSEHOLD');
    expect((await h.decide(h.tokens['tablet-student']!, h.away)).reason).toBe('AWAY_ACCESS');
    // Nothing left to end: the gate's refusal, in words.
    const again = await ops(['account', 'away-access', 'end', h.account, 'phone-posted']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('AWAY_ACCESS_NOT_FOUND');
    const summary = JSON.parse((await ops(['account', 'show', h.account, '--json'])).stdout);
    // The year's count stays: ending early gives nothing back.
    expect(summary.awayAccess).toMatchObject({ givenInYear: 2, perYear: 2, devices: [{ deviceId: 'tablet-student' }] });
    expect(summary.homes).toEqual([
      { homeId: 'primary', networkCount: 1, anchorDeviceId: 'tv-flat', updatedAt: expect.any(String) },
      { homeId: expect.any(String), networkCount: 1, anchorDeviceId: 'tv-house', updatedAt: expect.any(String) },
    ]);
    await expect
      .poll(
        async () => JSON.parse((await ops(['audit', '--json'])).stdout).entries.map((entry: { action: string; actor: string; target: string }) => `${entry.action} ${entry.actor} ${entry.target}`),
        WAIT,
      )
      .toContain(`away-access.end long-stays-support@ops accounts/${h.account}/away-access/phone-posted`);
  });

  it('lists the command in --help, explains it, and answers a missing device with the usage', async () => {
    const help = await ops(['--help']);
    expect(help.stdout).toMatch(/account away-access end\s+End a device's away access early/);
    const one = await ops(['account', 'away-access', 'end', '--help']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Usage: npm run ops -- account away-access end ACCOUNT DEVICE');
    expect(one.stdout).toContain('still counts');
    const show = await ops(['account', 'show', '--help']);
    expect(show.stdout).toContain('the TV that keeps it');
    const missing = await ops(['account', 'away-access', 'end', 'some-account']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing DEVICE');
  });
});

describe('the console’s account view', () => {
  it('shows the homes and the away access given, and ends a device’s away access after asking', async () => {
    const h = await twoHomesAndPostings('console', ['phone-posted']);
    const context = await browser.newContext({ viewport: SIZES.tv, locale: 'en-US', baseURL: gate.url });
    const page = await context.newPage();
    await page.goto('/admin/console');
    await page.fill('#token', adminToken);
    await page.click('#signin-form button[type=submit]');
    await page.fill('#account-id', h.account);
    await page.click('#account-form button[type=submit]');
    await visible(page.locator('#account'));

    const cells = async (tbody: string) => Promise.all((await page.locator(`${tbody} tr`).all()).map((tr) => tr.locator('td').allTextContents()));
    await expect
      .poll(() => cells('#account-homes'), WAIT)
      .toEqual([
        ['primary', '1', 'tv-flat', expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)],
        ['second home', '1', 'tv-house', expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)],
      ]);
    await textOf(page.locator('#account-away-year')).toBe('Away access: 1 of 2 given in the last 365 days.');
    expect(await cells('#account-away')).toEqual([['phone-posted', expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/), 'End away access']]);
    const end = page.getByRole('button', { name: 'End away access for phone-posted' });
    await page.locator('#account-away').screenshot({ path: `${SHOTS}/console-away-access.png` });
    expect(await accessibilityProblems(page)).toEqual([]);

    // Asked first: cancelling changes nothing.
    await end.click();
    await visible(page.locator('#confirm'));
    await textOf(page.locator('#confirm-text')).toContain('End the away access of phone-posted now?');
    await page.click('#confirm button[value=cancel]');
    expect((await h.decide(h.tokens['phone-posted']!, h.away)).reason).toBe('AWAY_ACCESS');

    await end.click();
    await page.click('#confirm-ok');
    await textOf(page.locator('#console-status')).toBe('Away access ended for phone-posted.');
    await textOf(page.locator('#account-away')).toBe('(none: no device holds away access now)');
    await textOf(page.locator('#account-away-year')).toBe('Away access: 1 of 2 given in the last 365 days.');
    expect((await h.decide(h.tokens['phone-posted']!, h.away)).reason).toBe('OUTSIDE_HOUSEHOLD');
    await expect
      .poll(async () => {
        await page.click('#account-form button[type=submit]');
        return page.locator('#audit').textContent();
      }, WAIT)
      .toContain(`accounts/${h.account}/away-access/phone-posted`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });
});
