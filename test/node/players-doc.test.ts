/**
 * docs/players.md's SDK snippet, as written (issue 36, item 5): taken from
 * the document (the ```ts block after `<!-- snippet: sdk-hls -->`), bundled
 * with esbuild as a player team would, and run in Chromium on a page of
 * another origin against a development gate — `https://gate.example` is the
 * one thing replaced, by the gate's address, as the walkthroughs replace
 * `localhost:8787`. The page supplies what the snippet leaves to the app:
 * `account.deviceToken` (the development sign-in, from that origin, bound to
 * the snippet's key), `showHelp`, `hideHelp`, `ask` and the help UI's elements.
 *
 * The device is outside the household, so the first decision refuses; the
 * code flow through the snippet's buttons must then start playback without
 * a reload. The snippet as it stood made the player only when the first
 * decision allowed, so `resume` fired and the video stayed at 0.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { launchChromium } from './chromium';
import { codeFromLog } from './page-checks';

const ACCOUNT = 'acct-players-doc';
const DEVICE = 'laptop-doc';
const WAIT = { timeout: 30_000, interval: 200 };

/** The document's snippet, exactly as a reader copies it. */
export function documentedSnippet(document = readFileSync('docs/players.md', 'utf8')): string {
  const after = document.split('<!-- snippet: sdk-hls')[1];
  const block = after?.match(/```ts\n([\s\S]*?)\n```/)?.[1];
  if (!block) throw new Error('docs/players.md has no ```ts block after <!-- snippet: sdk-hls -->');
  return block;
}

let gate: LocalWorker;
let browser: Browser;
let pageServer: Server;
const origin = () => `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

/** The player team's page: the app's parts the snippet leaves out, then the snippet itself as a module. */
function pageHtml(gateUrl: string): string {
  const app = `
    window.seen = { refused: [], hidden: 0 };
    window.account = {
      async deviceToken({ key }) {
        const response = await fetch(${JSON.stringify(gateUrl)} + '/gate/dev/device-token', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ account: ${JSON.stringify(ACCOUNT)}, device: ${JSON.stringify(DEVICE)}, type: 'web', jwk: key.jwk }),
        });
        return (await response.json()).token;
      },
    };
    window.showHelp = (message, actions) => window.seen.refused.push({ message, actions: actions.map((action) => action.id) });
    window.hideHelp = () => { window.seen.hidden += 1; };
    window.ask = () => {};`;
  return (
    '<!doctype html><html lang="en"><head><title>player team</title></head><body><video muted playsinline width="320"></video>' +
    '<button id="sendCodeButton">Send a code</button><form id="codeForm"><input id="codeInput"><button>Confirm</button></form>' +
    `<script>${app}</script><script type="module" src="/snippet.js"></script></body></html>`
  );
}

beforeAll(async () => {
  const launched = launchChromium();
  pageServer = createServer();
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', CORS_ALLOWED_ORIGINS: origin() } }).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  browser = await launched;
  const snippet = documentedSnippet().replaceAll('https://gate.example', gate.url);
  const bundle = await build({
    stdin: { contents: snippet, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'docs/players.md#sdk-hls' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  });
  const script = bundle.outputFiles[0]!.contents;
  pageServer.on('request', (request, response) => {
    if (request.url === '/snippet.js') response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pageHtml(gate.url));
  });
  // Browsers send no country here: the fallback rule `*` decides. The household forms at home, on another network.
  const admin = await mintAdminToken({ scope: 'rollout:write', sub: 'players-doc-test@ops' });
  const ruled = await fetch(`${gate.url}/admin/v1/rollout/${encodeURIComponent('*')}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'challenge', note: 'players-doc test' }),
  });
  if (ruled.status !== 200) throw new Error(`setting the * rule answered ${ruled.status}`);
  const tv = await mintDeviceToken({ account: ACCOUNT, device: 'tv', type: 'tv', ttlSeconds: 600 });
  const home = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.5' } });
  if (home.status !== 200) throw new Error(`the TV at home answered ${home.status}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
  pageServer?.close();
});

describe('docs/players.md, the SDK snippet as written', () => {
  it('refused at start, plays once the code holds, without a reload', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(origin());
    const seen = () => page.evaluate(() => (window as unknown as { seen: { refused: Array<{ message: string; actions: string[] }>; hidden: number } }).seen);
    await expect.poll(async () => (await seen()).refused.length, WAIT).toBe(1);
    expect((await seen()).refused[0]!.actions).toContain('verify');
    const videoTime = () => page.evaluate(() => document.querySelector('video')!.currentTime);
    expect(await videoTime()).toBe(0);

    await page.click('#sendCodeButton');
    await page.fill('#codeInput', await codeFromLog(gate, DEVICE));
    await page.click('#codeForm button');
    await expect.poll(async () => (await seen()).hidden, WAIT).toBe(1);
    await expect.poll(videoTime, WAIT).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
