/**
 * The player SDK as a player team installs it (issue 36, item 8): `npm pack`
 * in packages/player makes a real package (ES modules and declarations in
 * dist/, `exports` per adapter, players as peer dependencies, a README of
 * its own); installed from the tarball into an empty project outside the
 * repository with hls.js beside it, the team's page type-checks against the
 * package's declarations, bundles with esbuild, and plays through the gate
 * from another origin in Chromium.
 *
 * npm installs hls.js from its cache when it can (`--prefer-offline`: CI's
 * `npm ci` put it there), else from the registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { launchChromium } from './chromium';

const HLS_VERSION = (JSON.parse(readFileSync('node_modules/hls.js/package.json', 'utf8')) as { version: string }).version;
const project = mkdtempSync(join(tmpdir(), 'player-team-'));
/** npm with the repository's Node first on PATH (what `npm run` gives a script). */
const npmEnv = { ...process.env, PATH: `${dirname(process.execPath)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}`, npm_config_audit: 'false', npm_config_fund: 'false' };
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The team's page: its own sign-in (the development route, from its origin), then the SDK and hls.js as the package's README shows. */
const PAGE_TS = `
import { Hearth, deviceKey, isRefusal, type Decision, type Refusal } from '@hearth/player';
import { attachHls, hlsConfig } from '@hearth/player/hls';
import Hls from 'hls.js';

declare global { interface Window { result: { reason?: string; playing?: boolean } } }
const params = new URLSearchParams(location.search);
const gate = params.get('gate')!;
const video = document.querySelector('video')!;
window.result = {};
const key = await deviceKey('player-team');
const signIn = await fetch(gate + '/gate/dev/device-token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ account: 'acct-player-team', device: 'laptop-1', type: 'tv', jwk: key.jwk }),
});
const { token } = (await signIn.json()) as { token: string };
const hearth = new Hearth({ gate, token: () => token, key, headers: { 'Hearth-Sim-Country': 'PE', 'CF-Connecting-IP': '203.0.113.40' } });
const decision: Decision | Refusal = await hearth.start();
window.result.reason = decision.reason;
if (!isRefusal(decision)) {
  const hls = new Hls(hlsConfig(hearth, { enableWorker: false }));
  attachHls(hearth, hls);
  hls.loadSource(gate + '/titles/demo/index.m3u8');
  hls.attachMedia(video);
  video.play().catch(() => {});
}
`;

let tarball: string;
let gate: LocalWorker;
let browser: Browser;
let pageServer: Server;
const origin = () => `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

beforeAll(async () => {
  const launched = launchChromium();
  pageServer = createServer();
  await new Promise<void>((done) => pageServer.listen(0, '127.0.0.1', done));
  const started = startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', CORS_ALLOWED_ORIGINS: origin() } });
  try {
    // The package, as `npm pack` makes it (its prepack builds dist/).
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', project], resolve('packages/player'))) as Array<{ filename: string }>;
    tarball = join(project, packed[0]!.filename);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'player-team', private: true, type: 'module' }, null, 2));
    npm(['install', '--prefer-offline', '--no-package-lock', tarball, `hls.js@${HLS_VERSION}`], project);
    gate = await started;
  } catch (error) {
    await (await launched).close();
    (await started.catch(() => null))?.stop();
    throw error;
  }
  browser = await launched;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  gate?.stop();
  pageServer?.close();
  rmSync(project, { recursive: true, force: true });
});

describe('the player SDK as a package', () => {
  it('packs ES modules, declarations and a README, with an entry point per adapter and the players as peers', () => {
    const installed = join(project, 'node_modules', '@hearth', 'player');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual(['.', './hls', './shaka', './videojs', './package.json']);
    expect(manifest.peerDependencies).toEqual({ 'hls.js': expect.any(String), 'shaka-player': expect.any(String), 'video.js': expect.any(String) });
    expect(manifest.dependencies).toBeUndefined();
    for (const entry of ['index', 'hls', 'shaka', 'videojs']) {
      expect(existsSync(join(installed, 'dist', `${entry}.js`)), `${entry}.js`).toBe(true);
      expect(existsSync(join(installed, 'dist', `${entry}.d.ts`)), `${entry}.d.ts`).toBe(true);
    }
    expect(readFileSync(join(installed, 'README.md'), 'utf8')).toContain('npm pack');
    // No TypeScript sources to compile: what ships is built.
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(readdirSync(join(installed, 'dist')).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('type-checks a page against its declarations, bundles it with esbuild, and plays through the gate from another origin', async () => {
    writeFileSync(join(project, 'page.ts'), PAGE_TS);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2023', 'dom', 'dom.iterable'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['page.ts'],
      }),
    );
    // The repository's TypeScript, pointed at the team's project: the package's .d.ts files are what it reads.
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', join(project, 'tsconfig.json')], { encoding: 'utf8' });
    const bundle = await build({ entryPoints: [join(project, 'page.ts')], absWorkingDir: project, bundle: true, format: 'esm', target: 'es2022', write: false });
    const script = bundle.outputFiles[0]!.contents;
    pageServer.on('request', (request, response) => {
      if (request.url?.startsWith('/page.js')) response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
      else
        response
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end('<!doctype html><html lang="en"><title>team</title><video muted playsinline></video><script type="module" src="/page.js"></script></html>');
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin()}/?gate=${encodeURIComponent(gate.url)}`);
    await expect.poll(() => page.evaluate(() => (window as unknown as { result: { reason?: string } }).result.reason), { timeout: 30_000 }).toBe('HOUSEHOLD_ESTABLISHED');
    await expect.poll(() => page.evaluate(() => document.querySelector('video')!.currentTime), { timeout: 30_000 }).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
