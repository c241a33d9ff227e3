/**
 * What the two-homes and long-stays page tests share (long-stays-pages and
 * long-stays-support): a gate of their own under `wrangler dev` with Peru
 * challenging, Chromium, households each on networks of their own, and the
 * owner's two ways taken through the device API with the code from the
 * gate's log.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mintDeviceToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { codeFromLog } from './page-checks';
import { ruledGateAndBrowser } from './ruled-gate';

export const SIZES = { tv: { width: 1920, height: 1080 }, phone: { width: 390, height: 844 } } as const;
export const SHOTS = 'test-artifacts/screenshots';
export const COUNTRY = 'PE';

export interface Household {
  account: string;
  /** The flat: the household's first home. */
  home: (host: number) => string;
  /** The weekend house: another network of the household's own (the gate keys an IPv6 network on its /56). */
  house: (host: number) => string;
  /** A third place with a TV. */
  cabin: string;
  /** Somewhere away from every home. */
  away: string;
  token: (device: string, type: string) => Promise<string>;
  /** A decision for `token` from `ip`: how a device joins the list. */
  decide: (token: string, ip: string) => Promise<{ status: number; reason?: string }>;
  /** Away access for `days`, asked from away and given with the owner's code: the answer's status. */
  giveAwayAccess: (token: string, deviceId: string, days: number) => Promise<number>;
  /** The TV's network made a second home with the owner's code: the answer's status. */
  setSecondHome: (token: string, deviceId: string, ip: string) => Promise<number>;
}

/** A gate with Peru challenging, and Chromium: started side by side. */
export async function longStaysGate(): Promise<{ gate: LocalWorker; browser: Browser; household: (name: string) => Household }> {
  mkdirSync(SHOTS, { recursive: true });
  const { gate, browser } = await ruledGateAndBrowser({ country: COUNTRY, mode: 'challenge', note: 'long stays test' });
  let households = 0;
  return { gate, browser, household: (name) => household(gate, name, (households += 1)) };
}

function household(gate: LocalWorker, name: string, n: number): Household {
  const account = `acct-${name}-${Date.now()}`;
  const at = (ip: string, more: Record<string, string> = {}) => ({ 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY, ...more });
  const post = async (token: string, ip: string, path: string, body: unknown) =>
    fetch(`${gate.url}${path}`, { method: 'POST', headers: at(ip, { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  /** A code of `purpose` asked from `ip`, then used at `path` with the code from the log. */
  const withCode = async (token: string, deviceId: string, ip: string, ask: Record<string, unknown>, path: string): Promise<number> => {
    const opened = await post(token, ip, '/gate/v1/challenges', ask);
    if (opened.status !== 201) return opened.status;
    const { challengeId } = (await opened.json()) as { challengeId: string };
    return (await post(token, ip, path, { challengeId, code: await codeFromLog(gate, deviceId) })).status;
  };
  const away = `198.51.100.${n}`;
  return {
    account,
    home: (host) => `2001:db8:${n}:100::${host}`,
    house: (host) => `2001:db8:${n}:200::${host}`,
    cabin: `2001:db8:${n}:300::1`,
    away,
    token: (device, type) => mintDeviceToken({ account, device, type, ttlSeconds: 600 }),
    decide: async (token, ip) => {
      const response = await fetch(`${gate.url}/gate/v1/decision`, { headers: at(ip, { Authorization: `Bearer ${token}` }) });
      return { status: response.status, ...((await response.json()) as { reason?: string }) };
    },
    giveAwayAccess: (token, deviceId, days) => withCode(token, deviceId, away, { purpose: 'away-access', days }, '/gate/v1/household/away-access'),
    setSecondHome: (token, deviceId, ip) => withCode(token, deviceId, ip, { purpose: 'second-home' }, '/gate/v1/household/second-home'),
  };
}

/** The help page as the device holding `token` sees it from `ip`. */
export async function helpPage(browser: Browser, gate: LocalWorker, token: string, ip: string, locale: string, size: keyof typeof SIZES): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: SIZES[size], locale, baseURL: gate.url });
  await context.addCookies([{ name: 'hearth_device', value: token, url: gate.url }]);
  await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY });
  const page = await context.newPage();
  await page.goto('/gate/help');
  return { context, page };
}

/** Nothing in `selector` is wider than the window, and the page never scrolls sideways. */
export async function fitsWidth(page: Page, selector: string): Promise<{ wide: string[]; scrolls: boolean }> {
  return page.evaluate((within) => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll(`${within}, ${within} *`)].filter((el) => el.getBoundingClientRect().right > width + 1).map((el) => `${el.tagName.toLowerCase()}#${el.id}`);
    return { wide, scrolls: document.documentElement.scrollWidth > width };
  }, selector);
}
