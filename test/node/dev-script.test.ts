/**
 * `npm run dev`, the README's command, as a newcomer runs it on a fresh
 * clone: with no `.dev.vars.local` it starts (Node once exited on the
 * script's `--env-file .dev.vars.local` before wrangler could skip the
 * missing file), and a `.dev.vars.local` written later overrides
 * `.dev.vars` (CONTRIBUTING.md, "Local development"); and it starts quietly
 * offline, without wrangler's failed fetch of `Request.cf`.
 *
 * It runs in a scratch folder that links to everything in the repository
 * but a `.dev.vars.local` of its own, so a developer's overrides neither
 * change the answer nor get touched.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

const LOCAL_ONLY = new Set(['.dev.vars.local', '.wrangler', '.git', 'test-artifacts']);
const scratch = mkdtempSync(join(tmpdir(), 'hearth-fresh-clone-'));
for (const entry of readdirSync('.')) if (!LOCAL_ONLY.has(entry)) symlinkSync(resolve(entry), join(scratch, entry));

let gate: LocalWorker | undefined;
afterAll(async () => {
  // Gone for good before its folder is: a wrangler still shutting down writes .wrangler/ again.
  await gate?.kill();
  gate?.stop(); // removes its temporary state
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
});

/** Whether a page on `origin` may call the decision endpoint (a CORS preflight), which CORS_ALLOWED_ORIGINS decides. */
async function allowsOrigin(url: string, origin: string): Promise<boolean> {
  const response = await fetch(`${url}/gate/v1/decision`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  return response.headers.get('Access-Control-Allow-Origin') === origin;
}

describe('npm run dev', () => {
  it('starts without a .dev.vars.local, and a .dev.vars.local overrides .dev.vars', async () => {
    // NODE_ENV as a developer's shell has it (the test runner's `test` would keep wrangler from fetching Request.cf at all).
    gate = await startLocalWorker({ cwd: scratch, npmScript: 'dev', processEnv: { NODE_ENV: 'development' } });
    expect(gate.output()).toMatch(/Using secrets defined in \.dev\.vars$/m);
    expect(gate.output()).not.toContain('.dev.vars.local');
    // Offline (as here), wrangler printed an ENOTFOUND workers.cloudflare.com stack at every start (issue 36, item 13).
    expect(gate.output()).not.toContain('Unable to fetch the `Request.cf` object');
    expect(gate.output()).not.toContain('ENOTFOUND');
    expect(await (await fetch(`${gate.url}/healthz`)).json()).toMatchObject({ ok: true });
    expect(await allowsOrigin(gate.url, 'http://override.test')).toBe(false);
    await gate.kill();
    gate.stop();

    writeFileSync(join(scratch, '.dev.vars.local'), 'CORS_ALLOWED_ORIGINS=http://override.test\n');
    gate = await startLocalWorker({ cwd: scratch, npmScript: 'dev' });
    expect(gate.output()).toContain('Using secrets defined in .dev.vars.local');
    expect(await allowsOrigin(gate.url, 'http://override.test')).toBe(true);
  }, 180_000);
});
